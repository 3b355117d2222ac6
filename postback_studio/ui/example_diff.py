"""A template made from an example, previewed against that example: what differs, highlighted.

After New from Example, the Template Mapper's preview shows the output diffed against the
receiver's example, every time the template renders (as it is edited, or on another sample): the
lines only the example has, the lines only the output has, and pairs that differ only in a way a
parser does not see (an escaped character, a number's format), tinted apart and explained. The
comparison is the scaffold's own (:func:`postback_studio.core.new_from_example.diff_with_example`),
run off the GUI thread; this module only shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QColor, QFontDatabase, QPalette, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.model import OutputFormat
from postback_studio.core.new_from_example import ExampleDiff, LineKind, Tone, diff_with_example
from postback_studio.core.template_library import PreviewRender
from postback_studio.ui.editor.highlighter import Palette
from postback_studio.ui.form_layout import heading
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.theme import colors_for
from postback_studio.ui.tones import Tone as ShownTone
from postback_studio.ui.tones import set_tone
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker

_PREFIX = {LineKind.SAME: "  ", LineKind.EXAMPLE: "- ", LineKind.OUTPUT: "+ "}


def show_tone(widget: QWidget, which: Tone) -> None:
    """Colour a sentence of ``which`` tone in the theme, now and after a switch."""
    set_tone(widget, ShownTone(which.value))


def _blend(base: str, accent: str, amount: float) -> QColor:
    """``accent`` laid over ``base`` at ``amount`` opacity: a tint that keeps the text readable."""
    under, over = QColor(base), QColor(accent)
    return QColor(
        round(under.red() + (over.red() - under.red()) * amount),
        round(under.green() + (over.green() - under.green()) * amount),
        round(under.blue() + (over.blue() - under.blue()) * amount),
    )


class ExampleDiffView(QWidget):
    """The output diffed against the example: a verdict, and the lines with ``-``/``+`` marks.

    Signals:
        stop_requested(): the user no longer wants the comparison.
    """

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._palette = colors_for(self).editor
        self.diff: ExampleDiff | None = None
        self.title = heading("Against the example")
        self.stop_button = QPushButton("Stop Comparing")
        self.stop_button.setToolTip("Show the plain preview and forget the example for this template")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.context = QLabel()
        self.context.setWordWrap(True)
        show_tone(self.context, Tone.MUTED)
        self.lines = QPlainTextEdit()
        self.lines.setReadOnly(True)
        # Wrapped: in a narrow preview the part of a long line that differs is often at its end.
        self.lines.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.lines.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.verdict)
        layout.addWidget(self.context)
        layout.addWidget(self.lines, 1)
        layout.addLayout(bottom)
        self.stop_button.clicked.connect(self.stop_requested)
        self._apply_palette()

    def set_palette(self, palette: Palette) -> None:
        """Follow the editors' light or dark palette."""
        self._palette = palette
        self._apply_palette()
        if self.diff is not None:
            self._tint()

    def _apply_palette(self) -> None:
        colours = self._palette
        palette = self.lines.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Base, QColor(colours.background))
            palette.setColor(group, QPalette.ColorRole.Text, QColor(colours.foreground))
        self.lines.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Follow the application's theme, as the code editors do."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "lines"):
            follows = colors_for(self).editor
            if follows is not self._palette:
                self.set_palette(follows)

    def show_diff(self, diff: ExampleDiff, context: str) -> None:
        """Show ``diff``; ``context`` says which example and sample it is about."""
        self.diff = diff
        self.verdict.setText(diff.verdict.text)
        show_tone(self.verdict, diff.verdict.tone)
        legend = "" if diff.comparison.identical else "  Lines marked - are the example's, + the output's."
        self.context.setText(context + legend)
        scroll = self.lines.verticalScrollBar().value()
        self.lines.setPlainText("\n".join(_PREFIX[line.kind] + line.text for line in diff.lines))
        self.lines.verticalScrollBar().setValue(scroll)
        self._tint()

    def clear_diff(self) -> None:
        """Show nothing until the next diff (another template's diff must not linger)."""
        self.diff = None
        self.lines.clear()
        self.context.clear()
        self.show_message("Comparing with the example…", Tone.MUTED)

    def show_message(self, text: str, which: Tone) -> None:
        """Say why there is no diff (the template does not render)."""
        self.verdict.setText(text)
        show_tone(self.verdict, which)

    def _tint(self) -> None:
        assert self.diff is not None
        palette = self._palette
        colours = {
            (LineKind.EXAMPLE, False): _blend(palette.background, palette.error, 0.2),
            (LineKind.OUTPUT, False): _blend(palette.background, palette.info, 0.2),
            (LineKind.EXAMPLE, True): _blend(palette.background, palette.warning, 0.14),
            (LineKind.OUTPUT, True): _blend(palette.background, palette.warning, 0.24),
        }
        selections = []
        block = self.lines.document().firstBlock()
        for line in self.diff.lines:
            colour = colours.get((line.kind, line.harmless))
            if colour is not None:
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(colour)
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                cursor = QTextCursor(block)
                cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor
                selections.append(selection)
            block = block.next()
        self.lines.setExtraSelections(selections)

    def marked_lines(self) -> list[tuple[str, str]]:
        """The tinted lines as ``(kind, text)``, ``kind`` ``example``/``output`` (``~`` when harmless)."""
        if self.diff is None:
            return []
        return [
            (line.kind.value + ("~" if line.harmless else ""), line.text)
            for line in self.diff.lines
            if line.kind is not LineKind.SAME
        ]


