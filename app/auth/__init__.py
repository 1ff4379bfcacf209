"""Signing in and out, and resetting a password. Open to everyone."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402,F401  (views register routes on bp)
