"""Buying: the commissioner's area. Commissioners, officers and admins."""

from flask import Blueprint

from app.web.guard import guard_blueprint

bp = Blueprint("commissioners", __name__, url_prefix="/commissioner")
guard_blueprint(bp, "commissioners")

# Every module that registers routes on bp, here where a reader looks for them.
from app.commissioners import record_views, views  # noqa: E402,F401
