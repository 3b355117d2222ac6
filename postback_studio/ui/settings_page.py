"""The Settings page: outgoing SMTP server, the local inbox's ports, the theme, where secrets live.

Test Connection talks to the SMTP server as a send would (connect, STARTTLS or implicit TLS, AUTH)
but sends nothing; it runs off the GUI thread and shows the whole conversation, with the password
already redacted by the dispatcher, and its diagnosis above it where it cannot be missed. The stored
password is used only for the server, port and username it was entered for: testing or saving
another server asks for it again (a save asks, through an injected
:data:`~postback_studio.ui.secret_prompts.AskSecrets`, whether to keep it for the new server).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.defaults import INBOX_BODY_MB, LOCAL_HTTP_PORT, LOCAL_SMTP_PORT, MAX_INBOX_BODY_MB
from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.core.trigger_setup import is_usual_smtp_port, usual_smtp_port
from postback_studio.core.validation import validate_smtp
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.field_errors import FieldErrors, error_label, validated_save, with_error
from postback_studio.ui.ports import SmtpStore
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.save_feedback import SavedNote
from postback_studio.ui.secret_prompts import AskSecrets, ask_keep_or_clear, keep_secrets
from postback_studio.ui.theme import Theme
from postback_studio.ui.tones import Tone, emphasize, set_tone
from postback_studio.ui.unsaved import AskUnsaved, UnsavedChanges
from postback_studio.workers.jobs import JobError, JobRunner


class ConnectionTestResult(Protocol):
    """What ``core.dispatch.email.test_connection`` returns, as far as this page reads it."""

    @property
    def ok(self) -> bool: ...

    @property
    def transcript(self) -> str: ...

    @property
    def diagnosis(self) -> str: ...

    @property
    def error(self) -> str: ...


#: Runs an SMTP connection test with the given settings (``core.dispatch.email.test_connection``,
#: perhaps with a ``ca_file``); called off the GUI thread.
ConnectionTester = Callable[[SmtpSettings], ConnectionTestResult]

_TLS_CHOICES = (
    (TlsMode.NONE, "None (plain text)"),
    (TlsMode.STARTTLS, "STARTTLS"),
    (TlsMode.TLS, "Implicit TLS (SMTPS)"),
)
_THEME_CHOICES = ((Theme.LIGHT, "Light"), (Theme.DARK, "Dark"), (Theme.SYSTEM, "Follow the system"))


class SettingsPage(QWidget):
    """SMTP settings with Test Connection and Send Test Email; inbox ports; theme.

    Signals:
        smtp_saved(): the SMTP settings were saved.
        connection_tested(object): a connection test ended (the dispatcher's result value).
        test_email_requested(str): send a test email to this address with the saved settings;
            answer with :meth:`on_test_email_result`.
        inbox_ports_changed(int, int): the local inbox should listen on these HTTP and SMTP ports.
        inbox_body_limit_changed(int): the local inbox should keep at most this many MB of a body.
        theme_chosen(str): the user picked a theme (a ``Theme`` value).
        status_message(str): a short notice for the status bar (a save went through).
    """

    smtp_saved = Signal()
    connection_tested = Signal(object)
    test_email_requested = Signal(str)
    inbox_ports_changed = Signal(int, int)
    inbox_body_limit_changed = Signal(int)
    theme_chosen = Signal(str)
    status_message = Signal(str)

    def __init__(
        self,
        smtp: SmtpStore,
        *,
        jobs: JobRunner,
        test_connection: ConnectionTester,
        secrets_location: str,
        http_port: int = LOCAL_HTTP_PORT,
        smtp_port: int = LOCAL_SMTP_PORT,
        theme: Theme = Theme.SYSTEM,
        ask_unsaved: AskUnsaved | None = None,
        ask_secrets: AskSecrets | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._smtp = smtp
        self.unsaved = UnsavedChanges(
            self.current_settings,
            ask=ask_unsaved or Prompter(self).unsaved_changes,
            name=lambda: "the SMTP settings",
            save=lambda: self.save() is not None,
            revert=lambda: self.load(self._smtp.get()),
            parent=self,
        )
        self._ask_secrets = ask_secrets or ask_keep_or_clear(self)
        self._test_connection = test_connection
        self._jobs = jobs
        self._test_sequence = 0  # only the latest test's answer is shown
        self._build(secrets_location, http_port, smtp_port, theme)
        self.load(smtp.get())

    def _build(self, secrets_location: str, http_port: int, smtp_port: int, theme: Theme) -> None:
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.sender_email_edit = QLineEdit()
        self.sender_email_edit.setPlaceholderText("postbacks@your-company.example")
        self.sender_name_edit = QLineEdit()
        self.sender_name_edit.setPlaceholderText("Your Company Order Updates")
        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("smtp.your-company.example")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.tls_box = QComboBox()
        for mode, caption in _TLS_CHOICES:
            self.tls_box.addItem(caption, mode.value)
        self.username_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.reveal_password_box = QCheckBox("Reveal")
        password_row = QWidget()
        password_layout = QHBoxLayout(password_row)
        password_layout.setContentsMargins(0, 0, 0, 0)
        password_layout.addWidget(self.password_edit, 1)
        password_layout.addWidget(self.reveal_password_box)
        self.port_hint = QLabel()
        set_tone(self.port_hint, Tone.MUTED)
        port_cell = with_error(self.port_spin, self.errors.register("port", "Port"))
        port_cell.layout().addWidget(self.port_hint)

        smtp_group = QGroupBox("Outgoing email server (SMTP)")
        form = QFormLayout(smtp_group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Sender email", with_error(self.sender_email_edit,
                                               self.errors.register("sender_email", "Sender email")))
        form.addRow("Sender name", with_error(self.sender_name_edit,
                                              self.errors.register("sender_name", "Sender name")))
        form.addRow("Server", with_error(self.host_edit, self.errors.register("host", "Server")))
        form.addRow("Security", with_error(self.tls_box, self.errors.register("tls_mode", "Security")))
        form.addRow("Port", port_cell)
        form.addRow("Username", with_error(self.username_edit, self.errors.register("username", "Username")))
        form.addRow("Password", with_error(password_row, self.errors.register("password", "Password")))

        self.save_button = QPushButton("Save")
        self.test_button = QPushButton("Test Connection")
        self.test_button.setToolTip("Connect, secure and log in as a send would; nothing is sent")
        self.recipient_edit = QLineEdit()
        self.recipient_edit.setPlaceholderText("you@your-company.example")
        self.send_test_button = QPushButton("Send Test Email")
        self.test_email_status = QLabel()
        self.test_email_status.setWordWrap(True)
        self.saved_note = SavedNote()
        self.saved_note.announced.connect(self.status_message)
        actions = QHBoxLayout()
        actions.addWidget(self.general_error, 1)
        actions.addStretch(0)
        actions.addWidget(self.saved_note)
        actions.addWidget(self.test_button)
        actions.addWidget(self.save_button)
        form.addRow(actions)
        test_email_row = QHBoxLayout()
        test_email_row.addWidget(self.recipient_edit, 1)
        test_email_row.addWidget(self.send_test_button)
        form.addRow("Test email to", test_email_row)
        form.addRow("", self.test_email_status)

        self.diagnosis_label = QLabel("Test Connection shows the SMTP conversation here.")
        emphasize(self.diagnosis_label, weight=QFont.Weight.DemiBold)
        self.diagnosis_label.setWordWrap(True)
        self.transcript_view = QPlainTextEdit()
        self.transcript_view.setReadOnly(True)
        self.transcript_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.transcript_view.setPlaceholderText("S: 220 smtp.example ESMTP\nC: EHLO …")
        self.transcript_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        conversation = QGroupBox("Connection test")
        conversation_layout = QVBoxLayout(conversation)
        conversation_layout.addWidget(self.diagnosis_label)
        conversation_layout.addWidget(self.transcript_view, 1)

        self.http_port_spin = QSpinBox()
        self.http_port_spin.setRange(1, 65535)
        self.http_port_spin.setValue(http_port)
        self.smtp_port_spin = QSpinBox()
        self.smtp_port_spin.setRange(1, 65535)
        self.smtp_port_spin.setValue(smtp_port)
        self.body_limit_spin = QSpinBox()
        self.body_limit_spin.setRange(1, MAX_INBOX_BODY_MB)
        self.body_limit_spin.setSuffix(" MB")
        self.body_limit_spin.setValue(INBOX_BODY_MB)
        self.body_limit_spin.setToolTip("A longer request body is kept up to this size, marked truncated "
                                        "and answered 413")
        self.apply_ports_button = QPushButton("Apply")
        inbox_group = QGroupBox("Local inbox")
        inbox_form = QFormLayout(inbox_group)
        inbox_form.addRow("HTTP receiver port", self.http_port_spin)
        inbox_form.addRow("SMTP catcher port", self.smtp_port_spin)
        inbox_form.addRow("Largest request body", self.body_limit_spin)
        inbox_hint = QLabel("Point a trigger at http://127.0.0.1:<HTTP port>/ or the SMTP settings at "
                            "127.0.0.1:<SMTP port> to see what would be sent, without it leaving "
                            "this machine.")
        inbox_hint.setWordWrap(True)
        set_tone(inbox_hint, Tone.MUTED)
        inbox_form.addRow(inbox_hint)
        self.inbox_saved_note = SavedNote()
        self.inbox_saved_note.announced.connect(self.status_message)
        apply_row = QHBoxLayout()
        apply_row.addStretch(1)
        apply_row.addWidget(self.inbox_saved_note)
        apply_row.addWidget(self.apply_ports_button)
        inbox_form.addRow(apply_row)

        self.theme_buttons = QButtonGroup(self)
        appearance_group = QGroupBox("Appearance")
        appearance_layout = QVBoxLayout(appearance_group)
        for choice, caption in _THEME_CHOICES:
            button = QRadioButton(caption)
            button.setChecked(choice is theme)
            button.setProperty("theme", choice.value)
            self.theme_buttons.addButton(button)
            appearance_layout.addWidget(button)
        self.secrets_label = QLabel(secrets_location)
        self.secrets_label.setWordWrap(True)
        secrets_group = QGroupBox("Secrets")
        QVBoxLayout(secrets_group).addWidget(self.secrets_label)

        left = QVBoxLayout()
        left.addWidget(smtp_group)
        left.addWidget(conversation, 1)
        right = QVBoxLayout()
        right.addWidget(inbox_group)
        right.addWidget(appearance_group)
        right.addWidget(secrets_group)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        content = QWidget()
        content.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self.tls_box.currentIndexChanged.connect(self._on_tls_box_changed)
        self.port_spin.valueChanged.connect(self._update_port_hint)
        self.reveal_password_box.toggled.connect(self._on_reveal_password_toggled)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.test_connection)
        self.send_test_button.clicked.connect(self._on_send_test_clicked)
        self.apply_ports_button.clicked.connect(self._on_apply_ports_clicked)
        self.theme_buttons.buttonClicked.connect(self._on_theme_clicked)

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """SMTP settings changed elsewhere (an import, the command line): show them, unless edits are open."""
        if notice.concerns(Entity.SMTP) and not self.unsaved.dirty:
            self.load(self._smtp.get())

    def confirm_discard(self) -> bool:
        """Save / Discard / Cancel for unsaved SMTP settings (before the app closes); True to go on."""
        return self.unsaved.confirm_discard()

    # ----- SMTP form ----------------------------------------------------------------------------
    def load(self, settings: SmtpSettings) -> None:
        """Show ``settings``; a stored password is not put in the field, only announced.

        Leaving the password field empty keeps the stored one (on save and for the test), so the
        secret is read from the store only when it is needed. The form is clean until edited.
        """
        with self.unsaved.loading():
            self._fill(settings)

    def _fill(self, settings: SmtpSettings) -> None:
        self.sender_email_edit.setText(settings.sender_email)
        self.sender_name_edit.setText(settings.sender_name)
        self.host_edit.setText(settings.host)
        self.tls_box.blockSignals(True)
        self.tls_box.setCurrentIndex(max(self.tls_box.findData(settings.tls_mode.value), 0))
        self.tls_box.blockSignals(False)
        self.port_spin.setValue(settings.port)
        self.username_edit.setText(settings.username)
        self.password_edit.clear()
        self.password_edit.setPlaceholderText("•••••••• stored; type to replace" if self._smtp.has_password()
                                              else "")
        self.reveal_password_box.setChecked(False)
        self.errors.clear()
        self.saved_note.clear()
        self._update_port_hint()

    def current_settings(self) -> SmtpSettings:
        """The settings as typed (not validated, not saved)."""
        return SmtpSettings(
            sender_email=self.sender_email_edit.text().strip(),
            sender_name=self.sender_name_edit.text().strip(),
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            username=self.username_edit.text().strip(),
            password=self.password_edit.text(),
            tls_mode=self._tls_mode(),
        )

    def _tls_mode(self) -> TlsMode:
        return TlsMode(self.tls_box.currentData())

    def _checked(self) -> SmtpSettings | None:
        settings = self.current_settings()
        issues = validate_smtp(settings)
        if issues:
            self.errors.show(issues)
            return None
        self.errors.clear()
        if not settings.password:
            settings = dataclasses.replace(settings, password=self._smtp.password_for(settings))
        return settings

    @Slot()
    def save(self) -> SmtpSettings | None:
        """Validate and save; problems show under their fields and nothing is saved.

        When the server, port or username changed and a password is stored for the old ones, the
        user is asked first whether to keep it for the new server or clear it; Cancel saves nothing.
        """
        settings = self.current_settings()
        keep = keep_secrets(self._ask_secrets, self._smtp.secrets_change(settings))
        if keep is None:
            return None
        saved = validated_save(settings, lambda value: self._smtp.set(value, keep_secrets=keep), self.errors,
                               self.saved_note)
        if saved is None:
            return None
        self.load(saved)
        self.saved_note.confirm(f"Saved the SMTP settings ({saved.host or 'no server'}:{saved.port})")
        self.smtp_saved.emit()
        return saved

    @Slot()
    def test_connection(self) -> None:
        """Test the settings as typed, off the GUI thread."""
        settings = self._checked()
        if settings is None:
            return
        self.test_button.setEnabled(False)
        set_tone(self.diagnosis_label, None)
        self.diagnosis_label.setText(f"Connecting to {settings.host}:{settings.port} …")
        self.transcript_view.clear()
        tester = self._test_connection
        self._test_sequence += 1
        sequence = self._test_sequence
        self._jobs.submit(
            f"Testing SMTP {settings.host}:{settings.port}",
            lambda _report, _cancelled: tester(settings),
            on_done=lambda result: self._on_tested(sequence, result),
            on_error=lambda error: self._on_test_failed(sequence, error),
        )

    def _on_tested(self, sequence: int, result: object) -> None:
        if sequence != self._test_sequence:
            return
        self.test_button.setEnabled(True)
        ok = bool(getattr(result, "ok", False))
        diagnosis = str(getattr(result, "diagnosis", "")) or str(getattr(result, "error", ""))
        headline = "Connection OK" if ok else "Connection failed"
        self.diagnosis_label.setText(f"{headline}: {diagnosis}" if diagnosis else headline)
        set_tone(self.diagnosis_label, Tone.OK if ok else Tone.ERROR)
        self.transcript_view.setPlainText(str(getattr(result, "transcript", "")))
        self.connection_tested.emit(result)

    def _on_test_failed(self, sequence: int, error: JobError) -> None:
        if sequence != self._test_sequence:
            return
        self.test_button.setEnabled(True)
        self.diagnosis_label.setText(f"The test itself failed: {error.message}")
        set_tone(self.diagnosis_label, Tone.ERROR)

    def _on_send_test_clicked(self) -> None:
        recipient = self.recipient_edit.text().strip()
        if not recipient or "@" not in recipient:
            set_tone(self.test_email_status, Tone.ERROR)
            self.test_email_status.setText("Enter the address the test email should go to.")
            return
        set_tone(self.test_email_status, None)
        self.test_email_status.setText(f"Sending a test email to {recipient} …")
        self.send_test_button.setEnabled(False)
        self.test_email_requested.emit(recipient)

    @Slot(bool, str)
    def on_test_email_result(self, ok: bool, message: str) -> None:
        """The test email was sent (or not); ``message`` says what happened."""
        self.send_test_button.setEnabled(True)
        set_tone(self.test_email_status, Tone.OK if ok else Tone.ERROR)
        self.test_email_status.setText(message)

    def _on_tls_box_changed(self) -> None:
        if is_usual_smtp_port(self.port_spin.value()):
            self.port_spin.setValue(usual_smtp_port(self._tls_mode()))
        self._update_port_hint()

    def _update_port_hint(self) -> None:
        usual = usual_smtp_port(self._tls_mode())
        unusual = self.port_spin.value() != usual
        self.port_hint.setText(f"Usual port for this security: {usual}" if unusual else "")
        self.port_hint.setVisible(unusual)

    def _on_reveal_password_toggled(self, revealed: bool) -> None:
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password)

    # ----- inbox and theme ----------------------------------------------------------------------
    def _on_apply_ports_clicked(self) -> None:
        self.inbox_body_limit_changed.emit(self.body_limit_spin.value())
        self.inbox_ports_changed.emit(self.http_port_spin.value(), self.smtp_port_spin.value())
        self.inbox_saved_note.confirm(
            f"Saved the local inbox settings: HTTP port {self.http_port_spin.value()}, SMTP port "
            f"{self.smtp_port_spin.value()}, bodies up to {self.body_limit_spin.value()} MB"
        )

    def _on_theme_clicked(self, button: QRadioButton) -> None:
        self.theme_chosen.emit(str(button.property("theme")))

    @Slot(str)
    def set_inbox_ports(self, http_port: int, smtp_port: int) -> None:
        """Show the ports the local inbox uses (from the app's settings)."""
        self.http_port_spin.setValue(http_port)
        self.smtp_port_spin.setValue(smtp_port)

    def set_inbox_body_limit(self, megabytes: int) -> None:
        """Show the local inbox's body cap in megabytes (from the app's settings)."""
        self.body_limit_spin.setValue(megabytes)

    def set_theme(self, theme: str) -> None:
        """Show ``theme`` as chosen (when View > Theme changed it) without announcing it again."""
        for button in self.theme_buttons.buttons():
            if button.property("theme") == theme:
                button.setChecked(True)

    def set_secrets_location(self, text: str) -> None:
        """Update the sentence that says where secrets are kept (``ws.secrets_backend_description``)."""
        self.secrets_label.setText(text)
