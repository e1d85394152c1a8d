"""The window's charts (pyqtgraph): one way to make them, in the theme's colours.

Every chart is drawn on the palette's base colour with its text colour for axes and
labels (so a dark theme gets a dark chart, not a white box), and again when the theme
changes, without pyqtgraph's "A"
auto-range button (the charts fit their data themselves) and without mouse panning or
zooming (nothing to explore in a dozen points). A legend sits in one row under the plot,
outside it, so it never covers the data.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt

from ui import look

AXES = ("left", "bottom")


def plot(name: str, min_height: int) -> pg.PlotWidget:
    """A chart named `name` for screen readers, at least `min_height` pixels tall."""
    chart = pg.PlotWidget()
    chart.setAccessibleName(name)
    chart.setMinimumHeight(min_height)
    chart.setMouseEnabled(x=False, y=False)
    chart.hideButtons()
    _ThemeFollower(chart).recolour()
    return chart


class _ThemeFollower(QObject):
    """Recolours its chart when the application's palette changes (`look.apply`, on
    the OS switching between light and dark)."""

    def __init__(self, chart: pg.PlotWidget) -> None:
        super().__init__(chart)
        self.chart = chart
        chart.installEventFilter(self)

    def recolour(self) -> None:
        background, foreground = look.chart_colours()
        self.chart.setBackground(background)
        for axis in AXES:
            self.chart.getAxis(axis).setPen(foreground)
            self.chart.getAxis(axis).setTextPen(foreground)
        title = self.chart.getPlotItem().titleLabel
        if title.text:
            title.setText(title.text, color=foreground)
        legend = self.chart.getPlotItem().legend
        if legend is not None:
            veil = pg.mkColor(background)
            veil.setAlpha(210)
            legend.setBrush(pg.mkBrush(veil))
            legend.setLabelTextColor(foreground)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.recolour()
        return False


def title(chart: pg.PlotWidget, text: str) -> None:
    """The chart's title, in its text colour."""
    chart.setTitle(text, color=look.chart_colours()[1])


LEGEND_ROW = 4  # PlotItem's grid: title 0, top axis 1, plot 2, bottom axis 3


class _RowLegend(pg.LegendItem):  # type: ignore[misc]
    """A legend laid out by its plot's grid: it asks for the size of its entries in one
    row (pyqtgraph's own sets its geometry, floating over the plot)."""

    def updateSize(self) -> None:
        self.setMaximumSize(self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize))
        self.updateGeometry()


def legend(chart: pg.PlotWidget) -> pg.LegendItem:
    """The chart's legend, on a veil of its background, in its text colour: one row
    centred under the bottom axis, outside the plot, so no data lies under it. Items
    added to the chart with a `name` appear in it."""
    plot_item = chart.getPlotItem()
    legend = _RowLegend(colCount=16)
    legend.layout.setContentsMargins(0, 0, 0, 0)
    plot_item.layout.addItem(legend, LEGEND_ROW, 1)
    plot_item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    plot_item.legend = legend
    follower = chart.findChild(_ThemeFollower)
    if follower is not None:
        follower.recolour()
    return legend
