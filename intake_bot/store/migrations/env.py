"""Alembic environment: runs on the connection handed over by intake_bot.store.engine.upgrade."""

from __future__ import annotations

from alembic import context

from intake_bot.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through intake_bot.store.engine
    raise RuntimeError("run migrations with `intake-bot db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite needs batch mode for ALTER
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
