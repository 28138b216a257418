"""Alembic environment of the local database.

The app runs migrations programmatically (``storage/db.py``) and hands over its
own connection, already inside ``BEGIN IMMEDIATE``, through
``config.attributes["connection"]``. For developers, ``alembic -c
huntaze_desktop/storage/migrations/alembic.ini revision -m ...`` works too, on
the URL given in that file.

A plain ``import`` of this module (e.g. by the layering test) does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from huntaze_desktop.storage.models import metadata

target_metadata = metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: future migrations copy-and-move tables.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    config = context.config
    given = config.attributes.get("connection")
    if given is not None:
        _configure_and_run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url in alembic.ini or pass a connection")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _configure_and_run(connection)
            connection.commit()
    finally:
        engine.dispose()


# Alembic installs ``context.config`` only while it runs this script.
if hasattr(context, "config"):
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    _run()
