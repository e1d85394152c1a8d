"""Reading what can still be read out of a damaged store, page by page.

SQLCipher checks every page's HMAC as it reads it; a damaged page fails the statement
that touched it, and the connection that met it refuses further work. So the reader
here reopens after each failure and walks each table in key order, around the
damaged pages:

- the outbox by `mutation_id`: a forward scan until a page fails, then single-row
  look-ups of the next ids (their ids are known: they grow by exactly one) until one
  reads again, then scanning on from there. The ids that fail are the unreadable
  mutations, listed to the user. The extent comes from `sync_state` (the last id
  queued, the last acknowledged); when that page is lost, from a scan backwards
  from the end.
- drafts (keyed by a text id): forward from the first key, backward from the last;
  drafts between two damaged pages cannot be reached without their keys, which is
  reported as "some drafts could not be read".

Connections here are read-only (`mode=ro`), so reading never writes to the damaged
file: not even the checkpoint a last connection does when it closes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from local_store import lookaside, outbox, records
from local_store.engine import KeyBuffer
from rm_desk.domain.audit_chain import GENESIS, Link

# With the outbox's extent unknown (its sync state and last page lost), how many ids
# past the last readable one are tried before giving up.
PROBE_PAST_END = 2000

_OUTBOX_COLUMNS = "mutation_id, name, entity, entity_id, op, base_version, fields, client_time"
_DRAFT_COLUMNS = "id, customer_id, kind, fields, updated_at"
_AUDIT_COLUMNS = "seq, at, actor, action, entity, entity_id, detail, prev_hash, hash"


@dataclass
class Salvaged:
    """What a damaged store still gave up."""

    client_id: str | None = None
    device_id: str | None = None
    last_mutation_id: int | None = None  # the last id queued, from sync_state
    acked_mutation_id: int | None = None
    mutations: list[outbox.Mutation] = field(default_factory=list)
    unreadable_mutations: list[int] = field(default_factory=list)
    outbox_extent_unknown: bool = False  # ids past the last readable one may be missing
    drafts: list[records.Draft] = field(default_factory=list)
    drafts_incomplete: bool = False
    nothing_readable: bool = False  # not even the schema page decrypts
    # The audit chain from its first entry up to the first one unreadable or broken
    # (the rest is lost), and how much of it the gateway had acknowledged.
    audit: list[Link] = field(default_factory=list)
    audit_lost: bool = False
    audit_uploaded: int = 0


class _Reader:
    """Read-only connections to the damaged file, a fresh one after every failure."""

    def __init__(self, path: Path, key: KeyBuffer, memory_security: bool) -> None:
        self._uri = path.resolve().as_uri() + "?mode=ro"
        self._key = key
        self._memory_security = memory_security
        self._conn: sqlcipher.Connection | None = None

    def _connection(self) -> sqlcipher.Connection:
        if self._conn is None:
            conn = sqlcipher.connect(self._uri, uri=True, isolation_level=None)
            lookaside.enlarge(conn)
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{self._key.hex()}'\"")
            if self._memory_security:
                conn.execute("PRAGMA cipher_memory_security = ON")
            conn.execute("PRAGMA query_only = ON")
            self._conn = conn
        return self._conn

    def reset(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows one at a time; a damaged page raises `sqlcipher.DatabaseError` at the
        row that needs it (the caller resets)."""
        cursor = self._connection().execute(sql, params)
        while (row := cursor.fetchone()) is not None:
            yield tuple(row)

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | Exception | None:
        """The first row, None when there is none, the error when a page fails."""
        try:
            row: tuple[Any, ...] | None = next(self.rows(sql, params), None)
        except sqlcipher.DatabaseError as exc:
            self.reset()
            error: Exception = exc
            return error
        return row

    def close(self) -> None:
        self.reset()


def _mutation(row: tuple[Any, ...]) -> outbox.Mutation:
    return outbox.Mutation(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        row[5],
        json.loads(row[6]),
        datetime.fromisoformat(row[7]),
    )


def _draft(row: tuple[Any, ...]) -> records.Draft:
    return records.Draft(
        id=str(row[0]),
        customer_id=row[1],
        kind=str(row[2]),
        fields=json.loads(row[3]),
        updated_at=datetime.fromisoformat(row[4]),
    )


def _scan(
    reader: _Reader, sql: str, params: tuple[Any, ...], keep: Callable[[tuple[Any, ...]], None]
) -> bool:
    """Every row of `sql` to `keep`; False when a page failed part-way."""
    try:
        for row in reader.rows(sql, params):
            keep(row)
    except (sqlcipher.DatabaseError, ValueError):
        reader.reset()
        return False
    return True


def _salvage_outbox(reader: _Reader, found: Salvaged) -> None:
    rows: dict[int, tuple[Any, ...]] = {}

    def keep(row: tuple[Any, ...]) -> None:
        rows[int(row[0])] = row

    sql = f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE mutation_id >= ? ORDER BY mutation_id"
    one = f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE mutation_id = ?"
    low = (found.acked_mutation_id or 0) + 1
    if _scan(reader, sql, (low,), keep):
        found.outbox_extent_unknown = found.last_mutation_id is None
    else:
        # Backwards from the end: the extent, and the rows behind the last damage.
        end_read = _scan(
            reader, f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY mutation_id DESC", (), keep
        )
        high = found.last_mutation_id
        if high is None and end_read:
            high = max(rows, default=low - 1)
        found.outbox_extent_unknown = high is None

        def limit() -> int:
            return high if high is not None else max(rows, default=low - 1) + PROBE_PAST_END

        next_id = low
        while next_id <= limit():
            if next_id not in rows:
                got = reader.one(one, (next_id,))
                if isinstance(got, Exception):
                    found.unreadable_mutations.append(next_id)
                elif got is not None:  # readable again: scan on from here
                    keep(got)
                    _scan(reader, sql, (next_id + 1,), keep)
            next_id += 1
        if high is None:
            # Failures past the last readable row may be ids that were never queued.
            last = max(rows, default=low - 1)
            found.unreadable_mutations = [i for i in found.unreadable_mutations if i <= last]
    ok: list[outbox.Mutation] = []
    for mutation_id in sorted(rows):
        try:
            ok.append(_mutation(rows[mutation_id]))
        except (ValueError, TypeError):  # a row that decrypts but does not decode
            found.unreadable_mutations.append(mutation_id)
    found.mutations = ok
    found.unreadable_mutations = sorted(
        set(found.unreadable_mutations) - {m.mutation_id for m in ok}
    )


