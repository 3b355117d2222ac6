"""The trigger form's Webhook group: where and how a webhook goes (URL, method, format, headers, signing).

It exists apart from the form because these fields behave among themselves: the URL is warned about
as it is typed (user info, link-local or metadata addresses), headers' secrets and the signing
secret are hidden until revealed, and the secret's controls follow the Sign box. The form reads the
fields when it builds the trigger, and registers their messages with its :class:`FieldErrors`.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton

from postback_studio.core.model import HTTP_METHODS, WEBHOOK_FORMATS, OutputFormat, Trigger
from postback_studio.core.trigger_setup import generate_signing_secret
from postback_studio.core.url_safety import url_warnings
from postback_studio.ui.destination_check import DestinationCheck
from postback_studio.ui.field_errors import FieldErrors, stacked, with_error
from postback_studio.ui.form_layout import group_form, row, select_data
from postback_studio.ui.headers_table import HeadersTable
from postback_studio.ui.tones import Tone, set_tone


class WebhookFields(QGroupBox):
    """The Webhook group of the trigger form.

    Args:
        errors: The form's field messages; this group registers those of its fields.
        destination_check: The Check button and its result, shown under the URL.
    """

    def __init__(self, errors: FieldErrors, destination_check: DestinationCheck) -> None:
        super().__init__("Webhook")
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://erp.example.com/postbacks")
        self.check_button = destination_check.button
        self.check_result = destination_check.result
        self.url_warning = QLabel()
        self.url_warning.setWordWrap(True)
        self.url_warning.hide()
        url_cell = stacked(row(self.url_edit, self.check_button, stretch_first=True),
                           errors.register("url", "URL"), self.url_warning, self.check_result)
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
                               row(self.add_header_button, self.remove_header_button, None, self.reveal_box),
                               errors.register("headers", "Header"))
        self.signing_box = QCheckBox("Sign requests (Standard Webhooks)")
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("whsec_…")
        self.reveal_secret_box = QCheckBox("Reveal")
        self.generate_button = QPushButton("Generate")
        signing_cell = stacked(self.signing_box,
                               row(self.secret_edit, self.reveal_secret_box, self.generate_button,
                                    stretch_first=True),
                               errors.register("signing", "Signing"),
                               errors.register("signing_secret", "Secret"))

        self.form: QFormLayout = group_form(self)
        self.form.addRow("Destination URL", url_cell)
        self.form.addRow("HTTP method", with_error(self.http_method_box,
                                                   errors.register("http_method", "Method")))
        self.form.addRow("Format", with_error(self.format_box, errors.register("format", "Format")))
        self.form.addRow("Headers", headers_cell)
        self.form.addRow("Signing", signing_cell)

        self.url_edit.textChanged.connect(self._on_url_edit_changed)
        self.add_header_button.clicked.connect(self._on_add_header_clicked)
        self.remove_header_button.clicked.connect(self.headers_table.remove_selected)
        self.reveal_box.toggled.connect(self.headers_table.set_revealed)
        self.reveal_secret_box.toggled.connect(self._on_reveal_secret_toggled)
        self.generate_button.clicked.connect(self._on_generate_clicked)
        self.signing_box.toggled.connect(self.sync_signing)

    def fill(self, trigger: Trigger) -> None:
        """Show ``trigger``'s URL, method, format (JSON when it has none of a webhook's), headers and
        signing, secrets hidden."""
        self.url_edit.setText(trigger.url)
        self.http_method_box.setCurrentText(trigger.http_method)
        fmt = trigger.format if trigger.format in WEBHOOK_FORMATS else OutputFormat.JSON
        select_data(self.format_box, fmt)
        self.headers_table.set_headers(trigger.headers)
        self.reveal_box.setChecked(False)
        self.signing_box.setChecked(trigger.signing)
        self.secret_edit.setText(trigger.signing_secret)
        self.reveal_secret_box.setChecked(False)

    def _on_url_edit_changed(self, text: str) -> None:
        warnings = url_warnings(text.strip())
        self.url_warning.setText("\n".join(f"⚠ {w[0].upper()}{w[1:]}." for w in warnings))
        set_tone(self.url_warning, Tone.WARNING)
        self.url_warning.setVisible(bool(warnings))

    def _on_add_header_clicked(self) -> None:
        self.headers_table.add_header()

    def _on_reveal_secret_toggled(self, revealed: bool) -> None:
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password)

    def _on_generate_clicked(self) -> None:
        self.secret_edit.setText(generate_signing_secret())
        self.signing_box.setChecked(True)

    def sync_signing(self, on: bool) -> None:
        """Enable the secret's controls only while the Sign box is checked."""
        for widget in (self.secret_edit, self.reveal_secret_box, self.generate_button):
            widget.setEnabled(on)
