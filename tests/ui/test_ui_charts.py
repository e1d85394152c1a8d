"""The charts: one month's score is a value in words, not a lone dot; no chart shows
pyqtgraph's "A" (auto-range) button; in the dark theme the charts are dark too."""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from rm_desk.domain.model import Role
from rm_desk.services import book as book_service
from rm_desk.services import churn as churn_service
from rm_desk.services.session import Session
from tests.conftest import MakeSession
from tests.ui.conftest import open_profile
from ui import look, words
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.team import TeamPage


@pytest.fixture
def manager_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    tasks = TaskManager()
    yield AppContext(make_session("mgr01", role=Role.MANAGER, customers=30, rms=2), tasks)
    tasks.shutdown(wait=True)


def _charts(*widgets: QWidget) -> list[pg.PlotWidget]:
    found = [c for w in widgets for c in w.findChildren(pg.PlotWidget)]
    assert found
    return found


def _first(session: Session) -> str:
    return book_service.book_rows(session, book_service.book_ids(session)[:1])[0].cif


def test_one_months_score_is_a_value_and_two_are_a_chart(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = _first(session)
    (point,) = churn_service.score_history(session, cif)  # a generated book: one scoring
    page = open_profile(qtbot, ctx, cif)
    assert page.score_value.isVisible()
    assert not page.score_chart.isVisible()
    assert page.score_value.text() == (
        f"Leave probability in {point.month}: {words.percent(point.score)}"
    )
    year, month = int(point.month[:4]), int(point.month[5:7])
    earlier = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    with session.store.transaction() as conn:
        conn.exec_driver_sql(
            "INSERT INTO churn_score_history(customer_id, month, score, level, model_version) "
            "VALUES (?, ?, ?, ?, ?)",
            (cif, earlier, 0.2, point.level.value, point.model_version),
        )
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.reload()
    assert page.score_chart.isVisible()
    assert not page.score_value.isVisible()
    _xs, ys = page.score_curve.getData()
    assert list(ys) == pytest.approx([20.0, point.score * 100])


def test_no_chart_has_the_auto_range_button(
    qtbot: QtBot, ctx: AppContext, session: Session, manager_ctx: AppContext
) -> None:
    team = TeamPage(manager_ctx)
    qtbot.addWidget(team)
    for chart in _charts(open_profile(qtbot, ctx, _first(session)), team):
        item = chart.getPlotItem()
        assert item.buttonsHidden, chart.accessibleName()
        assert not item.autoBtn.isVisible(), chart.accessibleName()


def _assert_coloured(charts: list[pg.PlotWidget], app: QApplication) -> None:
    base = app.palette().base().color().name()
    text = app.palette().text().color().name()
    for chart in charts:
        assert chart.backgroundBrush().color().name() == base, chart.accessibleName()
        for axis in ("left", "bottom"):
            assert chart.getAxis(axis).textPen().color().name() == text
            assert chart.getAxis(axis).pen().color().name() == text
        title = chart.getPlotItem().titleLabel
        if title.text:
            assert pg.mkColor(title.opts["color"]).name() == text, title.text
        legend = chart.getPlotItem().legend
        if legend is not None:
            assert legend.opts["labelTextColor"].name() == text


@pytest.mark.parametrize("theme", [look.DARK, look.LIGHT])
def test_charts_are_made_in_the_theme_and_follow_a_change(
    qtbot: QtBot,
    ctx: AppContext,
    session: Session,
    manager_ctx: AppContext,
    theme: str,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    look.apply(app, theme)
    try:
        team = TeamPage(manager_ctx)
        qtbot.addWidget(team)
        charts = _charts(open_profile(qtbot, ctx, _first(session)), team)
        _assert_coloured(charts, app)
        look.apply(app, look.LIGHT if theme == look.DARK else look.DARK)  # the OS switched
        QApplication.processEvents()
        _assert_coloured(charts, app)
    finally:
        look.apply(app, look.LIGHT)


def _plotted_in_scene(chart: pg.PlotWidget) -> list[QRectF]:
    """Every plotted point (a tiny rect round it) and bar of `chart`, in scene coordinates."""
    view = chart.getPlotItem().getViewBox()
    shapes: list[QRectF] = []
    for item in view.addedItems:
        if isinstance(item, pg.PlotDataItem):
            xs, ys = item.getData()
            for x, y in zip([] if xs is None else xs, [] if ys is None else ys, strict=True):
                point = view.mapViewToScene(QPointF(float(x), float(y)))
                shapes.append(QRectF(point.x() - 1, point.y() - 1, 2, 2))
        elif isinstance(item, pg.BarGraphItem):
            opts = item.opts
            width = opts["width"]
            for x, height in zip(opts["x"], opts["height"], strict=True):
                bar = QRectF(float(x) - width / 2, 0.0, width, float(height)).normalized()
                shapes.append(view.mapViewToScene(bar).boundingRect())
    return shapes


def test_no_legend_covers_its_charts_data(
    qtbot: QtBot, ctx: AppContext, session: Session, manager_ctx: AppContext
) -> None:
    team = TeamPage(manager_ctx)
    qtbot.addWidget(team)
    team.resize(1366, 768)
    team.show()
    with qtbot.waitSignal(team.loaded, timeout=20_000):
        team.activate()
    profile = open_profile(qtbot, ctx, _first(session))
    for _ in range(3):
        QApplication.processEvents()
    with_legend = [c for c in _charts(profile, team) if c.getPlotItem().legend is not None]
    names = {c.accessibleName() for c in with_legend}
    assert names == {profile.aum_chart.accessibleName(), team.chart.accessibleName()}
    for chart in with_legend:
        legend = chart.getPlotItem().legend
        assert legend.isVisible()
        assert legend.items, chart.accessibleName()  # it names the series
        where = legend.sceneBoundingRect()
        assert not where.isEmpty()
        plotted = _plotted_in_scene(chart)
        assert len(plotted) > 3, chart.accessibleName()  # a chart with data is checked
        covered = [shape for shape in plotted if where.intersects(shape)]
        assert not covered, f"{chart.accessibleName()}: the legend covers {covered}"
