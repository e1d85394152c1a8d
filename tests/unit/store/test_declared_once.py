"""Each entity's columns are declared once, in local_store/schema.py's tables. Two
lists cannot derive from them because the import rules forbid it: the wire's row
shapes (`sync.wire`, shared with the gateway, which never imports local_store) and
the churn model's snapshot inputs (`rm_desk.domain`, which imports nothing of ours).
These tests hold them to the tables instead."""

from __future__ import annotations

import pytest

from local_store import schema
from rm_desk.domain.churn.indicators import SNAPSHOT_COLUMNS
from sync import wire
from sync.client import apply

TABLES = {
    "customer": schema.customers,
    "holding": schema.holdings,
    "snapshot": schema.snapshots,
    "interaction": schema.interactions,
    "task": schema.tasks,
}


@pytest.mark.parametrize("entity", sorted(TABLES))
def test_every_wire_column_is_a_column_of_the_local_table(entity: str) -> None:
    table = TABLES[entity]
    assert wire.TABLE_OF[entity] == table.name
    assert set(wire.ENTITY_COLUMNS[entity]) <= set(table.columns.keys())


@pytest.mark.parametrize("entity", sorted(TABLES))
def test_what_a_page_applies_is_what_the_wire_carries(entity: str) -> None:
    assert set(apply.LOCAL_COLUMNS[entity]) == set(wire.ENTITY_COLUMNS[entity])


def test_the_churn_models_snapshot_inputs_are_snapshot_columns() -> None:
    assert set(SNAPSHOT_COLUMNS) <= set(schema.snapshots.columns.keys())
