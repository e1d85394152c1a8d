"""ASGI entry point for running the gateway under a process manager.

    RM_DESK_CENTRAL_DB=postgresql+psycopg://... \\
        uvicorn --factory sync.server.asgi:app_from_env --workers 4 --port 8765

The gateway keeps no state in the process (tokens, cursors and mutation ids live in
the database), so any number of workers or replicas can serve the same database.
RM_DESK_CENTRAL_MAX_BODY_MIB sets the request body limit (as `serve --max-body-mib`).
A database not at the code's schema revision stops the worker with the one line of
`serve` (run `rm-desk-central db upgrade` first, once, not from every worker).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from sync.server import body_limit, db, migrate
from sync.server.app import create_app


def app_from_env() -> FastAPI:
    engine = db.make_engine(os.environ.get("RM_DESK_CENTRAL_DB") or None)
    migrate.require_head(engine)
    mib = os.environ.get("RM_DESK_CENTRAL_MAX_BODY_MIB")
    max_body = int(float(mib) * 2**20) if mib else body_limit.DEFAULT_LIMIT
    return create_app(engine, max_body=max_body)
