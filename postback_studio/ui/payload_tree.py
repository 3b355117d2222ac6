"""The sample payload as a tree (path, type, value); double-click inserts a field.

The widget only shows the payload and reports which path the user picked; turning that path into
the right expression at the editor's cursor is :func:`postback_studio.core.completion.expression_for_path`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from postback_studio.core.completion import Segment, format_path, sample_text, type_name

_PATH_ROLE = Qt.ItemDataRole.UserRole
_EXPAND_DEPTH = 3


def path_text(segments: Sequence[Segment]) -> str:
    """A path as the tree's tooltip and the status bar show it: ``items[0].fulfillments``."""
    if not segments:
        return ""
    return format_path(str(segments[0]), segments[1:])


class PayloadTree(QTreeWidget):
    """A read-only tree of a JSON payload.

    Signals:
        path_activated(object): a field was double-clicked (or Enter pressed on it); carries the
            path as a tuple of segments (``str`` keys and ``int`` indexes).
    """

    path_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty tree."""
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Path", "Type", "Value"])
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QTreeWidget.EditTrigger.NoEditTriggers)
        self.itemDoubleClicked.connect(self._on_item_double_clicked)

    def set_payload(self, payload: object) -> None:
        """Show ``payload`` (any JSON value), expanded a few levels deep."""
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            root = self.invisibleRootItem()
            if isinstance(payload, dict | list):
                self._add_children(root, payload, ())
            else:
                root.addChild(self._item("(value)", payload, ()))
            self._expand(root, 0)
            self._fit_columns()
        finally:
            self.setUpdatesEnabled(True)

    def _fit_columns(self) -> None:
        """Paths as wide as they need but at most half the tree, so types and values stay in view."""
        self.resizeColumnToContents(0)
        half = max(self.viewport().width() // 2, 120)
        self.setColumnWidth(0, min(self.columnWidth(0), half))
        self.setColumnWidth(1, self.fontMetrics().horizontalAdvance("array[000]") + 12)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Fit the columns to the new width."""
        super().resizeEvent(event)
        self._fit_columns()

    def _add_children(
        self, parent: QTreeWidgetItem, value: dict[str, object] | list[object], path: tuple[Segment, ...]
    ) -> None:
        entries: list[tuple[Segment, object]] = (
            list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        )
        for key, child in entries:
            child_path = (*path, key)
            label = f"[{key}]" if isinstance(key, int) else str(key)
            item = self._item(label, child, child_path)
            parent.addChild(item)
            if isinstance(child, dict | list):
                self._add_children(item, child, child_path)

    @staticmethod
    def _item(label: str, value: object, path: tuple[Segment, ...]) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label, type_name(value), sample_text(value, width=80)])
        item.setData(0, _PATH_ROLE, path)
        item.setToolTip(0, path_text(path))
        if not isinstance(value, dict | list):
            item.setToolTip(2, sample_text(value, width=400))
        return item

    def _expand(self, item: QTreeWidgetItem, depth: int) -> None:
        if depth >= _EXPAND_DEPTH:
            return
        for index in range(item.childCount()):
            child = item.child(index)
            child.setExpanded(True)
            self._expand(child, depth + 1)

    def path_of(self, item: QTreeWidgetItem) -> tuple[Segment, ...]:
        """The payload path an item shows."""
        return tuple(item.data(0, _PATH_ROLE) or ())

    def find_item(self, segments: Sequence[Segment]) -> QTreeWidgetItem | None:
        """The item for a path, if the payload has it."""
        item = self.invisibleRootItem()
        for segment in segments:
            found = None
            for index in range(item.childCount()):
                child = item.child(index)
                if self.path_of(child)[-1:] == (segment,):
                    found = child
                    break
            if found is None:
                return None
            item = found
        return item

    def _on_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.path_activated.emit(self.path_of(item))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter on a field inserts it, like a double-click."""
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.path_activated.emit(self.path_of(item))
            return
        super().keyPressEvent(event)
