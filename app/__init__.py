"""Local Supplier Register: the application factory.

The factory imports the web stack when it is called, not when the package is: pure code (``app.domain``) imported by
itself, as the register loader's worker processes and the domain tests do, brings no Flask or SQLAlchemy with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment plus ``config`` overrides. No I/O beyond reading settings."""
    from flask import Flask
    from govuk_frontend_wtf.main import WTFormsHelpers
    from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

    from app.config import INSTANCE_DIR, PROJECT_ROOT, load_config
    from app.extensions import csrf, db, limiter, login_manager, migrate

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_mapping(load_config(config))
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from app.web import request_log

    request_log.init_app(app)  # first, so every request has its id before any other hook can answer it

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    WTFormsHelpers(app)

    from app import api, auth, commissioners, officers, providers, public, spend
    from app.web import health, init_web

    login_manager.init_app(app)
    init_web(app)

    app.register_blueprint(health.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(providers.bp)
    app.register_blueprint(commissioners.bp)
    app.register_blueprint(officers.bp)
    app.register_blueprint(spend.bp)
    app.register_blueprint(api.bp)

    from app.cli import register_cli

    register_cli(app)
    return app
