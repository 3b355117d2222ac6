"""Small layout helpers the forms share: rows, aligned form labels, headings, combo boxes by data, and
the scroll area long forms live in."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QScrollArea, QWidget

from postback_studio.ui.tones import heading

#: ``heading(text)``: a bold label naming the part of a page or dialog under it (its weight comes from
#: the font, not a style sheet, so it follows a theme switch).
__all__ = ["VerticalScrollArea", "align_labels", "combo_value", "group_form", "heading", "row", "select_data"]

E = TypeVar("E", bound=StrEnum)


def group_form(group: QGroupBox) -> QFormLayout:
    """A form layout for ``group`` whose fields take the width they are given."""
    form = QFormLayout(group)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def align_labels(forms: Sequence[QFormLayout], width: int) -> None:
    """Give every form the same label column, so fields line up from one group to the next."""
    for form in forms:
        for index in range(form.rowCount()):
            item = form.itemAt(index, QFormLayout.ItemRole.LabelRole)
            if item is not None and item.widget() is not None:
                item.widget().setMinimumWidth(width)


def row(*widgets: QWidget | None, stretch_first: bool = False) -> QWidget:
    """Widgets side by side; ``None`` is a stretch."""
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for index, widget in enumerate(widgets):
        if widget is None:
            layout.addStretch(1)
        else:
            layout.addWidget(widget, 1 if stretch_first and index == 0 else 0)
    return holder


def combo_value(box: QComboBox, kind: type[E]) -> E:
    """The current item's data as ``kind`` (Qt hands StrEnum data back as plain str)."""
    return kind(box.currentData())


def select_data(box: QComboBox, data: object) -> None:
    """Make the item carrying ``data`` current; nothing changes when no item carries it."""
    index = box.findData(data)
    if index >= 0:
        box.setCurrentIndex(index)


class VerticalScrollArea(QScrollArea):
    """A scroll area for a long form: it scrolls down, never sideways.

    It asks its splitter or layout for at least the form's own minimum width, so a narrow window
    squeezes the list beside it rather than the form (whose fields and buttons would be clipped
    behind a horizontal scrollbar).
    """

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        hint = super().minimumSizeHint()
        if content is None:
            return hint
        scrollbar = self.verticalScrollBar().sizeHint().width()
        margins = self.contentsMargins()
        width = content.minimumSizeHint().width() + scrollbar + margins.left() + margins.right()
        return QSize(max(hint.width(), width), hint.height())
