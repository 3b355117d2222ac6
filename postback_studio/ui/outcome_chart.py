"""The Requests page's summary strip: counts by outcome and a small chart of deliveries over time.

The chart is painted with QPainter from bucketed counts (we ship PySide6-Essentials, without
QtCharts): one stacked bar per time bucket, one colour per outcome, the same colours as the table:
the theme's (:class:`~.theme.ThemeColors` ``outcomes``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from postback_studio.core.requestlog import Outcome
from postback_studio.core.requests_view import DAY, RequestSummary
from postback_studio.ui.theme import colors_for


def _time_label(epoch: float, bucket_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%d" if bucket_seconds >= DAY else "%m-%d %H:%M")


class OutcomeChart(QWidget):
    """Stacked bars of attempts per time bucket, by outcome."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary: RequestSummary | None = None
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Attempts over time by outcome")

    def sizeHint(self) -> QSize:
        return QSize(360, 64)

    def set_summary(self, summary: RequestSummary | None) -> None:
        """Draw ``summary`` (None clears the chart)."""
        self._summary = summary
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text_color = self.palette().color(QPalette.ColorRole.WindowText)
        metrics = painter.fontMetrics()
        label_height = metrics.height()
        area = QRectF(0, 0, self.width(), self.height() - label_height - 2)
        painter.fillRect(area, self.palette().color(QPalette.ColorRole.Base))
        summary = self._summary
        if summary is None or not summary.buckets or summary.total == 0:
            painter.setPen(text_color)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No attempts in this range")
            painter.end()
            return
        colors = colors_for(self)
        peak = max(sum(b.values()) for b in summary.buckets) or 1
        slot = area.width() / len(summary.buckets)
        gap = 1.0 if slot > 3 else 0.0
        for index, bucket in enumerate(summary.buckets):
            bottom = area.bottom()
            for outcome in Outcome:
                count = bucket.get(outcome, 0)
                if not count:
                    continue
                height = (area.height() - 4) * count / peak
                rect = QRectF(area.left() + index * slot, bottom - height, max(slot - gap, 1.0), height)
                painter.fillRect(rect, QColor(colors.outcomes[outcome]))
                bottom -= height
        painter.setPen(text_color)
        first = _time_label(summary.start, summary.bucket_seconds)
        last_start = summary.start + summary.bucket_seconds * len(summary.buckets)
        last = _time_label(last_start, summary.bucket_seconds)
        baseline = self.height() - 2
        painter.drawText(0, baseline - metrics.descent(), first)
        painter.drawText(
            self.width() - metrics.horizontalAdvance(last) - 1, baseline - metrics.descent(), last
        )
        peak_text = f"max {peak}/bucket"
        painter.drawText(
            int((self.width() - metrics.horizontalAdvance(peak_text)) / 2),
            baseline - metrics.descent(),
            peak_text,
        )
        painter.end()


class SummaryStrip(QWidget):
    """Total, a coloured count per outcome, and the chart, in one row above the table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.total = QLabel("Counting…")
        self.total.setMinimumWidth(120)
        layout.addWidget(self.total)
        self.counts: dict[Outcome, QLabel] = {}
        for outcome in Outcome:
            label = QLabel()
            label.setTextFormat(Qt.TextFormat.RichText)
            self.counts[outcome] = label
            layout.addWidget(label)
        self.chart = OutcomeChart()
        layout.addWidget(self.chart, 1)
        self._summary: RequestSummary | None = None
        self.set_summary(None)

    def changeEvent(self, event: QEvent) -> None:
        """The legend's swatches are coloured text: colour them again in a new theme."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.set_summary(self._summary)

    def set_summary(self, summary: RequestSummary | None) -> None:
        """Show the figures of ``summary``; None means they are being counted."""
        self._summary = summary
        self.total.setText("Counting…" if summary is None else f"<b>{summary.total:,}</b> attempts")
        colors = colors_for(self)
        for outcome, label in self.counts.items():
            count = 0 if summary is None else summary.counts.get(outcome, 0)
            colour = colors.outcomes[outcome]
            label.setText(f'<span style="color:{colour}">■</span> {outcome.label} {count:,}')
            label.setVisible(
                summary is not None and (count > 0 or outcome in (Outcome.DELIVERED, Outcome.FAILED))
            )
        self.chart.set_summary(summary)
