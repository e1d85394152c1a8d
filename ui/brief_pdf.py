"""The visit brief painted on A4: one page per customer, in the interface language.

Painted with QPainter, so the same code writes the PDF (Qt's own PDF writer,
`QPdfWriter`, which embeds the fonts it uses: the CJK family that `i18n` picks for
Chinese) and prints on paper (`QPrinter`). The page is laid out in points (595 × 842,
A4) whatever the device's resolution; every list is capped so the page never spills
over ("and 3 more").

Qt's PDF writer names each glyph by the first code point the font maps to it, and CJK
fonts give a Kangxi radical (U+2F00…) the same glyph as its ideograph: "小" would be
extracted (copied, searched, read aloud) as "⼩". `render_pdf` rewrites those entries
of the document's ToUnicode maps to the character that was drawn (same length, so
nothing else in the file moves).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QBuffer,
    QCoreApplication,
    QIODevice,
    QLocale,
    QMarginsF,
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QRawFont,
)

from rm_desk.domain.model import ChurnLevel
from rm_desk.services.brief import BriefData
from ui import i18n, words

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN = 36.0
RESOLUTION = 1200  # of the PDF writer; the layout is in points either way
LINE = 12.5  # one line of body text
INK = QColor("#202020")
MUTED = QColor("#606060")
RULE = QColor("#b0b0b0")
LEVEL = {ChurnLevel.RED: "#c62828", ChurnLevel.AMBER: "#ef8f00", ChurnLevel.GREEN: "#2e7d32"}


_app: list[QGuiApplication] = []  # the command line's application, kept alive


def start_offscreen(language: str | None) -> str:
    """For the command line: a QGuiApplication that paints without a window (Qt's
    offscreen platform unless QT_QPA_PLATFORM says otherwise: no display is needed) and
    the interface language installed (`language`, else the system's); returns it."""
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app.append(QGuiApplication([sys.argv[0] if sys.argv else "rm-desk"]))
    chosen = language or i18n.system_language()
    i18n.install(chosen)
    return i18n.current_language()


# --- the document -------------------------------------------------------------------------


def render_pdf(briefs: Sequence[BriefData], title: str = "") -> bytes:
    """The briefs as one PDF document, one A4 page each (in memory; no file)."""
    if not briefs:
        raise ValueError("no brief to render")
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    writer.setTitle(title or QCoreApplication.translate("Brief", "Visit brief"))
    writer.setCreator("RM Desk")
    drawn = paint(writer, briefs)
    buffer.close()
    return fix_to_unicode(bytes(buffer.data().data()), drawn, _fonts())


def paint(device: QPagedPaintDevice, briefs: Sequence[BriefData]) -> str:
    """Paint one page per brief on `device` (a PDF writer or a printer); returns the
    text drawn (for `fix_to_unicode`)."""
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("the page cannot be painted")
    page = Page(painter, device)
    try:
        for index, brief in enumerate(briefs):
            if index:
                device.newPage()
            page.start()
            paint_brief(page, brief)
    finally:
        painter.end()
    return "".join(page.drawn)


# Latin letters and digits come from a Latin family, Chinese from the CJK one: a CJK
# font's shaping substitutes its own forms of digits and Latin letters, which Qt's
# writer then cannot name (they would be missing from the extracted text).
LATIN_FAMILIES = ("DejaVu Sans", "Noto Sans", "Liberation Sans", "Segoe UI", "Arial",
                  "Helvetica Neue", "Helvetica")  # fmt: skip


def families() -> list[str]:
    """The page's font families: a Latin one, then the CJK one `i18n` picks."""
    installed = set(QFontDatabase.families(QFontDatabase.WritingSystem.Latin))
    latin = next((f for f in LATIN_FAMILIES if f in installed), None)
    cjk = i18n.cjk_family()
    chosen = [f for f in (latin, cjk) if f]
    return chosen or [QGuiApplication.font().family()]


def _fonts() -> list[QFont]:
    return [QFont(family) for family in families()]


# --- a page in points -------------------------------------------------------------------------


class Page:
    """A painter set to lay out in points on an A4 page, with a cursor moving down."""

    def __init__(self, painter: QPainter, device: QPagedPaintDevice) -> None:
        self.p = painter
        self.device = device
        self.y = MARGIN
        self.drawn: list[str] = []
        self.left, self.right = MARGIN, PAGE_W - MARGIN

    def start(self) -> None:
        self.p.resetTransform()
        full = self.device.pageLayout().fullRectPixels(self.device.logicalDpiX())
        paint = self.device.pageLayout().paintRectPixels(self.device.logicalDpiX())
        # points → device pixels, the page's top left corner at (0, 0)
        scale = min(full.width() / PAGE_W, full.height() / PAGE_H)
        self.p.translate(-paint.x(), -paint.y())
        self.p.scale(scale, scale)
        self.y = MARGIN

    def font(self, size: float, *, bold: bool = False) -> QFont:
        f = QFont()
        f.setFamilies(families())
        f.setPointSizeF(size)
        f.setBold(bold)
        f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        # no ligatures: "ff" stays two letters in the extracted (copied, searched) text
        f.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        return f

    def text(
        self,
        x: float,
        width: float,
        text: str,
        *,
        size: float = 8.5,
        bold: bool = False,
        color: QColor = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        y: float | None = None,
    ) -> float:
        """One line at (x, y or the cursor), elided to `width`; returns its height.
        Every line of a size sits on the same baseline below its top, whichever font
        (Latin or CJK) its characters come from."""
        font = self.font(size, bold=bold)
        metrics = QFontMetricsF(font, self.device)
        scale = self._font_scale()
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width * scale)
        advance = metrics.horizontalAdvance(shown)
        left = x * scale
        if align & Qt.AlignmentFlag.AlignRight:
            left += width * scale - advance
        elif align & Qt.AlignmentFlag.AlignHCenter:
            left += (width * scale - advance) / 2
        top = self.y if y is None else y
        self.p.save()
        self.p.scale(1 / scale, 1 / scale)
        self.p.setFont(font)
        self.p.setPen(color)
        self.p.drawText(QPointF(left, top * scale + size * 0.95 * scale), shown)
        self.p.restore()
        self.drawn.append(shown)
        return metrics.height() / scale

    def _font_scale(self) -> float:
        """Device pixels per point under the page transform (fonts are sized by the
        device's resolution, so they are drawn untransformed)."""
        return float(self.p.transform().m11()) or 1.0

    def line(self, text: str, *, size: float = 8.5, bold: bool = False, color: QColor = INK,
             indent: float = 0.0) -> None:  # fmt: skip
        self.text(self.left + indent, self.right - self.left - indent, text, size=size,
                  bold=bold, color=color)  # fmt: skip
        self.y += LINE * size / 8.5

    def heading(self, text: str) -> None:
        self.y += 5
        self.text(self.left, self.right - self.left, text, size=10, bold=True)
        self.y += 13
        self.rule()
        self.y += 3

    def rule(self, color: QColor = RULE) -> None:
        self.p.setPen(QPen(color, 0.6))
        self.p.drawLine(QPointF(self.left, self.y), QPointF(self.right, self.y))

    def row(self, cells: Iterable[tuple[float, str]], *, size: float = 8.5, bold: bool = False,
            color: QColor = INK, right: Sequence[int] = ()) -> None:  # fmt: skip
        """A table row: (width, text) cells from the left margin."""
        x = self.left
        for i, (width, text) in enumerate(cells):
            align = Qt.AlignmentFlag.AlignRight if i in right else Qt.AlignmentFlag.AlignLeft
            self.text(x, width - 6, text, size=size, bold=bold, color=color, align=align)
            x += width
        self.y += LINE

    def more(self, shown: int, total: int) -> None:
        if total > shown:
            self.line(
                QCoreApplication.translate("Brief", "… and %n more", "", total - shown),
                color=MUTED,
                size=8,
            )


