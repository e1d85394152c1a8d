"""A run of pushed interaction creates is applied together (a handful of statements
instead of seven per note): the outcomes, rows and change-log order must be exactly
what applying them one by one gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from sync.protocol import SCHEMA_VERSION, Mutation, PushRequest
from sync.server import mutations, schema
from sync.server.principal import Principal

AT = datetime(2026, 11, 24, 9, tzinfo=UTC)


def _note(n: int, entity_id: str, **fields: Any) -> Mutation:
    return Mutation(
        mutation_id=n,
        name="interaction.create",
        entity="interaction",
        entity_id=entity_id,
        op="create",
        fields={"kind": "visit", "occurred_at": AT.isoformat(), "note": f"拜访 {n}", **fields},
        client_time=AT,
    )


def _case(tag: str, mine: str, theirs: str, stored: str) -> list[dict[str, Any]]:
    """Every rule a note meets, as (entity id, fields) in push order."""
    return [
        {"id": f"{tag}-1", "customer_id": mine},
        {"id": stored, "customer_id": mine},  # stored before: a duplicate
        {"id": f"{tag}-1", "customer_id": mine},  # earlier in this push: a duplicate
        {"id": f"{tag}-2", "customer_id": theirs},  # not in the caller's book
        {"id": f"{tag}-3", "customer_id": mine, "kind": "gossip"},  # invalid field
        {"id": f"{tag}-4", "customer_id": mine, "supersedes_id": f"{tag}-1"},  # amends this push's
        {"id": f"{tag}-5", "customer_id": mine, "supersedes_id": "nowhere"},  # unknown original
        {"id": f"{tag}-6", "customer_id": mine, "supersedes_id": stored},  # amends a stored one
        {"id": f"{tag}-7", "customer_id": mine, "kind": "complaint", "subject": "投诉"},
    ]


def _plain(entity_id: str | None) -> str | None:
    """An id without its run's tag (t- or s-)."""
    return entity_id[2:] if entity_id and entity_id[:2] in ("t-", "s-") else entity_id


def _push(engine: Engine, who: Principal, client: str, batch: list[Mutation]) -> list[Any]:
    request = PushRequest(schema_version=SCHEMA_VERSION, client_id=client, mutations=batch)
    return mutations.push(engine, who, request).results


def test_a_run_of_notes_gives_what_one_by_one_gives(
    server_engine: Engine, bank: dict[str, str]
) -> None:
    c = schema.customers.c
    with server_engine.connect() as conn:
        mine, branch = conn.execute(
            select(c.id, c.branch).where(c.owner_rm == "rm001").order_by(c.id)
        ).first()  # type: ignore[misc]
        theirs = conn.execute(select(c.id).where(c.owner_rm != "rm001").order_by(c.id)).scalar()
    rm = Principal(user_id="rm001", role="rm", branch=branch, device_id="d1")
    first = _push(server_engine, rm, "setup", [_note(1, "stored-1", customer_id=mine)])
    assert first[0].outcome == "applied"

    def outcomes(tag: str, client: str, together: bool) -> list[tuple[Any, ...]]:
        case = _case(tag, mine, str(theirs), "stored-1")
        batch = [
            _note(n, f["id"], **{k: v for k, v in f.items() if k != "id"})
            for n, f in enumerate(case, start=1)
        ]
        results = (
            _push(server_engine, rm, client, batch)
            if together
            else [r for m in batch for r in _push(server_engine, rm, client, [m])]
        )
        return [(r.mutation_id, r.outcome, r.reason, r.version, r.current) for r in results]

    together = outcomes("t", "client-together", together=True)
    one_by_one = outcomes("s", "client-single", together=False)
    assert together == one_by_one
    assert [o[1] for o in together] == [
        "applied", "applied", "applied", "rejected", "rejected",
        "applied", "rejected", "applied", "applied",
    ]  # fmt: skip
    assert [o[2] for o in together if o[1] == "rejected"] == [
        "customer_not_in_scope",
        "invalid_fields:kind",
        "amended_interaction_unknown",
    ]

    i, log = schema.interactions.c, schema.change_log.c
    with server_engine.connect() as conn:

        def stored(tag: str) -> list[tuple[Any, ...]]:
            rows = conn.execute(
                select(i.id, i.customer_id, i.kind, i.subject, i.supersedes_id, i.created_by, i.seq)
                .where(i.id.like(f"{tag}-%"))
                .order_by(i.seq)
            ).all()
            return [(_plain(r[0]), *r[1:4], _plain(r[4]), r[5]) for r in rows]

        assert stored("t") == stored("s")
        assert [r[0] for r in stored("t")] == ["1", "4", "6", "7"]  # in push order
        for tag in ("t", "s"):
            entries = conn.execute(
                select(log.seq, log.scope, i.seq)
                .join(schema.interactions, schema.interactions.c.id == log.entity_id)
                .where(log.entity == "interaction", log.entity_id.like(f"{tag}-%"))
                .order_by(log.seq)
            ).all()
            assert {e[1] for e in entries} == {"rm:rm001", f"branch:{branch}"}
            assert len(entries) == 8  # two scopes for each of the four notes
            for row_seq in {e[2] for e in entries}:  # a row's seq is its last entry's
                assert row_seq == max(e[0] for e in entries if e[2] == row_seq)
