"""The trigger form: when (event), where (URL or email), how (headers, retry, signing), with what template.

The form validates through the injected core validator and shows each message under the field it
concerns; Save is refused while any remains. The Check button asks ``core.reachability`` whether the
destination accepts connections, off the GUI thread. Send Test only asks: the delivery controller
sends and tells the form how the test goes (:meth:`TriggerForm.on_test_status`, retries included);
once delivered, the form offers to activate the trigger (and its template when it is a draft),
warning about template problems first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.check import events_in_name
from postback_studio.core.dispatch.progress import SendTestStatus
from postback_studio.core.dispatch.retry import describe as describe_retry
from postback_studio.core.model import (
    HTTP_METHODS,
    WEBHOOK_FORMATS,
    DeliveryMethod,
    Event,
    Header,
    LookupSet,
    OutputFormat,
    RetryKind,
    RetryPolicy,
    Template,
    TemplateKind,
    TemplateStatus,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.reachability import ReachabilityReport, StepOutcome, check_destination
from postback_studio.core.trigger_setup import (
    format_recipients,
    generate_signing_secret,
    parse_recipients,
    starter_template,
    templates_for_trigger,
)
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.field_errors import (
    FieldErrors,
    error_label,
    stacked,
    tone,
    validated_save,
    with_error,
)
from postback_studio.ui.ports import TemplateStore, TriggerStore
from postback_studio.workers.jobs import JobError, JobRunner

#: Problems of a template against every sample of an event, given the lookups the customer sees
#: (``functools.partial(core.activation.sample_problems, engine)``); called off the GUI thread.
TemplateChecker = Callable[[Template, Event, LookupSet], list[str]]
#: What ``lookups()`` sees for a customer (``ws.lookups.lookup_set_for``); called on the GUI thread.
LookupSetFor = Callable[[int | None], LookupSet]
#: ``core.reachability.check_destination``'s shape, injectable for tests.
Reachability = Callable[[str, float], ReachabilityReport]

E = TypeVar("E", bound=StrEnum)

_RETRY_CHOICES = (
    (RetryKind.NONE, "No retry"),
    (RetryKind.GELATO, "Gelato convention: 3 tries, 5 s apart"),
    (RetryKind.EXPONENTIAL, "Exponential backoff (Postback Studio extension)"),
)
_TWO_COLUMNS_MIN_WIDTH = 1000
_STEP_MARKS = {StepOutcome.PASSED: "✔", StepOutcome.FAILED: "✘", StepOutcome.SKIPPED: "–"}
_TEMPLATE_CHOICES = (
    ("Webhook, JSON", TemplateKind.WEBHOOK, OutputFormat.JSON),
    ("Webhook, XML", TemplateKind.WEBHOOK, OutputFormat.XML),
    ("Email", TemplateKind.EMAIL, OutputFormat.HTML),
)


class HeadersTable(QTableWidget):
    """Header name, value and a "secret" box per row; secret values are masked until revealed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Name", "Value", "Secret"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setColumnWidth(0, 180)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setMinimumHeight(110)
        self.setMaximumHeight(170)
        self._revealed = False

    def add_header(self, header: Header | None = None) -> int:
        """Append a row (empty, or showing ``header``) and return its index."""
        row = self.rowCount()
        self.insertRow(row)
        name, value, secret = QLineEdit(), QLineEdit(), QCheckBox()
        name.setFrame(False)
        value.setFrame(False)
        name.setPlaceholderText("X-Api-Key")
        if header is not None:
            name.setText(header.name)
            value.setText(header.value)
            secret.setChecked(header.secret)
        secret.setToolTip("Secret values are masked, kept out of exports and redacted in the log")
        secret.toggled.connect(lambda _=False: self._apply_masks())
        holder = QWidget()
        box = QHBoxLayout(holder)
        box.setContentsMargins(8, 0, 8, 0)
        box.addWidget(secret)
        self.setCellWidget(row, 0, name)
        self.setCellWidget(row, 1, value)
        self.setCellWidget(row, 2, holder)
        self._apply_masks()
        return row

    def remove_selected(self) -> None:
        """Remove the selected rows (or the last one when nothing is selected)."""
        rows = sorted({index.row() for index in self.selectedIndexes()}, reverse=True)
        for row in rows or ([self.rowCount() - 1] if self.rowCount() else []):
            self.removeRow(row)

    def set_revealed(self, revealed: bool) -> None:
        """Show or mask the values of secret rows."""
        self._revealed = revealed
        self._apply_masks()

    def set_headers(self, headers: Sequence[Header]) -> None:
        """Replace all rows."""
        self.setRowCount(0)
        for header in headers:
            self.add_header(header)

    def value_edit(self, row: int) -> QLineEdit:
        """The value editor of ``row``."""
        widget = self.cellWidget(row, 1)
        assert isinstance(widget, QLineEdit)
        return widget

    def secret_box(self, row: int) -> QCheckBox:
        """The "secret" checkbox of ``row``."""
        holder = self.cellWidget(row, 2)
        box = holder.findChild(QCheckBox)
        assert box is not None
        return box

    def headers(self) -> tuple[Header, ...]:
        """The rows as headers; rows with neither name nor value are ignored."""
        result = []
        for row in range(self.rowCount()):
            name = self.cellWidget(row, 0)
            assert isinstance(name, QLineEdit)
            value = self.value_edit(row).text()
            if name.text().strip() or value:
                result.append(Header(name.text().strip(), value, self.secret_box(row).isChecked()))
        return tuple(result)

    def _apply_masks(self) -> None:
        for row in range(self.rowCount()):
            masked = self.secret_box(row).isChecked() and not self._revealed
            self.value_edit(row).setEchoMode(QLineEdit.EchoMode.Password if masked
                                             else QLineEdit.EchoMode.Normal)


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


