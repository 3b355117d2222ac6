"""The preview of File > Import Configuration…: what a bundle will change, before anything is written.

The dialog shows the dry run of the import (:meth:`TransferService.preview`, the very plan
``postback-studio import --dry-run`` prints): per kind, how many items are added, changed, removed
and left as they are; every item line with its notes under it (secrets cleared because a
destination changed, warnings about a URL); and the plan's own notes (secrets to re-enter).
Merge or Replace switches between the two dry runs; Apply returns the mode chosen, and the caller
applies exactly the plan on show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.import_plan import BUNDLE_KINDS, Action, ImportMode, ImportPlan
from postback_studio.ui.tones import Tone, set_tone

_KIND_LABELS = {
    "customer": "Customers",
    "template": "Templates",
    "trigger": "Triggers",
    "lookup table": "Lookup tables",
    "smtp settings": "SMTP settings",
}
_MODE_LABELS = {
    ImportMode.MERGE: "Merge: add and update; keep what the bundle does not hold",
    ImportMode.REPLACE: "Replace: also remove the customers, templates, triggers and lookup tables "
    "the bundle does not hold",
}
_COLUMNS = ("", "Added", "Changed", "Removed", "Unchanged")


@dataclass(frozen=True)
class BundlePreview:
    """The dry runs of one bundle file: a plan per mode that can be applied, a reason per mode that
    cannot (a conflict with the workspace, with its JSON pointers)."""

    source: Path
    plans: dict[ImportMode, ImportPlan]
    refused: dict[ImportMode, str] = field(default_factory=dict)


class ImportPreviewDialog(QDialog):
    """Shows a :class:`BundlePreview`; Apply accepts with :attr:`mode` chosen, Cancel rejects."""

    def __init__(self, preview: BundlePreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle("Import Configuration")
        self.resize(760, 560)
        source = QLabel(f"<b>{preview.source.name}</b> &nbsp; {preview.source.parent}")
        source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.mode_buttons = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(source)
        for mode in ImportMode:
            button = QRadioButton(_MODE_LABELS[mode])
            button.setProperty("mode", mode.value)
            if mode in preview.refused:
                button.setEnabled(False)
                button.setToolTip(preview.refused[mode])
                button.setText(f"{_MODE_LABELS[mode]} (not possible: see the tooltip)")
            self.mode_buttons.addButton(button)
            layout.addWidget(button)
        self.counts = QTableWidget(len(BUNDLE_KINDS), len(_COLUMNS))
        self.counts.setHorizontalHeaderLabels(_COLUMNS)
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.counts.resizeRowsToContents()
        rows = sum(self.counts.rowHeight(row) for row in range(len(BUNDLE_KINDS)))
        frame = 2 * self.counts.frameWidth()
        self.counts.setFixedHeight(self.counts.horizontalHeader().sizeHint().height() + rows + frame)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.lines = QListWidget()
        self.lines.setWordWrap(True)  # a note is a whole sentence: read it without scrolling sideways
        self.lines.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.apply_button = QPushButton("Apply")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout.addWidget(self.counts)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("What the import does (the same lines as postback-studio import --dry-run):"))
        layout.addWidget(self.lines, 1)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.mode_buttons.buttonClicked.connect(lambda _button: self._show_plan())
        first = next(mode for mode in ImportMode if mode in preview.plans)
        self.select_mode(first)

    @property
    def mode(self) -> ImportMode:
        """The mode chosen."""
        checked = self.mode_buttons.checkedButton()
        return ImportMode(str(checked.property("mode"))) if checked else ImportMode.MERGE

    @property
    def plan(self) -> ImportPlan:
        """The plan on show (the one Apply applies)."""
        return self.preview.plans[self.mode]

    def select_mode(self, mode: ImportMode) -> None:
        """Show the plan of ``mode``."""
        for button in self.mode_buttons.buttons():
            if button.property("mode") == mode.value:
                button.setChecked(True)
        self._show_plan()

    def _show_plan(self) -> None:
        plan = self.plan
        for row, kind in enumerate(BUNDLE_KINDS):
            counts = plan.counts(kind)
            cells = (_KIND_LABELS[kind], counts.added, counts.changed, counts.removed, counts.unchanged)
            for column, value in enumerate(cells):
                item = QTableWidgetItem(str(value))
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.counts.setItem(row, column, item)
        changes = plan.counts().changes
        notes = len(plan.item_notes()) + len(plan.notes)
        self.summary.setText(
            f"{plan.counts().describe('item')}; {notes} note(s) to read first."
            if changes else "Nothing to change: the workspace already holds this configuration."
        )
        set_tone(self.summary, Tone.WARNING if notes else None)
        self.apply_button.setEnabled(bool(changes))
        self.lines.clear()
        muted = self.palette().placeholderText().color()
        for item in plan.items:
            entry = QListWidgetItem(str(item))
            if item.action is Action.UNCHANGED and not item.notes:
                entry.setForeground(muted)
            self.lines.addItem(entry)
            for note in item.notes:
                self._add_note(f"      ⚠ {note.label}: {note}")
        for text in plan.notes:
            self._add_note(f"⚠ note: {text}")

    def _add_note(self, text: str) -> None:
        entry = QListWidgetItem(text)
        font = entry.font()
        font.setBold(True)
        entry.setFont(font)
        entry.setToolTip(text.strip())
        self.lines.addItem(entry)
