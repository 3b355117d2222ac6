"""Templates > New from Example… as the Templates page runs it: the dialog, then the new template
in the editor against its example.

It exists apart from the dialog (:mod:`.new_from_example`) because this is the page's side of the
command: only one dialog at a time, the unsaved-edits question before it opens, the dialog
following the workspace's changes and the editors' palette while open, and, once a template is
created, showing it in the editor with its preview diffed against the example
(:mod:`.example_diff`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from postback_studio.core.model import Template
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.template_library import PreviewRender
from postback_studio.services.changes import ChangeNotice
from postback_studio.ui.editor.highlighter import Palette
from postback_studio.ui.example_diff import ExampleComparison
from postback_studio.ui.new_from_example import NewFromExampleDialog
from postback_studio.ui.ports import CustomerStore, SampleStore, TemplateLibraryStore
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.workers.jobs import JobRunner


class NewFromExample(QObject):
    """Templates > New from Example…: the dialog, then the new template in the editor against its example.

    Args:
        templates, samples, customers: The services the dialog reads and saves through.
        engine: Renders the scaffold's check.
        jobs: The app's job runner.
        prompter: Asks the user.
        view: The Template Mapper (the diff goes into its preview area).
        last_render: The preview's render on show.
        current_sample: The page's sample: its key and label.
        current_customer: The customer of the template in the editor (the dialog starts with it).
        confirm_discard: Asks about unsaved edits before the editor gets another template.
        show_created: Puts a new template in the editor and previews it on a sample (its key).

    Signals:
        dialog_opened(object): the dialog is on show (carries it).
        template_created(int): the new template (its id) is in the editor.
    """

    dialog_opened = Signal(object)
    template_created = Signal(int)

    def __init__(
        self,
        *,
        templates: TemplateLibraryStore,
        samples: SampleStore,
        customers: CustomerStore,
        engine: RenderEngine,
        jobs: JobRunner,
        prompter: Prompter,
        view: TemplateMapperView,
        last_render: Callable[[], PreviewRender | None],
        current_sample: Callable[[], tuple[str, str]],
        current_customer: Callable[[], int | None],
        confirm_discard: Callable[[], bool],
        show_created: Callable[[Template, str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._templates = templates
        self._samples = samples
        self._customers = customers
        self._engine = engine
        self._jobs = jobs
        self._prompter = prompter
        self._current_sample = current_sample
        self._current_customer = current_customer
        self._confirm_discard = confirm_discard
        self._show_created = show_created
        self._parent = parent
        self._palette: Palette | None = None
        self.dialog: NewFromExampleDialog | None = None
        self.comparison = ExampleComparison(
            view,
            jobs,
            last_render=last_render,
            current_sample=current_sample,
            parent=self,
        )

    def open_dialog(self) -> NewFromExampleDialog | None:
        """Open the dialog (after the unsaved-edits question); None when the user cancelled that."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        if not self._confirm_discard():
            return None
        key, _ = self._current_sample()
        dialog = NewFromExampleDialog(
            engine=self._engine,
            jobs=self._jobs,
            templates=self._templates,
            samples=self._samples,
            customers=self._customers,
            prompter=self._prompter,
            palette=self._palette,
            customer_id=self._current_customer(),
            sample_key=key,
            parent=self._parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_dialog_accepted(dialog))
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)
        return dialog

    def _on_dialog_accepted(self, dialog: NewFromExampleDialog) -> None:
        created = dialog.created
        if created is None or created.template.id is None:
            return
        self.comparison.attach(
            created.template.id, created.example, created.fmt, created.sample_key, created.sample_label
        )
        self._show_created(created.template, created.sample_key)
        self.template_created.emit(created.template.id)

    def _on_dialog_finished(self, _result: int) -> None:
        self.dialog = None

    def on_change(self, notice: ChangeNotice) -> None:
        """Keep an open dialog's samples and customers current."""
        if self.dialog is not None:
            self.dialog.on_change(notice)

    def set_palette(self, palette: Palette) -> None:
        """Follow the editors' light or dark palette (the dialog's editors and the diff)."""
        self._palette = palette
        self.comparison.set_palette(palette)
        if self.dialog is not None:
            self.dialog.set_palette(palette)