# --- the brief --------------------------------------------------------------------------------


def paint_brief(page: Page, b: BriefData) -> None:
    width = page.right - page.left
    _header(page, b, width)
    _personal(page, b, width)
    _holdings(page, b, width)
    _chart(page, b, width)
    _churn(page, b, width)
    _contacts(page, b, width)
    _tasks(page, b, width)
    _footer(page, b, width)


def _header(page: Page, b: BriefData, width: float) -> None:
    c = b.customer
    page.text(
        page.left, width, QCoreApplication.translate("Brief", "Visit brief"), size=9, color=MUTED
    )
    page.text(page.left, width, words.moment(b.printed_at), size=9, color=MUTED,
              align=Qt.AlignmentFlag.AlignRight)  # fmt: skip
    page.y += 14
    badge_w = 150.0
    page.text(page.left, width - badge_w - 10, f"{c.name}   {c.id}", size=17, bold=True)
    _badge(page, b, page.right - badge_w, page.y, badge_w)
    page.y += 26
    facts = (
        QCoreApplication.translate("Brief", "%1 · %2 · owner %3 · customer since %4")
        .replace("%1", words.segment(c.segment))
        .replace("%2", words.lifecycle(c.lifecycle))
        .replace("%3", c.owner_rm or "—")
        .replace("%4", words.day(c.since))
    )
    page.line(facts, size=9)
    aum = QCoreApplication.translate("Brief", "AUM %1").replace("%1", words.money(c.aum_fen))
    if b.aum_trend is not None:
        arrow = "▲" if b.aum_trend >= 0 else "▼"
        aum += "   " + QCoreApplication.translate("Brief", "%1 %2% over 3 months").replace(
            "%1", arrow
        ).replace("%2", QLocale().toString(abs(b.aum_trend), "f", 1))
    page.line(aum, size=9, bold=True)
    page.y += 2


