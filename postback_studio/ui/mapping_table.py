"""The mapping of New from Example as a table: each value and array of the example, and its source.

One row per array (its loop) and per value, in the example's order, with how it matched and why a
choice is uncertain (a tie, a weak match: those rows carry a warning sign). The "Payload path" column is a
drop-down: for a value, the path the scaffold chose, the other candidates, "as written" and every
other path its position can read (by hand); for an array, the payload array it loops over, the
others that fit, and "as written". The table only shows and reports a pick: the dialog applies it
through the core (:mod:`postback_studio.core.scaffold.corrections`).
"""

from __future__ import annotations

from collections.abc import Mapping as MappingOf
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from postback_studio.core.scaffold import (
    Candidate,
    LeafRow,
    LoopRow,
    Mapping,
    MatchKind,
    PayloadPath,
    loop_source_options,
)

COLUMNS = ("Example", "Value", "Payload path", "How it matched")
_PATH, _VALUE, _SOURCE, _HOW = range(len(COLUMNS))


@dataclass(frozen=True)
class _Pick:
    """What one drop-down entry means: a candidate (or "as written") for a value, or a loop's array."""

    example_path: str
    loop: bool
    choice: Candidate | PayloadPath | None


def how_matched(row: LeafRow) -> str:
    """``exact``, ``string form, as text``, ``constant``, ``chosen by hand``..."""
    if row.source is None:
        return f"{row.kind.value} (kept as written)" if row.kind is MatchKind.CONSTANT else row.kind.value
    return row.source.how()


def loop_how(loop: LoopRow) -> str:
    """``loop, 5 elements on the payload`` or ``3 elements kept as written``."""
    if loop.source is None:
        return f"{loop.elements} element{'s' if loop.elements != 1 else ''} kept as written"
    return f"loop, {loop.iterations} element{'s' if loop.iterations != 1 else ''} on the payload"


