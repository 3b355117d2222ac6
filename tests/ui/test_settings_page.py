"""The Settings page on a real workspace: SMTP form, port suggestions, Test Connection against an
aiosmtpd server with STARTTLS and AUTH on 127.0.0.1, theme, inbox ports, secrets location."""

from __future__ import annotations

import base64
import functools
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from postback_studio.core.dispatch import email as smtp
from postback_studio.core.dispatch.inbox import SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.services.session import Session
from postback_studio.ui.settings_page import SettingsPage
from postback_studio.ui.tones import Tone, tone_of
from postback_studio.workers.jobs import JobRunner

USER, PASSWORD = "studio", "pa55-w0rd!"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def catcher(ca: trustme.CA) -> Iterator[SmtpCatcher]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    options = SmtpCatcherOptions(tls_context=context, require_tls=True, credentials={USER: PASSWORD})
    with SmtpCatcher(options=options) as server:
        yield server


@pytest.fixture
def page(qtbot: QtBot, ws: Session, ca_file: Path, jobs: JobRunner) -> SettingsPage:
    tester = functools.partial(smtp.test_connection, ca_file=ca_file, timeout=5)
    widget = SettingsPage(ws.smtp, jobs=jobs, test_connection=tester,
                          secrets_location=ws.secrets_location)
    qtbot.addWidget(widget)
    return widget


def fill(page: SettingsPage, port: int = 587, password: str = PASSWORD) -> None:
    page.sender_email_edit.setText("orders@psp.example")
    page.sender_name_edit.setText("PSP Orders")
    page.host_edit.setText("127.0.0.1")
    page.port_spin.setValue(port)
    page.username_edit.setText(USER)
    page.password_edit.setText(password)


def test_validation_messages_sit_under_their_fields(page: SettingsPage, ws: Session) -> None:
    page.sender_email_edit.setText("not-an-address")
    assert page.save() is None
    assert page.errors.messages()["host"] == "Server is required"
    assert page.errors.messages()["sender_email"].startswith("'not-an-address' is not a valid email address")
    assert not ws.smtp.is_configured()
    fill(page)
    assert page.save() is not None
    assert all(text == "" for text in page.errors.messages().values())
    assert ws.smtp.get().password == PASSWORD


def test_stored_password_stays_out_of_the_field_and_is_kept(page: SettingsPage, ws: Session) -> None:
    fill(page)
    page.save()
    assert page.password_edit.text() == ""
    assert "stored" in page.password_edit.placeholderText()
    page.sender_name_edit.setText("PSP Order Updates")
    page.save()
    assert ws.smtp.get().password == PASSWORD


def test_switching_tls_mode_suggests_the_usual_port(page: SettingsPage) -> None:
    assert page.port_spin.value() == 587
    page.tls_box.setCurrentIndex(page.tls_box.findData(TlsMode.TLS.value))
    assert page.port_spin.value() == 465
    page.tls_box.setCurrentIndex(page.tls_box.findData(TlsMode.NONE.value))
    assert page.port_spin.value() == 25
    page.port_spin.setValue(2525)
    assert page.port_hint.text() == "Usual port for this security: 25"
    page.tls_box.setCurrentIndex(page.tls_box.findData(TlsMode.STARTTLS.value))
    assert page.port_spin.value() == 2525
    assert page.current_settings().tls_mode is TlsMode.STARTTLS


def test_password_is_masked_until_revealed(page: SettingsPage) -> None:
    fill(page)
    assert page.password_edit.echoMode() is QLineEdit.EchoMode.Password
    page.reveal_password_box.setChecked(True)
    assert page.password_edit.displayText() == PASSWORD


def test_connection_test_shows_the_conversation_with_the_password_redacted(
        qtbot: QtBot, page: SettingsPage, catcher: SmtpCatcher) -> None:
    fill(page, catcher.port)
    with qtbot.waitSignal(page.connection_tested, timeout=20_000) as tested:
        page.test_button.click()
    assert tested.args[0].ok
    assert page.diagnosis_label.text().startswith("Connection OK")
    transcript = page.transcript_view.toPlainText()
    assert "C: STARTTLS" in transcript and "C: AUTH PLAIN <redacted>" in transcript
    assert any(line.startswith("S: 235") for line in transcript.splitlines())
    encoded = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    assert PASSWORD not in transcript and encoded not in transcript
    assert page.test_button.isEnabled()
    assert catcher.messages == []


def test_a_refused_password_is_diagnosed_prominently(qtbot: QtBot, page: SettingsPage,
                                                     catcher: SmtpCatcher) -> None:
    fill(page, catcher.port, password="wrong-secret")
    with qtbot.waitSignal(page.connection_tested, timeout=20_000):
        page.test_button.click()
    assert page.diagnosis_label.text().startswith("Connection failed: ")
    assert "wrong-secret" not in page.transcript_view.toPlainText() + page.diagnosis_label.text()
    assert page.diagnosis_label.font().weight() >= QFont.Weight.DemiBold
    assert tone_of(page.diagnosis_label) == Tone.ERROR


def test_test_uses_the_stored_password_when_the_field_is_empty(
        qtbot: QtBot, page: SettingsPage, ws: Session, catcher: SmtpCatcher) -> None:
    ws.smtp.set(SmtpSettings("orders@psp.example", "PSP", "127.0.0.1", catcher.port, USER, PASSWORD))
    page.load(ws.smtp.get())
    assert page.password_edit.text() == ""
    with qtbot.waitSignal(page.connection_tested, timeout=20_000) as tested:
        page.test_button.click()
    assert tested.args[0].ok, page.diagnosis_label.text()


def test_send_test_email_asks_with_the_recipient(qtbot: QtBot, page: SettingsPage) -> None:
    page.send_test_button.click()
    assert "Enter the address" in page.test_email_status.text()
    page.recipient_edit.setText("me@psp.example")
    with qtbot.waitSignal(page.test_email_requested) as asked:
        page.send_test_button.click()
    assert asked.args == ["me@psp.example"]
    page.on_test_email_result(False, "535 authentication failed")
    assert page.test_email_status.text() == "535 authentication failed"


def test_theme_inbox_ports_and_secrets_location(qtbot: QtBot, page: SettingsPage, ws: Session) -> None:
    dark = next(b for b in page.theme_buttons.buttons() if b.text() == "Dark")
    with qtbot.waitSignal(page.theme_chosen) as chosen:
        dark.click()
    assert chosen.args == ["dark"]
    with qtbot.assertNotEmitted(page.theme_chosen):
        page.set_theme("light")
    assert next(b for b in page.theme_buttons.buttons() if b.isChecked()).text() == "Light"
    page.http_port_spin.setValue(9000)
    with qtbot.waitSignal(page.inbox_ports_changed) as ports:
        page.apply_ports_button.click()
    assert ports.args == [9000, 2525]
    assert ws.secrets_location in page.secrets_label.text()


def test_the_inbox_body_cap_is_set_with_the_ports(qtbot: QtBot, page: SettingsPage) -> None:
    page.set_inbox_body_limit(25)
    assert page.body_limit_spin.value() == 25 and page.body_limit_spin.suffix() == " MB"
    page.body_limit_spin.setValue(3)
    with qtbot.waitSignal(page.inbox_body_limit_changed) as limit:
        page.apply_ports_button.click()
    assert limit.args == [3]
