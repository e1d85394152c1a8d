"""The watchlist's Trend (score now against last month's) is shown only when the book
has last month's scores: a freshly scored book (a new profile, the demo) has none, and
a column of "—" said nothing."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from rm_desk.services import churn as churn_service
from rm_desk.services.session import Session
from ui.context import AppContext
from ui.views.watchlist import WatchlistPage


def _open(qtbot: QtBot, ctx: AppContext) -> WatchlistPage:
    page = WatchlistPage(ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.activate()
    return page


def test_trend_appears_with_last_months_scores(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    page = _open(qtbot, ctx)
    trend = page.model.columns.index("trend")
    rising = page.sort.findData("trend")
    assert page.model.rowCount() > 0
    assert all(r.trend is None for r in page.model.rows)
    assert page.table.isColumnHidden(trend)
    assert not page.sort.model().item(rising).isEnabled()  # type: ignore[attr-defined]

    top = page.model.rows[0]
    (point,) = churn_service.score_history(session, top.customer_id)
    year, month = int(point.month[:4]), int(point.month[5:7])
    last_month = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    with session.store.transaction() as conn:
        conn.exec_driver_sql(
            "INSERT INTO churn_score_history(customer_id, month, score, level, model_version) "
            "VALUES (?, ?, ?, ?, ?)",
            (top.customer_id, last_month, top.score - 0.1, "amber", point.model_version),
        )
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.reload()
    assert not page.table.isColumnHidden(trend)
    assert page.sort.model().item(rising).isEnabled()  # type: ignore[attr-defined]
    row = [r.customer_id for r in page.model.rows].index(top.customer_id)
    assert page.model.index(row, trend).data() == "▲ +10.0"
