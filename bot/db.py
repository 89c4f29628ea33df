"""The case log's database: one engine per process, one session per unit of work.

``DATABASE_URL`` (see :mod:`bot.settings`) selects it: SQLite under ``var/`` by
default, PostgreSQL in production. The schema is owned by Alembic
(``migrations/``); :func:`migrate` brings a database up to date. Nothing connects
at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import PROJECT_ROOT, Settings, get_settings


class Database:
    """An engine and its session factory for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        options: dict[str, Any] = {"future": True, "pool_pre_ping": True}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # Several processes share the file: wait for locks instead of failing.
            options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        self.engine: Engine = create_engine(url, **options)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Yield a session; commit when the block ends, roll back when it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def wipe_deleted(self) -> None:
        """After a deletion: move the WAL into the database file and truncate it (SQLite).

        With ``secure_delete`` the deleted rows are zeroed in the pages the deletion
        wrote, but older copies of those pages stay in the write-ahead log until a
        checkpoint; this one copies every frame back and empties the log.
        """
        checkpoint_wal(self.engine)


def secure_sqlite(connection: Any) -> None:
    """Zero deleted content on this SQLite connection (``PRAGMA secure_delete=ON``)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def harden_sqlite_engine(engine: Engine) -> None:
    """Make every new connection of a SQLite engine zero what it deletes."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _secure_hook):
        event.listen(engine, "connect", _secure_hook)


def _secure_hook(connection: Any, _record: Any) -> None:
    secure_sqlite(connection)


def checkpoint_wal(engine: Engine) -> None:
    """Checkpoint and truncate a SQLite engine's write-ahead log (nothing for others)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # deleted rows are overwritten with zeros, not left in free pages
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


_databases: dict[str, Database] = {}
_lock = threading.Lock()


def get_database(settings: Settings | None = None) -> Database:
    """Return this process's :class:`Database` for the configured URL (created on first use)."""
    url = (settings or get_settings()).database_url
    with _lock:
        if url not in _databases:
            _databases[url] = Database(url)
        return _databases[url]


def dispose_all() -> None:
    """Close and forget every database of this process (tests, shutdown)."""
    with _lock:
        for database in _databases.values():
            database.dispose()
        _databases.clear()


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """Open one unit of work on the configured database (commit at the end, or roll back)."""
    with get_database(settings).session_scope() as session:
        yield session


def migrate(url: str) -> None:
    """Bring the database at ``url`` up to the newest schema (``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
