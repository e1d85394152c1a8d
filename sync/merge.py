"""The merge and conflict rules of a pushed mutation, as pure functions: no SQL, no clock.

The gateway (`sync.server.mutations`) reads the stored row, asks these what to do and
writes the answer; a property test (tests/unit/sync/test_merge_properties.py) asks them
thousands of times. Rules (ARCHITECTURE §4):

* an editable field merges against its own version: a change equal to the stored value
  changes nothing; a field changed by another client after the mutation's base version
  is a same-field race, a conflict the server keeps and the client shows; anything
  else applies. A later edit by the same client builds on its own earlier one;
* a task's `status` follows the state machine (`rules.task_transition_allowed`): a
  transition it does not allow is a conflict, never applied;
* the row's version grows by exactly one when something applied, and each applied
  field is stamped with that version and the client that wrote it;
* interactions (and other creates) are append-only: an id already stored is a
  duplicate, answered as applied with the stored version;
* a deleted task refuses later edits; deleting it again is a no-op success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rm_desk.domain import rules
from rm_desk.domain.model import TaskStatus
from sync.protocol import RejectReason

MergeOutcome = Literal["applied", "merged", "conflict"]
# field -> [version, client_id]; seeded data may carry a bare version or nothing.
FieldVersions = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Conflict:
    field: str
    mine: Any  # the pushed value
    theirs: Any  # the stored value, kept


@dataclass(frozen=True, slots=True)
class Merge:
    """What a pushed edit does to the stored row."""

    applied: dict[str, Any]  # field -> new value, to write
    conflicts: list[Conflict]
    unchanged: frozenset[str]  # fields pushed with the value already stored
    version: int  # the row's version after the edit
    field_versions: dict[str, Any]  # the row's field versions after the edit
    outcome: MergeOutcome
    completed: bool = False  # a task became done: its completion time is stamped
    reason: str | None = None  # "field_conflict" when there are conflicts


def field_stamp(entry: Any) -> tuple[int, str | None]:
    """(version, client id) a field last changed at; seeded data has no stamp."""
    if isinstance(entry, list | tuple) and len(entry) == 2:
        return int(entry[0]), str(entry[1])
    if isinstance(entry, int):
        return entry, None
    return 0, None


def merge(
    stored: Mapping[str, Any],
    version: int,
    field_versions: FieldVersions | None,
    changes: Mapping[str, Any],
    *,
    base_version: int | None,
    client_id: str,
    status_machine: bool = False,
) -> Merge:
    """Merge `changes` pushed by `client_id` on top of `base_version` into the stored
    row (`stored`: field -> value, `version`, `field_versions`). `status_machine`: the
    row is a task, whose `status` follows the state machine."""
    versions = dict(field_versions or {})
    applied: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    unchanged: set[str] = set()
    for name, mine in changes.items():
        theirs = stored[name]
        if mine == theirs:
            unchanged.add(name)
            continue
        changed_at, writer = field_stamp(versions.get(name))
        # A later edit by the same client builds on its own earlier one: not a race.
        concurrent = base_version is not None and changed_at > base_version and writer != client_id
        refused = (
            status_machine and name == "status" and not rules.task_transition_allowed(theirs, mine)
        )
        if concurrent or refused:
            conflicts.append(Conflict(name, mine, theirs))
        else:
            applied[name] = mine
    new_version = version + 1 if applied else version
    for name in applied:
        versions[name] = [new_version, client_id]
    outcome: MergeOutcome
    if conflicts:
        outcome = "conflict"
    elif base_version is not None and base_version < version and applied:
        outcome = "merged"
    else:
        outcome = "applied"
    return Merge(
        applied=applied,
        conflicts=conflicts,
        unchanged=frozenset(unchanged),
        version=new_version,
        field_versions=versions,
        outcome=outcome,
        completed=status_machine and applied.get("status") == TaskStatus.DONE.value,
        reason="field_conflict" if conflicts else None,
    )


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A create or delete that was done before: a success with the stored version."""

    reason: str
    version: int


def create(stored_version: int | None) -> Duplicate | None:
    """Creates are append-only: an id already stored (`stored_version`) is a duplicate
    success, never a second row nor an overwrite; None: create it."""
    return None if stored_version is None else Duplicate("duplicate", stored_version)


def edit_task(deleted: bool) -> RejectReason | None:
    """A deleted task refuses later edits: the rejection reason, or None."""
    return RejectReason.TASK_DELETED if deleted else None


def delete_task(deleted: bool, version: int) -> Duplicate | None:
    """Deleting a deleted task again is a success that changes nothing; None: delete
    it (its version then grows by one)."""
    return Duplicate("already_deleted", version) if deleted else None
