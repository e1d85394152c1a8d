"""Snapshot pages are checked and converted a column at a time, by the delta rules.

`apply.rows_from_columns` must give exactly the rows `apply.rows_for` gives for the
same records, and refuse a page for every reason `rows_for` refuses a record; the
client's line decoder refuses malformed page shapes before any row is looked at.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sync import wire
from sync.client import apply
from sync.client.engine import _decode_snapshot_line, _DecodedPage
from sync.client.errors import ProtocolViolation


def _customer(cif: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": cif,
        "name": "王小明",
        "name_pinyin": "wangxiaoming",
        "name_initials": "wxm",
        "gender": "male",
        "birth_date": None,
        "id_type": "resident_id",
        "id_number": "110101199001011234",
        "mobile": "13800138000",
        "email": "",
        "address": "北京",
        "segment": "mass",
        "lifecycle": "active",
        "aum_fen": 1200,
        "aum_tier": "T1",
        "owner_rm": "rm001",
        "branch": "BR001",
        "since": "2020-01-01",
        "kyc_expiry": None,
        "risk_profile": 3,
        "tags": "vip",
        "version": 2,
        "field_versions": {"mobile": [2, "c1"]},
        "personal_masked": False,
    } | extra


def _interaction(iid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": iid,
        "customer_id": "C1",
        "kind": "visit",
        "occurred_at": "2026-11-20T02:00:00+00:00",
        "created_by": "rm001",
        "subject": "回访",
        "note": "谈了理财",
        "participants": ["rm001", "王小明"],
        "outcome": "",
        "next_step": "",
        "supersedes_id": None,
        "created_at": None,
        "version": 1,
    } | extra


def _page(records: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    columns = list(records[0])
    return columns, [[r[c] for c in columns] for r in records]


@pytest.mark.parametrize(
    ("entity", "records"),
    [
        ("customer", [_customer("C1"), _customer("C2", field_versions={}, tags="")]),
        (
            "interaction",
            [_interaction("I1"), _interaction("I2", participants=[], supersedes_id="I1")],
        ),
    ],
)
def test_same_rows_as_the_record_path(entity: str, records: list[dict[str, Any]]) -> None:
    columns, rows = _page(records)
    assert apply.rows_from_columns(entity, columns, rows) == apply.rows_for(entity, records)


def test_missing_optional_columns_take_the_same_defaults() -> None:
    record = _customer("C1")
    del record["field_versions"], record["personal_masked"]
    columns, rows = _page([record])
    assert apply.rows_from_columns("customer", columns, rows) == apply.rows_for(
        "customer", [record]
    )


MALFORMED = {
    "aum_fen as text": ("customer", {"aum_fen": "100"}),
    "aum_fen as bool": ("customer", {"aum_fen": True}),
    "aum_fen null": ("customer", {"aum_fen": None}),
    "mobile null": ("customer", {"mobile": None}),
    "name empty": ("customer", {"name": ""}),
    "name not text": ("customer", {"name": 42}),
    "version as text": ("customer", {"version": "3"}),
    "interaction without author": ("interaction", {"created_by": None}),
}


@pytest.mark.parametrize(("entity", "patch"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_refused_for_every_reason_the_record_path_refuses(
    entity: str, patch: dict[str, Any]
) -> None:
    good = _customer("C1") if entity == "customer" else _interaction("I1")
    records = [good, good | patch]
    with pytest.raises(ProtocolViolation):
        apply.rows_for(entity, records)
    columns, rows = _page(records)
    with pytest.raises(ProtocolViolation):
        apply.rows_from_columns(entity, columns, rows)


def test_rows_of_the_wrong_width_are_refused() -> None:
    columns, rows = _page([_customer("C1"), _customer("C2")])
    with pytest.raises(ProtocolViolation, match="wrong number"):
        apply.rows_from_columns("customer", columns, [rows[0], rows[1][:-1]])
    with pytest.raises(ProtocolViolation, match="wrong number"):
        apply.rows_from_columns("customer", columns, [row[:-1] for row in rows])


def _line(**page: Any) -> bytes:
    base = {"kind": "page", "entity": "customer", "columns": [], "rows": [], "resume": "t"}
    return json.dumps(base | page).encode()


def test_a_page_line_decodes_to_local_rows() -> None:
    columns, rows = _page([_customer("C1")])
    decoded = _decode_snapshot_line(_line(columns=columns, rows=rows, resume="tok"))
    assert decoded is not None
    kind, page = decoded
    assert kind == "page"
    assert isinstance(page, _DecodedPage)
    assert page.columns == list(apply.LOCAL_COLUMNS["customer"])
    assert page.rows == apply.rows_for("customer", [_customer("C1")])[1]
    assert page.resume == "tok"
    assert set(wire.ENTITY_COLUMNS["customer"]) <= set(page.columns)


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        _line(entity="gift_card"),
        _line(columns=["id", "id"]),
        _line(columns=[1, 2]),
        _line(rows="many"),
        _line(resume=None),
    ],
)
def test_malformed_lines_are_refused(line: bytes) -> None:
    with pytest.raises(ProtocolViolation):
        _decode_snapshot_line(line)


def test_unknown_line_kinds_are_skipped() -> None:
    assert _decode_snapshot_line(_line(kind="chapter")) is None
    assert _decode_snapshot_line(b"") is None