class MappingTable(QTableWidget):
    """Arrays and values of the example, with the payload path each comes from, correctable.

    Signals:
        row_choice_made(str, object): the user picked a source for the value at this example path:
            a ``Candidate``, or None for "as written".
        loop_choice_made(str, object): the user picked the payload array (a ``PayloadPath``) the
            array at this example path loops over, or None for "as written".
    """

    row_choice_made = Signal(str, object)
    loop_choice_made = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(_HOW, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(_PATH, 175)
        self.setColumnWidth(_VALUE, 125)
        self.setColumnWidth(_SOURCE, 260)
        self._rows: dict[str, int] = {}
        self._combos: dict[str, QComboBox] = {}

    # -- filling -------------------------------------------------------------------------------

    def show_mapping(
        self,
        mapping: Mapping,
        options: MappingOf[str, tuple[Candidate, ...]],
        values: MappingOf[PayloadPath, str],
    ) -> None:
        """Show a mapping; ``options`` are the by-hand paths per value, ``values`` the payload's values."""
        scroll = self.verticalScrollBar().value()
        items: list[LeafRow | LoopRow] = [*mapping.loops, *mapping.rows]
        items.sort(key=lambda item: (item.line, item.column, isinstance(item, LeafRow)))
        self.clearContents()
        self.setRowCount(len(items))
        self._rows.clear()
        self._combos.clear()
        for index, item in enumerate(items):
            if isinstance(item, LoopRow):
                self._fill_loop(index, item)
            else:
                self._fill_value(index, item, options.get(item.example_path, ()), values)
        self.verticalScrollBar().setValue(scroll)

    def clear_mapping(self) -> None:
        """Show nothing (the input has a problem)."""
        self.clearContents()
        self.setRowCount(0)
        self._rows.clear()
        self._combos.clear()

    def _cell(self, row: int, column: int, text: str, tip: str = "") -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setToolTip(tip or text)
        self.setItem(row, column, item)
        return item

    def _fill_loop(self, row: int, loop: LoopRow) -> None:
        self._rows[loop.example_path] = row
        path = self._cell(
            row, _PATH, f"{loop.example_path}  [ ]", f"An array of the example (line {loop.line})"
        )
        bold = QFont(path.font())
        bold.setBold(True)
        path.setFont(bold)
        self._mark(path, loop.uncertain)
        self._cell(row, _VALUE, f"{loop.elements} element{'s' if loop.elements != 1 else ''}")
        combo = QComboBox()
        for choice in loop_source_options(loop):
            text = f"loop over {choice}" if choice is not None else "keep the elements as written"
            combo.addItem(text, _Pick(loop.example_path, True, choice))
            if choice == loop.source:
                combo.setCurrentIndex(combo.count() - 1)
        combo.setToolTip("The payload array the template loops over for this array")
        self._add_combo(row, loop.example_path, combo)
        self._cell(row, _HOW, "; ".join((loop_how(loop), *loop.notes)))

    def _fill_value(
        self, row: int, leaf: LeafRow, options: tuple[Candidate, ...], values: MappingOf[PayloadPath, str]
    ) -> None:
        self._rows[leaf.example_path] = row
        path = self._cell(
            row, _PATH, leaf.example_path, f"{leaf.example_path} (line {leaf.line}, column {leaf.column})"
        )
        self._mark(path, leaf.uncertain or leaf.kind is MatchKind.UNMATCHED)
        value = self._cell(row, _VALUE, leaf.value)
        if leaf.source is None:
            italic = QFont(value.font())
            italic.setItalic(True)
            value.setFont(italic)
        combo = QComboBox()
        offered = ((leaf.source,) if leaf.source is not None else ()) + leaf.alternatives
        for candidate in offered:
            combo.addItem(candidate.describe(), _Pick(leaf.example_path, False, candidate))
            if not candidate.usable:
                self._disable_last(
                    combo, "Inside a loop a path through an index reads the same element every time"
                )
        combo.addItem(f"as written: {leaf.value}", _Pick(leaf.example_path, False, None))
        if leaf.source is None:
            combo.setCurrentIndex(combo.count() - 1)
        if options:
            combo.insertSeparator(combo.count())
            for candidate in options:
                shown = values.get(candidate.path)
                label = f"{candidate.path} (by hand)" + (f" = {shown}" if shown is not None else "")
                combo.addItem(label, _Pick(leaf.example_path, False, candidate))
        combo.setMaxVisibleItems(20)
        combo.setToolTip("Where the template takes this value from")
        self._add_combo(row, leaf.example_path, combo)
        self._cell(row, _HOW, "; ".join((how_matched(leaf), *leaf.notes)))

    def _add_combo(self, row: int, example_path: str, combo: QComboBox) -> None:
        combo.setToolTip(f"{combo.toolTip()}: {combo.currentText()}")
        combo.currentIndexChanged.connect(lambda _index, c=combo: self._on_combo_changed(c))
        self.setCellWidget(row, _SOURCE, combo)
        self._combos[example_path] = combo

    @staticmethod
    def _disable_last(combo: QComboBox, tip: str) -> None:
        model = combo.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(combo.count() - 1)
            item.setEnabled(False)
            item.setToolTip(tip)

    def _mark(self, item: QTableWidgetItem, uncertain: bool) -> None:
        if uncertain:
            item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            item.setToolTip(item.toolTip() + " — check this row")

    # -- reading -------------------------------------------------------------------------------

    def _on_combo_changed(self, combo: QComboBox) -> None:
        pick = combo.currentData()
        if not isinstance(pick, _Pick):
            return
        if pick.loop:
            self.loop_choice_made.emit(pick.example_path, pick.choice)
        else:
            self.row_choice_made.emit(pick.example_path, pick.choice)

    def example_paths(self) -> list[str]:
        """The example paths on show, in table order."""
        return sorted(self._rows, key=self._rows.__getitem__)

    def combo(self, example_path: str) -> QComboBox:
        """The drop-down of the row at ``example_path``."""
        return self._combos[example_path]

    def text(self, example_path: str, column: str) -> str:
        """What the row at ``example_path`` shows in ``column`` (one of :data:`COLUMNS`)."""
        if column == COLUMNS[_SOURCE]:
            return self._combos[example_path].currentText()
        item = self.item(self._rows[example_path], COLUMNS.index(column))
        return item.text() if item is not None else ""

    def choose(self, example_path: str, label_start: str) -> None:
        """Pick, as a user would, the entry labelled ``label_start``, else the first that starts so."""
        combo = self._combos[example_path]
        labels = [combo.itemText(index) for index in range(combo.count())]
        exact = [index for index, label in enumerate(labels) if label == label_start]
        for index in exact or [i for i, label in enumerate(labels) if label.startswith(label_start)]:
            combo.setCurrentIndex(index)
            return
        raise KeyError(f"{example_path} offers nothing starting with {label_start!r}")
