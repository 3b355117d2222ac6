"""The article's "Option B": create a template without leaving the trigger form."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.check import events_in_name
from postback_studio.core.model import Event, OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.trigger_setup import starter_template
from postback_studio.ui.field_errors import FieldErrors, error_label, validated_save, with_error

_TEMPLATE_CHOICES = (
    ("Webhook, JSON", TemplateKind.WEBHOOK, OutputFormat.JSON),
    ("Webhook, XML", TemplateKind.WEBHOOK, OutputFormat.XML),
    ("Email", TemplateKind.EMAIL, OutputFormat.HTML),
)


class NewTemplateDialog(QDialog):
    """The article's "Option B": create a template without leaving the trigger form.

    The user picks a name, the kind and format, and an example to start from (or a minimal
    template). Create saves it as a draft through ``save``; a refusal (a name already taken) is shown
    under the field and the dialog stays open. After acceptance :attr:`saved` is the new template.
    """

    def __init__(self, examples: Sequence[Template], kind: TemplateKind, fmt: OutputFormat, *,
                 customer_id: int | None, save: Callable[[Template], Template],
                 event: Event | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Template")
        self.setMinimumWidth(460)
        self._examples = list(examples)
        self._customer_id = customer_id
        self._save = save
        self._event = event
        self.saved: Template | None = None
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Acme – Order shipped")
        self.kind_box = QComboBox()
        for caption, k, f in _TEMPLATE_CHOICES:
            self.kind_box.addItem(caption)
            if k is kind and (k is TemplateKind.EMAIL or f is fmt):
                self.kind_box.setCurrentIndex(self.kind_box.count() - 1)
        self.start_box = QComboBox()
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.name_error = self.errors.register("name", "Name")
        form = QFormLayout()
        form.addRow("Name", with_error(self.name_edit, self.name_error))
        form.addRow("Kind", self.kind_box)
        form.addRow("Start from", self.start_box)
        form.addRow(self.general_error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.kind_box.currentIndexChanged.connect(self._on_kind_box_changed)
        self._on_kind_box_changed()

    def template(self) -> Template:
        """The template the dialog describes, as a draft (not yet saved)."""
        _caption, kind, fmt = _TEMPLATE_CHOICES[self.kind_box.currentIndex()]
        example = self.start_box.currentData()
        base = example if isinstance(example, Template) else starter_template(kind, fmt)
        return dataclasses.replace(base, name=self.name_edit.text().strip(), kind=kind, format=fmt,
                                   status=TemplateStatus.DRAFT, customer_id=self._customer_id, id=None)

    @Slot()
    def create(self) -> None:
        """Save the template; accept the dialog only when the workspace took it."""
        self.saved = validated_save(self.template(), self._save, self.errors)
        if self.saved is not None:
            self.accept()

    def _on_kind_box_changed(self) -> None:
        _caption, kind, fmt = _TEMPLATE_CHOICES[self.kind_box.currentIndex()]
        self.start_box.clear()
        self.start_box.addItem("Minimal template", None)
        for example in self._examples:
            if example.kind is kind and (kind is TemplateKind.EMAIL or example.format is fmt):
                self.start_box.addItem(f"Example: {example.name}", example)
        # Start from an example written for the trigger's event when there is one, else the first.
        for index in range(1, self.start_box.count()):
            if self._event in events_in_name(self.start_box.itemData(index).name):
                self.start_box.setCurrentIndex(index)
                return
        if self.start_box.count() > 1:
            self.start_box.setCurrentIndex(1)
