"""The JSON API, version 1: eligible providers for a contract, and the OpenAPI document describing it.

Read-only and public: anyone may call it; a signed-in commissioner, officer or admin sees a little more.
Every answer under /api/v1/ is JSON, errors included (see ``views``).
"""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Nothing here changes state: every method but GET is answered 405 in JSON, which CSRF checks would pre-empt.
csrf.exempt(bp)

from app.api import views  # noqa: E402,F401  (views register routes on bp)
