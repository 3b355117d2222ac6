"""The Problems list: every diagnostic of the last render, and where it is.

Activating a row (double-click or Enter) reports the diagnostic; the Template Mapper moves the
cursor of the template editor or of the output preview to its location.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from postback_studio.core.render.result import Diagnostic, Location, Severity, Where
from postback_studio.ui.tones import TONE_ROLE, Tone, ToneDelegate

_DIAGNOSTIC_ROLE = Qt.ItemDataRole.UserRole
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_TONES = {Severity.ERROR: Tone.ERROR, Severity.WARNING: Tone.WARNING, Severity.INFO: Tone.INFO}
_ICONS = {
    Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def where_text(location: Location | None) -> str:
    """``template 3:5``, ``output 7:3`` or ``subject 1:4``: which text and where in it."""
    if location is None:
        return ""
    text = "template" if location.where is Where.TEMPLATE else "output"
    if location.part != "body":
        text = f"{text} ({location.part})"
    return f"{text} {location.line}:{location.column}"


class ProblemsList(QTreeWidget):
    """Diagnostics by severity (errors first), with message, location and code.

    Signals:
        problem_activated(object): a row was double-clicked or Enter pressed; carries its
            :class:`~postback_studio.core.render.result.Diagnostic`.
    """

    problem_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty list."""
        super().__init__(parent)
        self.setColumnCount(4)
        self.setHeaderLabels(["Severity", "Message", "Where", "Code"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setWordWrap(False)
        self.setItemDelegate(ToneDelegate(self))
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.itemDoubleClicked.connect(self._on_item_activated)
        self._diagnostics: tuple[Diagnostic, ...] = ()

    def set_diagnostics(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Show ``diagnostics``, errors first, in their order otherwise."""
        self._diagnostics = tuple(sorted(diagnostics, key=lambda d: _ORDER[d.severity]))
        self.clear()
        style = self.style()
        for diagnostic in self._diagnostics:
            item = QTreeWidgetItem(
                [
                    diagnostic.severity.value,
                    diagnostic.message,
                    where_text(diagnostic.location),
                    diagnostic.code,
                ]
            )
            item.setIcon(0, style.standardIcon(_ICONS[diagnostic.severity]))
            item.setData(0, TONE_ROLE, _TONES[diagnostic.severity].value)
            item.setToolTip(1, diagnostic.message)
            item.setData(0, _DIAGNOSTIC_ROLE, diagnostic)
            self.addTopLevelItem(item)
        for column in (0, 2, 3):
            self.resizeColumnToContents(column)

    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The diagnostics on show, in display order."""
        return self._diagnostics

    def counts(self) -> dict[Severity, int]:
        """How many diagnostics of each severity are on show."""
        return {s: sum(1 for d in self._diagnostics if d.severity is s) for s in Severity}

    def summary(self) -> str:
        """``2 errors, 1 warning`` or ``No problems``."""
        parts = []
        for severity, count in self.counts().items():
            if count:
                parts.append(f"{count} {severity.value}{'s' if count != 1 else ''}")
        return ", ".join(parts) if parts else "No problems"

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.problem_activated.emit(item.data(0, _DIAGNOSTIC_ROLE))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter activates the current row on every platform style."""
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self._on_item_activated(item)
            return
        super().keyPressEvent(event)
