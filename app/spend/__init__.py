"""Where the council's money goes: the spend report, two periods side by side, the payments behind any figure, and
the leakage turned into opportunities. Commissioners, officers and admins."""

from flask import Blueprint

from app.web.guard import guard_blueprint

bp = Blueprint("spend", __name__, url_prefix="/spend")
guard_blueprint(bp, "spend")

# Every module that registers routes on bp, here where a reader looks for them.
from app.spend import downloads, leakage_views, views  # noqa: E402,F401