def _badge(page: Page, b: BriefData, x: float, y: float, width: float) -> None:
    churn = b.churn
    color = QColor(LEVEL[churn.level]) if churn is not None else QColor("#9e9e9e")
    page.p.setPen(Qt.PenStyle.NoPen)
    page.p.setBrush(color)
    page.p.drawRoundedRect(QRectF(x, y - 2, width, 36), 4, 4)
    page.p.setBrush(Qt.BrushStyle.NoBrush)
    white = QColor("#ffffff")
    if churn is None:
        none = QCoreApplication.translate("Brief", "Not scored")
        page.text(x, width, none, size=10, bold=True, color=white, y=y + 9,
                  align=Qt.AlignmentFlag.AlignHCenter)  # fmt: skip
        return
    page.text(x, width, words.churn_level(churn.level), size=10, bold=True, color=white,
              y=y + 1, align=Qt.AlignmentFlag.AlignHCenter)  # fmt: skip
    page.text(x, width, words.score_text(churn.score), size=8.5, color=white, y=y + 16,
              align=Qt.AlignmentFlag.AlignHCenter)  # fmt: skip


def _personal(page: Page, b: BriefData, width: float) -> None:
    c = b.customer
    half = width / 2
    cells = (
        (words.field_name("mobile"), c.mobile),
        (words.field_name("id_number"), c.id_number),
        (words.field_name("email"), c.email),
        (QCoreApplication.translate("Brief", "Address"), c.address),
    )
    for i in range(0, len(cells), 2):
        for j, (label, value) in enumerate(cells[i : i + 2]):
            x = page.left + j * half
            page.text(x, 80, label, color=MUTED)
            page.text(x + 80, half - 86, value or "—")
        page.y += LINE
    masked = QCoreApplication.translate(
        "Brief", "Personal details are masked as on screen for the %1 role."
    ).replace("%1", words.role(b.role))
    page.text(page.left, width, masked, size=7.5, color=MUTED)
    page.y += LINE - 2


def _holdings(page: Page, b: BriefData, width: float) -> None:
    page.heading(
        QCoreApplication.translate(
            "Brief", "Holdings (%n product(s), assets %1)", "", b.holdings_total
        ).replace("%1", words.money(b.assets_fen))
    )
    if not b.holdings:
        page.line(QCoreApplication.translate("Brief", "No holdings with the bank."), color=MUTED)
        return
    cols = (0.22 * width, 0.38 * width, 0.2 * width, 0.2 * width)
    headers = (
        QCoreApplication.translate("Brief", "Type"),
        QCoreApplication.translate("Brief", "Product"),
        QCoreApplication.translate("Brief", "Balance"),
        QCoreApplication.translate("Brief", "Matures"),
    )
    page.row(zip(cols, headers, strict=True), bold=True, color=MUTED, right=(2,))
    for h in b.holdings:
        cells = (
            words.holding_kind(h.kind),
            h.product,
            words.money(h.balance_fen),
            words.day(h.maturity) if h.maturity else "—",
        )
        page.row(zip(cols, cells, strict=True), right=(2,))
    page.more(len(b.holdings), b.holdings_total)


