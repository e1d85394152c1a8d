"""Hostile text in every text field of every mutation kind, pushed over HTTP to the real
gateway on a loopback port, on SQLite and PostgreSQL: never a 5xx, every mutation gets
an outcome, the mutations after the hostile ones (same batch and the next batch) are
applied, and what the gateway stored is clean text.

Hostile: U+0000 (PostgreSQL refuses it in text), lone surrogates (not encodable as
UTF-8), C0 and C1 controls, DEL, very long strings, right-to-left marks and overrides,
zero-width characters, emoji, CJK, and anything Hypothesis draws from all of Unicode.
The body is sent as ASCII JSON ("\\u0000", "\\ud800"), as any JSON encoder may write it.

The envelope a client's code sets (ids, mutation name, entity and op) is outside this
test: it is validated for the whole batch (422), and a client never puts user text
there. The mutation name does get hostile characters around a real name.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rm_desk.domain.text import is_clean
from sync import protocol
from sync.server import admin, schema
from tests.integration.conftest import Gateway

AS_OF = date(2026, 11, 24)
AT = "2026-11-24T09:00:00+00:00"
OUTCOMES = {"applied", "merged", "conflict", "rejected", "skipped"}

NASTY = [
    "\x00", "a\x00b", "\ud800", "\udfff", "x\udc00y", "\ud83d", "\x01\x02\x1b[31m", "\x7f",
    "\x80\x85\x9f", "\r\n\r", "\t", "\u200f\u202e\u2066", "\u200b\u200d\ufeff", "😀👍🏽",
    "客户王先生", "مرحبا", "\U0010ffff", "\ufffe", "", " ",
    "'; DROP TABLE interactions; --", "%s %(x)s {}",
]  # fmt: skip
_ANY = st.characters(codec=None, exclude_categories=())  # all of Unicode, surrogates too


def hostile_text() -> st.SearchStrategy[str]:
    pieces = st.one_of(st.sampled_from(NASTY), st.text(alphabet=_ANY, max_size=12))
    short = st.lists(pieces, min_size=1, max_size=5).map("".join)
    long = st.builds(lambda s, n: (s or "长") * n, short, st.integers(1_000, 25_000))
    return st.one_of(short, short, short, long)


@dataclass
class Bank:
    url: str
    token: str
    customers: list[str]
    tasks: list[str]
    ids: Iterator[int]


@dataclass
class Kind:
    """A mutation kind: valid fields, and which of them are text."""

    entity: str
    op: str
    name: str
    fields: Callable[[Bank, str], dict[str, Any]]
    text: tuple[str, ...]
    entity_id: Callable[[Bank, str], str] = lambda _b, own: own


KINDS = [
    Kind(
        "interaction", "create", "interaction.create",
        lambda b, _id: {"customer_id": b.customers[0], "kind": "visit", "occurred_at": AT,
                        "subject": "s", "note": "n", "participants": ["p"], "outcome": "o",
                        "next_step": "x", "created_by": "rm001"},
        ("subject", "note", "outcome", "next_step", "created_by", "participants", "kind"),
    ),
    Kind(
        "task", "create", "task.create",
        lambda b, _id: {"customer_id": b.customers[0], "title": "t", "due": "2026-12-01",
                        "assignee": "rm001", "outcome": "", "detail": "d", "reason_code": None,
                        "source": "manual", "status": "open"},
        ("title", "detail", "outcome", "assignee", "reason_code", "source", "status"),
    ),
    Kind(
        "task", "update", "task.update",
        lambda b, _id: {"title": "t2", "detail": "d2", "outcome": "o2"},
        ("title", "detail", "outcome", "assignee", "status"),
        lambda b, _own: b.tasks[0],
    ),
    Kind("task", "delete", "task.delete", lambda b, _id: {}, ("extra",),
         lambda b, _own: b.tasks[1]),
    Kind(
        "customer", "update", "customer.update",
        lambda b, _id: {"email": "a@b.cn", "tags": "|vip|"},
        ("email", "tags", "mobile"),
        lambda b, _own: b.customers[1],
    ),
    Kind(
        "customer", "request_change", "customer.request_change",
        lambda b, _id: {"address": "上海"},
        ("address", "name", "id_number"),
        lambda b, _own: b.customers[2],
    ),
    Kind(
        "churn_event", "event", "churn.acknowledge",
        lambda b, _id: {"customer_id": b.customers[3], "action": "acknowledge", "note": "n",
                        "reason_code": "price", "score": 0.5},
        ("note", "reason_code", "action"),
    ),
    Kind("noop", "noop", "noop", lambda b, _id: {}, ("anything",)),
]  # fmt: skip


@st.composite
def hostile_mutation(draw: st.DrawFn, bank: Bank, mutation_id: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS), "kind")
    own = f"hx-{next(bank.ids)}"
    fields = kind.fields(bank, own)
    for name in draw(st.sets(st.sampled_from(kind.text), min_size=1), "hostile fields"):
        value = draw(hostile_text(), name)
        fields[name] = [value, "ok"] if name == "participants" else value
    if draw(st.booleans(), "hostile key"):
        fields[draw(hostile_text(), "key")[:300]] = draw(hostile_text(), "value of hostile key")
    name = kind.name
    if draw(st.booleans(), "hostile name"):
        name = (draw(st.sampled_from(NASTY)) + kind.name + draw(st.sampled_from(NASTY)))[:64]
    return {
        "mutation_id": mutation_id,
        "name": name,
        "entity": kind.entity,
        "entity_id": kind.entity_id(bank, own),
        "op": kind.op,
        "base_version": draw(st.sampled_from([None, 0, 1])),
        "fields": fields,
        "client_time": AT,
    }


def _note(bank: Bank, mutation_id: int, entity_id: str) -> dict[str, Any]:
    return {
        "mutation_id": mutation_id,
        "name": "interaction.create",
        "entity": "interaction",
        "entity_id": entity_id,
        "op": "create",
        "fields": {"customer_id": bank.customers[0], "kind": "call", "occurred_at": AT,
                   "note": "正常的记录"},
        "client_time": AT,
    }  # fmt: skip


def _push(bank: Bank, client_id: str, batch: list[dict[str, Any]]) -> requests.Response:
    body = {"schema_version": protocol.SCHEMA_VERSION, "client_id": client_id, "mutations": batch}
    return requests.post(
        f"{bank.url}/sync/v1/push",
        data=json.dumps(body).encode("ascii"),  # ASCII JSON: lone surrogates as escapes
        headers={"authorization": f"Bearer {bank.token}", "content-type": "application/json"},
        timeout=60,
    )


@pytest.fixture
def bank(gateway: Gateway) -> Bank:
    admin.seed(gateway.engine, customers=8, rms=1, seed=5, as_of=AS_OF)
    login = requests.post(
        f"{gateway.url}/auth/v1/login",
        json={"schema_version": 1, "user": "rm001", "password": "demo-rm001",
              "device_id": "hostile-device"},
        timeout=30,
    )  # fmt: skip
    assert login.status_code == 200, login.text
    c, t = schema.customers.c, schema.tasks.c
    with gateway.engine.connect() as conn:
        customers = list(conn.execute(select(c.id).where(c.owner_rm == "rm001").order_by(c.id)))
        tasks = list(
            conn.execute(
                select(t.id).where(t.assignee == "rm001", t.deleted.is_(False)).order_by(t.id)
            )
        )
    assert len(customers) >= 4
    assert len(tasks) >= 2
    return Bank(
        gateway.url,
        login.json()["access_token"],
        [r[0] for r in customers],
        [r[0] for r in tasks],
        itertools.count(),
    )


def test_hostile_text_never_fails_a_push_nor_blocks_what_follows(
    gateway: Gateway, bank: Bank
) -> None:
    clients = itertools.count()
    outcomes: dict[str, int] = {}
    sent: list[str] = []

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its example
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        client_id = f"hostile-{next(clients)}"
        count = data.draw(st.integers(1, 4), "hostile mutations")
        batch = [data.draw(hostile_mutation(bank, n), f"mutation {n}") for n in range(1, count + 1)]
        after = f"after-{client_id}"
        batch.append(_note(bank, count + 1, after))
        answer = _push(bank, client_id, batch)
        assert answer.status_code == 200, answer.text[:500]
        body = answer.json()
        assert body["last_mutation_id"] == count + 1  # every one processed
        results = body["results"]
        assert [r["mutation_id"] for r in results] == list(range(1, count + 2))
        assert {r["outcome"] for r in results} <= OUTCOMES
        assert results[-1]["outcome"] == "applied"  # later in the same batch
        for r in results[:-1]:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        following = _push(bank, client_id, [_note(bank, count + 2, f"next-{client_id}")])
        assert following.status_code == 200, following.text[:500]
        assert following.json()["results"][0]["outcome"] == "applied"  # the next batch
        sent.append(client_id)

    run()
    # Both kinds of answer were reached: stored (cleaned) and refused for good.
    assert outcomes.get("applied", 0) > 0
    assert outcomes.get("rejected", 0) > 0

    i, t, ce, cr = (
        schema.interactions.c,
        schema.tasks.c,
        schema.churn_events.c,
        schema.change_requests.c,
    )
    with gateway.engine.connect() as conn:
        stored = [
            *conn.execute(select(i.subject, i.note, i.outcome, i.next_step)).all(),
            *conn.execute(select(t.title, t.detail, t.outcome)).all(),
            *conn.execute(select(ce.note)).all(),
        ]
        values = [v for (v,) in conn.execute(select(cr.value)).all()]
        notes = {r[0] for r in conn.execute(select(i.id).where(i.id.like("%-hostile-%")))}
    assert all(is_clean(v) for row in stored for v in row if isinstance(v, str))
    assert all(is_clean(json.dumps(v, ensure_ascii=False)) for v in values)
    assert len(sent) >= 80
    assert notes == {f"{when}-{c}" for c in sent for when in ("after", "next")}