def _salvage_drafts(reader: _Reader, found: Salvaged) -> None:
    drafts: dict[str, tuple[Any, ...]] = {}

    def keep(row: tuple[Any, ...]) -> None:
        drafts[str(row[0])] = row

    if not _scan(reader, f"SELECT {_DRAFT_COLUMNS} FROM drafts ORDER BY id", (), keep):
        # Backwards from the last key; whatever lies between damaged pages is out of
        # reach (their keys are unknown), and the failing page's own rows are lost.
        _scan(reader, f"SELECT {_DRAFT_COLUMNS} FROM drafts ORDER BY id DESC", (), keep)
        found.drafts_incomplete = True
    for row in drafts.values():
        try:
            found.drafts.append(_draft(row))
        except (ValueError, TypeError):
            found.drafts_incomplete = True


def _salvage_audit(reader: _Reader, found: Salvaged) -> None:
    """The audit chain as far as it reads and holds together from its start: the new
    store continues it, so the gateway, which holds its uploaded part, accepts what
    comes next."""
    rows: list[tuple[Any, ...]] = []
    whole = _scan(reader, f"SELECT {_AUDIT_COLUMNS} FROM audit_log ORDER BY seq", (), rows.append)
    prev, seq = GENESIS, 1
    for row in rows:
        try:
            link = Link(int(row[0]), *(str(value) for value in row[1:]))
        except (TypeError, ValueError):
            break
        if link.seq != seq or link.prev_hash != prev or not link.recomputes():
            break
        found.audit.append(link)
        prev, seq = link.hash, seq + 1
    found.audit_lost = not whole or len(found.audit) < len(rows)
    uploaded = reader.one("SELECT value FROM meta WHERE key = 'audit_uploaded_seq'")
    if isinstance(uploaded, tuple):
        found.audit_uploaded = min(int(uploaded[0]), len(found.audit))


def salvage(path: Path, key: bytes | bytearray, *, memory_security: bool = False) -> Salvaged:
    """Everything readable that is not on the server: the outbox, the drafts, and the
    ids that let the server recognise what it already has (client id, device id)."""
    buffer = KeyBuffer(key, verified=True)
    reader = _Reader(path, buffer, memory_security)
    found = Salvaged()
    try:
        schema = reader.one("SELECT count(*) FROM sqlite_master")
        if schema is None or isinstance(schema, Exception):
            found.nothing_readable = True
            found.outbox_extent_unknown = True
            found.drafts_incomplete = True
            return found
        state = reader.one(
            "SELECT client_id, last_mutation_id, acked_mutation_id FROM sync_state WHERE id = 1"
        )
        if isinstance(state, tuple):
            found.client_id = str(state[0])
            found.last_mutation_id = int(state[1])
            found.acked_mutation_id = int(state[2])
        device = reader.one("SELECT value FROM meta WHERE key = 'device_id'")
        if isinstance(device, tuple):
            found.device_id = str(device[0])
        _salvage_outbox(reader, found)
        _salvage_drafts(reader, found)
        _salvage_audit(reader, found)
    finally:
        reader.close()
        buffer.wipe()
    return found


# --- the files of a store being repaired ---------------------------------------------

_COMPANIONS = ("", "-wal", "-shm", "-journal", ".in-use")


def repair_path(path: Path) -> Path:
    """Where the new store is built before it replaces the damaged one."""
    return path.with_name(path.stem + ".repairing" + path.suffix)


def remove_store_files(path: Path) -> None:
    for suffix in _COMPANIONS:
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def set_aside(path: Path, stamp: str) -> Path:
    """Rename the damaged store (with its WAL, which may hold its last commits) to
    `store.damaged-<UTC stamp>.db`, owner-only (0600), kept for support; returns it."""
    kept = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    for suffix in _COMPANIONS:
        source = path.with_name(path.name + suffix)
        if source.exists():
            target = kept.with_name(kept.name + suffix)
            source.replace(target)
            target.chmod(0o600)
    return kept


def install(built: Path, path: Path) -> None:
    """Move a (cleanly closed) rebuilt store into place and make the rename durable."""
    for suffix in _COMPANIONS:
        source = built.with_name(built.name + suffix)
        if source.exists():
            source.replace(path.with_name(path.name + suffix))
    path.chmod(0o600)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_elsewhere(path: Path) -> int | None:
    """The id of another running process that has the store open (its in-use mark
    names it), or None. A repair must not rename a file another process still writes
    to. POSIX only (a signal-0 probe); elsewhere None: the sign-in screen, the only
    way to repair there, is shown while the profile is locked."""
    mark = path.with_name(path.name + ".in-use")
    try:
        pid = int(mark.read_text(encoding="ascii").strip() or "0")
    except (OSError, ValueError):
        return None
    if pid <= 0 or pid == os.getpid() or os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # a crash left the mark
    except PermissionError:
        return pid  # alive, another user's
    return pid
