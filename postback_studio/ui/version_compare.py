"""What changes if I save this: two versions' outputs, sample by sample, side by side.

:class:`OutputComparisonView` lists every sample (and the edge-case variants whose outcome changes on
their own) with its verdict, and shows the chosen one's outputs in two panes that scroll together,
the changed lines on the theme's diff backgrounds (:func:`~.theme.colors_for`, so a theme switch
recolours them). :class:`VersionCompareDialog` hosts it, with progress and Cancel while the versions
render and, when the new side is the editor's unsaved text, a Save button. The rows come from
:mod:`postback_studio.core.doctor.compare`."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.diff import ChangeKind as RowKind
from postback_studio.core.diff import DiffRow
from postback_studio.core.doctor.compare import OutputChange
from postback_studio.core.doctor.progress import Progress
from postback_studio.core.doctor.runs import ComparisonOutcome
from postback_studio.ui.code_view import CodeView
from postback_studio.ui.run_status import RunStatus
from postback_studio.ui.theme import colors_for

_CHANGE_ROLE = Qt.ItemDataRole.UserRole
#: The theme's diff background (:attr:`~.theme.ThemeColors.diff`) of each kind of change.
_DIFF_KEYS = {RowKind.CHANGED: "changed", RowKind.DELETED: "deleted", RowKind.INSERTED: "inserted"}
#: Variants listed; the rest are counted.
SHOWN_VARIANTS = 500


class DiffPanes(QWidget):
    """Two read-only panes, old and new, that scroll together; changed rows on the theme's diff colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[DiffRow] = []
        self.old_title = QLabel()
        self.new_title = QLabel()
        self.old_pane = CodeView()
        self.new_pane = CodeView()
        self.old_problem = QLabel()
        self.new_problem = QLabel()
        for pane in (self.old_pane, self.new_pane):
            pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        for label in (self.old_problem, self.new_problem):
            label.setWordWrap(True)
            label.hide()
        for first, second in ((self.old_pane, self.new_pane), (self.new_pane, self.old_pane)):
            first.verticalScrollBar().valueChanged.connect(second.verticalScrollBar().setValue)
            first.horizontalScrollBar().valueChanged.connect(second.horizontalScrollBar().setValue)
        split = QSplitter(Qt.Orientation.Horizontal)
        for title, pane, problem in (
            (self.old_title, self.old_pane, self.old_problem),
            (self.new_title, self.new_pane, self.new_problem),
        ):
            side = QWidget()
            layout = QVBoxLayout(side)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(title)
            layout.addWidget(pane, 1)
            layout.addWidget(problem)
            split.addWidget(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def set_titles(self, old: str, new: str) -> None:
        """Name the two sides (``Version 3``, ``Your edits``)."""
        self.old_title.setText(f"<b>{old}</b>")
        self.new_title.setText(f"<b>{new}</b>")

    def show_change(self, change: OutputChange | None) -> None:
        """Show one output under both versions: the diff rows, or the same output twice."""
        if change is None:
            self.rows = []
            self._fill(self.old_pane, [])
            self._fill(self.new_pane, [])
            self._problem(self.old_problem, None)
            self._problem(self.new_problem, None)
            return
        if change.diff:
            self.rows = list(change.diff)
        else:
            lines = (change.old_output or "").splitlines()
            self.rows = [DiffRow(RowKind.EQUAL, line, line, n, n) for n, line in enumerate(lines, 1)]
        self._fill(self.old_pane, [row.old for row in self.rows])
        self._fill(self.new_pane, [row.new for row in self.rows])
        problems = ((self.old_problem, change.old_problem), (self.new_problem, change.new_problem))
        failing = any(problem is not None for _, problem in problems)
        for label, problem in problems:
            # Both sides say their verdict when one fails, so the two panes stay the same height.
            verdict = f"Fails: {problem.message}" if problem else "Renders validly"
            self._problem(label, verdict if failing else None)

    def _problem(self, label: QLabel, text: str | None) -> None:
        label.setVisible(text is not None)
        label.setText(text or "")

    def _fill(self, pane: QPlainTextEdit, lines: list[str | None]) -> None:
        pane.setPlainText("\n".join("" if line is None else line for line in lines))
        diff = colors_for(self).diff
        selections: list[QTextEdit.ExtraSelection] = []
        block = pane.document().firstBlock()
        for row, line in zip(self.rows, lines, strict=True):
            key = "gap" if line is None else _DIFF_KEYS.get(row.kind)
            if key is not None:
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(QColor(diff[key]))
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.cursor = QTextCursor(block)
                selections.append(selection)
            block = block.next()
        pane.setExtraSelections(selections)

    def changeEvent(self, event: QEvent) -> None:
        """Colour the rows again in a new theme."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.rows:
            self._fill(self.old_pane, [row.old for row in self.rows])
            self._fill(self.new_pane, [row.new for row in self.rows])


class OutputComparisonView(QWidget):
    """The samples and variants with their verdicts (left), the chosen one's diff (right).

    Signals:
        cancel_requested(): *Cancel* while the versions render.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: ComparisonOutcome | None = None
        self.status = RunStatus(cancel_tip="Stop the comparison")
        self.summary = self.status.summary
        self.status.cancel_requested.connect(self.cancel_requested)
        self.list = QTreeWidget()
        self.list.setColumnCount(2)
        self.list.setHeaderLabels(["Sample / variant", "Output"])
        self.list.setUniformRowHeights(True)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.list.setColumnWidth(0, 290)
        self.diff = DiffPanes()
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(self.diff)
        split.setChildrenCollapsible(False)
        split.setSizes([450, 650])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    def show_running(self, titles: tuple[str, str], progress: Progress | None = None) -> None:
        """The versions are rendering: progress and Cancel."""
        self.status.running(f"Rendering {titles[0]} and {titles[1]}", progress)

    def show_stopped(self, message: str) -> None:
        """The comparison ended without an outcome; ``message`` says why."""
        self.status.idle(message)

    def show_outcome(self, outcome: ComparisonOutcome) -> None:
        """List every sample and the variants that change alone; the first changed one is chosen."""
        self.status.idle(outcome.summary())
        self.outcome = outcome
        request = outcome.request
        self.diff.set_titles(request.old_label, request.new_label)
        self.list.clear()
        samples = QTreeWidgetItem([f"Samples ({len(outcome.comparison.samples)})", ""])
        first_changed: QTreeWidgetItem | None = None
        for change in outcome.comparison.samples:
            item = self._item(change, change.variant.sample)
            samples.addChild(item)
            if change.changed and first_changed is None:
                first_changed = item
        self.list.addTopLevelItem(samples)
        samples.setExpanded(True)
        variants = outcome.comparison.variants
        if variants:
            group = QTreeWidgetItem([f"Edge-case variants that change on their own ({len(variants)})", ""])
            for change in variants[:SHOWN_VARIANTS]:
                group.addChild(self._item(change, change.variant.describe()))
            if len(variants) > SHOWN_VARIANTS:
                group.addChild(QTreeWidgetItem([f"… and {len(variants) - SHOWN_VARIANTS} more", ""]))
            self.list.addTopLevelItem(group)
            group.setExpanded(True)
            if first_changed is None:
                first_changed = group.child(0)
        self.list.setCurrentItem(first_changed or samples.child(0))

    def _item(self, change: OutputChange, name: str) -> QTreeWidgetItem:
        label = name if change.part == "body" else f"{name} ({change.part})"
        item = QTreeWidgetItem([label, change.verdict()])
        item.setData(0, _CHANGE_ROLE, change)
        item.setToolTip(1, change.verdict())
        if change.changed:
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setFont(1, font)
        return item

    def set_outdated(self, message: str) -> None:
        """The new side changed since (unsaved edits typed on): say so above the results."""
        if self.outcome is not None:
            self.summary.setText(f"{message} {self.outcome.summary()}")

    def entries(self) -> list[tuple[str, OutputChange]]:
        """Every listed sample and variant, with its label (for tests and for reading)."""
        found = []
        for top in range(self.list.topLevelItemCount()):
            group = self.list.topLevelItem(top)
            for row in range(group.childCount()):
                child = group.child(row)
                change = child.data(0, _CHANGE_ROLE)
                if change is not None:
                    found.append((child.text(0), change))
        return found

    def select(self, label: str) -> bool:
        """Show the entry labelled ``label``; False when there is none."""
        for top in range(self.list.topLevelItemCount()):
            group = self.list.topLevelItem(top)
            for row in range(group.childCount()):
                if group.child(row).text(0) == label:
                    self.list.setCurrentItem(group.child(row))
                    return True
        return False

    def shown(self) -> OutputChange | None:
        """The entry whose outputs are on show."""
        item = self.list.currentItem()
        return None if item is None else item.data(0, _CHANGE_ROLE)

    def _on_list_current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        self.diff.show_change(None if current is None else current.data(0, _CHANGE_ROLE))


def fitted_size(parent: QWidget | None, width: int, height: int) -> QSize:
    """``width`` x ``height``, made smaller to fit inside ``parent``'s window (a 1024x700 screen)."""
    if parent is None:
        return QSize(width, height)
    window = parent.window().size()
    return QSize(min(width, window.width() - 40), min(height, window.height() - 60))


class VersionCompareDialog(QDialog):
    """A comparison in its own window (non-modal), with Save when the new side is unsaved edits.

    Signals:
        save_requested(): *Save* (the editor's edits are the new side).
    """

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What changes")
        self.resize(fitted_size(parent, 1100, 620))
        self.view = OutputComparisonView()
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the edits (a new version)")
        self.save_button.clicked.connect(self.save_requested)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    def offer_save(self, offered: bool) -> None:
        """Show the Save button (comparing unsaved edits) or not (comparing saved versions)."""
        self.save_button.setVisible(offered)
        self.save_button.setEnabled(offered)
