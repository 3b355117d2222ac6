"""The Settings page: SMTP form with validation, port suggestions, Test Connection, theme, inbox ports."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.ui.settings_page import SettingsPage
from tests.ui.fakes import Issue, Smtp


@dataclass(frozen=True)
class FakeResult:
    ok: bool
    transcript: str
    diagnosis: str
    error: str = ""


def fake_validate(settings: SmtpSettings) -> list[Issue]:
    issues = []
    if not settings.host:
        issues.append(Issue("host", "is required"))
    if "@" not in settings.sender_email:
        issues.append(Issue("sender_email", f"'{settings.sender_email}' is not a valid email address"))
    return issues


@pytest.fixture
def page(qtbot: QtBot) -> SettingsPage:
    widget = SettingsPage(Smtp(), validate=fake_validate,
                          test_connection=lambda s: FakeResult(True, f"S: 220 {s.host}\nC: QUIT", "all good"),
                          secrets_location="the system keyring (Secret Service)")
    qtbot.addWidget(widget)
    return widget


def fill(page: SettingsPage) -> None:
    page.sender_email_edit.setText("orders@psp.example")
    page.host_edit.setText("smtp.psp.example")
    page.username_edit.setText("orders")
    page.password_edit.setText("hunter2")


def test_validation_messages_sit_under_their_fields(page: SettingsPage) -> None:
    page.sender_email_edit.setText("not-an-address")
    assert page.save() is None
    assert page.errors.messages()["host"] == "Server is required"
    assert page.errors.messages()["sender_email"] == "'not-an-address' is not a valid email address"
    fill(page)
    assert page.save() is not None
    assert all(text == "" for text in page.errors.messages().values())


def test_switching_tls_mode_suggests_the_usual_port(page: SettingsPage) -> None:
    assert page.port_spin.value() == 587
    page.tls_box.setCurrentIndex(page.tls_box.findData(TlsMode.TLS.value))
    assert page.port_spin.value() == 465
    page.tls_box.setCurrentIndex(page.tls_box.findData(TlsMode.NONE.value))
    assert page.port_spin.value() == 25
    page.port_spin.setValue(2525)
    assert "Usual port for this security: 25" in page.port_hint.text()
    page.tls_box.setCurrentIndex(page.tls_box.findData(TlsMode.STARTTLS.value))
    assert page.port_spin.value() == 2525
    assert page.current_settings().tls_mode is TlsMode.STARTTLS


def test_password_is_masked_until_revealed(page: SettingsPage) -> None:
    fill(page)
    assert page.password_edit.echoMode() is QLineEdit.EchoMode.Password
    page.reveal_password_box.setChecked(True)
    assert page.password_edit.displayText() == "hunter2"


def test_connection_test_shows_diagnosis_and_transcript(qtbot: QtBot, page: SettingsPage) -> None:
    fill(page)
    with qtbot.waitSignal(page.connection_tested, timeout=10_000):
        page.test_button.click()
    assert page.diagnosis_label.text() == "Connection OK: all good"
    assert page.transcript_view.toPlainText() == "S: 220 smtp.psp.example\nC: QUIT"


def test_send_test_email_asks_with_the_recipient(qtbot: QtBot, page: SettingsPage) -> None:
    page.send_test_button.click()
    assert "Enter the address" in page.test_email_status.text()
    page.recipient_edit.setText("me@psp.example")
    with qtbot.waitSignal(page.test_email_requested) as asked:
        page.send_test_button.click()
    assert asked.args == ["me@psp.example"]
    page.on_test_email_result(False, "535 authentication failed")
    assert page.test_email_status.text() == "535 authentication failed"


def test_theme_and_inbox_ports_are_announced(qtbot: QtBot, page: SettingsPage) -> None:
    dark = next(b for b in page.theme_buttons.buttons() if b.text() == "Dark")
    with qtbot.waitSignal(page.theme_chosen) as chosen:
        dark.click()
    assert chosen.args == ["dark"]
    page.http_port_spin.setValue(9000)
    with qtbot.waitSignal(page.inbox_ports_changed) as ports:
        page.apply_ports_button.click()
    assert ports.args == [9000, 2525]
    assert "system keyring" in page.secrets_label.text()
