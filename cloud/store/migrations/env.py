"""Alembic environment: runs on the connection handed over by `cloud.store.db.migrate`."""

from alembic import context

from cloud.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - we always migrate through cloud.store.db.migrate
    raise RuntimeError("run migrations through cloud.store.db.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
