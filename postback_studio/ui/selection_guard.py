"""Keep a list's highlighted row on the record its form shows while the user decides about edits.

A page that shows the selected row of a list in a form asks about unsaved edits when another row is
chosen; Cancel must leave the list on the row still in the form. Asking in the list's
current-item signal and selecting the old row again holds for the keyboard and for code (Qt selects
before it signals), but not for a mouse click: Qt selects the clicked row *after* that signal was
handled, so the list ends up highlighting a record the form does not show. :class:`SelectionGuard`
asks before a click reaches the list, and a refused click never happens.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractItemView


def same_row(a: QModelIndex, b: QModelIndex) -> bool:
    """Whether two indexes are in the same row (any column) of the same parent."""
    return a.isValid() and b.isValid() and a.row() == b.row() and a.parent() == b.parent()


class SelectionGuard(QObject):
    """Asks ``may_leave`` before a click on another row of ``view`` is handled; False swallows it.

    ``may_leave`` is the form's "Save / Discard / Cancel" question (True: nothing unsaved, saved or
    discarded). Keyboard moves and selection by code still arrive as current-item changes; the page
    asks there too and puts the old row back when refused.
    """

    def __init__(self, view: QAbstractItemView, may_leave: Callable[[], bool]) -> None:
        super().__init__(view)
        self._view = view
        self._may_leave = may_leave
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return False
        assert isinstance(event, QMouseEvent)
        index = self._view.indexAt(event.position().toPoint())
        if not index.isValid() or not index.flags() & Qt.ItemFlag.ItemIsSelectable:
            return False
        if same_row(index, self._view.currentIndex()):
            return False
        return not self._may_leave()
