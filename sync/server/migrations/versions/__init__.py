"""Alembic revisions of the gateway's schema, oldest first (0001: the baseline)."""
