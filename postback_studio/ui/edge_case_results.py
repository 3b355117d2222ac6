"""The Edge Cases tab under the Template Mapper: what breaks the template, where, and its output.

Findings are grouped by the template location responsible: one row per location and kind of
failure, with the variants that show it under it. Choosing a row moves the editor's cursor to the
template line (the controller marks it); *Show Output* renders that variant again and shows its
output with the invalid spot marked. Layout and display only: the controller
(:mod:`.edge_case_check`) runs the check and decides what to show.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.doctor.edge_cases import EdgeCaseExample, EdgeCaseFinding, EdgeCaseReport
from postback_studio.core.doctor.in_editor import part_text
from postback_studio.core.doctor.progress import Progress
from postback_studio.core.doctor.runs import edge_case_summary
from postback_studio.core.render.engine import TemplateRendering
from postback_studio.core.render.result import Location, Severity, Where
from postback_studio.core.textpos import offset_at
from postback_studio.core.wording import counted
from postback_studio.ui.editor.code_editor import CodeEditor
from postback_studio.ui.problems import where_text
from postback_studio.ui.run_status import RunStatus

_FINDING_ROLE = Qt.ItemDataRole.UserRole
_EXAMPLE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Variants listed under one finding; the rest are counted ("and 120 more").
SHOWN_EXAMPLES = 200
#: The output view's range layer for the invalid spot.
INVALID_LAYER = "invalid"
_INVITATION = "Check edge cases to find the payloads that break this template."


class EdgeCaseResultsView(QWidget):
    """Findings (left) and the chosen one's details and output (right), with progress while checking.

    Signals:
        location_chosen(object, bool): a finding or variant was chosen; carries the template
            :class:`~postback_studio.core.render.result.Location` (None when unknown) and whether
            the editor should take the focus (double-click or Enter) or not (selection).
        output_requested(object): *Show Output* for an :class:`EdgeCaseExample`.
        check_requested(): *Check Again*.
        cancel_requested(): *Cancel* while checking.
    """

    location_chosen = Signal(object, bool)
    output_requested = Signal(object)
    check_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: EdgeCaseReport | None = None
        self.outdated = False
        self._follow_output = False
        self.status = RunStatus(_INVITATION, "Stop the check")
        self.summary = self.status.summary
        self.progress = self.status.progress
        self.cancel_button = self.status.cancel_button
        self.check_button = QPushButton("Check Again")
        self.check_button.setToolTip("Check the template as it is now against every variant")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Finding / variant", "Where", "Template line / what broke"])
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 100)
        self.what = QLabel()
        self.what.setWordWrap(True)
        self.what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output_button = QPushButton("Show Output")
        self.output_button.setToolTip("Render this variant again and show its output, the bad spot marked")
        self.output_button.setEnabled(False)
        self.output_title = QLabel()
        self.output_view = CodeEditor(output_mode=True, fmt="json")
        self.output_view.setPlaceholderText("Show Output renders the chosen variant here.")
        self._build_layout()
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.output_button.clicked.connect(self._on_output_button_clicked)
        self.check_button.clicked.connect(self.check_requested)
        self.status.cancel_requested.connect(self.cancel_requested)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.check_button)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.what, 1)
        row.addWidget(self.output_button, 0, Qt.AlignmentFlag.AlignTop)
        detail_layout.addLayout(row)
        detail_layout.addWidget(self.output_title)
        detail_layout.addWidget(self.output_view, 1)
        # Under the preview the tab is narrow and tall enough: the variant's output goes below the list.
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.tree)
        self.split.addWidget(detail)
        self.split.setChildrenCollapsible(False)
        self.split.setSizes([200, 240])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)

    # -- states ------------------------------------------------------------------------------

    def show_running(self, progress: Progress | None = None) -> None:
        """A check is running: its progress, and Cancel."""
        self.status.running("Checking edge cases", progress)
        self.check_button.setEnabled(False)

    def show_report(self, report: EdgeCaseReport) -> None:
        """Show a finished check; the first finding is chosen."""
        self._stop_running(edge_case_summary(report))
        self.report = report
        self.outdated = False
        self._follow_output = False
        self.tree.clear()
        self._clear_detail()
        for index, finding in enumerate(report.findings):
            self.tree.addTopLevelItem(self._finding_item(index, finding, report))
        if report.findings:
            first = self.tree.topLevelItem(0)
            first.setExpanded(True)
            self.tree.setCurrentItem(first)
        for column in (1,):
            self.tree.resizeColumnToContents(column)

    def show_stopped(self, message: str) -> None:
        """The check ended without a report (stopped, or dropped as stale); earlier results stay."""
        self._stop_running(message)

    def set_outdated(self) -> None:
        """The template changed since the results on show: say so (their lines may have moved)."""
        if self.report is None or self.outdated:
            return
        self.outdated = True
        self.summary.setText(
            f"Outdated: the template changed since this check. {edge_case_summary(self.report)}"
        )

    def clear(self) -> None:
        """Forget the results (another template is on show)."""
        self._stop_running(_INVITATION)
        self.report = None
        self.outdated = False
        self.tree.clear()
        self._clear_detail()

    def _stop_running(self, text: str) -> None:
        self.status.idle(text)
        self.check_button.setEnabled(True)

    # -- the tree ----------------------------------------------------------------------------

    def _finding_item(self, index: int, finding: EdgeCaseFinding, report: EdgeCaseReport) -> QTreeWidgetItem:
        count = len(finding.examples)
        title = f"{finding.category} · {counted(count, 'variant')}"
        line = _template_line(report, finding.location)
        item = QTreeWidgetItem([title, where_text(finding.location), line])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setToolTip(0, finding.summary())
        item.setData(0, _FINDING_ROLE, index)
        for number, example in enumerate(finding.examples[:SHOWN_EXAMPLES]):
            child = QTreeWidgetItem([example.variant.describe(), "", example.diagnostic.message])
            child.setToolTip(2, example.diagnostic.message)
            child.setData(0, _FINDING_ROLE, index)
            child.setData(0, _EXAMPLE_ROLE, number)
            item.addChild(child)
        if count > SHOWN_EXAMPLES:
            item.addChild(QTreeWidgetItem([f"… and {count - SHOWN_EXAMPLES} more variants"]))
        return item

    def chosen(self) -> tuple[EdgeCaseFinding, EdgeCaseExample] | None:
        """The finding and variant on show (a finding's row stands for its first variant)."""
        return self._chosen(self.tree.currentItem())

    def _chosen(self, item: QTreeWidgetItem | None) -> tuple[EdgeCaseFinding, EdgeCaseExample] | None:
        if item is None or self.report is None or item.data(0, _FINDING_ROLE) is None:
            return None
        finding = self.report.findings[int(item.data(0, _FINDING_ROLE))]
        number = item.data(0, _EXAMPLE_ROLE)
        return finding, finding.examples[int(number) if number is not None else 0]

    def select(self, finding: EdgeCaseFinding, example: EdgeCaseExample | None = None) -> bool:
        """Choose ``finding`` (and one of its variants); False when it is not on show."""
        if self.report is None or finding not in self.report.findings:
            return False
        item = self.tree.topLevelItem(self.report.findings.index(finding))
        if example is not None and example in finding.examples[:SHOWN_EXAMPLES]:
            item.setExpanded(True)
            item = item.child(finding.examples.index(example))
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True

    def _on_tree_current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        chosen = self._chosen(current)
        self._clear_detail()
        if chosen is None:
            return
        finding, example = chosen
        self.what.setText(
            f"<b>{finding.category}</b> when {escape(example.variant.describe())}<br>"
            f"{escape(example.diagnostic.message)}<br>"
            f"<i>at {where_text(finding.location) or 'an unknown template location'}</i>"
        )
        self.output_button.setEnabled(True)
        self.location_chosen.emit(finding.location, False)
        if self._follow_output:
            self.output_requested.emit(example)

    def _on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        chosen = self._chosen(item)
        if chosen is not None:
            self.location_chosen.emit(chosen[0].location, True)

    def _on_output_button_clicked(self) -> None:
        chosen = self.chosen()
        if chosen is not None:
            self._follow_output = True
            self.output_title.setText("Rendering…")
            self.output_requested.emit(chosen[1])

    # -- the output of a variant -------------------------------------------------------------

    def show_output(self, example: EdgeCaseExample, rendering: TemplateRendering) -> None:
        """Show a variant's output with the spot its diagnostic points at marked."""
        chosen = self.chosen()
        if chosen is None or chosen[1] != example:
            return
        result = rendering.parts.get(example.part)
        location = example.diagnostic.location
        self.output_view.set_ranges([], INVALID_LAYER)
        self.output_view.mark_output_line(None)
        if result is None or result.output is None:
            self.output_view.set_text("")
            self.output_title.setText(f"No output: the template failed ({example.diagnostic.message})")
            return
        self.output_view.set_format(str(result.format))
        self.output_view.set_text(result.output)
        self.output_title.setText(f"Output of {example.variant.describe()} ({example.part})")
        if location is not None and location.where is Where.OUTPUT:
            spot = offset_at(result.output, location.line, location.column)
            self.output_view.set_ranges(
                [(spot, spot + 1, Severity.ERROR, example.diagnostic.message)], INVALID_LAYER
            )
            self.output_view.mark_output_line(location.line)

    def show_output_failed(self, message: str) -> None:
        """The variant could not be rendered again."""
        self.output_title.setText(f"Cannot show the output: {message}")

    def _clear_detail(self) -> None:
        self.what.setText("")
        self.output_title.setText("")
        self.output_button.setEnabled(False)
        self.output_view.set_ranges([], INVALID_LAYER)
        self.output_view.mark_output_line(None)
        self.output_view.set_text("")


def _template_line(report: EdgeCaseReport, location: Location | None) -> str:
    if location is None:
        return ""
    lines = part_text(report.template, location.part).split("\n")
    return lines[location.line - 1].strip() if 1 <= location.line <= len(lines) else ""
