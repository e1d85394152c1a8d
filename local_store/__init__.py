"""The encrypted local cache: keys, the SQLCipher engine, tables, repositories,
the search index, the outbox and sync state, the audit chain and migrations."""

# The connection repositories take, named here so that services can type it without
# importing SQLAlchemy: they hold no SQL (ARCHITECTURE §1).
from sqlalchemy import Connection

__all__ = ["Connection"]
