"""Every gateway endpoint for every role, over loopback HTTP on SQLite and PostgreSQL.

The endpoints come from the app's own routes: one without a case here fails the test.
The gateway holds the demo bank (branch BR001: rm001, rm002, teller001, mgr001 and
admin) plus a second branch, BR900, whose RM took over one of rm002's customers. Then:

- an RM reads only their own book and can push nothing about another RM's customer;
- a manager reads only their branch and pushes nothing about another branch's customer;
- a teller reads their branch with the personal fields masked and minimised (mobile,
  e-mail, address, ID number, card and account numbers, the birth date as its year),
  in every answer, refused pushes included; the name stays (it is how a teller finds a
  customer at the counter; SPEC §2 masks phone, ID and card numbers, e-mail, address);
- admin gets no customer row from any endpoint and pushes nothing.

Endpoints that are not about customer data answer every role alike: `/health` (no
token), `/auth/v1/login` and `/auth/v1/refresh` (the caller's own role and branch, no
customer data), and FastAPI's API documents (`/openapi.json`, `/docs`, `/redoc`,
`/docs/oauth2-redirect`: static, no token, no data). The churn model travels inside
the pull answer (`churn_model`), which every role but admin may receive; it holds
coefficients, not customers. The staff directory (`/sync/v1/directory`) names the
caller's branch colleagues, never another branch's, and tells only a manager when each
one last synced; it holds no customer data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, func, select

from rm_desk.domain.audit_chain import GENESIS, detail_text, digest
from rm_desk.domain.masking import MaskKind, birth_year_only, mask, minimised_id_number
from sync import protocol
from sync.server import admin, schema
from sync.server.app import create_app
from tests.integration.conftest import Gateway

OTHER_BRANCH = "BR900"
OTHER_PASSWORD = "other branch password"
USER_OF = {"rm": "rm001", "teller": "teller001", "manager": "mgr001", "admin": "admin"}
ROLES = tuple(USER_OF)
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@dataclass
class World:
    gateway: Gateway
    passwords: dict[str, str]
    customers: dict[str, Any]  # id -> the gateway's row
    mine: str  # a customer of rm001
    colleagues: str  # a customer of rm002 (same branch)
    far: str  # the customer moved to BR900
    tasks: dict[str, str] = field(default_factory=dict)  # customer id -> a task on it

    def visible(self, role: str) -> set[str]:
        """The customers each role's user must see, spelled out (not asked of the matrix)."""
        rows = self.customers.values()
        match role:
            case "rm":
                return {r.id for r in rows if r.owner_rm == "rm001"}
            case "teller" | "manager":
                return {r.id for r in rows if r.branch == "BR001"}
            case _:
                return set()

    def foreign(self, role: str) -> list[str]:
        """Customers the role's user must not touch."""
        return {
            "rm": [self.colleagues, self.far],
            "teller": [self.far],
            "manager": [self.far],
            "admin": [self.mine, self.far],
        }[role]


