"""The version history of a template: every saved version, a side-by-side diff, and Restore.

The diff rows come from :func:`postback_studio.core.diff.side_by_side`; this dialog only lays them
out in two read-only panes that scroll together, coloured by the kind of change. The chosen version
is compared with the current text or with another version (*Against*); *Compare Outputs…* asks for
the two versions' outputs against every sample and variant ("what changes if I save this?").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.diff import ChangeKind, DiffRow, change_count, side_by_side
from postback_studio.core.model import Template
from postback_studio.core.records import TemplateVersion
from postback_studio.core.template_files import template_to_text
from postback_studio.core.wording import counted
from postback_studio.ui.theme import colors_for
from postback_studio.ui.version_compare import fitted_size

#: The theme's diff background (:attr:`ThemeColors.diff`) of each kind of change.
_DIFF_KEYS = {ChangeKind.CHANGED: "changed", ChangeKind.DELETED: "deleted", ChangeKind.INSERTED: "inserted"}


def version_text(version: TemplateVersion) -> str:
    """A version's content as its ``.j2`` file would hold it (an email's three parts in blocks)."""
    return template_to_text(
        Template(
            name="v",
            kind=version.kind,
            format=version.format,
            body=version.body,
            subject=version.subject,
            text_body=version.text_body,
        )
    )


def _pane() -> QPlainTextEdit:
    pane = QPlainTextEdit()
    pane.setReadOnly(True)
    pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    font = pane.font()
    font.setFamily("monospace")
    font.setStyleHint(font.StyleHint.Monospace)
    pane.setFont(font)
    return pane


class VersionHistoryDialog(QDialog):
    """Saved versions on the left; the chosen version and the current text side by side.

    Signals:
        restore_requested(int): the user asked to restore the version with this number.
        outputs_compare_requested(int, object): *Compare Outputs…*: the chosen version's number, and
            the other side's (None: the current text).
    """

    restore_requested = Signal(int)
    outputs_compare_requested = Signal(int, object)

    def __init__(
        self, name: str, versions: Sequence[TemplateVersion], current_text: str, parent: QWidget | None = None
    ) -> None:
        """Show the history of template ``name`` against its current (possibly unsaved) text."""
        super().__init__(parent)
        self.setWindowTitle(f"Version history: {name}")
        self.resize(fitted_size(parent, 1100, 650))
        self._versions = list(versions)
        self._current = current_text
        self.rows: list[DiffRow] = []
        self.list = QListWidget()
        for version in reversed(self._versions):
            saved = dt.datetime.fromtimestamp(version.saved_at).strftime("%Y-%m-%d %H:%M:%S")
            item = QListWidgetItem(f"Version {version.number}  ·  {saved}")
            item.setData(Qt.ItemDataRole.UserRole, version.number)
            self.list.addItem(item)
        self.old_pane = _pane()
        self.new_pane = _pane()
        self.summary = QLabel()
        self.old_title = QLabel("Version")
        self.new_title = QLabel("Current text (unsaved edits included)")
        self.old_pane.verticalScrollBar().valueChanged.connect(self.new_pane.verticalScrollBar().setValue)
        self.new_pane.verticalScrollBar().valueChanged.connect(self.old_pane.verticalScrollBar().setValue)
        self.old_pane.horizontalScrollBar().valueChanged.connect(self.new_pane.horizontalScrollBar().setValue)
        self.new_pane.horizontalScrollBar().valueChanged.connect(self.old_pane.horizontalScrollBar().setValue)
        self.against = QComboBox()
        self.against.setToolTip("What the chosen version is compared with")
        self.against.addItem("Current text", None)
        for version in reversed(self._versions):
            self.against.addItem(f"Version {version.number}", version.number)
        self.compare_button = QPushButton("Compare Outputs…")
        self.compare_button.setToolTip(
            "Render both sides against every sample and edge-case variant and show which outputs change"
        )
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self._on_compare_button_clicked)
        self.against.currentIndexChanged.connect(self._show_diff)
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        old_side = QWidget()
        old_layout = QVBoxLayout(old_side)
        old_layout.setContentsMargins(0, 0, 0, 0)
        old_layout.addWidget(self.old_title)
        old_layout.addWidget(self.old_pane)
        new_side = QWidget()
        new_layout = QVBoxLayout(new_side)
        new_layout.setContentsMargins(0, 0, 0, 0)
        new_layout.addWidget(self.new_title)
        new_layout.addWidget(self.new_pane)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(old_side)
        split.addWidget(new_side)
        split.setSizes([220, 440, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(QLabel("Against"))
        bottom.addWidget(self.against)
        bottom.addWidget(self.compare_button)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        if self.list.count():
            self.list.setCurrentRow(0)

    def select_version(self, number: int) -> None:
        """Show version ``number`` against the current text."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == number:
                self.list.setCurrentRow(row)
                return

    def selected_version(self) -> int | None:
        """The number of the version on show."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def changeEvent(self, event: QEvent) -> None:
        """Colour the differences again in a new theme."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and getattr(self, "rows", None):
            self._show_diff()

    def _on_list_current_changed(self, _current: QListWidgetItem | None, _previous: object) -> None:
        self._show_diff()

    def against_version(self) -> int | None:
        """The number of the version the chosen one is compared with (None: the current text)."""
        data = self.against.currentData()
        return None if data is None else int(data)

    def _text_of(self, number: int | None) -> str:
        version = next((v for v in self._versions if v.number == number), None)
        return self._current if version is None else version_text(version)

    def _show_diff(self) -> None:
        number = self.selected_version()
        version = next((v for v in self._versions if v.number == number), None)
        self.restore_button.setEnabled(version is not None)
        self.compare_button.setEnabled(version is not None)
        if version is None:
            return
        against = self.against_version()
        self.rows = side_by_side(version_text(version), self._text_of(against))
        self.old_title.setText(f"Version {version.number}")
        self.new_title.setText(
            "Current text (unsaved edits included)" if against is None else f"Version {against}"
        )
        self._fill(self.old_pane, [r.old for r in self.rows])
        self._fill(self.new_pane, [r.new for r in self.rows])
        changed = change_count(self.rows)
        other = "the current text" if against is None else f"version {against}"
        verb = "differs" if changed == 1 else "differ"
        self.summary.setText(f"Same as {other}" if not changed else f"{counted(changed, 'line')} {verb}")

    def _on_compare_button_clicked(self) -> None:
        number = self.selected_version()
        if number is not None:
            self.outputs_compare_requested.emit(number, self.against_version())

    def _fill(self, pane: QPlainTextEdit, lines: list[str | None]) -> None:
        pane.setPlainText("\n".join("" if line is None else line for line in lines))
        selections: list[QTextEdit.ExtraSelection] = []
        block = pane.document().firstBlock()
        diff = colors_for(self).diff
        for row, line in zip(self.rows, lines, strict=True):
            key = "gap" if line is None else _DIFF_KEYS.get(row.kind)
            colour = None if key is None else diff[key]
            if colour is not None:
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(QColor(colour))
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                cursor = QTextCursor(block)
                selection.cursor = cursor
                selections.append(selection)
            block = block.next()
        pane.setExtraSelections(selections)

    def _on_restore_button_clicked(self) -> None:
        number = self.selected_version()
        if number is not None:
            self.restore_requested.emit(number)
            self.accept()
