"""Storage: SQLAlchemy 2 Core tables, engine set-up and Alembic migrations."""