def _login(world: World, user: str, device: str) -> dict[str, Any]:
    body = {"schema_version": protocol.SCHEMA_VERSION, "user": user,
            "password": world.passwords[user], "device_id": device}  # fmt: skip
    answer = requests.post(world.gateway.url + "/auth/v1/login", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _push(
    world: World, token: str, client_id: str, mutations: list[dict[str, Any]]
) -> requests.Response:
    body = {"schema_version": protocol.SCHEMA_VERSION, "client_id": client_id,
            "mutations": mutations}  # fmt: skip
    return requests.post(world.gateway.url + "/sync/v1/push", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)  # fmt: skip


def _mutation(n: int, entity: str, entity_id: str, op: str, fields: dict[str, Any],
              base_version: int | None = None) -> dict[str, Any]:  # fmt: skip
    return {"mutation_id": n, "name": f"{entity}.{op}", "entity": entity,
            "entity_id": entity_id, "op": op, "base_version": base_version,
            "fields": fields, "client_time": T0.isoformat()}  # fmt: skip


@pytest.fixture
def world(gateway: Gateway, bank: dict[str, str]) -> World:
    engine = gateway.engine
    admin.add_branch(engine, OTHER_BRANCH, "Other branch", "Elsewhere")
    admin.add_user(engine, "rm900", "rm", OTHER_BRANCH, OTHER_PASSWORD)
    admin.add_user(engine, "mgr900", "manager", OTHER_BRANCH, OTHER_PASSWORD)
    c = schema.customers.c
    with engine.connect() as conn:
        mine = conn.execute(select(c.id).where(c.owner_rm == "rm001").order_by(c.id)).scalar()
        theirs = conn.execute(select(c.id).where(c.owner_rm == "rm002").order_by(c.id)).all()
    assert mine is not None
    assert len(theirs) >= 2
    colleagues, far = theirs[0].id, theirs[1].id
    passwords = {**bank, "rm900": OTHER_PASSWORD, "mgr900": OTHER_PASSWORD}
    w = World(gateway, passwords, {}, mine, colleagues, far)
    # The seeded bank reaches clients by snapshot; an edit of every customer by its RM
    # puts each in the change log, so a pull from the start carries them all too.
    with engine.connect() as conn:
        rows = conn.execute(select(c.id, c.owner_rm, c.version)).all()
    for owner in ("rm001", "rm002"):
        token = _login(w, owner, f"edit-{owner}")["access_token"]
        edits = [r for r in rows if r.owner_rm == owner]
        mutations = [
            _mutation(i + 1, "customer", r.id, "update", {"tags": "|walk|"}, int(r.version))
            for i, r in enumerate(edits)
        ]
        answer = _push(w, token, f"edit-{owner}", mutations)
        outcomes = {r["outcome"] for r in answer.json()["results"]}
        assert outcomes == {"applied"}, answer.text[:500]
    admin.assign(engine, far, "rm900")
    # A task on each customer someone must not touch, made by its owner.
    for owner, customer in (("rm001", mine), ("rm002", colleagues), ("rm900", far)):
        token = _login(w, owner, f"setup-{owner}")["access_token"]
        task_id = f"T-setup-{customer}"
        fields = {"customer_id": customer, "title": "Call back", "due": "2026-12-01",
                  "assignee": owner}  # fmt: skip
        answer = _push(w, token, f"setup-{owner}", [_mutation(1, "task", task_id, "create",
                                                              fields)])  # fmt: skip
        assert answer.json()["results"][0]["outcome"] == "applied", answer.text
        w.tasks[customer] = task_id
    with engine.connect() as conn:
        w.customers = {r.id: r for r in conn.execute(select(schema.customers))}
    return w


# --- what a teller must never receive ---------------------------------------------------


def _secrets(engine: Engine, customers: dict[str, Any]) -> dict[str, str]:
    """Every unmasked personal value in the gateway, with what it is (birth dates are
    checked field by field: as text they also stand for other dates)."""
    found: dict[str, str] = {}
    for r in customers.values():
        for name in ("mobile", "id_number", "email", "address"):
            value = getattr(r, name)
            if value and len(value) >= 5:
                found[value] = f"{r.id}.{name}"
    with engine.connect() as conn:
        for h in conn.execute(select(schema.holdings.c.id, schema.holdings.c.account_no)):
            if h.account_no and len(h.account_no) >= 5:
                found[h.account_no] = f"{h.id}.account_no"
    return found


def _no_secret_in(text: str, secrets: dict[str, str], where: str) -> None:
    leaked = sorted(what for value, what in secrets.items() if value in text)
    assert not leaked, f"{where} carries unmasked personal data: {leaked[:5]}"


def _check_teller_customer(world: World, data: dict[str, Any]) -> None:
    real = world.customers[data["id"]]
    assert data["personal_masked"] is True
    assert data["mobile"] == mask(MaskKind.MOBILE, real.mobile or "")
    assert data["email"] == mask(MaskKind.EMAIL, real.email or "")
    assert data["address"] == mask(MaskKind.ADDRESS, real.address or "")
    assert data["id_number"] == minimised_id_number(real.id_number or "")
    day = (
        real.birth_date if isinstance(real.birth_date, str | None) else real.birth_date.isoformat()
    )
    assert data["birth_date"] == birth_year_only(day)


# --- reading: pull and snapshot ---------------------------------------------------------


def _pull_all(world: World, token: str, client_id: str) -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    texts: list[str] = []
    cursor = None
    while True:
        body = {"schema_version": protocol.SCHEMA_VERSION, "client_id": client_id,
                "cursor": cursor, "limit": 200, "churn_model": ""}  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.post(
            world.gateway.url + "/sync/v1/pull", json=body, headers=headers, timeout=60
        )
        assert answer.status_code == 200, answer.text
        texts.append(answer.text)
        page = answer.json()
        changes.extend(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, "\n".join(texts)


def _snapshot(world: World, token: str, client_id: str) -> tuple[list[dict[str, Any]], str]:
    answer = requests.get(
        world.gateway.url + "/sync/v1/snapshot",
        params={"schema_version": str(protocol.SCHEMA_VERSION), "client_id": client_id},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line) for line in answer.text.splitlines() if line]
    rows: list[dict[str, Any]] = []
    for line in lines:
        if line["kind"] == "page":
            for values in line["rows"]:
                data = dict(zip(line["columns"], values, strict=True))
                rows.append({"entity": line["entity"], "data": data})
    return rows, answer.text


def _customer_of(entity: str, data: dict[str, Any]) -> str:
    return str(data["id"] if entity == "customer" else data["customer_id"])


def _check_read(world: World, role: str, rows: list[tuple[str, dict[str, Any]]], where: str,
                secrets: dict[str, str], text: str) -> None:  # fmt: skip
    visible = world.visible(role)
    seen = {_customer_of(entity, data) for entity, data in rows}
    assert seen <= visible, f"{where}: {role} got customers {sorted(seen - visible)[:5]}"
    customers = {data["id"] for entity, data in rows if entity == "customer"}
    assert customers == visible, f"{where}: {role} got {len(customers)} of {len(visible)}"
    if role == "teller":
        for entity, data in rows:
            if entity == "customer":
                _check_teller_customer(world, data)
        _no_secret_in(text, secrets, where)


# --- pushing: every mutation kind about a customer one must not touch -------------------


def _foreign_mutations(world: World, role: str, user: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for target in world.foreign(role):
        task = world.tasks[target]
        version = int(world.customers[target].version)
        kinds: list[tuple[str, str, str, dict[str, Any], int | None]] = [
            ("interaction", f"I-{role}-{target}", "create",
             {"customer_id": target, "kind": "call", "occurred_at": T0.isoformat(),
              "subject": "probe", "note": "probe"}, None),
            ("task", f"T-{role}-{target}", "create",
             {"customer_id": target, "title": "probe", "due": "2026-12-01",
              "assignee": user}, None),
            ("task", task, "update", {"title": "probe"}, 1),
            ("task", task, "delete", {}, 1),
            ("customer", target, "update", {"mobile": "13900000000"}, version),
            ("customer", target, "request_change", {"address": "probe"}, version),
            ("churn_event", f"E-{role}-{target}", "event",
             {"customer_id": target, "action": "dismiss"}, None),
        ]  # fmt: skip
        for entity, entity_id, op, fields, base in kinds:
            out.append(_mutation(len(out) + 1, entity, entity_id, op, fields, base))
    return out


_WRITTEN = (schema.customers, schema.tasks, schema.interactions, schema.change_requests,
            schema.churn_events, schema.conflicts, schema.change_log)  # fmt: skip


def _fingerprint(engine: Engine) -> dict[str, Any]:
    """What a push could change about customers: every row of the customer tables."""
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(str(v) for v in r) for r in conn.execute(select(t)))
            for t in _WRITTEN
        }


