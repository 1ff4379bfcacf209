"""Running the register: officers and admins only."""

from flask import Blueprint

from app.web.guard import guard_blueprint

bp = Blueprint("officers", __name__, url_prefix="/officer")
guard_blueprint(bp, "officers")

# Every module that registers routes on bp, here where a reader looks for them.
from app.officers import audit_views, band_views, import_views, register_views, spend_views, views  # noqa: E402,F401
