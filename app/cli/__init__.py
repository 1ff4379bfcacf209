"""Command-line tools over the same services the web pages use: one module per command group."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Add every command group to ``flask``."""
    from app.cli.accounts import create_user_command
    from app.cli.backup import backup_command
    from app.cli.geo import geo
    from app.cli.imports import import_suppliers_command
    from app.cli.mail import outbox_command, send_outbox_command
    from app.cli.registers import registers
    from app.cli.search import search_group
    from app.cli.seed import seed_command
    from app.cli.spend import spend

    for command in (
        seed_command,
        create_user_command,
        outbox_command,
        send_outbox_command,
        geo,
        search_group,
        import_suppliers_command,
        backup_command,
        spend,
        registers,
    ):
        app.cli.add_command(command)
