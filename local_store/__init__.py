"""The encrypted local cache: keys, the SQLCipher engine, tables, repositories,
the search index, the outbox and sync state, the audit chain and migrations."""
