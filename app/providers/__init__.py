"""The provider's own area: their organisation's entry. Providers only."""

from flask import Blueprint

from app.web.guard import guard_blueprint

bp = Blueprint("providers", __name__, url_prefix="/provider")
guard_blueprint(bp, "providers")

from app.providers import views  # noqa: E402,F401  (views register routes on bp)
