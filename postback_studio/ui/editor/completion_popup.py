"""The code editor's autocomplete list: each suggestion's label, type and sample value.

It exists apart from the editor because the list is a widget of its own with its own rule: it never
takes the keyboard focus, so typing goes on in the editor while it is open. What to suggest is
core's (:mod:`~postback_studio.core.completion`); when to show it and what a choice inserts is the
editor's.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from postback_studio.core.completion import Completion, CompletionResult


class CompletionPopup(QTreeWidget):
    """The autocomplete list: label, type and sample value of each suggestion.

    It never takes the keyboard focus: the editor keeps it and forwards the navigation keys, so
    typing goes on while the list is open.

    Signals:
        completion_chosen(object): a :class:`Completion` was clicked.
    """

    completion_chosen = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        """Create the (hidden) popup for the editor ``parent``."""
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setColumnCount(3)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._on_item_clicked)
        self._result: CompletionResult | None = None

    @property
    def result(self) -> CompletionResult | None:
        """The suggestions on show."""
        return self._result

    def show_result(self, result: CompletionResult, at: QPoint) -> None:
        """Fill the list with ``result`` and show it with its top-left corner at ``at`` (global)."""
        self._result = result
        self.clear()
        for completion in result.items:
            item = QTreeWidgetItem([completion.label, completion.type_name, completion.sample])
            item.setData(0, Qt.ItemDataRole.UserRole, completion)
            item.setToolTip(2, completion.sample)
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
            item.setForeground(1, muted)
            item.setForeground(2, muted)
            self.addTopLevelItem(item)
        for column in range(3):
            self.resizeColumnToContents(column)
        self.setCurrentItem(self.topLevelItem(0))
        width = min(sum(self.columnWidth(c) for c in range(3)) + 24, 640)
        rows = min(len(result.items), 10)
        self.resize(width, rows * max(self.sizeHintForRow(0), 16) + 6)
        self.move(at)
        self.show()

    def move_selection(self, delta: int) -> None:
        """Move the highlighted row by ``delta``, clamped to the list."""
        row = self.indexOfTopLevelItem(self.currentItem()) + delta
        row = max(0, min(self.topLevelItemCount() - 1, row))
        self.setCurrentItem(self.topLevelItem(row))

    def current_completion(self) -> Completion | None:
        """The highlighted suggestion."""
        item = self.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def _on_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.completion_chosen.emit(item.data(0, Qt.ItemDataRole.UserRole))
