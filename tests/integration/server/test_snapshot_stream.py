"""The snapshot stream's fast path sends what the one serialiser would send.

Snapshot pages are built by position (only instants and days converted) for every
caller who sees unmasked data; pulls and tellers go through `replication.serialise`.
Both must put the same values on the wire, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select

from sync import wire
from sync.server import replication, schema
from sync.server.principal import Principal


def _stream(engine: Engine, principal: Principal) -> dict[str, dict[str, list[Any]]]:
    pages: dict[str, dict[str, list[Any]]] = {}
    for raw in replication.snapshot_lines(engine, principal, "test-client"):
        line = json.loads(raw)
        if line["kind"] != "page":
            continue
        key_columns = ("customer_id", "month") if line["entity"] == "snapshot" else ("id",)
        for row in line["rows"]:
            record = dict(zip(line["columns"], row, strict=True))
            key = "|".join(record[c] for c in key_columns)
            pages.setdefault(line["entity"], {})[key] = [record[c] for c in line["columns"]]
    return pages


def _serialised(engine: Engine, principal: Principal) -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    with engine.connect() as conn:
        owned = {
            r.id
            for r in conn.execute(
                select(schema.customers.c.id).where(schema.customers.c.owner_rm == "rm001")
            )
        }
        for entity, table in replication._TABLES.items():
            for row in conn.execute(select(table)):
                customer = row.id if entity == "customer" else row.customer_id
                if customer not in owned or (entity == "task" and row.deleted):
                    continue
                data = replication.serialise(entity, row, principal)
                key = (
                    wire.snapshot_key(row.customer_id, row.month)
                    if entity == "snapshot"
                    else row.id
                )
                out.setdefault(entity, {})[key] = [data[c] for c in wire.ENTITY_COLUMNS[entity]]
    return out


def test_snapshot_rows_equal_the_serialiser(server_engine: Engine, bank: dict[str, str]) -> None:
    with server_engine.connect() as conn:
        branch = conn.execute(
            select(schema.users.c.branch).where(schema.users.c.user_id == "rm001")
        ).scalar_one()
    rm = Principal(user_id="rm001", role="rm", branch=branch, device_id="d1")
    streamed = _stream(server_engine, rm)
    assert set(streamed) == {"customer", "holding", "snapshot", "interaction", "task"}
    assert streamed == _serialised(server_engine, rm)
