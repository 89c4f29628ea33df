"""Alembic environment: migrate the case log database named by the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.caselog.models import metadata
from bot.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations() -> None:
    """Run the migrations online, in one transaction."""
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
