"""Alembic migrations of the service's database (`app/migrate.py`)."""
