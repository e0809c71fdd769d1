"""The store's schema migrations (Alembic). `upgrade` brings a database to the newest revision;
a new revision is a file in versions/ (`alembic revision` with this folder as script_location)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def config(engine=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine):
    """Apply every migration the database has not had yet."""
    from alembic import command

    command.upgrade(config(engine), "head")


def current(engine) -> str | None:
    """The database's revision (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