@dataclass(frozen=True)
class _Attached:
    """The example a template was made from, and the sample it was made on."""

    example: str
    fmt: OutputFormat
    sample_key: str
    sample_label: str


@dataclass(frozen=True)
class _DiffRequest:
    template_id: int
    example: str
    output: str
    fmt: OutputFormat
    payload_name: str


def _diff(request: _DiffRequest) -> tuple[int, ExampleDiff]:
    """The job: compare one output with the example (on a worker thread)."""
    return request.template_id, diff_with_example(
        request.example, request.output, request.fmt, request.payload_name
    )


class ExampleComparison(QObject):
    """Keeps each template's example for this session and diffs every preview of it against it.

    Args:
        view: The Template Mapper, whose preview area shows the diff.
        jobs: The app's job runner (the diff runs off the GUI thread).
        last_render: The preview's render on show.
        current_sample: The sample picker's current key and label.

    Signals:
        compared(object): a diff is on show; carries the ``ExampleDiff``.
    """

    compared = Signal(object)

    def __init__(
        self,
        view: TemplateMapperView,
        jobs: JobRunner,
        *,
        last_render: Callable[[], PreviewRender | None],
        current_sample: Callable[[], tuple[str, str]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._last_render = last_render
        self._current_sample = current_sample
        self._examples: dict[int, _Attached] = {}
        self._shown: int | None = None
        self.diff_view = ExampleDiffView()
        view.add_preview_widget(self.diff_view)
        self._worker = RenderWorker(_diff, jobs, 0, self)
        self._worker.render_finished.connect(self._on_diff_finished)
        self._worker.render_failed.connect(self._on_diff_failed)
        self.diff_view.stop_requested.connect(self.stop)

    def attach(
        self, template_id: int, example: str, fmt: OutputFormat, sample_key: str, sample_label: str
    ) -> None:
        """Compare the previews of ``template_id`` with ``example`` from now on."""
        self._examples[template_id] = _Attached(example, fmt, sample_key, sample_label)

    def compares(self, template_id: int | None) -> bool:
        """True when previews of ``template_id`` are compared with an example."""
        return template_id in self._examples

    def set_palette(self, palette: Palette) -> None:
        """Follow the editors' light or dark palette."""
        self.diff_view.set_palette(palette)

    def on_preview_updated(self) -> None:
        """A render is on show: diff it against its template's example, if it has one."""
        render = self._last_render()
        if render is None or render.request.template.id not in self._examples:
            return
        template_id = render.request.template.id
        assert template_id is not None
        attached = self._examples[template_id]
        body = render.rendering.parts.get("body")
        self._view.use_preview_widget(self.diff_view)
        if self._shown != template_id:
            self._shown = template_id
            self.diff_view.clear_diff()
        if body is None or body.output is None:
            self._worker.cancel()
            self.diff_view.show_message("The template does not render: see Problems.", Tone.ERROR)
            return
        _, label = self._current_sample()
        self._worker.render_now(_DiffRequest(template_id, attached.example, body.output, attached.fmt, label))

    def stop(self) -> None:
        """Forget the example of the template on show and go back to the plain preview."""
        render = self._last_render()
        if render is not None and render.request.template.id is not None:
            self._examples.pop(render.request.template.id, None)
        self._worker.cancel()
        self._view.use_preview_widget(None)

    def _on_diff_finished(self, _sequence: int, result: tuple[int, ExampleDiff]) -> None:
        template_id, diff = result
        attached = self._examples.get(template_id)
        render = self._last_render()
        if attached is None or render is None or render.request.template.id != template_id:
            return
        key, label = self._current_sample()
        if key == attached.sample_key:
            context = f"The example was made from {attached.sample_label}."
        else:
            context = (
                f"The example was made from {attached.sample_label}; the preview is on {label}, "
                "so values of that order differ."
            )
        self.diff_view.show_diff(diff, context)
        self.compared.emit(diff)

    def _on_diff_failed(self, _sequence: int, message: str) -> None:
        self.diff_view.show_message(f"Cannot compare with the example: {message}", Tone.ERROR)