def _check_push_refused(world: World, role: str, token: str, client_id: str) -> None:
    user = USER_OF[role]
    mutations = _foreign_mutations(world, role, user)
    before = _fingerprint(world.gateway.engine)
    answer = _push(world, token, client_id, mutations)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert len(results) == len(mutations)
    expected = "admin_has_no_customer_data" if role == "admin" else "customer_not_in_scope"
    for m, r in zip(mutations, results, strict=True):
        what = f"{role} {m['entity']}.{m['op']} on {m['fields'].get('customer_id', m['entity_id'])}"
        assert (r["outcome"], r["reason"]) == ("rejected", expected), f"{what}: {r}"
        assert r.get("current") is None, f"{what}: the refusal carries the row"
    assert _fingerprint(world.gateway.engine) == before, f"{role}: a refused push wrote"


def _teller_in_branch_refusals(world: World, token: str, client_id: str,
                               secrets: dict[str, str]) -> None:  # fmt: skip
    """A teller's refused edits of a branch customer carry the row back: masked."""
    target = world.mine
    version = int(world.customers[target].version)
    mutations = [
        _mutation(1, "customer", target, "update", {"mobile": "13900000000"}, version),
        _mutation(2, "customer", target, "request_change", {"address": "probe"}, version),
        _mutation(3, "task", world.tasks[target], "delete", {}, 1),
    ]
    answer = _push(world, token, client_id, mutations)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["reason"] for r in results] == [
        "role_may_not_edit_customer", "role_may_not_request_change", "not_allowed",
    ]  # fmt: skip
    assert results[0]["current"] is not None  # the row comes back, so check it is masked
    _check_teller_customer(world, results[0]["current"])
    _no_secret_in(answer.text, secrets, "a teller's refused push")