class TriggerForm(QWidget):
    """Edits one trigger of one customer.

    Signals:
        trigger_saved(int): the trigger was saved (its id).
        send_test_requested(int): the user asked for a test send of the saved trigger (its id);
            answer with :meth:`on_test_status` as the test goes on.
        cancel_test_requested(int): the user wants the waiting retries of the test cancelled.
        template_created(int): a template was created from inside the form (its id), for the
            Template Mapper to open.
        check_finished(object): a reachability check ended (a ``ReachabilityReport``).
        activation_offered(list): after a successful test, activation is offered; the template's
            problems against the event's samples (empty when none).
        trigger_activated(int): the trigger (and its draft template) was activated.
    """

    trigger_saved = Signal(int)
    send_test_requested = Signal(int)
    cancel_test_requested = Signal(int)
    template_created = Signal(int)
    check_finished = Signal(object)
    activation_offered = Signal(list)
    trigger_activated = Signal(int)

    def __init__(
        self,
        triggers: TriggerStore,
        templates: TemplateStore,
        *,
        jobs: JobRunner,
        check_template: TemplateChecker,
        lookup_set_for: LookupSetFor | None = None,
        examples: Sequence[Template] = (),
        reachability: Reachability = check_destination,
        check_timeout: float = 5.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._triggers = triggers
        self._templates = templates
        self._check_template = check_template
        self._lookup_set_for = lookup_set_for or _no_lookups
        self._examples = list(examples)
        self._reachability = reachability
        self._check_timeout = check_timeout
        self._trigger = Trigger("", customer_id=0, event=Event.SHIPPED)
        self._jobs = jobs
        self._testing: int | None = None  # the trigger whose Send Test this form follows
        # Only the latest check of each kind counts: an answer to an older one is stale and dropped.
        self._check_sequence = self._template_sequence = 0
        self._build()
        self.new_trigger(0)

    # ----- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16px; font-weight: 600;")

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Shipped to Acme ERP")
        self.event_box = QComboBox()
        for event in Event:
            self.event_box.addItem(event.label, event)
        self.status_box = QComboBox()
        for status in TriggerStatus:
            self.status_box.addItem(status.value.capitalize(), status)
        self.method_box = QComboBox()
        self.method_box.addItem("Webhook (URL)", DeliveryMethod.URL)
        self.method_box.addItem("Email", DeliveryMethod.EMAIL)
        self.template_box = QComboBox()
        self.template_box.setMinimumContentsLength(24)
        self.new_template_button = QPushButton("New Template…")
        template_row = _row(self.template_box, self.new_template_button, stretch_first=True)

        general = QGroupBox("Trigger")
        general_form = _form(general)
        general_form.addRow("Name", with_error(self.name_edit, self.errors.register("name", "Name")))
        general_form.addRow("Event", self.event_box)
        general_form.addRow("Delivery method", self.method_box)
        general_form.addRow("Template", with_error(template_row,
                                                   self.errors.register("template_id", "Template")))
        general_form.addRow("Status", with_error(self.status_box, self.errors.register("status", "Status")))

        # Webhook delivery
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://erp.example.com/postbacks")
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Resolve the name, connect and verify the TLS certificate; "
                                     "nothing is sent")
        self.check_result = QLabel()
        self.check_result.setWordWrap(True)
        self.check_result.setTextFormat(Qt.TextFormat.PlainText)
        self.check_result.hide()
        url_cell = stacked(_row(self.url_edit, self.check_button, stretch_first=True),
                           self.errors.register("url", "URL"), self.check_result)
        self.http_method_box = QComboBox()
        self.http_method_box.addItems(HTTP_METHODS)
        self.format_box = QComboBox()
        for fmt in WEBHOOK_FORMATS:
            self.format_box.addItem(fmt.value.upper(), fmt)
        self.headers_table = HeadersTable()
        self.add_header_button = QPushButton("Add Header")
        self.remove_header_button = QPushButton("Remove")
        self.reveal_box = QCheckBox("Reveal secrets")
        headers_cell = stacked(self.headers_table,
                               _row(self.add_header_button, self.remove_header_button, None, self.reveal_box),
                               self.errors.register("headers", "Header"))
        self.signing_box = QCheckBox("Sign requests (Standard Webhooks)")
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("whsec_…")
        self.reveal_secret_box = QCheckBox("Reveal")
        self.generate_button = QPushButton("Generate")
        signing_cell = stacked(self.signing_box,
                               _row(self.secret_edit, self.reveal_secret_box, self.generate_button,
                                    stretch_first=True),
                               self.errors.register("signing", "Signing"),
                               self.errors.register("signing_secret", "Secret"))

        self.webhook_group = QGroupBox("Webhook")
        webhook_form = _form(self.webhook_group)
        webhook_form.addRow("Destination URL", url_cell)
        webhook_form.addRow("HTTP method", with_error(self.http_method_box,
                                                      self.errors.register("http_method", "Method")))
        webhook_form.addRow("Format", with_error(self.format_box, self.errors.register("format", "Format")))
        webhook_form.addRow("Headers", headers_cell)
        webhook_form.addRow("Signing", signing_cell)

        # Email delivery
        self.recipients_edit = QPlainTextEdit()
        self.recipients_edit.setPlaceholderText("ops@customer.example, orders@customer.example")
        self.recipients_edit.setFixedHeight(80)
        self.email_group = QGroupBox("Email")
        email_form = _form(self.email_group)
        email_form.addRow("Recipients", with_error(
            self.recipients_edit, self.errors.register("recipients", "Recipients", "Recipient")))
        hint = QLabel("Separate addresses with commas or new lines. The subject comes from the template; "
                      "the sender from Settings › SMTP.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        email_form.addRow("", hint)

        # Retry
        self.retry_box = QComboBox()
        for kind, caption in _RETRY_CHOICES:
            self.retry_box.addItem(caption, kind)
        self.first_delay_spin = _seconds_spin(0, 3600)
        self.factor_spin = QDoubleSpinBox()
        self.factor_spin.setRange(1.0, 10.0)
        self.factor_spin.setSingleStep(0.5)
        self.max_delay_spin = _seconds_spin(0, 86_400)
        self.max_attempts_spin = QSpinBox()
        self.max_attempts_spin.setRange(1, 20)
        self.timeline_label = QLabel()
        self.timeline_label.setWordWrap(True)
        self.timeline_label.setStyleSheet("font-weight: 600;")
        self.retry_group = QGroupBox("Retry on Failure")
        retry_form = _form(self.retry_group)
        retry_form.addRow("Policy", self.retry_box)
        self._exponential_rows = [
            ("First delay", self.first_delay_spin),
            ("Factor", self.factor_spin),
            ("Max delay", self.max_delay_spin),
            ("Max attempts", with_error(self.max_attempts_spin,
                                        self.errors.register("retry", "Retry"))),
        ]
        for caption, widget in self._exponential_rows:
            retry_form.addRow(caption, widget)
        retry_form.addRow("Timeline", self.timeline_label)
        self._retry_form = retry_form
        _align_labels((general_form, webhook_form, email_form, retry_form), 118)

        # Test and activate
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.send_test_button = QPushButton("Send Test")
        self.cancel_test_button = QPushButton("Cancel Retries")
        self.cancel_test_button.setToolTip("Do not make the retries of this test that still wait")
        self.cancel_test_button.hide()
        self.test_status = QLabel()
        self.test_status.setWordWrap(True)
        self.activation_frame = QFrame()
        self.activation_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.activation_text = QLabel()
        self.activation_text.setWordWrap(True)
        self.activate_button = QPushButton("Activate")
        activation_layout = QVBoxLayout(self.activation_frame)
        activation_layout.addWidget(self.activation_text)
        activation_layout.addWidget(_row(None, self.activate_button))
        self.activation_frame.hide()

        left = QVBoxLayout()
        left.addWidget(general)
        left.addWidget(self.webhook_group)
        left.addWidget(self.email_group)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.retry_group)
        right.addWidget(self.activation_frame)
        right.addStretch(1)
        self._columns = columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.addWidget(self.title)
        content_layout.addLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)

        buttons = _row(self.general_error, self.test_status, None, self.cancel_test_button,
                       self.send_test_button, self.save_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        buttons.layout().setContentsMargins(12, 6, 12, 10)
        outer.addWidget(buttons)

        self.method_box.currentIndexChanged.connect(self._on_method_box_changed)
        self.format_box.currentIndexChanged.connect(self.refresh_templates)
        self.retry_box.currentIndexChanged.connect(self._on_retry_changed)
        for spin in (self.first_delay_spin, self.factor_spin, self.max_delay_spin, self.max_attempts_spin):
            spin.valueChanged.connect(self._on_retry_changed)
        self.add_header_button.clicked.connect(self._on_add_header_clicked)
        self.remove_header_button.clicked.connect(self.headers_table.remove_selected)
        self.reveal_box.toggled.connect(self.headers_table.set_revealed)
        self.reveal_secret_box.toggled.connect(self._on_reveal_secret_toggled)
        self.generate_button.clicked.connect(self._on_generate_clicked)
        self.signing_box.toggled.connect(self._on_signing_toggled)
        self.check_button.clicked.connect(self.check_destination)
        self.new_template_button.clicked.connect(self._on_new_template_clicked)
        self.save_button.clicked.connect(self.save)
        self.send_test_button.clicked.connect(self._on_send_test_clicked)
        self.cancel_test_button.clicked.connect(self._on_cancel_test_clicked)
        self.activate_button.clicked.connect(self.activate)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Two columns when there is room, one when the form shares the page with a list."""
        super().resizeEvent(event)
        narrow = event.size().width() < _TWO_COLUMNS_MIN_WIDTH
        self._columns.setDirection(QBoxLayout.Direction.TopToBottom if narrow
                                   else QBoxLayout.Direction.LeftToRight)

    # ----- loading and reading ----------------------------------------------------------------
    def new_trigger(self, customer_id: int, event: Event = Event.SHIPPED) -> None:
        """Start a fresh trigger for ``customer_id`` with the usual defaults (POST, JSON, Gelato retry)."""
        self.load(Trigger("", customer_id=customer_id, event=event))

    def load(self, trigger: Trigger) -> None:
        """Show ``trigger`` for editing."""
        self._trigger = trigger
        self.title.setText(f"Trigger: {trigger.name}" if trigger.id is not None else "New Trigger")
        self.name_edit.setText(trigger.name)
        _select(self.event_box, trigger.event)
        _select(self.status_box, trigger.status)
        _select(self.method_box, trigger.method)
        self.url_edit.setText(trigger.url)
        self.http_method_box.setCurrentText(trigger.http_method)
        _select(self.format_box, trigger.format if trigger.format in WEBHOOK_FORMATS else OutputFormat.JSON)
        self.headers_table.set_headers(trigger.headers)
        self.reveal_box.setChecked(False)
        self._load_retry(trigger.retry)
        self.signing_box.setChecked(trigger.signing)
        self.secret_edit.setText(trigger.signing_secret)
        self.reveal_secret_box.setChecked(False)
        self.recipients_edit.setPlainText(format_recipients(trigger.recipients))
        self.refresh_templates()
        if trigger.template_id is not None:
            _select(self.template_box, trigger.template_id)
        self.errors.clear()
        self.check_result.hide()
        self.test_status.clear()
        self.activation_frame.hide()
        self._on_method_box_changed()
        self._on_signing_toggled(trigger.signing)
        self._loaded = self.current_trigger()

    def has_unsaved_changes(self) -> bool:
        """True when the fields differ from what was loaded or last saved."""
        loaded = getattr(self, "_loaded", None)
        return loaded is not None and self.current_trigger() != loaded

    def confirm_discard(self) -> bool:
        """Before the form shows another trigger or the app closes: Save, Discard or Cancel.

        Returns True when it is fine to go on (nothing unsaved, saved, or discarded).
        """
        if not self.isVisible() or not self.has_unsaved_changes():
            return True
        name = self.current_trigger().name or "the new trigger"
        answer = QMessageBox.question(
            self, "Unsaved trigger", f"Save the changes to '{name}'?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save() is not None
        if answer == QMessageBox.StandardButton.Discard:
            self._loaded = self.current_trigger()
            return True
        return False

    def current_trigger(self) -> Trigger:
        """The trigger as the fields describe it now (not validated, not saved)."""
        method = _enum(self.method_box, DeliveryMethod)
        is_url = method is DeliveryMethod.URL
        return dataclasses.replace(
            self._trigger,
            name=self.name_edit.text().strip(),
            event=_enum(self.event_box, Event),
            method=method,
            url=self.url_edit.text().strip() if is_url else "",
            http_method=self.http_method_box.currentText(),
            format=_enum(self.format_box, OutputFormat) if is_url else OutputFormat.HTML,
            headers=self.headers_table.headers() if is_url else (),
            retry=self._current_retry(),
            signing=is_url and self.signing_box.isChecked(),
            signing_secret=self.secret_edit.text().strip() if is_url and self.signing_box.isChecked() else "",
            recipients=() if is_url else parse_recipients(self.recipients_edit.toPlainText()),
            template_id=self.template_box.currentData(),
            status=_enum(self.status_box, TriggerStatus),
        )

    def _current_retry(self) -> RetryPolicy:
        kind = _enum(self.retry_box, RetryKind)
        if kind is RetryKind.NONE:
            return RetryPolicy.none()
        if kind is RetryKind.GELATO:
            return RetryPolicy.gelato()
        return RetryPolicy(kind=RetryKind.EXPONENTIAL, max_attempts=self.max_attempts_spin.value(),
                           first_delay=self.first_delay_spin.value(), factor=self.factor_spin.value(),
                           max_delay=self.max_delay_spin.value(), jitter=self._exponential_jitter)

    def _load_retry(self, policy: RetryPolicy) -> None:
        exponential = policy if policy.kind is RetryKind.EXPONENTIAL else RetryPolicy(
            kind=RetryKind.EXPONENTIAL, max_attempts=5, first_delay=5.0, factor=2.0, max_delay=300.0)
        self._exponential_jitter = exponential.jitter
        for spin in (self.first_delay_spin, self.factor_spin, self.max_delay_spin, self.max_attempts_spin):
            spin.blockSignals(True)
        self.first_delay_spin.setValue(exponential.first_delay)
        self.factor_spin.setValue(exponential.factor)
        self.max_delay_spin.setValue(exponential.max_delay)
        self.max_attempts_spin.setValue(exponential.max_attempts)
        for spin in (self.first_delay_spin, self.factor_spin, self.max_delay_spin, self.max_attempts_spin):
            spin.blockSignals(False)
        _select(self.retry_box, policy.kind)
        self._on_retry_changed()

    def _template_for(self, trigger: Trigger) -> Template | None:
        if trigger.template_id is None:
            return None
        try:
            return self._templates.get(trigger.template_id)
        except KeyError:  # deleted since the form was filled
            return None

    # ----- saving -------------------------------------------------------------------------------
    @Slot()
    def save(self) -> Trigger | None:
        """Validate and save; on problems show them next to their fields and save nothing."""
        trigger = self.current_trigger()
        saved = validated_save(trigger, self._triggers.save, self.errors)
        if saved is None:
            return None
        self._trigger = saved
        self._loaded = self.current_trigger()
        self.title.setText(f"Trigger: {saved.name}")
        assert saved.id is not None
        self.trigger_saved.emit(saved.id)
        return saved

    # ----- Check --------------------------------------------------------------------------------
    @Slot()
    def check_destination(self) -> None:
        """Check the destination URL off the GUI thread; the result shows under the URL."""
        url = self.url_edit.text().strip()
        self.check_button.setEnabled(False)
        self.check_result.setStyleSheet("")
        self.check_result.setText(f"Checking {url} …")
        self.check_result.show()
        reachability, timeout = self._reachability, self._check_timeout
        self._check_sequence += 1
        sequence = self._check_sequence

        def done(report: ReachabilityReport) -> None:
            if sequence == self._check_sequence:
                self._show_report(report)

        def failed(error: JobError) -> None:
            if sequence == self._check_sequence:
                self.check_button.setEnabled(True)
                self.check_result.setText(f"The check itself failed: {error.message}")
                self.check_result.setStyleSheet(tone(self.check_result, "error"))

        self._jobs.submit(f"Checking {url}", lambda _report, _cancelled: reachability(url, timeout),
                          on_done=done, on_error=failed)

    def _show_report(self, report: ReachabilityReport) -> None:
        self.check_button.setEnabled(True)
        # The steps carry the detail; the headline only gives the verdict, so nothing is said twice.
        headline = report.summary if report.reachable else "Not reachable:"
        lines = [headline] + [f"{_STEP_MARKS[s.outcome]} {s.name}: {s.message}" for s in report.steps]
        self.check_result.setText("\n".join(lines))
        self.check_result.setStyleSheet(tone(self.check_result, "ok" if report.reachable else "error"))
        self.check_finished.emit(report)

    # ----- Send Test and activation -----------------------------------------------------------
    def _on_send_test_clicked(self) -> None:
        saved = self.save()
        if saved is None or saved.id is None:
            return
        self.activation_frame.hide()
        self.test_status.setStyleSheet("")
        self.test_status.setText("Sending test…")
        self.send_test_button.setEnabled(False)
        self._testing = saved.id
        self.send_test_requested.emit(saved.id)

    def _on_cancel_test_clicked(self) -> None:
        if self._testing is not None:
            self.cancel_test_button.setEnabled(False)
            self.cancel_test_requested.emit(self._testing)

    @Slot(object)
    def on_test_status(self, status: SendTestStatus) -> None:
        """Show where the test this form asked for stands; once delivered, check and offer activation.

        While retries wait the test is not over: the form says when the next attempt comes and
        offers to cancel it. A status for another form's test is ignored.
        """
        if status.trigger_id != self._testing:
            return
        self.test_status.setText(f"Test {status.text}")
        self.cancel_test_button.setVisible(status.cancellable)
        self.cancel_test_button.setEnabled(status.cancellable)
        if not status.finished:
            self.test_status.setStyleSheet("")
            return
        self._testing = None
        self.send_test_button.setEnabled(True)
        if not status.delivered:
            self.test_status.setStyleSheet(tone(self.test_status, "error"))
            self.test_status.setToolTip("The Requests page shows every attempt with its response or error.")
            return
        self.test_status.setStyleSheet(tone(self.test_status, "ok"))
        trigger = self._trigger
        template = self._template_for(trigger)
        if template is None:
            self._offer_activation([])
            return
        # The workspace belongs to the GUI thread: read what the check needs here, render over there.
        lookups = self._lookup_set_for(trigger.customer_id)
        checker, event = self._check_template, trigger.event
        self._template_sequence += 1
        sequence = self._template_sequence

        def done(problems: list[str]) -> None:
            if sequence == self._template_sequence:
                self._offer_activation([str(p) for p in problems])

        def failed(error: JobError) -> None:
            if sequence == self._template_sequence:
                self._offer_activation([f"The samples could not be checked: {error.message}"])

        self._jobs.submit(f"Checking '{template.name}' against the samples",
                          lambda _report, _cancelled: checker(template, event, lookups),
                          on_done=done, on_error=failed)

    def _offer_activation(self, problems: list[str]) -> None:
        trigger = self._trigger
        template = self._template_for(trigger)
        what = "this trigger"
        if template is not None and template.status is TemplateStatus.DRAFT:
            what += f" and its draft template '{template.name}'"
        if trigger.status is TriggerStatus.ACTIVE and (template is None
                                                       or template.status is TemplateStatus.ACTIVE):
            self.activation_frame.hide()
            self.activation_offered.emit(problems)
            return
        text = f"Activate {what}? Only active triggers fire on real events."
        if problems:
            shown = "\n".join(f"• {p}" for p in problems[:5])
            more = f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
            text = (f"⚠ The template has problems with samples of {trigger.event.label}:\n{shown}{more}\n\n"
                    + text)
            self.activate_button.setText("Activate Anyway")
        else:
            self.activate_button.setText("Activate")
        self.activation_text.setText(text)
        self.activation_frame.show()
        self.activation_offered.emit(problems)

    @Slot()
    def activate(self) -> None:
        """Make the trigger active, and its template too when it is still a draft, in one save.

        If the workspace refuses either, nothing changes and the reason shows under the field.
        """
        _select(self.status_box, TriggerStatus.ACTIVE)
        saved = validated_save(self.current_trigger(), self._triggers.activate, self.errors)
        if saved is None or saved.id is None:
            return
        self._trigger = saved
        self._loaded = self.current_trigger()
        self.title.setText(f"Trigger: {saved.name}")
        self.activation_frame.hide()
        self.refresh_templates()
        self.test_status.setText("Active.")
        self.trigger_saved.emit(saved.id)
        self.trigger_activated.emit(saved.id)

    # ----- reactions ---------------------------------------------------------------------------
    def _on_method_box_changed(self) -> None:
        is_url = _enum(self.method_box, DeliveryMethod) is DeliveryMethod.URL
        self.webhook_group.setVisible(is_url)
        self.email_group.setVisible(not is_url)
        self.refresh_templates()

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Templates created, renamed, activated or deleted anywhere show in the template choices."""
        if notice.concerns(Entity.TEMPLATE):
            self.refresh_templates()

    @Slot()
    def refresh_templates(self) -> None:
        """Reload the template choices (call when templates were created, renamed or activated)."""
        current = self.template_box.currentData()
        if current is None:
            current = self._trigger.template_id
        method = _enum(self.method_box, DeliveryMethod)
        fmt = _enum(self.format_box, OutputFormat)
        usable = templates_for_trigger(self._templates.list(), method, fmt, self._trigger.customer_id)
        self.template_box.blockSignals(True)
        self.template_box.clear()
        self.template_box.addItem("— choose a template —", None)
        for template in usable:
            status = " (draft)" if template.status is TemplateStatus.DRAFT else ""
            self.template_box.addItem(f"{template.name}{status}", template.id)
        _select(self.template_box, current)
        self.template_box.blockSignals(False)

    def _on_retry_changed(self) -> None:
        kind = _enum(self.retry_box, RetryKind)
        for _caption, widget in self._exponential_rows:
            self._retry_form.setRowVisible(widget, kind is RetryKind.EXPONENTIAL)
        self.timeline_label.setText(describe_retry(self._current_retry()))

    def _on_add_header_clicked(self) -> None:
        self.headers_table.add_header()

    def _on_reveal_secret_toggled(self, revealed: bool) -> None:
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password)

    def _on_generate_clicked(self) -> None:
        self.secret_edit.setText(generate_signing_secret())
        self.signing_box.setChecked(True)

    def _on_signing_toggled(self, on: bool) -> None:
        for widget in (self.secret_edit, self.reveal_secret_box, self.generate_button):
            widget.setEnabled(on)

    def _on_new_template_clicked(self) -> None:
        is_email = _enum(self.method_box, DeliveryMethod) is DeliveryMethod.EMAIL
        dialog = NewTemplateDialog(self._examples, TemplateKind.EMAIL if is_email else TemplateKind.WEBHOOK,
                                   _enum(self.format_box, OutputFormat),
                                   customer_id=self._trigger.customer_id or None,
                                   save=self._templates.save, event=_enum(self.event_box, Event), parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self._use_new_template(dialog.saved)

    def create_template(self, template: Template) -> Template:
        """Save ``template`` (raises ``ValidationError``), select it and announce it, as New Template does."""
        saved = self._templates.save(template)
        self._use_new_template(saved)
        return saved

    def _use_new_template(self, saved: Template) -> None:
        assert saved.id is not None
        if saved.kind is TemplateKind.WEBHOOK:
            _select(self.method_box, DeliveryMethod.URL)
            _select(self.format_box, saved.format)
        else:
            _select(self.method_box, DeliveryMethod.EMAIL)
        self.refresh_templates()
        _select(self.template_box, saved.id)
        self.template_created.emit(saved.id)


def _form(group: QGroupBox) -> QFormLayout:
    form = QFormLayout(group)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _align_labels(forms: Sequence[QFormLayout], width: int) -> None:
    """Give every form the same label column, so fields line up from one group to the next."""
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and item.widget() is not None:
                item.widget().setMinimumWidth(width)


def _row(*widgets: QWidget | None, stretch_first: bool = False) -> QWidget:
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


def _seconds_spin(low: float, high: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(1)
    spin.setSuffix(" s")
    return spin


def _no_lookups(_customer_id: int | None) -> LookupSet:
    return {}


def _enum(box: QComboBox, kind: type[E]) -> E:
    """The current item's data as ``kind`` (Qt hands StrEnum data back as plain str)."""
    return kind(box.currentData())


def _select(box: QComboBox, data: object) -> None:
    index = box.findData(data)
    if index >= 0:
        box.setCurrentIndex(index)


