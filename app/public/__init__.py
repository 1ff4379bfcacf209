"""Pages anyone can see: the home page, the directory and the service's own information pages."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import views  # noqa: E402,F401  (views register routes on bp)
