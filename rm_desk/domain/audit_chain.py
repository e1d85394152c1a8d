"""The audit hash chain's one rule, shared by the laptop and the gateway.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
fields as canonical JSON, so editing, removing or moving an entry breaks the chain
where it happened. The laptop writes the chain (`local_store.audit`); the gateway
checks every uploaded page continues it and re-walks what it stores
(`sync.server.audit`). Both compute the digest here, so the rule cannot drift.

`detail` is hashed as the exact text stored (canonical JSON: keys sorted, no ASCII
escaping, `detail_text`); it travels as that text, never re-encoded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

GENESIS = "0" * 64

ProblemKind = Literal["gap", "edited", "reordered"]


def detail_text(detail: dict[str, Any] | None) -> str:
    """The canonical text of an entry's detail, as hashed and stored."""
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)


def digest(
    prev_hash: str, at: str, actor: str, action: str, entity: str, entity_id: str, detail: str
) -> str:
    """The hash of one entry, `detail` being its canonical text (`detail_text`)."""
    body = json.dumps(
        [prev_hash, at, actor, action, entity, entity_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Link:
    """One stored entry of a chain, `detail` as its canonical text."""

    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str
    prev_hash: str
    hash: str

    def recomputes(self) -> bool:
        """Whether the stored hash is the hash of the stored fields."""
        found = digest(
            self.prev_hash, self.at, self.actor, self.action, self.entity, self.entity_id,
            self.detail,
        )  # fmt: skip
        return found == self.hash


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    seq: int  # the entry where it shows (for a gap: the first seq missing)
    detail: str = ""

    def line(self) -> str:
        return f"{self.kind} at seq {self.seq}" + (f": {self.detail}" if self.detail else "")


def problems(
    links: Iterable[Link], *, prev_hash: str = GENESIS, next_seq: int = 1
) -> list[Problem]:
    """Every break in `links` (in seq order), continuing a chain whose last hash is
    `prev_hash` and whose next entry should be `next_seq`:

    - gap: seq numbers missing (an entry deleted, or never stored);
    - edited: an entry's hash is not the hash of its fields (changed after writing);
    - reordered: an entry does not follow the one before it (`prev_hash` differs: moved
      or swapped entries, or an entry rewritten with a new hash).
    """
    found: list[Problem] = []
    for link in links:
        if link.seq != next_seq:
            missing = f"{next_seq}..{link.seq - 1}" if link.seq > next_seq else "out of order"
            found.append(Problem("gap", next_seq, f"missing {missing}"))
        elif link.prev_hash != prev_hash:
            found.append(Problem("reordered", link.seq, "does not follow the entry before"))
        if not link.recomputes():
            found.append(Problem("edited", link.seq, "the hash does not match the fields"))
        prev_hash, next_seq = link.hash, link.seq + 1
    return found