def _chart(page: Page, b: BriefData, width: float) -> None:
    page.heading(
        QCoreApplication.translate("Brief", "AUM, last %n month(s) (¥10,000)", "", len(b.snapshots))
    )
    height = 118.0
    if not b.snapshots:
        page.line(QCoreApplication.translate("Brief", "No monthly history yet."), color=MUTED)
        return
    p = page.p
    axis_w = 46.0
    plot = QRectF(page.left + axis_w, page.y + 4, width - axis_w - 4, height - 24)
    wan = 1_000_000.0  # fen per ¥10,000
    values = [s.aum_fen / wan for s in b.snapshots]
    top = max(*values, 0.0)
    bottom = min(*values, 0.0)
    span = (top - bottom) or 1.0
    top += span * 0.08
    span = top - bottom
    n = len(values)
    decimals = 2 if span < 4 else 1 if span < 40 else 0

    def x_of(i: int) -> float:
        return plot.left() + (plot.width() * (i / (n - 1)) if n > 1 else plot.width() / 2)

    def y_of(v: float) -> float:
        return plot.bottom() - (v - bottom) / span * plot.height()

    for k in range(5):  # grid and the axis' figures
        v = bottom + span * k / 4
        y = y_of(v)
        p.setPen(QPen(QColor("#e0e0e0"), 0.5))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        page.text(page.left, axis_w - 6, QLocale().toString(v, "f", decimals), size=7, color=MUTED,
                  y=y - 5, align=Qt.AlignmentFlag.AlignRight)  # fmt: skip
    p.setPen(QPen(RULE, 0.6))
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    path = QPainterPath(QPointF(x_of(0), y_of(values[0])))
    for i, v in enumerate(values[1:], start=1):
        path.lineTo(x_of(i), y_of(v))
    p.setPen(QPen(QColor("#1565c0"), 1.6))
    p.drawPath(path)
    p.setBrush(QColor("#1565c0"))
    for i, v in enumerate(values):
        p.drawEllipse(QPointF(x_of(i), y_of(v)), 1.3, 1.3)
    p.setBrush(Qt.BrushStyle.NoBrush)
    step = max(1, (n + 7) // 8)
    for i, s in enumerate(b.snapshots):
        if i % step == 0 or i == n - 1:
            page.text(x_of(i) - 20, 40, s.month, size=6.5, color=MUTED, y=plot.bottom() + 3,
                      align=Qt.AlignmentFlag.AlignHCenter)  # fmt: skip
    page.y += height


def _churn(page: Page, b: BriefData, width: float) -> None:
    page.heading(QCoreApplication.translate("Brief", "Why at risk, and what to talk about"))
    if b.churn is None:
        page.line(
            QCoreApplication.translate("Brief", "Not scored by the churn model yet."), color=MUTED
        )
        return
    if not b.reasons:
        page.line(
            QCoreApplication.translate(
                "Brief", "No churn reasons: the model sees no sign of leaving."
            ),
            color=MUTED,
        )
        return
    half = width / 2
    top = page.y
    page.text(
        page.left,
        half - 8,
        QCoreApplication.translate("Brief", "Churn reasons"),
        bold=True,
        color=MUTED,
    )
    page.text(
        page.left + half,
        half,
        QCoreApplication.translate("Brief", "Suggested talking points"),
        bold=True,
        color=MUTED,
    )
    page.y += LINE
    for i, reason in enumerate(b.reasons):
        page.text(page.left, half - 8, f"{i + 1}. {words.reason_text(reason)}")
        page.y += LINE
    left_end = page.y
    page.y = top + LINE
    for s in b.talking_points:
        page.text(page.left + half, half, "• " + words.action_text(s.action.action))
        page.y += LINE
    page.y = max(page.y, left_end)


def _contacts(page: Page, b: BriefData, width: float) -> None:
    page.heading(
        QCoreApplication.translate("Brief", "Recent contacts (%n in all)", "", b.contacts_total)
    )
    if not b.contacts:
        page.line(QCoreApplication.translate("Brief", "No contact recorded yet."), color=MUTED)
        return
    cols = (0.2 * width, 0.14 * width, 0.52 * width, 0.14 * width)
    for i in b.contacts:
        subject = i.subject or (i.note.splitlines() or [""])[0]
        page.row(
            zip(cols, (words.moment(i.occurred_at), words.interaction_kind(i.kind),
                       " ".join(subject.split()), i.created_by), strict=True)
        )  # fmt: skip
    page.more(len(b.contacts), b.contacts_total)


def _tasks(page: Page, b: BriefData, width: float) -> None:
    page.heading(QCoreApplication.translate("Brief", "Open follow-ups"))
    if not b.tasks:
        page.line(QCoreApplication.translate("Brief", "No open follow-up."), color=MUTED)
        return
    cols = (0.24 * width, 0.1 * width, 0.52 * width, 0.14 * width)
    for t in b.tasks:
        due = words.day(t.due)
        if t.due < b.today:
            due = QCoreApplication.translate("Brief", "%1 (overdue)").replace("%1", due)
        page.row(
            zip(cols, (due, words.task_priority(t.priority), t.title, t.assignee), strict=True)
        )
    page.more(len(b.tasks), b.tasks_total)


def _footer(page: Page, b: BriefData, width: float) -> None:
    page.y = PAGE_H - MARGIN - 12
    page.rule()
    page.y += 3
    footer = QCoreApplication.translate(
        "Brief",
        "Printed by %1 on %2. Confidential: customer data of the bank; do not leave it "
        "behind. The print is recorded in the audit log.",
    )
    text = footer.replace("%1", b.printed_by).replace("%2", words.moment(b.printed_at))
    page.text(page.left, width, text, size=7, color=MUTED)


# --- the ToUnicode repair ---------------------------------------------------------------------

_CMAP_STREAM = re.compile(rb"stream\n(/CIDInit /ProcSet findresource begin.*?)endstream", re.S)
_SINGLE = re.compile(rb"^(<([0-9A-F]{4})> <\2> <)([0-9A-F]{4})(>)$", re.M)
_ARRAY = re.compile(rb"^<[0-9A-F]{4}> <[0-9A-F]{4}> \[[^\]]*\]$", re.M)
_HEX = re.compile(rb"<([0-9A-F]{4})>")


_FIRST_CODES: dict[str, dict[int, int]] = {}  # family → glyph → the first code point


def _first_codes(font: QFont) -> dict[int, int] | None:
    """Each glyph of the font's family → the first code point mapped to it (the name
    Qt's writer gives the glyph); None when the font cannot be read."""
    family = font.family()
    if family not in _FIRST_CODES:
        raw = QRawFont.fromFont(font)
        if not raw.isValid():
            return None
        codes = [u for u in range(0x10000) if not 0xD800 <= u < 0xE000]
        glyphs = raw.glyphIndexesForString("".join(map(chr, codes)))
        first: dict[int, int] = {}
        for code, glyph in zip(codes, glyphs, strict=True):
            if glyph and glyph not in first:
                first[glyph] = code
        _FIRST_CODES[family] = first
    return _FIRST_CODES[family]


def aliases(drawn: str, fonts: Iterable[QFont]) -> dict[int, int]:
    """For each character drawn whose glyph a font also gives to an earlier code point
    (which Qt's writer would name it by), that code point → the character drawn."""
    wanted = sorted({ord(ch) for ch in drawn if 0x20 <= ord(ch) < 0x10000})
    found: dict[int, int] = {}
    for font in fonts if wanted else ():
        first = _first_codes(font)
        if first is None:
            continue
        mine = QRawFont.fromFont(font).glyphIndexesForString("".join(map(chr, wanted)))
        for code, glyph in zip(wanted, mine, strict=True):
            named = first.get(glyph)
            if glyph and named is not None and named != code and chr(named) not in drawn:
                found.setdefault(named, code)
    return found


def fix_to_unicode(pdf: bytes, drawn: str, fonts: Iterable[QFont]) -> bytes:
    """`pdf` with the ToUnicode entries that name an alias (`aliases`) naming the
    character drawn instead; the same length, so offsets stay valid."""
    table = aliases(drawn, fonts)
    if not table:
        return pdf

    def code(value: bytes) -> bytes:
        fixed = table.get(int(value, 16))
        return value if fixed is None else f"{fixed:04X}".encode()

    def array(m: re.Match[bytes]) -> bytes:
        head, _, tail = m.group(0).partition(b"[")
        return head + b"[" + _HEX.sub(lambda h: b"<" + code(h.group(1)) + b">", tail)

    def stream(m: re.Match[bytes]) -> bytes:
        body = _SINGLE.sub(lambda s: s.group(1) + code(s.group(3)) + s.group(4), m.group(1))
        body = _ARRAY.sub(array, body)
        return b"stream\n" + body + b"endstream"

    fixed = _CMAP_STREAM.sub(stream, pdf)
    assert len(fixed) == len(pdf)  # noqa: S101  (same-length rewrite)
    return fixed
