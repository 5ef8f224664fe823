"""Alembic environment: runs migrations synchronously on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
# Released at commit; per schema, like the leadership lock.
MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('peerpulse-migrate:' || current_schema(), 0))"
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Apply migrations over a real connection."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas deployed together all migrate at start: the first applies the
                # migrations, the others wait here and then find nothing left to do.
                connection.execute(text(MIGRATION_LOCK))
            context.run_migrations()
    engine.dispose()


run_migrations_online()
