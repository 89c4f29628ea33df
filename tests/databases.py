"""Fresh case-log databases for tests: a SQLite file, or a new PostgreSQL database.

PostgreSQL runs at 127.0.0.1:5432 with trust authentication (user ``postgres``);
``POSTGRES_TEST_URL`` points elsewhere. Each test session creates its own database
with a random name and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.db import Database, migrate

POSTGRES_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
# Children first, so deletes never break a foreign key.
TABLES = (
    "contact_details",
    "case_events",
    "cases",
    "recovery_codes",
    "advisers",
    "case_statistics",
)


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """Create a migrated database of ``kind`` (sqlite or postgresql); yield its URL."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / f'caselog-{uuid.uuid4().hex[:8]}.db'}"
        migrate(url)
        yield url
        return
    server_url = os.environ.get("POSTGRES_TEST_URL", POSTGRES_SERVER)
    name = f"advieslijn_test_{uuid.uuid4().hex[:12]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        server.dispose()
        raise RuntimeError(
            f"PostgreSQL is needed for the case log tests and is not reachable at "
            f"{make_url(server_url).render_as_string(hide_password=True)}: {exc}"
        ) from exc
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        server.dispose()


def empty(database: Database) -> None:
    """Delete every row of the case log (the schema stays).

    The audit trail refuses deletes unless the transaction holds a row in
    ``trail_deletions`` (migration 0003); it is removed before the commit.
    """
    with database.session_scope() as session:
        session.execute(text("INSERT INTO trail_deletions (reason) VALUES ('tests')"))
        for table in TABLES:
            session.execute(text(f"DELETE FROM {table}"))
        session.execute(text("DELETE FROM trail_deletions"))
