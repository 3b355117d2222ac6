"""The trigger form: when (event), where (URL or email), how (headers, retry, signing), with what template.

The form validates through the injected core validator and shows each message under the field it
concerns; Save is refused while any remains. The Webhook group (:mod:`.webhook_fields`) warns about
a URL with user info or a link-local/metadata address as it is typed. A save that moves stored
secrets to another destination (the URL's scheme, host or port changed) first asks, through an injected
:data:`~postback_studio.ui.secret_prompts.AskSecrets`, whether to keep them for the new destination
or clear them. The Check button asks ``core.reachability`` whether the
destination accepts connections, off the GUI thread. Send Test only asks: the delivery controller
sends and tells the form's Send Test line how the test goes (:mod:`.send_test_line`, retries
included); once delivered, the form offers to activate the trigger (and its template when it is a draft),
warning about template problems first (:mod:`.activation_offer`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDialog,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.model import (
    DeliveryMethod,
    Event,
    LookupSet,
    OutputFormat,
    Template,
    TemplateKind,
    TemplateStatus,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.reachability import check_destination
from postback_studio.core.trigger_setup import format_recipients, parse_recipients, templates_for_trigger
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.activation_offer import ActivationOffer, LookupSetFor, TemplateChecker
from postback_studio.ui.destination_check import DestinationCheck, Reachability
from postback_studio.ui.field_errors import (
    FieldErrors,
    error_label,
    stacked,
    validated_save,
    with_error,
)
from postback_studio.ui.form_layout import (
    VerticalScrollArea,
    align_labels,
    combo_value,
    group_form,
    row,
    select_data,
)
from postback_studio.ui.new_template_dialog import NewTemplateDialog
from postback_studio.ui.ports import CustomerStore, TemplateStore, TriggerStore
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.retry_editor import RetryPolicyEditor
from postback_studio.ui.save_feedback import SavedNote
from postback_studio.ui.secret_prompts import AskSecrets, ask_keep_or_clear, keep_secrets
from postback_studio.ui.send_test_line import SendTestLine
from postback_studio.ui.tones import hint as muted_hint
from postback_studio.ui.tones import page_title
from postback_studio.ui.trigger_prompts import DialogTriggerPrompts, StaleChoice, TriggerPrompts
from postback_studio.ui.unsaved import AskUnsaved, UnsavedChanges
from postback_studio.ui.webhook_fields import WebhookFields
from postback_studio.workers.jobs import JobRunner

_TWO_COLUMNS_MIN_WIDTH = 1000


#: The form's title while it holds no trigger (nothing picked, no customer chosen for a new one).
NO_TRIGGER_TITLE = "No trigger open"

class TriggerForm(QWidget):
    """Edits one trigger of one customer.

    Signals:
        trigger_saved(int): the trigger was saved (its id).
        send_test_requested(int): the user asked for a test send of the saved trigger (its id);
            answer with ``send_test.on_status`` as the test goes on.
        cancel_test_requested(int): the user wants the waiting retries of the test cancelled.
        template_created(int): a template was created from inside the form (its id), for the
            Template Mapper to open.
        check_finished(object): a reachability check ended (a ``ReachabilityReport``).
        activation_offered(list): after a successful test, activation is offered; the template's
            problems against the event's samples (empty when none).
        trigger_activated(int): the trigger (and its draft template) was activated.
        status_message(str): a short notice for the status bar (a save went through).
        trigger_closed(str): the trigger, or its customer, was deleted elsewhere; the form was
            cleared (the message says what happened).
    """

    trigger_saved = Signal(int)
    send_test_requested = Signal(int)
    cancel_test_requested = Signal(int)
    template_created = Signal(int)
    check_finished = Signal(object)
    activation_offered = Signal(list)
    trigger_activated = Signal(int)
    status_message = Signal(str)
    trigger_closed = Signal(str)

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
        ask_unsaved: AskUnsaved | None = None,
        ask_secrets: AskSecrets | None = None,
        customers: CustomerStore | None = None,
        prompts: TriggerPrompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.unsaved = UnsavedChanges(
            self.current_trigger,
            ask=ask_unsaved or Prompter(self).unsaved_changes,
            name=self._unsaved_name,
            save=lambda: self.save() is not None,
            revert=lambda: self.load(self._stored_trigger()),
            parent=self,
        )
        self._triggers = triggers
        self._customers = customers
        self._prompts = prompts or DialogTriggerPrompts(self)
        # The trigger as stored when the form last read it (None: a new one): a change of the
        # stored one since then was made elsewhere, and is reloaded or asked about, never overwritten.
        self._stored: Trigger | None = None
        self._ask_secrets = ask_secrets or ask_keep_or_clear(self)
        self._templates = templates
        self._check_template = check_template
        self._lookup_set_for = lookup_set_for or _no_lookups
        self._examples = list(examples)
        self._reachability = reachability
        self._check_timeout = check_timeout
        self._trigger = Trigger("", customer_id=0, event=Event.SHIPPED)
        self._jobs = jobs
        self._cleared = ""  # what the last save cleared, said until the next save
        self._build()
        self.new_trigger(0)

    # ----- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.title = page_title()

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
        template_row = row(self.template_box, self.new_template_button, stretch_first=True)

        general = QGroupBox("Trigger")
        general_form = group_form(general)
        general_form.addRow("Name", with_error(self.name_edit, self.errors.register("name", "Name")))
        general_form.addRow("Event", self.event_box)
        general_form.addRow("Delivery method", self.method_box)
        general_form.addRow("Template", with_error(template_row,
                                                   self.errors.register("template_id", "Template")))
        general_form.addRow("Status", with_error(self.status_box, self.errors.register("status", "Status")))

        # Webhook delivery
        self.destination_check = DestinationCheck(self._jobs, self._reachability, self._check_timeout, self)
        self.webhook_group = webhook = WebhookFields(self.errors, self.destination_check)
        # Its fields under their old names, for callers and tests.
        self.url_edit, self.url_warning = webhook.url_edit, webhook.url_warning
        self.check_button, self.check_result = webhook.check_button, webhook.check_result
        self.http_method_box, self.format_box = webhook.http_method_box, webhook.format_box
        self.headers_table, self.reveal_box = webhook.headers_table, webhook.reveal_box
        self.signing_box, self.secret_edit = webhook.signing_box, webhook.secret_edit
        self.reveal_secret_box, self.generate_button = webhook.reveal_secret_box, webhook.generate_button
        webhook_form = webhook.form

        # Email delivery
        self.recipients_edit = QPlainTextEdit()
        self.recipients_edit.setPlaceholderText("ops@customer.example, orders@customer.example")
        self.recipients_edit.setFixedHeight(80)
        self.email_group = QGroupBox("Email")
        email_form = group_form(self.email_group)
        email_form.addRow("Recipients", with_error(
            self.recipients_edit, self.errors.register("recipients", "Recipients", "Recipient")))
        hint = muted_hint("Separate addresses with commas or new lines. The subject comes from the "
                          "template; the sender from Settings › SMTP.")
        email_form.addRow("", hint)

        # Retry
        self.retry_group = RetryPolicyEditor(self.errors.register("retry", "Retry"))
        editor = self.retry_group  # its fields under their old names, for callers and tests
        self.retry_box, self.timeline_label = editor.retry_box, editor.timeline_label
        self.first_delay_spin, self.factor_spin = editor.first_delay_spin, editor.factor_spin
        self.max_delay_spin, self.max_attempts_spin = editor.max_delay_spin, editor.max_attempts_spin
        retry_form = self.retry_group.form
        align_labels((general_form, webhook_form, email_form, retry_form), 118)

        # Test and activate
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.send_test = SendTestLine(self)
        self.activation_frame = ActivationOffer(
            self._jobs, self._check_template, self._lookup_set_for,
            lambda: (self._trigger, self._template_for(self._trigger)),
        )
        self.activation_text = self.activation_frame.text
        self.activate_button = self.activation_frame.activate_button

        left = QVBoxLayout()
        left.addWidget(general)
        left.addWidget(self.webhook_group)
        left.addWidget(self.email_group)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.retry_group)
        right.addStretch(1)
        self._columns = columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.addWidget(self.title)
        content_layout.addLayout(columns)
        self.scroll = VerticalScrollArea(content)

        # The test's outcome and the offer to activate stay in view under the form, however long
        # the form is: they answer the button the user just pressed.
        self.saved_note = SavedNote()
        self.saved_note.announced.connect(self.status_message)
        # The buttons keep their row; what the test or a refused save says gets the form's whole
        # width on its own lines under them, instead of wrapping into a sliver beside them.
        buttons = stacked(row(None, self.saved_note, self.send_test.cancel_button, self.send_test.button,
                              self.save_button),
                          self.send_test.status, self.general_error)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(self.activation_frame)
        buttons.layout().setContentsMargins(12, 6, 12, 10)
        outer.addWidget(buttons)

        self.method_box.currentIndexChanged.connect(self._on_method_box_changed)
        self.format_box.currentIndexChanged.connect(self.refresh_templates)
        self.check_button.clicked.connect(self.check_destination)
        self.destination_check.finished.connect(self.check_finished)
        self.new_template_button.clicked.connect(self._on_new_template_clicked)
        self.save_button.clicked.connect(self.save)
        self.send_test.button.clicked.connect(self._on_send_test_clicked)
        self.send_test.cancel_requested.connect(self.cancel_test_requested)
        self.send_test.delivered.connect(self.activation_frame.check_and_offer)
        self.activate_button.clicked.connect(self.activate)
        self.activation_frame.offered.connect(self.activation_offered)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Two columns when there is room, one when the form shares the page with a list."""
        super().resizeEvent(event)
        narrow = event.size().width() < _TWO_COLUMNS_MIN_WIDTH
        direction = QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        if direction != self._columns.direction():
            self._columns.setDirection(direction)
            # The scroll area's minimum width is its content's: without telling the layouts, the
            # form keeps asking for two columns' width and squeezes the list beside it.
            self.scroll.updateGeometry()

    # ----- loading and reading ----------------------------------------------------------------
    def new_trigger(self, customer_id: int, event: Event = Event.SHIPPED) -> None:
        """Start a fresh trigger for ``customer_id`` with the usual defaults (POST, JSON, Gelato retry)."""
        self.load(Trigger("", customer_id=customer_id, event=event))

    def load(self, trigger: Trigger) -> None:
        """Show ``trigger`` for editing; what is stored of it now is what Save must not overwrite unseen.

        The form is clean until edited: its unsaved state is a comparison with what it was filled with.
        """
        with self.unsaved.loading():
            self._fill(trigger)

    def _fill(self, trigger: Trigger) -> None:
        self._trigger = trigger
        self._stored = self._read_stored(trigger.id)
        # Before a trigger is picked, or a customer for a new one, there is nothing to edit: a form
        # that took typing here could only be refused on Save ("no customer with id 0").
        open_ = trigger.id is not None or trigger.customer_id > 0
        self.scroll.setEnabled(open_)
        self.save_button.setEnabled(open_)
        self.send_test.allow(open_)
        if not open_:
            self.title.setText(NO_TRIGGER_TITLE)
        else:
            self.title.setText(f"Trigger: {trigger.name}" if trigger.id is not None else "New Trigger")
        self.name_edit.setText(trigger.name)
        select_data(self.event_box, trigger.event)
        select_data(self.status_box, trigger.status)
        select_data(self.method_box, trigger.method)
        self.webhook_group.fill(trigger)
        self.retry_group.set_policy(trigger.retry)
        self.recipients_edit.setPlainText(format_recipients(trigger.recipients))
        self.refresh_templates()
        if trigger.template_id is not None:
            select_data(self.template_box, trigger.template_id)
        self.errors.clear()
        self.saved_note.clear()
        self.destination_check.reset()
        self.send_test.status.clear()
        self.activation_frame.hide()
        self._on_method_box_changed()
        self.webhook_group.sync_signing(trigger.signing)

    def _stored_trigger(self) -> Trigger:
        """The trigger on show as stored now (a new one as it was started)."""
        if self._trigger.id is None:
            return self._trigger
        try:
            return self._triggers.get(self._trigger.id)
        except KeyError:  # deleted elsewhere meanwhile
            return Trigger("", customer_id=self._trigger.customer_id, event=self._trigger.event)

    def forget(self, trigger_id: int | None) -> None:
        """The trigger ``trigger_id`` was deleted: if it is on show, start a new one of its customer
        (its edits went with it)."""
        if trigger_id is not None and self._trigger.id == trigger_id:
            self.new_trigger(self._trigger.customer_id, self._trigger.event)

    def _unsaved_name(self) -> str:
        name = self._trigger.name or self.current_trigger().name
        return f"trigger '{name}'" if name else "the new trigger"

    def has_unsaved_changes(self) -> bool:
        """True when the fields differ from the trigger as stored (compared, never remembered)."""
        return self.unsaved.dirty

    def confirm_discard(self) -> bool:
        """Before the form shows another trigger or the app closes: Save, Discard or Cancel.

        Asked whether or not the form is on screen (it may be on a page the user left). Returns True
        when it is fine to go on (nothing unsaved, saved, or discarded).
        """
        return self.unsaved.confirm_discard()

    def current_trigger(self) -> Trigger:
        """The trigger as the fields describe it now (not validated, not saved)."""
        method = combo_value(self.method_box, DeliveryMethod)
        is_url = method is DeliveryMethod.URL
        return dataclasses.replace(
            self._trigger,
            name=self.name_edit.text().strip(),
            event=combo_value(self.event_box, Event),
            method=method,
            url=self.url_edit.text().strip() if is_url else "",
            http_method=self.http_method_box.currentText(),
            format=combo_value(self.format_box, OutputFormat) if is_url else OutputFormat.HTML,
            headers=self.headers_table.headers() if is_url else (),
            retry=self.retry_group.policy(),
            signing=is_url and self.signing_box.isChecked(),
            signing_secret=self.secret_edit.text().strip() if is_url and self.signing_box.isChecked() else "",
            recipients=() if is_url else parse_recipients(self.recipients_edit.toPlainText()),
            template_id=self.template_box.currentData(),
            status=combo_value(self.status_box, TriggerStatus),
        )

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
        """Validate and save; on problems show them next to their fields and save nothing.

        When the save would move stored secrets to another destination, the user is asked first
        whether to keep or clear them; Cancel saves nothing.
        """
        saved = self._save_with(self._triggers.save, self.current_trigger())
        if saved is None:
            return None
        assert saved.id is not None
        self.saved_note.confirm(f"Saved trigger '{saved.name}'")
        self.trigger_saved.emit(saved.id)
        return saved

    def _save_with(self, save: Callable[..., Trigger], trigger: Trigger) -> Trigger | None:
        """Save ``trigger`` through ``save`` (the store's save or activate), asking about secrets first.

        A stored trigger that changed elsewhere since the form read it is asked about first
        (overwrite, reload or cancel); one deleted elsewhere closes the form, saying so.
        """
        if trigger.id is not None and not self._may_write_over_store(trigger):
            return None
        change = self._triggers.secrets_change(trigger)
        keep = keep_secrets(self._ask_secrets, change)
        if keep is None:
            return None
        saved = validated_save(trigger, lambda value: save(value, keep_secrets=keep), self.errors,
                               self.saved_note)
        if saved is None:
            return None
        assert saved.id is not None
        self._trigger = saved
        self._stored = self._triggers.get(saved.id)
        self._cleared = ""
        if change is not None and not keep:  # show that the old destination's secrets are gone
            self.headers_table.set_headers(saved.headers)
            self.secret_edit.setText(saved.signing_secret)
            self._cleared = f"Cleared {', '.join(change.secrets)}: enter again for the new destination."
            self.send_test.say(self._cleared)
        self.unsaved.set_stored()
        self.title.setText(f"Trigger: {saved.name}")
        return saved

    def _may_write_over_store(self, trigger: Trigger) -> bool:
        """Whether saving ``trigger`` keeps what is stored: unchanged since read, or the user says so."""
        assert trigger.id is not None
        try:
            stored = self._triggers.get(trigger.id)
        except KeyError:
            self._close_deleted(f"Trigger '{self._trigger.name}' was deleted elsewhere; "
                                "its form was closed and nothing was saved.")
            return False
        if stored == self._stored:
            return True
        choice = self._prompts.stale_save(trigger.name or self._trigger.name)
        if choice is StaleChoice.RELOAD:
            self.load(stored)
            self.status_message.emit(f"Reloaded trigger '{stored.name}' as stored")
        return choice is StaleChoice.OVERWRITE

    def _close_deleted(self, message: str) -> None:
        """The shown trigger (or its customer) is gone: clear the form and say why."""
        customer_id = self._trigger.customer_id
        self.new_trigger(customer_id if self._customer_exists(customer_id) else 0)
        self.send_test.say(message)
        self.status_message.emit(message)
        self.trigger_closed.emit(message)

    def _read_stored(self, trigger_id: int | None) -> Trigger | None:
        if trigger_id is None:
            return None
        try:
            return self._triggers.get(trigger_id)
        except KeyError:
            return None

    def _customer_exists(self, customer_id: int) -> bool:
        if self._customers is None:
            return True
        try:
            self._customers.get(customer_id)
        except KeyError:
            return False
        return True

    def _follow_store(self) -> None:
        """The stored trigger changed: show it when nothing is typed; else say so (Save will ask)."""
        trigger_id = self._trigger.id
        assert trigger_id is not None
        try:
            stored = self._triggers.get(trigger_id)
        except KeyError:
            self._close_deleted(f"Trigger '{self._trigger.name}' was deleted elsewhere; its form was closed.")
            return
        if stored == self._stored:
            return
        if not self.has_unsaved_changes():
            self.load(stored)
            return
        self.send_test.say(f"'{stored.name}' was changed elsewhere since you opened it; "
                           "Save asks whether to overwrite that change.")

    # ----- Check --------------------------------------------------------------------------------
    @Slot()
    def check_destination(self) -> None:
        """Check the destination URL off the GUI thread; the result shows under the URL."""
        self.destination_check.check(self.url_edit.text().strip())

    # ----- Send Test and activation -----------------------------------------------------------
    def _on_send_test_clicked(self) -> None:
        """Send Test sends the stored trigger, so unsaved edits are saved first, visibly.

        Saving into an *active* trigger changes what real events use, so that is asked first
        (Save and Send, or Cancel); a draft or inactive trigger is saved without asking, and the
        note and the test line say so.
        """
        unsaved = self._trigger.id is None or self.has_unsaved_changes()
        live = self._stored is not None and self._stored.status is TriggerStatus.ACTIVE
        if unsaved and live and not self._prompts.save_before_test(self._trigger.name):
            return
        saved = self.save() if unsaved else self._trigger
        if saved is None or saved.id is None:
            return
        self.activation_frame.hide()
        self.send_test.start(saved.id, saved_first=unsaved)
        self.send_test_requested.emit(saved.id)

    @Slot()
    def activate(self) -> None:
        """Make the trigger active, and its template too when it is still a draft, in one save.

        If the workspace refuses either, nothing changes and the reason shows under the field.
        """
        select_data(self.status_box, TriggerStatus.ACTIVE)
        saved = self._save_with(self._triggers.activate, self.current_trigger())
        if saved is None or saved.id is None:
            return
        self.activation_frame.hide()
        self.refresh_templates()
        self.send_test.status.setText(f"Active. {self._cleared}".strip())
        self.saved_note.confirm(f"Activated trigger '{saved.name}'")
        self.trigger_saved.emit(saved.id)
        self.trigger_activated.emit(saved.id)

    # ----- reactions ---------------------------------------------------------------------------
    def _on_method_box_changed(self) -> None:
        is_url = combo_value(self.method_box, DeliveryMethod) is DeliveryMethod.URL
        self.webhook_group.setVisible(is_url)
        self.email_group.setVisible(not is_url)
        self.refresh_templates()

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Follow the workspace: template choices, the trigger shown, and whether its customer exists.

        A stored trigger changed elsewhere is reloaded when the form has no unsaved edits (with
        edits, Save asks); one deleted elsewhere, or a new trigger whose customer was deleted,
        closes the form with a message saying so.
        """
        if notice.concerns(Entity.TEMPLATE):
            self.refresh_templates()
        shown = self._trigger.id
        if notice.concerns(Entity.TRIGGER) and shown is not None and notice.id in (None, shown):
            self._follow_store()
        if (notice.concerns(Entity.CUSTOMER) and self._trigger.id is None and self._trigger.customer_id
                and not self._customer_exists(self._trigger.customer_id)):
            self._close_deleted("The customer of this new trigger was deleted; its form was closed.")

    @Slot()
    def refresh_templates(self) -> None:
        """Reload the template choices (call when templates were created, renamed or activated)."""
        current = self.template_box.currentData()
        if current is None:
            current = self._trigger.template_id
        method = combo_value(self.method_box, DeliveryMethod)
        fmt = combo_value(self.format_box, OutputFormat)
        usable = templates_for_trigger(self._templates.list(), method, fmt, self._trigger.customer_id)
        self.template_box.blockSignals(True)
        self.template_box.clear()
        self.template_box.addItem("— choose a template —", None)
        for template in usable:
            status = " (draft)" if template.status is TemplateStatus.DRAFT else ""
            self.template_box.addItem(f"{template.name}{status}", template.id)
        select_data(self.template_box, current)
        self.template_box.blockSignals(False)

    def _on_new_template_clicked(self) -> None:
        is_email = combo_value(self.method_box, DeliveryMethod) is DeliveryMethod.EMAIL
        dialog = NewTemplateDialog(self._examples, TemplateKind.EMAIL if is_email else TemplateKind.WEBHOOK,
                                   combo_value(self.format_box, OutputFormat),
                                   customer_id=self._trigger.customer_id or None,
                                   save=self._templates.save, event=combo_value(self.event_box, Event),
                                   parent=self)
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
            select_data(self.method_box, DeliveryMethod.URL)
            select_data(self.format_box, saved.format)
        else:
            select_data(self.method_box, DeliveryMethod.EMAIL)
        self.refresh_templates()
        select_data(self.template_box, saved.id)
        self.template_created.emit(saved.id)


def _no_lookups(_customer_id: int | None) -> LookupSet:
    return {}
