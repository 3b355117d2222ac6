"""The Template Mapper page's view: the template editor in the centre, side panels around it.

The editor gets the most width. On its left, one column holds the template library (handed in by
the page) above the sample payload; on its right, the preview above the Problems list. Each side
panel can be resized with the splitter handles, dragged shut, or hidden and shown again from the
Templates menu; the sizes and what is shown are remembered (:mod:`.mapper_panels`).
Splitters rather than dock widgets: the mapper is one page of the window's page stack, and a dock
belongs to a main window, so docking would take the panels out of the page they serve (and float
them over other pages); a splitter keeps them in the page and still lets the user collapse, resize
and restore them.

Layout and view behaviour only. It imports no storage and no render engine: the page controller
(built by the composition root) feeds it events, payloads, template text and render results through
methods, and listens to its signals to load samples, save and render. What the view does by itself
is what needs no data from outside: inserting a payload field at the cursor, jumping to a problem,
parsing the payload being edited, switching the preview between pretty and raw.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.completion import Segment, expression_for_path
from postback_studio.core.editing import field_insertion
from postback_studio.core.highlight import Span
from postback_studio.core.preview import parse_json, pretty, status_line
from postback_studio.core.render.result import Diagnostic, RenderResult, Severity, Where
from postback_studio.ui.editor.code_editor import CodeEditor
from postback_studio.ui.editor.find_replace import FindReplaceBar
from postback_studio.ui.editor.highlighter import Palette
from postback_studio.ui.elided_label import ElidedLabel
from postback_studio.ui.mapper_panels import MapperPanels
from postback_studio.ui.payload_tree import PayloadTree
from postback_studio.ui.problems import ProblemsList
from postback_studio.ui.tones import Tone, emphasize, heading, set_tone

#: What the preview says over an output kept from before a template error.
STALE_OUTPUT_NOTE = "Last good output, before the error: not what the template renders now"
#: How faint a stale output is drawn.
_STALE_OPACITY = 0.45
#: The width the library and sample column keeps when a tab beside Problems needs room.
_NARROW_LEFT = 150


class TemplateMapperView(QWidget):
    """Library and sample payload | template editor | preview and Problems.

    Signals:
        template_edited(): the template text changed (schedule a render).
        render_requested(): Ctrl+Enter or the Render button (render now).
        event_selected(str): the event picker changed; carries the item's key (``shipped``,
            ``shipped.multi-item``).
        payload_edited(object): the user edited the payload and it parses; carries the value.
        payload_rejected(str): the edited payload does not parse; carries "line L, column C: why".
    """

    template_edited = Signal()
    render_requested = Signal()
    event_selected = Signal(str)
    payload_edited = Signal(object)
    payload_rejected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Build the page, empty."""
        super().__init__(parent)
        self._result: RenderResult | None = None
        self._output_spans: tuple[tuple[Span, ...], ...] | None = None
        self._loading_payload = False
        self._alternative_previews: list[QWidget] = []
        self._build_payload_pane()
        self._build_editor_pane()
        self._build_preview_pane()
        self._build_problems_pane()
        self.library_pane: QWidget | None = None
        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.addWidget(self.payload_pane)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.preview_pane)
        self.right.addWidget(self.problems_pane)
        self.columns = QSplitter(Qt.Orientation.Horizontal)
        for index, column in enumerate((self.left, self.editor_pane, self.right)):
            self.columns.addWidget(column)
            self.columns.setStretchFactor(index, 2 if column is self.editor_pane else 1)
        self.columns.setCollapsible(1, False)
        self.panels = MapperPanels(
            {"columns": self.columns, "left": self.left, "right": self.right, "payload": self.payload_split},
            self._panel,
            self,
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.columns)
        self._connect()

    # -- construction --------------------------------------------------------------------------

    def _build_payload_pane(self) -> None:
        self.payload_pane = QWidget()
        self.event_combo = QComboBox()
        self.event_combo.setToolTip("The event whose sample payload the template is previewed with")
        self.payload_tree = PayloadTree()
        self.payload_editor = CodeEditor(fmt="json")
        self.payload_editor.setToolTip("The sample payload as JSON (built-in samples are read-only)")
        self.payload_status = QLabel()
        self.payload_status.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.payload_tree)
        split.addWidget(self.payload_editor)
        self.payload_split = split
        self.event_combo.setMinimumContentsLength(12)
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        picker = QHBoxLayout()
        picker.addWidget(QLabel("Sample"))
        picker.addWidget(self.event_combo, 1)
        layout = QVBoxLayout(self.payload_pane)
        layout.setContentsMargins(6, 6, 3, 3)
        layout.addWidget(heading("Sample payload"))
        layout.addLayout(picker)
        layout.addWidget(split, 1)
        layout.addWidget(self.payload_status)

    def _build_editor_pane(self) -> None:
        self.editor_pane = QWidget()
        self.template_title = ElidedLabel("Template")
        emphasize(self.template_title)
        self.render_button = QPushButton("Render")
        self.render_button.setToolTip("Render now (Ctrl+Enter)")
        self.cursor_label = QLabel("1:1")
        set_tone(self.cursor_label, Tone.MUTED)
        self.editor = CodeEditor(fmt="json")
        self.editor_hint = QLabel()
        self.editor_hint.setWordWrap(True)
        emphasize(self.editor_hint)
        set_tone(self.editor_hint, Tone.MUTED)
        self.editor_hint.hide()
        self.find_bar = FindReplaceBar(self.editor)
        top = QHBoxLayout()
        top.addWidget(self.template_title, 1)
        top.addWidget(self.cursor_label)
        top.addWidget(self.render_button)
        layout = QVBoxLayout(self.editor_pane)
        layout.setContentsMargins(3, 6, 3, 3)
        layout.addLayout(top)
        layout.addWidget(self.editor_hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.find_bar)

    def _build_preview_pane(self) -> None:
        self.preview_pane = QWidget()
        self.pretty_toggle = QCheckBox("Pretty")
        self.pretty_toggle.setToolTip(
            "Re-indent JSON or XML for reading. What is sent is always the raw output; "
            "output line numbers refer to the raw view."
        )
        self.output_view = CodeEditor(output_mode=True, fmt="json")
        self.stale_label = QLabel(STALE_OUTPUT_NOTE)
        self.stale_label.setWordWrap(True)
        set_tone(self.stale_label, Tone.MUTED)
        self.stale_label.hide()
        self._stale_effect = QGraphicsOpacityEffect(self.output_view.viewport())
        self._stale_effect.setOpacity(_STALE_OPACITY)
        self._stale_effect.setEnabled(False)
        self.output_view.viewport().setGraphicsEffect(self._stale_effect)
        self.status_label = QLabel("Not rendered yet")
        self.status_label.setWordWrap(True)
        emphasize(self.status_label)
        set_tone(self.status_label, Tone.MUTED)
        top = QHBoxLayout()
        top.addWidget(heading("Preview"), 1)
        top.addWidget(self.pretty_toggle)
        layout = QVBoxLayout(self.preview_pane)
        layout.setContentsMargins(3, 6, 6, 3)
        layout.addLayout(top)
        layout.addWidget(self.stale_label)
        layout.addWidget(self.output_view, 1)
        layout.addWidget(self.status_label)

    def _build_problems_pane(self) -> None:
        self.problems_pane = QWidget()
        self.problems_title = heading("Problems")
        self.problems = ProblemsList()
        self.bottom_tabs: QTabWidget | None = None
        layout = QVBoxLayout(self.problems_pane)
        layout.setContentsMargins(6, 3, 6, 6)
        layout.addWidget(self.problems_title)
        layout.addWidget(self.problems, 1)

    def _connect(self) -> None:
        self.editor.textChanged.connect(self._on_editor_text_changed)
        self.editor.cursorPositionChanged.connect(self._on_editor_cursor_moved)
        self.editor.installEventFilter(self)
        self.render_button.clicked.connect(self.render_requested)
        self.event_combo.currentIndexChanged.connect(self._on_event_combo_changed)
        self.payload_tree.path_activated.connect(self._on_payload_tree_path_activated)
        self.payload_editor.textChanged.connect(self._on_payload_editor_text_changed)
        self.problems.problem_activated.connect(self._on_problems_activated)
        self.pretty_toggle.toggled.connect(self._on_pretty_toggled)

    # -- data in -------------------------------------------------------------------------------

    def set_template(self, text: str, fmt: str = "json", title: str = "Template") -> None:
        """Load a template's text and format (``json``, ``xml``, ``html``, ``text``)."""
        self.template_title.setText(title)
        self.editor.set_format(fmt)
        self.output_view.set_format(fmt)
        self.editor.setPlainText(text)

    def set_editable(self, editable: bool, hint: str = "") -> None:
        """Let the user type in the editor, or make it read-only with ``hint`` shown above it."""
        self.editor.setReadOnly(not editable)
        self.editor_hint.setText("" if editable else hint)
        self.editor_hint.setVisible(not editable)

    def template_text(self) -> str:
        """The template as edited."""
        return self.editor.toPlainText()

    def set_events(self, events: Sequence[tuple[str, str]]) -> None:
        """Fill the event picker with ``(key, label)`` pairs, without emitting ``event_selected``."""
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        for key, label in events:
            self.event_combo.addItem(label, key)
        self.event_combo.blockSignals(False)

    def set_current_event(self, key: str) -> None:
        """Select the event ``key`` in the picker, without emitting ``event_selected``."""
        index = self.event_combo.findData(key)
        if index >= 0:
            self.event_combo.blockSignals(True)
            self.event_combo.setCurrentIndex(index)
            self.event_combo.blockSignals(False)

    def current_event(self) -> str:
        """The key of the selected event."""
        return str(self.event_combo.currentData() or "")

    def set_payload(self, payload: object, text: str | None = None, read_only: bool = True) -> None:
        """Show a sample payload in the tree and the JSON editor, and use it for autocomplete.

        Args:
            payload: The payload value.
            text: Its JSON text as stored (default: the value, indented).
            read_only: True for a built-in sample; False for the user's own payload.
        """
        self._loading_payload = True
        try:
            self.payload_editor.setPlainText(
                json.dumps(payload, indent=2, ensure_ascii=False) if text is None else text
            )
        finally:
            self._loading_payload = False
        self.payload_editor.setReadOnly(read_only)
        self._apply_payload(payload)
        self._set_payload_status("Built-in sample (read-only)" if read_only else "Your payload", ok=True)

    def _apply_payload(self, payload: object) -> None:
        self.payload_tree.set_payload(payload)
        self.editor.set_payload(payload)

    def set_busy(self, busy: bool) -> None:
        """Say that a render is running (the last preview stays on show)."""
        if busy:
            self.status_label.setText("Rendering…")
            set_tone(self.status_label, Tone.MUTED)

    def show_result(
        self,
        result: RenderResult,
        output_spans: tuple[tuple[Span, ...], ...] | None = None,
        part: str = "body",
        lints: Sequence[Diagnostic] = (),
        keep_stale: bool = False,
    ) -> None:
        """Show a render: output, status line, marked output line, Problems and gutter marks.

        A render without output (a template error) never leaves an unmarked output on show: the
        pane is cleared, or, with ``keep_stale``, the last good output stays, faint, under
        :data:`STALE_OUTPUT_NOTE`.

        Args:
            result: The render to show.
            output_spans: Highlight spans of ``result.output`` lexed on the worker thread
                (``line_spans(output, lexer_for(fmt, template=False))``), so a large output is not
                lexed on the GUI thread. Used for the raw view only.
            part: The template part the editor shows (``body``; ``html`` or ``text`` of an email):
                gutter marks are set for diagnostics of that part.
            lints: The template's lints: listed in Problems and marked like the render's
                diagnostics, but not counted in the status line, which is about the output.
            keep_stale: The output on show is of the same template (an earlier state of its text),
                so it may stay, marked, while the template has an error.
        """
        self._result = result
        self._output_spans = output_spans
        status = status_line(result)
        self.status_label.setText(status.text)
        set_tone(self.status_label, Tone.OK if status.ok else Tone.ERROR)
        diagnostics = (*result.diagnostics, *lints)
        self.problems.set_diagnostics(diagnostics)
        self.problems_title.setText(f"Problems: {self.problems.summary()}")
        if self.bottom_tabs is not None:
            self.bottom_tabs.setTabText(0, self.problems_title.text())
        self.editor.set_marks(
            (d.location.line, d.severity, d.message)
            for d in diagnostics
            if d.location is not None and d.location.where is Where.TEMPLATE and d.location.part == part
        )
        if result.output is not None:
            self._set_stale(False)
            self._show_output()
        else:
            self._lose_output(keep_stale)
        self.output_view.mark_output_line(status.output_line if not self._pretty_shown() else None)

    def show_render_failed(self, message: str, keep_stale: bool = False) -> None:
        """Report a render that could not run at all; the output on show is cleared, or kept marked
        as stale when ``keep_stale`` (it is of the same template)."""
        self.status_label.setText(f"Render failed: {message}")
        set_tone(self.status_label, Tone.ERROR)
        self._lose_output(keep_stale)
        self.output_view.mark_output_line(None)

    def output_is_stale(self) -> bool:
        """Whether the output on show is kept from before an error (marked as such)."""
        return not self.stale_label.isHidden()

    def _lose_output(self, keep_stale: bool) -> None:
        if keep_stale and self.output_view.toPlainText():
            self._set_stale(True)
            return
        self._set_stale(False)
        self.output_view.set_text("")

    def _set_stale(self, stale: bool) -> None:
        self.stale_label.setVisible(stale)
        self._stale_effect.setEnabled(stale)

    def last_result(self) -> RenderResult | None:
        """The result on show."""
        return self._result

    # -- extension points for the page ---------------------------------------------------------

    def set_library(self, widget: QWidget) -> None:
        """Put the template library at the top of the left column, above the sample payload."""
        self.library_pane = widget
        self.left.insertWidget(0, widget)

    # -- side panels ---------------------------------------------------------------------------

    def _panel(self, name: str) -> QWidget | None:
        return {"library": self.library_pane, "payload": self.payload_pane, "preview": self.right}[name]


    def add_editor_bar(self, widget: QWidget) -> None:
        """Put ``widget`` between the editor's title row and the editor (the email part tabs)."""
        layout = self.editor_pane.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, widget)

    def add_payload_bar(self, widget: QWidget) -> None:
        """Put ``widget`` under the payload's status line (the sample actions)."""
        layout = self.payload_pane.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(widget)

    def add_notice_bar(self, widget: QWidget) -> None:
        """Put ``widget`` above the panes, the whole width (a notice about the last save)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, widget)

    def add_bottom_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab beside Problems, under the preview (the edge cases); returns its index.

        The first call puts Problems in a tab of its own, titled with its summary.
        """
        if self.bottom_tabs is None:
            tabs = QTabWidget()
            tabs.setDocumentMode(True)
            self.right.replaceWidget(self.right.indexOf(self.problems_pane), tabs)
            tabs.addTab(self.problems_pane, self.problems_title.text())
            self.problems_title.hide()
            self.bottom_tabs = tabs
        return self.bottom_tabs.addTab(widget, title)

    def reveal_bottom_tab(self, index: int, *, width: int, share: float) -> None:
        """Bring tab ``index`` beside Problems to the front, ``width`` wide and ``share`` of the height.

        The preview column is shown if it was hidden. It widens first at the expense of the library
        and sample column (down to a narrow strip), then of the editor (which keeps a quarter of the
        width); the tabs grow at the expense of the preview above them. Each only as far as needed,
        so a layout the user made roomy enough stays as it is.
        """
        if self.bottom_tabs is None:
            return
        self.bottom_tabs.setCurrentIndex(index)
        if not self.panels.shown("preview"):
            self.panels.set_shown("preview", True)
        columns = self.columns.sizes()
        total = sum(columns)
        missing = min(width, total // 2) - columns[2]
        for column, keeps in ((0, _NARROW_LEFT), (1, total // 4)):
            take = max(min(missing, columns[column] - keeps), 0)
            columns[column] -= take
            columns[2] += take
            missing -= take
        self.columns.setSizes(columns)
        rows = self.right.sizes()
        wanted = round(sum(rows) * share)
        if len(rows) == 2 and rows[1] < wanted:
            self.right.setSizes([sum(rows) - wanted, wanted])

    def add_preview_widget(self, widget: QWidget) -> None:
        """Add an alternative preview (an email's parts), hidden until :meth:`use_preview_widget`."""
        layout = self.preview_pane.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.output_view) + 1, widget, 1)
        widget.hide()
        self._alternative_previews.append(widget)

    def use_preview_widget(self, widget: QWidget | None) -> None:
        """Show ``widget`` instead of the output view (None: the output view and its Pretty toggle)."""
        for other in self._alternative_previews:
            other.setVisible(other is widget)
        self.output_view.setVisible(widget is None)
        self.pretty_toggle.setVisible(widget is None)

    # -- view behaviour ------------------------------------------------------------------------

    def set_palette(self, palette: Palette) -> None:
        """Use the light or the dark editor palette in every editor of the page."""
        for editor in (self.editor, self.output_view, self.payload_editor):
            editor.set_palette(palette)

    def _pretty_text(self) -> str | None:
        if not self.pretty_toggle.isChecked() or self._result is None or self._result.output is None:
            return None
        return pretty(self._result.output, self._result.format)

    def _pretty_shown(self) -> bool:
        return self._pretty_text() is not None

    def _show_output(self) -> None:
        if self._result is None or self._result.output is None:
            return
        self.output_view.set_format(str(self._result.format))
        pretty_text = self._pretty_text()
        scroll = self.output_view.verticalScrollBar().value()
        if pretty_text is None:
            self.output_view.set_text(self._result.output, self._output_spans)
        else:
            self.output_view.set_text(pretty_text)
        self.output_view.verticalScrollBar().setValue(scroll)

    def _on_pretty_toggled(self, _checked: bool) -> None:
        self._show_output()
        status = status_line(self._result) if self._result else None
        line = status.output_line if status and not self._pretty_shown() else None
        self.output_view.mark_output_line(line)

    def insert_payload_path(self, segments: Sequence[Segment]) -> str:
        """Insert the expression for a payload path at the editor's cursor; returns what was inserted.

        What fits where the cursor is (a selection is replaced, so its start counts) is core's
        decision (:func:`~postback_studio.core.editing.field_insertion`): ``{{ x|tojson }}`` as a JSON
        value, ``{{ x }}`` inside a JSON string, ``{{ x|e }}`` in XML or HTML, the bare expression
        inside an open tag.
        """
        template, offset = self.editor.toPlainText(), self.editor.selection_start_offset()
        expression = expression_for_path(segments, template, offset)
        text = field_insertion(expression, template, offset, self.editor.fmt)
        self.editor.insert_at_cursor(text)
        return text

    def _on_payload_tree_path_activated(self, segments: Sequence[Segment]) -> None:
        self.insert_payload_path(segments)

    def _on_problems_activated(self, diagnostic: Diagnostic) -> None:
        location = diagnostic.location
        if location is None:
            return
        if location.where is Where.TEMPLATE:
            self.editor.goto(location.line, location.column)
            return
        if self.pretty_toggle.isChecked():
            self.pretty_toggle.setChecked(False)
        self.output_view.goto(location.line, location.column)

    def _on_editor_text_changed(self) -> None:
        self.template_edited.emit()

    def _on_editor_cursor_moved(self) -> None:
        line, column = self.editor.cursor_line_column()
        self.cursor_label.setText(f"{line}:{column}")

    def _on_event_combo_changed(self, _index: int) -> None:
        self.event_selected.emit(self.current_event())

    def _on_payload_editor_text_changed(self) -> None:
        if self._loading_payload or self.payload_editor.isReadOnly():
            return
        parsed = parse_json(self.payload_editor.toPlainText())
        if not parsed.ok:
            message = f"line {parsed.line}, column {parsed.column}: {parsed.error}"
            self._set_payload_status(f"Invalid JSON: {message}", ok=False)
            self.payload_editor.set_marks([(parsed.line, Severity.ERROR, parsed.error)])
            self.payload_rejected.emit(message)
            return
        self.payload_editor.set_marks([])
        self._set_payload_status("Your payload", ok=True)
        self._apply_payload(parsed.value)
        self.payload_edited.emit(parsed.value)

    def _set_payload_status(self, text: str, ok: bool) -> None:
        self.payload_status.setText(text)
        set_tone(self.payload_status, Tone.MUTED if ok else Tone.ERROR)

    def showEvent(self, event: QShowEvent) -> None:
        """Size the splitters once they have their real length: as remembered, else by the defaults."""
        super().showEvent(event)
        self.panels.size_on_first_show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Enter in the template editor renders now."""
        if (
            watched is self.editor
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.render_requested.emit()
            return True
        return super().eventFilter(watched, event)
