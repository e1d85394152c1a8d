"""Alembic's environment for the gateway: always online, on the connection
`sync.server.migrate` hands over (`config.attributes["connection"]`), inside its
transaction. No logging configuration: the command line prints its own lines."""

from __future__ import annotations

from alembic import context

from sync.server import schema

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=schema.metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
)
with context.begin_transaction():
    context.run_migrations()
