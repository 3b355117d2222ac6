"""Small layout helpers the forms share: rows of widgets, aligned form labels, combo boxes by data."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QWidget

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


