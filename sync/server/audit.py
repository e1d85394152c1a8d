"""The devices' audit chains on the gateway: receive pages, verify, export.

A device uploads its local audit chain (`POST /sync/v1/audit`, sync/protocol.py) in
pages. A page is stored only if it continues the chain the gateway holds for the
caller's device: seq numbers contiguous from the last stored one, the first entry's
`prev_hash` the last stored hash, every hash recomputing (the one rule:
`rm_desk.domain.audit_chain`) and every actor the signed-in user (a shared terminal's
device cannot write audit lines for someone else). Entries already stored are
acknowledged again when their hashes match (a page re-sent after a lost answer).
A page that does not continue the chain is refused (`audit_chain_broken`) and the
refusal is kept in `audit_flags`; one that starts after the last stored entry is
refused with `audit_gap` and the last seq held, so the device sends from there.

Rows are never changed: triggers refuse UPDATE and DELETE (db.create_schema).
`verify` re-walks every stored chain, for `rm-desk-central audit verify`: it finds
what someone able to bypass the triggers did (a DBA who disabled them), since the
hashes still bind each entry to the one before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from rm_desk.domain.audit_chain import GENESIS, Link, Problem, digest, problems
from sync import protocol
from sync.protocol import ErrorCode
from sync.server import db, schema
from sync.server.errors import ProtocolError
from sync.server.principal import Principal

_e = schema.audit_events.c
_f = schema.audit_flags.c

_LINK_COLUMNS = (_e.seq, _e.at, _e.actor, _e.action, _e.entity, _e.entity_id, _e.detail,
                 _e.prev_hash, _e.hash)  # fmt: skip
_PAGE = 5000  # rows read at a time by verify and export


def _last(conn: Connection, device_id: str) -> tuple[int, str]:
    row = conn.execute(
        select(_e.seq, _e.hash).where(_e.device_id == device_id).order_by(_e.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.seq), str(row.hash))


def _break(events: list[protocol.AuditEvent], seq: int, prev_hash: str) -> tuple[int, str] | None:
    """Where `events` (after the stored entry `seq` with hash `prev_hash`) stop
    continuing the chain: (seq, why), or None."""
    for event in events:
        seq += 1
        if event.seq != seq:
            return event.seq, f"seq {event.seq} where {seq} was due"
        if event.prev_hash != prev_hash:
            return event.seq, "does not follow the entry before"
        found = digest(event.prev_hash, event.at, event.actor, event.action, event.entity,
                       event.entity_id, event.detail)  # fmt: skip
        if found != event.hash:
            return event.seq, "the hash does not match the fields"
        try:
            if not isinstance(json.loads(event.detail), dict):
                return event.seq, "the detail is not a JSON object"
        except ValueError:
            return event.seq, "the detail is not JSON"
        prev_hash = event.hash
    return None


def _flag(conn: Connection, caller: Principal, kind: str, seq: int, detail: str,
          now: datetime) -> None:  # fmt: skip
    """Keep a refusal for `verify`, once: the device sends the same page at every sync."""
    seen = conn.execute(
        select(_f.id).where(_f.device_id == caller.device_id, _f.user_id == caller.user_id,
                            _f.kind == kind, _f.seq == seq).limit(1)
    ).first()  # fmt: skip
    if seen is not None:
        return
    conn.execute(
        insert(schema.audit_flags).values(
            at=now,
            device_id=caller.device_id,
            user_id=caller.user_id,
            kind=kind,
            seq=seq,
            detail=detail[:500],
        )  # fmt: skip
    )


def receive(
    engine: Engine,
    caller: Principal,
    request: protocol.AuditRequest,
    clock: Callable[[], datetime],
) -> protocol.AuditResponse:
    """Store one uploaded page of the caller's device's chain (module docstring)."""
    if request.device_id != caller.device_id:
        raise ProtocolError(ErrorCode.FORBIDDEN, "This is not the device this sign-in is for.")
    events = sorted(request.events, key=lambda e: e.seq)
    now = clock()
    with engine.begin() as conn:
        foreign = next((e for e in events if e.actor != caller.user_id), None)
        if foreign is not None:
            _flag(conn, caller, "foreign_actor", foreign.seq, "an entry of another user", now)
            answer: protocol.AuditResponse | ProtocolError = ProtocolError(
                ErrorCode.FORBIDDEN, "An audit entry names another user than the one signed in."
            )
        else:
            answer = _store(conn, caller, events, now)
    if isinstance(answer, ProtocolError):
        raise answer  # after the commit: the flag stays
    return answer


def _store(
    conn: Connection, caller: Principal, events: list[protocol.AuditEvent], now: datetime
) -> protocol.AuditResponse | ProtocolError:
    """Insert what `events` add to the chain; the answer, or the refusal to answer
    with (a broken chain is flagged in this transaction, which then commits)."""
    last_seq, last_hash = _last(conn, caller.device_id)
    known = [e for e in events if e.seq <= last_seq]
    if known:
        stored = dict(
            conn.execute(
                select(_e.seq, _e.hash).where(
                    _e.device_id == caller.device_id, _e.seq.in_([e.seq for e in known])
                )
            ).all()
        )
        differs = next((e for e in known if stored.get(e.seq) != e.hash), None)
        if differs is not None:
            why = "differs from the entry stored" if differs.seq in stored else "not stored"
            _flag(conn, caller, "diverged", differs.seq, why, now)
            return _broken(differs.seq, why)
    new = [e for e in events if e.seq > last_seq]
    if not new:
        return protocol.AuditResponse(last_seq=last_seq, stored=0)
    if new[0].seq > last_seq + 1:
        return ProtocolError(
            ErrorCode.AUDIT_GAP,
            f"Audit entries {last_seq + 1}..{new[0].seq - 1} of this device are missing; "
            f"send from {last_seq + 1}.",
            last_audit_seq=last_seq,
        )
    broken = _break(new, last_seq, last_hash)
    if broken is not None:
        _flag(conn, caller, "chain_broken", *broken, now)
        return _broken(*broken)
    conn.execute(
        insert(schema.audit_events),
        [
            {
                "device_id": caller.device_id,
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "detail": e.detail,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
                "received_at": now,
            }  # fmt: skip
            for e in new
        ],
    )
    return protocol.AuditResponse(last_seq=new[-1].seq, stored=len(new))


def _broken(seq: int, why: str) -> ProtocolError:
    return ProtocolError(
        ErrorCode.AUDIT_CHAIN_BROKEN,
        f"The audit log of this device does not continue the one stored here at entry "
        f"{seq} ({why}); it was not stored.",
    )


# --- verify and export ------------------------------------------------------------------


@dataclass
class ChainReport:
    """One device's chain as stored: how much, and every problem found."""

    device_id: str
    entries: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # flagged uploads

    @property
    def ok(self) -> bool:
        return not self.problems and not self.refused

    def lines(self) -> list[str]:
        span = f"seq {self.first_seq}..{self.last_seq}" if self.entries else "no entries"
        verdict = "ok" if self.ok else "PROBLEMS"
        head = f"device {self.device_id}: {self.entries} entries, {span}: {verdict}"
        return [head, *(f"  {p.line()}" for p in self.problems),
                *(f"  refused upload: {r}" for r in self.refused)]  # fmt: skip


