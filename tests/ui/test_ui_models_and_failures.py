"""Model checks for the window's own tables, and failures shown as sentences with
nothing lost: a damaged database at sign-in, the server down during a sync."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from rm_desk.demo_gateway import EmbeddedGateway
from rm_desk.domain.book import SearchHit
from rm_desk.domain.model import ChurnLevel, InteractionKind, Role, Segment
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import churn as churn_service
from rm_desk.services import notes as note_service
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.conflicts import Conflict, ReturnedWork
from rm_desk.services.demo import LOCAL_DEMO_SERVER, demo_password
from rm_desk.services.session import Session
from sync.server import admin
from ui.context import AppContext
from ui.login import LoginWindow
from ui.main_window import MainWindow
from ui.taskman import TaskManager
from ui.views.search import SearchResultsModel
from ui.views.sync_page import ConflictsModel, ReturnedModel
from ui.views.watchlist import WatchlistModel, WatchlistPage


def test_search_results_model(qtmodeltester: ModelTester) -> None:
    model = SearchResultsModel()
    model.set_hits(
        "wxm",
        [
            SearchHit(
                1, "600000000001", "王小明", Segment.AFFLUENT, 123_400, ChurnLevel.RED, "1234"
            ),
            SearchHit(2, "600000000002", "吴晓梅", Segment.MASS, 5_000, None, ""),
        ],
    )
    qtmodeltester.check(model)
    assert "王小明" in model.index(0, 0).data()


def test_conflict_and_returned_models(qtmodeltester: ModelTester) -> None:
    conflicts = ConflictsModel()
    conflicts.set_rows(
        [Conflict(1, "customer", "600000000001", "email", "a@x.cn", "b@x.cn", "2026-11-24T09:00")]
    )
    qtmodeltester.check(conflicts)
    returned = ReturnedModel()
    returned.set_rows(
        [ReturnedWork(1, "interaction", "i1", "拜访记录", {"note": "x"}, "moved", "2026-11-24")]
    )
    qtmodeltester.check(returned)


def test_watchlist_model_and_page(
    qtbot: QtBot, qtmodeltester: ModelTester, ctx: AppContext, session: Session
) -> None:
    page = WatchlistPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.activate()
    flagged = churn_service.watchlist(session)
    assert page.model.rowCount() == len(flagged)
    assert page.model.rowCount() > 0, "the demo book should have flagged customers"
    qtmodeltester.check(page.model)
    assert isinstance(page.model, WatchlistModel)
    first = flagged[0]
    assert page.model.index(0, 0).data() == first.name
    # Acknowledge the top flag: recorded locally and queued for the server.
    before = sync_service.sync_status(session).pending
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.record("acknowledge")
    qtbot.waitUntil(lambda: sync_service.sync_status(session).pending == before + 1)


def test_damaged_database_is_named_at_sign_in_and_nothing_changes(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager
) -> None:
    reg = sessions.registry(tmp_path / "data", Policy(keyring=KeyringMode.OFF))
    s = sessions.create_profile(reg, "rm001", "a good password", server=LOCAL_DEMO_SERVER,
                                role=Role.RM)  # fmt: skip
    path = reg.database_path(s.profile)
    s.lock()
    path.write_bytes(b"this is not an RM Desk database" * 100)
    window = LoginWindow(reg, tasks, preselect="rm001")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.profiles_shown, timeout=10_000):
        window.show()
    window.password.setText("a good password")
    window.unlock_button.click()
    # The key was verified by the password: a file it cannot read is damaged, and the
    # screen offers the repair (which rebuilds it from the central CRM).
    qtbot.waitUntil(lambda: "is damaged" in window.message.text(), timeout=20_000)
    assert str(path) in window.message.text()
    assert window.repair_button.isVisible()
    assert path.read_bytes().startswith(b"this is not")  # left as it was, for IT


def test_server_down_during_sync_says_so_and_keeps_the_note(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager
) -> None:
    gateway = EmbeddedGateway(tmp_path / "central.db")
    admin.seed(gateway.engine, customers=40, rms=2, seed=5, as_of=date(2026, 11, 1))
    url = gateway.start()
    reg = sessions.registry(tmp_path / "client", Policy(keyring=KeyringMode.OFF))
    session = sync_service.add_profile(reg, "rm001", demo_password("rm001"), url).session
    gateway.stop()  # the server goes away
    customer = next(iter(sessions_book_ids(session)))
    from rm_desk.services.notes import NoteInput  # noqa: PLC0415

    note_service.log_interaction(
        session,
        NoteInput(customer_id=customer, kind=InteractionKind.VISIT,
                  occurred_at=session.clock(), subject="离线拜访", note="服务器不在也要记下"),
    )  # fmt: skip
    window = MainWindow(AppContext(session, tasks))
    window.sync.stop()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sync.failed, timeout=120_000) as failed:
        window.sync_now()
    assert "cannot be reached" in failed.args[0]
    assert "cannot be reached" in window.statusBar().currentMessage()
    assert sync_service.sync_status(session).pending == 1
    qtbot.waitUntil(lambda: "Offline" in window.online_label.text(), timeout=10_000)
    session.lock()


def sessions_book_ids(session: Session) -> list[str]:
    from rm_desk.services import book as book_service  # noqa: PLC0415

    return [r.cif for r in book_service.book_rows(session, book_service.book_ids(session)[:1])]


def test_book_shows_the_main_churn_reason_of_flagged_customers(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    from rm_desk.domain.book import BookFilter  # noqa: PLC0415
    from rm_desk.services import book as book_service  # noqa: PLC0415
    from ui import words  # noqa: PLC0415
    from ui.models.book import COLUMNS, BookTableModel  # noqa: PLC0415

    flagged = BookFilter(churn_levels=frozenset({ChurnLevel.RED, ChurnLevel.AMBER}))
    model = BookTableModel(ctx)
    with qtbot.waitSignal(model.reloaded, timeout=10_000):
        model.reload(flagged)
    assert model.rowCount() > 0
    model.data(model.index(0, 0))
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=10_000)
    row = model.row_at(0)
    assert row is not None
    top = churn_service.watchlist(session, limit=100_000)
    expected = next(w.top_reason for w in top if w.customer_id == row.cif)
    assert expected is not None
    column = [key for key, _ in COLUMNS].index("reason")
    assert model.index(0, column).data() == words.reason_text(expected)
    assert book_service.book_rows(session, [row.pk])[0].churn_reason == expected


def test_profile_paints_the_score_history_with_threshold_lines(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    from ui.views.profile import CustomerPage  # noqa: PLC0415

    flagged = churn_service.watchlist(session)[0]
    page = CustomerPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.show_customer(flagged.customer_id)
    history = churn_service.score_history(session, flagged.customer_id)
    assert len(history) >= 1
    xs, ys = page.score_curve.getData()
    assert len(xs) == len(history)
    assert abs(float(ys[-1]) - history[-1].score * 100) < 1e-9
    info = churn_service.model_info(session)
    assert abs(page.red_line.value() - info["red"] * 100) < 1e-9
