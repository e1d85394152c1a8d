"""The gateway validates pushed payloads with the wire models (sync.protocol) and answers
with stable codes; what it stores from them is the row's plain values (dates as ISO
text, statuses and kinds by their code), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from sync.protocol import SCHEMA_VERSION, Mutation, PushRequest
from sync.server import mutations, schema
from sync.server.principal import Principal

AT = datetime(2026, 11, 24, 9, tzinfo=UTC)


def _push(
    engine: Engine, who: Principal, batch: list[tuple[str, str, str, dict[str, Any]]]
) -> list[Any]:
    request = PushRequest(
        schema_version=SCHEMA_VERSION,
        client_id="c1",
        mutations=[
            Mutation(
                mutation_id=n,
                name=name,
                entity=name.split(".")[0],
                entity_id=entity_id,
                op=op,
                base_version=None if op == "create" else 1,
                fields=fields,
                client_time=AT,
            )
            for n, (name, entity_id, op, fields) in enumerate(batch, start=1)
        ],
    )
    return [(r.outcome, r.reason) for r in mutations.push(engine, who, request).results]


def test_pushed_payloads_are_checked_and_stored_as_plain_values(
    server_engine: Engine, bank: dict[str, str]
) -> None:
    c, t = schema.customers.c, schema.tasks.c
    with server_engine.connect() as conn:
        cif, branch = conn.execute(
            select(c.id, c.branch).where(c.owner_rm == "rm001").order_by(c.id)
        ).first()  # type: ignore[misc]
    rm = Principal(user_id="rm001", role="rm", branch=branch, device_id="d1")
    task = {"customer_id": cif, "title": "回访", "due": "2026-12-01", "assignee": "rm001"}
    results = _push(
        server_engine,
        rm,
        [
            ("task.create", "t1", "create", task),
            ("task.create", "t2", "create", task | {"status": "archived"}),
            ("task.create", "t3", "create", task | {"source": "gossip"}),
            ("task.update", "t1", "update", {"status": "in_progress", "due": "2026-12-03"}),
            ("task.update", "t1", "update", {"priority": 9}),
            ("customer.update", cif, "update", {"tags": 7, "email": "x" * 501}),
            ("customer.update", cif, "update", {"email": "x" * 501, "tags": 7}),
            ("customer.update", cif, "update", {"mobile": None}),
            ("customer.update", cif, "update", {"email": "new@example.cn", "risk_profile": 5}),
            ("customer.update", cif, "update", {"email": "new@example.cn", "segment": "x"}),
            ("customer.request_change", cif, "request_change", {"email": "x"}),
            ("customer.request_change", cif, "request_change", {}),
            ("churn_event.event", "e1", "event", {"customer_id": cif, "action": "snooze"}),
            (
                "interaction.create",
                "i1",
                "create",
                {"customer_id": cif, "kind": "Visit", "occurred_at": AT.isoformat()},
            ),  # fmt: skip
            (
                "interaction.create",
                "i2",
                "create",
                {"customer_id": cif, "kind": "call", "occurred_at": AT.isoformat()},
            ),  # fmt: skip
        ],
    )
    assert results == [
        ("applied", None),
        ("rejected", "invalid_fields:status"),
        ("rejected", "invalid_fields:source"),
        ("applied", None),
        ("rejected", "invalid_fields:priority"),
        ("rejected", "invalid_fields:tags"),  # the first pushed field in error
        ("rejected", "invalid_fields:email"),
        ("rejected", "invalid_fields:mobile"),
        ("rejected", "regulated_field:risk_profile"),
        ("rejected", "read_only_field:segment"),
        ("rejected", "not_a_regulated_field:email"),
        ("rejected", "invalid_fields:empty"),
        ("rejected", "invalid_fields:action"),
        ("rejected", "invalid_fields:kind"),
        ("applied", None),
    ]
    i = schema.interactions.c
    with server_engine.connect() as conn:
        row = conn.execute(select(t.status, t.due, t.source, t.version).where(t.id == "t1")).one()
        kind = conn.execute(select(i.kind).where(i.id == "i2")).scalar_one()
    assert tuple(row) == ("in_progress", "2026-12-03", "manual", 2)
    assert kind == "call"
