"""Storage: SQLAlchemy 2 (async) tables, the database handle and Alembic migrations."""

from bot.storage.database import Database

__all__ = ["Database"]