def _devices(conn: Connection, device: str | None) -> list[str]:
    if device is not None:
        return [device]
    found = set(conn.execute(select(_e.device_id).distinct()).scalars())
    found |= set(conn.execute(select(_f.device_id).distinct()).scalars())
    return sorted(found)


def _links(conn: Connection, device_id: str) -> Iterator[Link]:
    """The device's stored entries in seq order, a page at a time (keyset)."""
    after = 0
    while True:
        rows = conn.execute(
            select(*_LINK_COLUMNS)
            .where(_e.device_id == device_id, _e.seq > after)
            .order_by(_e.seq)
            .limit(_PAGE)
        ).all()
        for r in rows:
            yield Link(int(r.seq), r.at, r.actor, r.action, r.entity, r.entity_id, r.detail,
                       r.prev_hash, r.hash)  # fmt: skip
        if len(rows) < _PAGE:
            return
        after = int(rows[-1].seq)


def verify(engine: Engine, device: str | None = None) -> list[ChainReport]:
    """Every device's chain (or `device`'s) re-walked: gaps, edited entries, entries
    out of order, and the uploads refused for not continuing it."""
    reports = []
    with db.reading(engine) as conn:
        for device_id in _devices(conn, device):
            report = ChainReport(device_id)

            def counted(links: Iterator[Link], report: ChainReport = report) -> Iterator[Link]:
                for link in links:
                    report.entries += 1
                    report.first_seq = link.seq if report.first_seq is None else report.first_seq
                    report.last_seq = link.seq
                    yield link

            report.problems = problems(counted(_links(conn, device_id)))
            flags = conn.execute(
                select(_f.at, _f.kind, _f.seq, _f.detail, _f.user_id)
                .where(_f.device_id == device_id)
                .order_by(_f.id)
            ).all()
            report.refused = [
                f"{f.kind} at seq {f.seq} from {f.user_id} ({f.detail}) on "
                f"{f.at.isoformat(timespec='seconds') if isinstance(f.at, datetime) else f.at}"
                for f in flags
            ]
            reports.append(report)
    return reports


EXPORT_FIELDS = ("device_id", "seq", "at", "actor", "action", "entity", "entity_id", "detail",
                 "prev_hash", "hash", "received_at")  # fmt: skip


def iter_events(
    engine: Engine, device: str | None = None, since: date | None = None
) -> Iterator[dict[str, Any]]:
    """Stored entries, by device then seq; `since`: entries made on or after that UTC day.
    `detail` is given as its JSON object."""
    with db.reading(engine) as conn:
        for device_id in _devices(conn, device):
            after = 0
            while True:
                query = select(schema.audit_events).where(_e.device_id == device_id, _e.seq > after)
                if since is not None:
                    query = query.where(_e.at >= since.isoformat())
                rows = conn.execute(query.order_by(_e.seq).limit(_PAGE)).all()
                for r in rows:
                    record = dict(r._mapping)
                    record["detail"] = json.loads(record["detail"])
                    received = record["received_at"]
                    record["received_at"] = (
                        received.isoformat() if isinstance(received, datetime) else received
                    )
                    yield record
                if len(rows) < _PAGE:
                    break
                after = int(rows[-1].seq)
