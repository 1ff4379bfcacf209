"""Buying: the commissioner's area. Commissioners, officers and admins."""

from flask import Blueprint

from app.web.guard import guard_blueprint

bp = Blueprint("commissioners", __name__, url_prefix="/commissioner")
guard_blueprint(bp, "commissioners")

from app.commissioners import views  # noqa: E402,F401  (views register routes on bp)
