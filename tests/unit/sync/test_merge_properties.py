"""The merge and conflict rules (sync/merge.py), asked thousands of times with no database.

vdirsyncer's way: random stored rows, per-field versions, base versions, clients and
changes, and the properties every answer must keep. The state machine over real
clients and the real gateway (tests/integration/test_sync_state_machine.py) checks
that the gateway applies what these answer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rm_desk.domain import rules
from rm_desk.domain.model import TaskStatus
from sync import merge

FIELDS = rules.TASK_EDITABLE + rules.CUSTOMER_EDITABLE
CLIENTS = ("c1", "c2", "c3")
STATUSES = (*(s.value for s in TaskStatus), "archived")  # and one the machine does not know
# Few values per field, so that a pushed value often equals the stored one.
VALUES: dict[str, st.SearchStrategy[Any]] = {
    name: st.sampled_from(("a", "b", "c")) for name in FIELDS if name != "status"
} | {"status": st.sampled_from(STATUSES), "priority": st.integers(1, 4)}

versions = st.integers(0, 12)
stamps = st.one_of(
    st.none(),  # seeded data: never stamped
    versions,  # an old bare version
    st.tuples(versions, st.sampled_from(CLIENTS)).map(list),
)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=len(FIELDS)))
    stored: dict[str, Any] = {"untouched": "x"}  # a field the push leaves alone
    field_versions: dict[str, Any] = {"untouched": [1, "c2"]}
    changes: dict[str, Any] = {}
    for name in names:
        stored[name] = draw(VALUES[name])
        changes[name] = draw(VALUES[name])
        if (stamp := draw(stamps)) is not None:
            field_versions[name] = stamp
    return {
        "stored": stored,
        "version": draw(st.integers(1, 12)),
        "field_versions": field_versions,
        "changes": changes,
        "base_version": draw(st.one_of(st.none(), st.integers(0, 13))),
        "client_id": draw(st.sampled_from(CLIENTS)),
        "status_machine": draw(st.booleans()),
    }


def _run(case: dict[str, Any]) -> merge.Merge:
    return merge.merge(
        case["stored"],
        case["version"],
        case["field_versions"],
        case["changes"],
        base_version=case["base_version"],
        client_id=case["client_id"],
        status_machine=case["status_machine"],
    )


def _refused_transition(case: dict[str, Any], name: str) -> bool:
    return (
        case["status_machine"]
        and name == "status"
        and not rules.task_transition_allowed(case["stored"]["status"], case["changes"]["status"])
    )


@settings(max_examples=3000, derandomize=True, deadline=None, database=None)
@given(cases())
def test_the_merge_keeps_its_rules(case: dict[str, Any]) -> None:
    result = _run(case)
    stored, changes = case["stored"], case["changes"]
    base, client = case["base_version"], case["client_id"]
    conflicted = {c.field for c in result.conflicts}

    # Every pushed field is applied, in conflict or unchanged: exactly one of them.
    assert set(result.applied) | conflicted | result.unchanged == set(changes)
    assert not set(result.applied) & conflicted
    assert not set(result.applied) & result.unchanged
    assert not conflicted & result.unchanged
    assert len(conflicted) == len(result.conflicts)  # one conflict per field

    for name, mine in changes.items():
        changed_at, writer = merge.field_stamp(case["field_versions"].get(name))
        if mine == stored[name]:
            # A change equal to the stored value never conflicts and writes nothing.
            assert name in result.unchanged
        elif _refused_transition(case, name):
            # A status change the state machine does not allow is never applied.
            assert name in conflicted
        elif base is None or changed_at <= base:
            # Untouched since the base the client saw: it applies.
            assert result.applied[name] == mine
        elif writer == client:
            # A later edit by the same client builds on its own: never a race.
            assert result.applied[name] == mine
        else:
            # Another client changed the field after the base: a same-field race.
            assert name in conflicted

    for conflict in result.conflicts:
        assert conflict.mine == changes[conflict.field]
        assert conflict.theirs == stored[conflict.field]

    # The version grows by exactly one iff something applied; applied fields are
    # stamped with it and the writer, the others keep their stamps.
    assert result.version == case["version"] + (1 if result.applied else 0)
    for name in case["stored"]:
        if name in result.applied:
            assert result.field_versions[name] == [result.version, client]
        else:
            assert result.field_versions.get(name) == case["field_versions"].get(name)

    assert (result.outcome == "conflict") == bool(result.conflicts)
    assert (result.reason == "field_conflict") == bool(result.conflicts)
    assert (result.outcome == "merged") == (
        base is not None and base < case["version"] and bool(result.applied) and not conflicted
    )
    assert result.completed == (
        case["status_machine"] and result.applied.get("status") == TaskStatus.DONE.value
    )


@settings(max_examples=500, derandomize=True, deadline=None, database=None)
@given(cases())
def test_the_merge_does_not_touch_its_inputs_and_answers_the_same(case: dict[str, Any]) -> None:
    before = repr(case)
    assert _run(case) == _run(case)
    assert repr(case) == before


def test_a_race_on_one_field_leaves_the_other_applied() -> None:
    result = merge.merge(
        {"title": "Call back", "due": "2026-03-01"},
        3,
        {"title": [3, "other"]},
        {"title": "Call her back", "due": "2026-03-02"},
        base_version=2,
        client_id="me",
    )
    assert result.applied == {"due": "2026-03-02"}
    assert result.conflicts == [merge.Conflict("title", "Call her back", "Call back")]
    assert result.outcome == "conflict"
    assert result.version == 4
    assert result.field_versions == {"title": [3, "other"], "due": [4, "me"]}


def test_a_done_task_cannot_reopen_and_completing_one_is_stamped() -> None:
    reopen = merge.merge(
        {"status": "done"}, 2, {}, {"status": "open"}, base_version=2, client_id="me",
        status_machine=True,
    )  # fmt: skip
    assert reopen.applied == {}
    assert reopen.outcome == "conflict"
    assert reopen.version == 2
    done = merge.merge(
        {"status": "in_progress"}, 2, {}, {"status": "done"}, base_version=1, client_id="me",
        status_machine=True,
    )  # fmt: skip
    assert (done.applied, done.outcome, done.completed) == ({"status": "done"}, "merged", True)


def test_creates_are_append_only_and_a_deleted_task_refuses_edits() -> None:
    assert merge.create(None) is None
    assert merge.create(3) == merge.Duplicate("duplicate", 3)
    assert merge.edit_task(False) is None
    assert merge.edit_task(True) == "task_deleted"
    assert merge.delete_task(False, 4) is None
    assert merge.delete_task(True, 4) == merge.Duplicate("already_deleted", 4)
