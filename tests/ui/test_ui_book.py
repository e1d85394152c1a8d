"""The book page: lazy id-window model, SQL sort and filters, saved filters, search."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from rm_desk.domain.book import BookColumn, BookFilter, BookSort
from rm_desk.domain.model import Segment
from rm_desk.services import book as book_service
from rm_desk.services.session import Session
from ui.context import AppContext
from ui.models.book import COLUMNS, BookTableModel
from ui.views.book import BookPage
from ui.views.search import SearchBox


def _loaded(qtbot: QtBot, page: BookPage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.activate()


def _wait_rows(qtbot: QtBot, model: BookTableModel, rows: int = 1) -> None:
    for row in range(rows):
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: all(model.row_at(r) is not None for r in range(rows)), timeout=10_000)


def test_book_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, ctx: AppContext
) -> None:
    model = BookTableModel(ctx)
    with qtbot.waitSignal(model.reloaded, timeout=10_000):
        model.reload()
    _wait_rows(qtbot, model, 5)
    qtmodeltester.check(model)


def test_book_lists_every_customer_and_fetches_rows_lazily(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    page = BookPage(ctx)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    model = page.model
    assert model.rowCount() == len(book_service.book_ids(session)) == 120
    # Nothing fetched before a row is looked at; the first look shows a placeholder.
    assert model.index(0, 0).data() == "…"
    _wait_rows(qtbot, model)
    first = book_service.book_rows(session, book_service.book_ids(session)[:1])[0]
    assert model.index(0, 0).data() == first.name
    assert model.index(0, 1).data() == first.cif


def test_sorting_by_a_header_orders_in_sql(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    page = BookPage(ctx)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    aum_column = [key for key, _ in COLUMNS].index("aum")
    with qtbot.waitSignal(page.model.reloaded, timeout=10_000):
        page.model.sort(aum_column, Qt.SortOrder.DescendingOrder)
    expected = book_service.book_ids(session, sort=BookSort(BookColumn.AUM, descending=True))
    assert [page.model.pk_at(i) for i in range(len(expected))] == expected
    _wait_rows(qtbot, page.model, 3)
    aums = [page.model.row_at(i).aum_fen for i in range(3)]  # type: ignore[union-attr]
    assert aums == sorted(aums, reverse=True)


def test_segment_filter_and_saved_filter(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    page = BookPage(ctx)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    wanted = BookFilter(segments=frozenset({Segment.AFFLUENT}))
    expected = len(book_service.book_ids(session, wanted))
    assert 0 < expected < 120
    with qtbot.waitSignal(page.model.reloaded, timeout=10_000):
        page.segment.setCurrentIndex(page.segment.findData(Segment.AFFLUENT.value))
    assert page.model.rowCount() == expected
    assert page.current_filter() == wanted

    book_service.save_filter(session, "affluent", wanted)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.clear_filters()
    assert page.model.rowCount() == 120
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.reload()
    qtbot.waitUntil(lambda: page.saved.count() == 2)
    with qtbot.waitSignal(page.model.reloaded, timeout=10_000):
        page.saved.activated.emit(1)
    assert page.model.rowCount() == expected
    assert page.segment.currentData() == Segment.AFFLUENT.value


def test_search_box_finds_by_pinyin_initials_and_opens_the_customer(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    row = book_service.book_rows(session, book_service.book_ids(session)[:1])[0]
    profile = book_service.customer_profile(session, row.cif)
    box = SearchBox(ctx)
    qtbot.addWidget(box)
    box.show()
    initials = profile.customer.name_initials
    with qtbot.waitSignal(box.results_shown, timeout=10_000):
        box.setText(initials)
        box.textEdited.emit(initials)
    assert row.cif in [h.cif for h in box.results.hits]
    index = next(i for i, h in enumerate(box.results.hits) if h.cif == row.cif)
    with qtbot.waitSignal(box.chosen, timeout=5_000) as chosen:
        box._activated(box.results.index(index, 0))
    assert chosen.args == [row.cif]
    assert box.text() == ""


def test_an_older_search_answer_never_replaces_a_newer_one(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    box = SearchBox(ctx)
    qtbot.addWidget(box)
    cif = book_service.book_rows(session, book_service.book_ids(session)[:1])[0].cif
    box.textEdited.emit("zzzz-nothing")
    with qtbot.waitSignal(box.results_shown, timeout=10_000):
        box.textEdited.emit(cif)
    qtbot.waitUntil(lambda: ctx.tasks.in_flight == 0)
    assert [h.cif for h in box.results.hits][:1] == [cif]
