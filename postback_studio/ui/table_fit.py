"""Table columns that fit the width the table has, so the columns that matter never scroll off.

A table's columns are either *fixed* (a time, a status: as wide as their widest usual text) or
*elastic* (names, URLs: they share what is left and elide, with the whole text in the row's
tooltip). When even the elastic columns' minimum does not fit, columns the caller ranked least
important are hidden until the rest fits; they come back when the table grows. The arithmetic is
:func:`fit_widths`, a plain function; :class:`ColumnFitter` applies it whenever the table resizes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractItemView, QHeaderView

_PADDING = 18


@dataclass(frozen=True)
class ColumnPlan:
    """How one table's columns share its width.

    ``fixed``: column -> width it needs. ``elastic``: column -> weight of the remainder it gets.
    ``hide_order``: the columns that may be hidden, least important first.
    """

    fixed: Mapping[int, int]
    elastic: Mapping[int, int]
    hide_order: Sequence[int] = ()
    min_elastic: int = 60


def fit_widths(plan: ColumnPlan, available: int) -> dict[int, int | None]:
    """Each column's width in ``available`` pixels, or None for a column hidden to make room."""
    hidden: list[int] = []

    def needed() -> int:
        fixed = sum(w for c, w in plan.fixed.items() if c not in hidden)
        elastic = sum(plan.min_elastic for c in plan.elastic if c not in hidden)
        return fixed + elastic

    for column in plan.hide_order:
        if needed() <= available:
            break
        hidden.append(column)
    widths: dict[int, int | None] = dict.fromkeys(hidden)
    for column, width in plan.fixed.items():
        if column not in hidden:
            widths[column] = width
    shown_elastic = {c: w for c, w in plan.elastic.items() if c not in hidden}
    rest = max(available - sum(w for w in widths.values() if w is not None), 0)
    weights = sum(shown_elastic.values()) or 1
    for column, weight in shown_elastic.items():
        widths[column] = max(plan.min_elastic, rest * weight // weights)
    return widths


def text_width(view: QAbstractItemView, *samples: str) -> int:
    """The width a column needs for the widest of ``samples`` (cell or header text) in ``view``."""
    metrics = view.fontMetrics()
    return max(metrics.horizontalAdvance(text) for text in samples) + _PADDING


class ColumnFitter(QObject):
    """Keeps ``view``'s columns fitted to its viewport (see :func:`fit_widths`)."""

    def __init__(self, view: QAbstractItemView, header: QHeaderView, plan: ColumnPlan) -> None:
        super().__init__(view)
        self._viewport = view.viewport()
        self._header = header
        self.plan = plan
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self._viewport.installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        """Fit the columns to the viewport's width now."""
        for column, width in fit_widths(self.plan, self._viewport.width()).items():
            self._header.setSectionHidden(column, width is None)
            if width is not None:
                self._header.resizeSection(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            with contextlib.suppress(RuntimeError):  # the table is being destroyed: nothing to fit
                self.fit()
        return False