# --- the walk ---------------------------------------------------------------------------

Case = Callable[[World, str, dict[str, Any], dict[str, str]], None]


def _health(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
    answer = requests.get(world.gateway.url + "/health", timeout=30)
    assert answer.status_code == 200
    assert set(answer.json()) == {"status", "schema_versions", "server_time"}


def _login_case(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
    assert (token["user"], token["role"], token["branch"]) == (USER_OF[role], role, "BR001")
    assert set(token) == set(protocol.TokenResponse.model_fields)
    _no_secret_in(json.dumps(token, ensure_ascii=False), secrets, f"{role}'s sign-in")


def _refresh(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
    body = {"schema_version": protocol.SCHEMA_VERSION, "refresh_token": token["refresh_token"],
            "device_id": f"dev-{role}"}  # fmt: skip
    answer = requests.post(world.gateway.url + "/auth/v1/refresh", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["role"], answer.json()["branch"]) == (role, "BR001")
    _no_secret_in(answer.text, secrets, f"{role}'s refresh")


def _pull_case(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
    changes, text = _pull_all(world, token["access_token"], f"pull-{role}")
    rows = [(c["entity"], c["data"]) for c in changes if c["data"] is not None]
    if role == "admin":
        assert changes == [], "admin pulled customer data"
        return
    _check_read(world, role, rows, "pull", secrets, text)


def _snapshot_case(world: World, role: str, token: dict[str, Any],
                   secrets: dict[str, str]) -> None:  # fmt: skip
    lines, text = _snapshot(world, token["access_token"], f"snap-{role}")
    rows = [(line["entity"], line["data"]) for line in lines]
    if role == "admin":
        begin = json.loads(text.splitlines()[0])
        assert rows == [], "admin got customer rows"
        assert set(begin["counts"].values()) == {0}, begin
        return
    _check_read(world, role, rows, "snapshot", secrets, text)


def _push_case(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
    _check_push_refused(world, role, token["access_token"], f"push-{role}")
    if role == "teller":
        _teller_in_branch_refusals(world, token["access_token"], f"push2-{role}", secrets)


def _audit_case(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
    """Every role uploads its own device's audit chain; never entries of another user."""
    user, prev = USER_OF[role], GENESIS
    events: list[dict[str, Any]] = []
    for seq in (1, 2):
        at, detail = T0.isoformat(), detail_text({"field": "mobile"})
        hashed = digest(prev, at, user, "view", "customer", world.mine, detail)
        events.append({"seq": seq, "at": at, "actor": user, "action": "view",
                       "entity": "customer", "entity_id": world.mine, "detail": detail,
                       "prev_hash": prev, "hash": hashed})  # fmt: skip
        prev = hashed
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def send(page: list[dict[str, Any]]) -> requests.Response:
        body = {"schema_version": protocol.SCHEMA_VERSION, "device_id": f"dev-{role}",
                "events": page}  # fmt: skip
        return requests.post(world.gateway.url + "/sync/v1/audit", json=body, headers=headers,
                             timeout=30)  # fmt: skip

    other = "rm002" if user != "rm002" else "rm001"
    stranger = dict(events[0], actor=other)
    stranger["hash"] = digest(GENESIS, T0.isoformat(), other, "view", "customer", world.mine,
                              detail_text({"field": "mobile"}))  # fmt: skip
    refused = send([stranger])
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden"), refused.text
    answer = send(events)
    assert answer.status_code == 200, answer.text
    assert answer.json()["last_seq"] == 2
    _no_secret_in(answer.text + refused.text, secrets, f"{role}'s audit upload")


def _directory_case(world: World, role: str, token: dict[str, Any],
                    secrets: dict[str, str]) -> None:  # fmt: skip
    url = world.gateway.url + "/sync/v1/directory"
    body = {"schema_version": protocol.SCHEMA_VERSION}
    assert requests.post(url, json=body, timeout=30).status_code == 401  # no token
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    answer = requests.post(url, json=body, timeout=30, headers=bearer)
    assert answer.status_code == 200, answer.text
    staff = answer.json()["staff"]
    with world.gateway.engine.connect() as conn:
        branch = set(conn.execute(
            select(schema.users.c.user_id).where(schema.users.c.branch == "BR001")
        ).scalars())  # fmt: skip
    assert {m["user_id"] for m in staff} == branch  # BR900's staff are not named
    assert all(set(m) == set(protocol.StaffMember.model_fields) for m in staff)
    synced = {m["user_id"] for m in staff if m["last_synced_at"] is not None}
    if role == "manager":
        assert USER_OF[role] in synced  # this very call is the device's finished sync
    else:
        assert synced == set(), f"{role} learned when colleagues synced"
    _no_secret_in(answer.text, secrets, f"{role}'s staff directory")


def _document(path: str) -> Case:
    def case(world: World, role: str, token: dict[str, Any], secrets: dict[str, str]) -> None:
        answer = requests.get(world.gateway.url + path, timeout=30)
        assert answer.status_code == 200, path
        _no_secret_in(answer.text, secrets, path)

    return case


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/health"): _health,
    ("POST", "/auth/v1/login"): _login_case,
    ("POST", "/auth/v1/refresh"): _refresh,
    ("POST", "/sync/v1/pull"): _pull_case,
    ("GET", "/sync/v1/snapshot"): _snapshot_case,
    ("POST", "/sync/v1/push"): _push_case,
    ("POST", "/sync/v1/audit"): _audit_case,
    ("POST", "/sync/v1/directory"): _directory_case,
    ("GET", "/openapi.json"): _document("/openapi.json"),
    ("GET", "/docs"): _document("/docs"),
    ("GET", "/docs/oauth2-redirect"): _document("/docs/oauth2-redirect"),
    ("GET", "/redoc"): _document("/redoc"),
}


def _endpoints(engine: Engine) -> Iterator[tuple[str, str]]:
    for route in create_app(engine).routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, str(getattr(route, "path", ""))


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_every_role(world: World, role: str) -> None:
    endpoints = set(_endpoints(world.gateway.engine))
    assert endpoints == set(CASES), (
        f"endpoints without a case: {sorted(endpoints - set(CASES))}; "
        f"cases without an endpoint: {sorted(set(CASES) - endpoints)}"
    )
    secrets = _secrets(world.gateway.engine, world.customers)
    assert len(secrets) > 100  # the scans below look for something
    token = _login(world, USER_OF[role], f"dev-{role}")
    for endpoint in sorted(CASES):
        CASES[endpoint](world, role, token, secrets)


def test_a_manager_of_another_branch_sees_only_it(world: World) -> None:
    token = _login(world, "mgr900", "dev-mgr900")["access_token"]
    rows, _ = _snapshot(world, token, "snap-mgr900")
    assert {_customer_of(r["entity"], r["data"]) for r in rows} == {world.far}
    changes, _ = _pull_all(world, token, "pull-mgr900")
    customers = {c["id"] for c in changes if c["entity"] == "customer" and c["data"]}
    assert customers == {world.far}
    with world.gateway.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.customers)).scalar_one()
    assert count > 2
