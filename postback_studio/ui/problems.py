"""The Problems list: every diagnostic of the last render, and where it is.

Activating a row (double-click or Enter) reports the diagnostic; the Template Mapper moves the
cursor of the template editor or of the output preview to its location. A row may carry buttons in
its last column (the lints' Fix and Proof): painted by a delegate, not widgets, because the list is
rebuilt with every render and creating widgets for every row would stall typing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from postback_studio.core.render.result import Diagnostic, Location, Severity, Where

_DIAGNOSTIC_ROLE = Qt.ItemDataRole.UserRole
_ACTIONS_ROLE = Qt.ItemDataRole.UserRole + 1
_ACTIONS_COLUMN = 4
_BUTTON_PADDING = 12
_BUTTON_SPACING = 2
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_COLOURS = {Severity.ERROR: "#cf222e", Severity.WARNING: "#9a6700", Severity.INFO: "#0969da"}
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


class _ActionButtons(QStyledItemDelegate):
    """Paints a row's actions as push buttons of the style, and reports a click on one."""

    def __init__(self, problems: ProblemsList) -> None:
        super().__init__(problems)
        self._problems = problems

    def button_rects(self, rect: QRect, labels: Sequence[str]) -> list[QRect]:
        metrics = self._problems.fontMetrics()
        rects, left = [], rect.left() + _BUTTON_SPACING
        for label in labels:
            width = metrics.horizontalAdvance(label) + 2 * _BUTTON_PADDING
            rects.append(QRect(left, rect.top() + 1, width, rect.height() - 2))
            left += width + _BUTTON_SPACING
        return rects

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        labels = index.data(_ACTIONS_ROLE)
        if not labels:
            super().paint(painter, option, index)
            return
        style = self._problems.style()
        for label, rect in zip(labels, self.button_rects(option.rect, labels), strict=True):
            button = QStyleOptionButton()
            button.rect = rect
            button.text = label
            button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
            button.palette = option.palette
            style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, self._problems)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        labels = index.data(_ACTIONS_ROLE)
        if not labels:
            return super().sizeHint(option, index)
        rects = self.button_rects(QRect(0, 0, 0, option.fontMetrics.height() + 6), labels)
        return QSize(rects[-1].right() + _BUTTON_SPACING, rects[-1].height() + 2)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        labels = index.data(_ACTIONS_ROLE)
        if labels and event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            for label, rect in zip(labels, self.button_rects(option.rect, labels), strict=True):
                if rect.contains(event.position().toPoint()):
                    diagnostic = index.siblingAtColumn(0).data(_DIAGNOSTIC_ROLE)
                    self._problems.action_triggered.emit(diagnostic, label)
                    return True
        return super().editorEvent(event, model, option, index)


class ProblemsList(QTreeWidget):
    """Diagnostics by severity (errors first), with message, location and code.

    Signals:
        problem_activated(object): a row was double-clicked or Enter pressed; carries its
            :class:`~postback_studio.core.render.result.Diagnostic`.
        action_triggered(object, str): a row's button was clicked; carries the diagnostic and the
            button's label.
    """

    problem_activated = Signal(object)
    action_triggered = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty list."""
        super().__init__(parent)
        self.setColumnCount(5)
        self.setHeaderLabels(["Severity", "Message", "Where", "Code", ""])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setWordWrap(False)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.itemDoubleClicked.connect(self._on_item_activated)
        self._buttons = _ActionButtons(self)
        self.setItemDelegateForColumn(_ACTIONS_COLUMN, self._buttons)
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
            item.setForeground(0, QColor(_COLOURS[diagnostic.severity]))
            item.setToolTip(1, diagnostic.message)
            item.setData(0, _DIAGNOSTIC_ROLE, diagnostic)
            self.addTopLevelItem(item)
        for column in (0, 2, 3):
            self.resizeColumnToContents(column)

    def set_row_actions(self, actions: Sequence[tuple[Diagnostic, Sequence[str], str]]) -> None:
        """Give rows buttons: ``(diagnostic, labels, tooltip)``; a click emits ``action_triggered``."""
        rows: dict[Diagnostic, list[int]] = {}
        for row, shown in enumerate(self._diagnostics):
            rows.setdefault(shown, []).append(row)
        for diagnostic, labels, tooltip in actions:
            free = rows.get(diagnostic)
            if free:
                item = self.topLevelItem(free.pop(0))
                item.setData(_ACTIONS_COLUMN, _ACTIONS_ROLE, tuple(labels))
                item.setToolTip(_ACTIONS_COLUMN, tooltip)
        self.resizeColumnToContents(_ACTIONS_COLUMN)

    def row_actions(self, diagnostic: Diagnostic) -> tuple[str, ...]:
        """The buttons of the row of ``diagnostic`` (empty: no such row, or none)."""
        for row, shown in enumerate(self._diagnostics):
            if shown == diagnostic:
                return tuple(self.topLevelItem(row).data(_ACTIONS_COLUMN, _ACTIONS_ROLE) or ())
        return ()

    def action_rect(self, diagnostic: Diagnostic, label: str) -> QRect | None:
        """Where the button ``label`` of the row of ``diagnostic`` is, in the viewport (None: none)."""
        for row, shown in enumerate(self._diagnostics):
            labels = self.row_actions(diagnostic) if shown == diagnostic else ()
            if label in labels:
                item = self.topLevelItem(row)
                self.scrollToItem(item)
                cell = self.visualItemRect(item)
                cell.setLeft(self.header().sectionViewportPosition(_ACTIONS_COLUMN))
                cell.setWidth(self.columnWidth(_ACTIONS_COLUMN))
                return self._buttons.button_rects(cell, labels)[labels.index(label)]
        return None

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
