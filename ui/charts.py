"""The window's charts (pyqtgraph): one way to make them, in the theme's colours.

Every chart is drawn on the palette's base colour with its text colour for axes and
labels (so a dark theme gets a dark chart, not a white box), without pyqtgraph's "A"
auto-range button (the charts fit their data themselves) and without mouse panning or
zooming (nothing to explore in a dozen points).
"""

from __future__ import annotations

import pyqtgraph as pg

from ui import look

AXES = ("left", "bottom")


def plot(name: str, min_height: int) -> pg.PlotWidget:
    """A chart named `name` for screen readers, at least `min_height` pixels tall."""
    background, foreground = look.chart_colours()
    chart = pg.PlotWidget(background=background)
    chart.setAccessibleName(name)
    chart.setMinimumHeight(min_height)
    chart.setMouseEnabled(x=False, y=False)
    chart.hideButtons()
    for axis in AXES:
        chart.getAxis(axis).setPen(foreground)
        chart.getAxis(axis).setTextPen(foreground)
    return chart


def legend(chart: pg.PlotWidget) -> pg.LegendItem:
    """The chart's legend, on a veil of its background, in its text colour."""
    background, foreground = look.chart_colours()
    veil = pg.mkColor(background)
    veil.setAlpha(210)
    return chart.addLegend(offset=(10, 5), brush=pg.mkBrush(veil), labelTextColor=foreground)
