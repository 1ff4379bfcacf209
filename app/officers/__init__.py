"""Running the register: officers and admins only."""

from flask import Blueprint

from app.web.guard import guard_blueprint

bp = Blueprint("officers", __name__, url_prefix="/officer")
guard_blueprint(bp, "officers")

from app.officers import audit_views, import_views, views  # noqa: E402,F401  (views register routes on bp)
