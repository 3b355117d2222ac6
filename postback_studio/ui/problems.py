"""The Problems list: every diagnostic of the last render, and where it is.

Activating a row (double-click or Enter) reports the diagnostic; the Template Mapper moves the
cursor of the template editor or of the output preview to its location. A row may carry buttons in
its last column (the lints' Fix and Proof): painted by a delegate, not widgets, because the list is
rebuilt with every render and creating widgets for every row would stall typing. The columns fit the
list's width (:mod:`.table_fit`): in a narrow panel the code and then the location give way to the
message and the buttons, and say themselves in the message's tooltip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from postback_studio.core.render.result import Diagnostic, Location, Severity, Where
from postback_studio.ui.table_fit import ColumnFitter, ColumnPlan, text_width
from postback_studio.ui.tones import TONE_ROLE, Tone, ToneDelegate

_DIAGNOSTIC_ROLE = Qt.ItemDataRole.UserRole
_ACTIONS_ROLE = Qt.ItemDataRole.UserRole + 1
_ACTIONS_COLUMN = 4
#: The severity shows as its icon (its word in the tooltip and the item's text), to leave the
#: message room in a narrow panel.
_HEADERS = ["", "Message", "Where", "Code", ""]
_ICON_COLUMN_WIDTH = 30
_MESSAGE_WIDTH = 220
#: The columns that give way in a narrow list, least needed first: the code, then the location.
_HIDE_ORDER = (3, 2)
_BUTTON_PADDING = 8
_BUTTON_SPACING = 2
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


class _IconOnly(QStyledItemDelegate):
    """Paints an item's icon without its text (the severity's word is its tooltip)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.text = ""
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDisplay


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

    def width_of(self, labels: Sequence[str]) -> int:
        """The width of a cell that shows ``labels`` as buttons."""
        return self.button_rects(QRect(0, 0, 0, 0), labels)[-1].right() + 2 * _BUTTON_SPACING

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
        self.setColumnCount(len(_HEADERS))
        self.setHeaderLabels(_HEADERS)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setWordWrap(False)
        self.setItemDelegate(ToneDelegate(self))
        self.setItemDelegateForColumn(0, _IconOnly(self))
        self.itemDoubleClicked.connect(self._on_item_activated)
        self._buttons = _ActionButtons(self)
        self.setItemDelegateForColumn(_ACTIONS_COLUMN, self._buttons)
        self._diagnostics: tuple[Diagnostic, ...] = ()
        self._actions_width = 0
        self.column_fitter = ColumnFitter(self, self.header(), self._column_plan())
        # Installed after the fitter's, so it runs first: the fitter fits a resize with a fresh plan.
        self.viewport().installEventFilter(self)

    def _column_plan(self) -> ColumnPlan:
        """Severity, location, code and buttons as wide as the rows on show need; the message the rest."""
        texts = [(where_text(d.location), d.code) for d in self._diagnostics]
        fixed = {
            0: _ICON_COLUMN_WIDTH,
            2: text_width(self, _HEADERS[2], *(where for where, _ in texts)),
            3: text_width(self, _HEADERS[3], *(code for _, code in texts)),
            _ACTIONS_COLUMN: self._actions_width,
        }
        # The message wants _MESSAGE_WIDTH before the code and the location may stay; in a list too
        # narrow for that even without them, it takes what the icon and the buttons leave.
        room = self.viewport().width() - fixed[0] - fixed[_ACTIONS_COLUMN]
        return ColumnPlan(fixed, {1: 1}, _HIDE_ORDER, min_elastic=max(60, min(_MESSAGE_WIDTH, room)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Plan the columns again for the viewport's new width (the fitter then applies the plan)."""
        if watched is self.viewport() and event.type() == QEvent.Type.Resize:
            self.column_fitter.plan = self._column_plan()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        self.column_fitter.plan = self._column_plan()
        self.column_fitter.fit()

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
            item.setToolTip(0, diagnostic.severity.value)
            item.setData(0, TONE_ROLE, _TONES[diagnostic.severity].value)
            where = " · ".join(part for part in (where_text(diagnostic.location), diagnostic.code) if part)
            item.setToolTip(1, f"{diagnostic.message}\n{where}" if where else diagnostic.message)
            item.setData(0, _DIAGNOSTIC_ROLE, diagnostic)
            self.addTopLevelItem(item)
        self._actions_width = 0
        self._fit_columns()

    def set_row_actions(self, actions: Sequence[tuple[Diagnostic, Sequence[str], str]]) -> None:
        """Give rows buttons: ``(diagnostic, labels, tooltip)``; a click emits ``action_triggered``."""
        rows: dict[Diagnostic, list[int]] = {}
        for row, shown in enumerate(self._diagnostics):
            rows.setdefault(shown, []).append(row)
        widest = 0
        for diagnostic, labels, tooltip in actions:
            free = rows.get(diagnostic)
            if free:
                item = self.topLevelItem(free.pop(0))
                item.setData(_ACTIONS_COLUMN, _ACTIONS_ROLE, tuple(labels))
                item.setToolTip(_ACTIONS_COLUMN, tooltip)
                widest = max(widest, self._buttons.width_of(labels))
        self._actions_width = widest
        self._fit_columns()

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
