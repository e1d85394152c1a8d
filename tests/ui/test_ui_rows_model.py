"""The shared table model of the window's short lists, and its ported tables' headers
in Chinese (each concrete model translates its own headers under its own name)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QObject, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui import i18n
from ui.context import AppContext
from ui.models.rows import NUMBER_ALIGNMENT, RowsTableModel
from ui.models.tasks import TaskTableModel
from ui.views.history import TimelineModel
from ui.views.note_editor import DraftListModel
from ui.views.profile import HoldingsModel
from ui.views.sync_page import ConflictsModel, ReturnedModel
from ui.views.team import AtRiskModel, TeamModel
from ui.views.watchlist import WatchlistModel

DISPLAY = Qt.ItemDataRole.DisplayRole


@dataclass(frozen=True)
class Deposit:
    account: str
    balance_fen: int


class DepositsModel(RowsTableModel[Deposit]):
    columns = ("account", "balance")

    def header(self, key: str) -> str:
        return {"account": "Account", "balance": "Balance"}[key]

    def cell(self, row: Deposit, key: str, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "balance":
            return NUMBER_ALIGNMENT
        if role == DISPLAY:
            return row.account if key == "account" else str(row.balance_fen)
        return None


class Headless(RowsTableModel[Deposit]):
    columns = ("account",)


DEPOSITS = [Deposit("6222-01", 150_000), Deposit("6222-02", 0), Deposit("6222-03", 99)]


def test_rows_model_lists_rows_under_its_columns(qtmodeltester: ModelTester) -> None:
    model = DepositsModel()
    assert (model.rowCount(), model.columnCount()) == (0, 2)
    qtmodeltester.check(model)
    given = list(DEPOSITS)
    model.set_rows(given)
    given.clear()  # the model keeps its own list
    assert (model.rowCount(), model.columnCount()) == (3, 2)
    assert model.rowCount(model.index(0, 0)) == model.columnCount(model.index(0, 0)) == 0
    assert model.rows == DEPOSITS
    assert [model.row(i) for i in (-1, 0, 2, 3)] == [None, DEPOSITS[0], DEPOSITS[2], None]
    assert model.index(2, 0).data() == "6222-03"
    assert model.index(0, 1).data() == "150000"
    assert model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) == NUMBER_ALIGNMENT
    assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None
    qtmodeltester.check(model)


def test_rows_model_answers_nothing_outside_its_rows_and_columns() -> None:
    model = DepositsModel()
    model.set_rows(DEPOSITS)
    # A stale index (rows shrank after it was made) and one past the last column.
    stale = model.createIndex(2, 0)
    model.set_rows(DEPOSITS[:1])
    assert model.data(stale) is None
    assert model.data(model.createIndex(0, 2)) is None
    assert model.data(model.index(5, 0)) is None
    horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    assert [model.headerData(s, horizontal) for s in range(-1, 3)] == [
        None, "Account", "Balance", None,
    ]  # fmt: skip
    assert model.headerData(0, vertical) is None
    assert model.headerData(0, horizontal, Qt.ItemDataRole.ToolTipRole) is None


def test_set_rows_resets_the_model(qtbot: QtBot) -> None:
    model = DepositsModel()
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset], order="strict"):
        model.set_rows(DEPOSITS)
    assert model.rowCount() == 3


def test_rows_model_takes_its_parent_and_asks_subclasses_for_header_and_cell() -> None:
    owner = QObject()
    model = Headless(owner)
    assert model.parent() is owner
    with pytest.raises(NotImplementedError, match="Headless has no header for 'account'"):
        model.header("account")
    with pytest.raises(NotImplementedError, match="Headless shows no cell"):
        model.cell(DEPOSITS[0], "account", DISPLAY)


@pytest.fixture
def models(ctx: AppContext) -> Iterator[list[RowsTableModel[Any]]]:
    owner = QObject()
    yield [
        TimelineModel(ctx, None), DraftListModel(owner), ConflictsModel(owner),
        ReturnedModel(owner), TeamModel(owner), AtRiskModel(owner), WatchlistModel(owner),
        HoldingsModel(owner), TaskTableModel(owner),
    ]  # fmt: skip
    i18n.install("en")


def headers(model: QAbstractItemModel) -> list[str]:
    h = Qt.Orientation.Horizontal
    return [model.headerData(s, h) for s in range(model.columnCount())]


def test_every_table_translates_its_headers_under_its_own_name(
    models: list[RowsTableModel[Any]],
) -> None:
    glossary = i18n.glossary()
    english = [headers(m) for m in models]
    i18n.install("zh_CN")
    for model, sources in zip(models, english, strict=True):
        expected = [glossary[type(model).__name__][text] for text in sources]
        assert headers(model) == expected, type(model).__name__
