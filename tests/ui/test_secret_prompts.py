"""The forms ask before stored secrets follow a new destination: keep or clear (an injected prompt),
and warn about URLs with user info or a metadata address, on a real workspace."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from postback_studio.core.destination import DestinationChange
from postback_studio.core.model import Customer, Event, Header, SmtpSettings, Template, TlsMode, Trigger
from postback_studio.core.requestlog import REDACTED
from postback_studio.services.session import Session
from postback_studio.ui.secret_prompts import SecretsChoice
from postback_studio.ui.settings_page import SettingsPage
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.workers.jobs import JobRunner

KEY = "key-for-the-old-host-99"
SIGNING = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Answers:
    """A scripted :data:`AskSecrets`: records each question and gives the next answer."""

    def __init__(self, *answers: SecretsChoice) -> None:
        self.answers = list(answers)
        self.asked: list[DestinationChange] = []

    def __call__(self, change: DestinationChange) -> SecretsChoice:
        self.asked.append(change)
        return self.answers.pop(0)


@pytest.fixture
def stored(ws: Session) -> Trigger:
    acme = ws.customers.save(Customer("Acme"))
    template = ws.templates.save(Template("Shipped JSON", body='{"id": "{{ orderId }}"}'))
    assert acme.id is not None
    return ws.triggers.save(
        Trigger("Shipped", acme.id, Event.SHIPPED, url="https://erp.acme.example/hooks",
                headers=(Header("X-Api-Key", KEY, secret=True), Header("X-Source", "psp")),
                signing=True, signing_secret=SIGNING, template_id=template.id)
    )


def make_form(qtbot: QtBot, ws: Session, jobs: JobRunner, answers: Answers, trigger: Trigger) -> TriggerForm:
    form = TriggerForm(ws.triggers, ws.templates, jobs=jobs, check_template=lambda t, e, lookups: [],
                       ask_secrets=answers)
    qtbot.addWidget(form)
    assert trigger.id is not None
    form.load(ws.triggers.get(trigger.id))
    return form


def stored_states(ws: Session) -> dict[str, tuple[str, str]]:
    return {e.secret: (e.state, e.bound_to) for e in ws.secrets.list() if e.kind == "trigger"}


def test_editing_the_host_asks_and_clear_deletes_the_secrets(
    qtbot: QtBot, ws: Session, jobs: JobRunner, stored: Trigger
) -> None:
    answers = Answers(SecretsChoice.CLEAR)
    form = make_form(qtbot, ws, jobs, answers, stored)
    form.url_edit.setText("https://erp.other.example/hooks")
    saved = form.save()
    [asked] = answers.asked
    assert asked.before == "https://erp.acme.example:443" and asked.after == "https://erp.other.example:443"
    assert asked.secrets == ("header 'X-Api-Key'", "signing secret")
    assert saved is not None and saved.headers[0].value == "" and saved.signing_secret == ""
    assert form.headers_table.value_edit(0).text() == "" and form.secret_edit.text() == ""
    assert form.headers_table.value_edit(0).placeholderText() == "not set: enter the value"
    assert form.send_test.status.text() == (
        "Cleared header 'X-Api-Key', signing secret: enter again for the new destination."
    )
    assert not form.has_unsaved_changes()
    assert stored_states(ws) == {"header": ("not set", ""), "signing": ("not set", "")}


def test_keep_rebinds_the_secrets_to_the_new_destination(
    qtbot: QtBot, ws: Session, jobs: JobRunner, stored: Trigger
) -> None:
    answers = Answers(SecretsChoice.KEEP)
    form = make_form(qtbot, ws, jobs, answers, stored)
    form.url_edit.setText("https://erp.acme.example:8443/hooks")
    saved = form.save()
    assert len(answers.asked) == 1 and saved is not None and saved.headers[0].value == KEY
    bound = "https://erp.acme.example:8443"
    assert stored_states(ws) == {"header": ("set", bound), "signing": ("set", bound)}


def test_cancel_saves_nothing_and_a_path_or_case_edit_asks_nothing(
    qtbot: QtBot, ws: Session, jobs: JobRunner, stored: Trigger
) -> None:
    answers = Answers(SecretsChoice.CANCEL)
    form = make_form(qtbot, ws, jobs, answers, stored)
    form.url_edit.setText("http://erp.acme.example/hooks")
    assert form.save() is None and len(answers.asked) == 1
    assert ws.triggers.get(stored.id or 0).url == "https://erp.acme.example/hooks"
    form.url_edit.setText("HTTPS://ERP.Acme.example:443/other/path")
    assert form.save() is not None and len(answers.asked) == 1, "not a destination change"
    assert stored_states(ws)["header"] == ("set", "https://erp.acme.example:443")


def test_activate_asks_too(qtbot: QtBot, ws: Session, jobs: JobRunner, stored: Trigger) -> None:
    answers = Answers(SecretsChoice.CLEAR)
    form = make_form(qtbot, ws, jobs, answers, stored)
    form.url_edit.setText("https://elsewhere.example/")
    form.activate()
    assert len(answers.asked) == 1 and stored_states(ws)["signing"] == ("not set", "")


@pytest.mark.parametrize(
    "url_warning",
    [
        ("https://psp:hunter22@erp.acme.example/hooks", "user name and password"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[fd00:ec2::254]/latest/", "fd00:ec2::254 is a cloud metadata address"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata service"),
    ],
)
def test_the_url_field_warns_about_user_info_and_metadata_addresses(
    qtbot: QtBot, ws: Session, jobs: JobRunner, stored: Trigger, url_warning: tuple[str, str]
) -> None:
    url, warning = url_warning
    form = make_form(qtbot, ws, jobs, Answers(SecretsChoice.CLEAR), stored)
    form.show()
    assert not form.url_warning.isVisible()
    form.url_edit.setText(url)
    assert form.url_warning.isVisible() and warning in form.url_warning.text()
    assert "hunter22" not in form.url_warning.text()
    form.url_edit.setText("https://erp.acme.example/hooks")
    assert not form.url_warning.isVisible()


def test_the_triggers_list_tooltip_hides_user_info(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    from postback_studio.ui.triggers_page import TriggersPage

    acme = ws.customers.save(Customer("Acme"))
    ws.triggers.save(Trigger("Basic", acme.id or 0, Event.SHIPPED, url="https://psp:hunter22@erp.example/h"))
    form = TriggerForm(ws.triggers, ws.templates, jobs=jobs, check_template=lambda t, e, lookups: [])
    page = TriggersPage(ws.triggers, ws.customers, form)
    qtbot.addWidget(page)
    tip = page.table.item(0, 0).toolTip()
    assert tip.splitlines() == ["Basic · Acme · Order shipped · draft", f"POST https://{REDACTED}@erp.example/h"]
    assert "hunter22" not in tip


USER, PASSWORD = "psp-mailer", "pa55-for-the-old-server"


@pytest.fixture
def smtp_page(qtbot: QtBot, ws: Session, jobs: JobRunner) -> tuple[SettingsPage, Answers, list[SmtpSettings]]:
    ws.smtp.set(SmtpSettings("psp@psp.example", "PSP", "smtp.old.example", 587, USER, PASSWORD,
                             TlsMode.STARTTLS))
    tested: list[SmtpSettings] = []

    def tester(settings: SmtpSettings) -> object:
        tested.append(settings)
        result = {"ok": False, "transcript": "", "diagnosis": "not connected", "error": ""}
        return type("Result", (), result)()

    answers = Answers(SecretsChoice.CLEAR, SecretsChoice.KEEP)
    page = SettingsPage(ws.smtp, jobs=jobs, test_connection=tester, secrets_location=ws.secrets_location,
                        ask_secrets=answers)
    qtbot.addWidget(page)
    return page, answers, tested


def test_test_connection_of_another_server_does_not_send_the_stored_password(
    qtbot: QtBot, smtp_page: tuple[SettingsPage, Answers, list[SmtpSettings]]
) -> None:
    page, _answers, tested = smtp_page
    page.test_connection()
    qtbot.waitUntil(lambda: len(tested) == 1)
    assert tested[0].password == PASSWORD, "its own server gets it"
    page.host_edit.setText("smtp.new.example")
    page.test_connection()
    qtbot.waitUntil(lambda: len(tested) == 2)
    assert tested[1].password == "", "another server does not"


def test_saving_another_server_asks_keep_or_clear(
    ws: Session, smtp_page: tuple[SettingsPage, Answers, list[SmtpSettings]]
) -> None:
    page, answers, _tested = smtp_page
    page.port_spin.setValue(2525)
    assert page.save() is not None
    [asked] = answers.asked
    assert asked.secrets == ("SMTP password",) and asked.after == f"smtp://{USER}@smtp.old.example:2525"
    assert not ws.smtp.has_password() and "stored" not in page.password_edit.placeholderText()
    ws.smtp.set(replace(ws.smtp.get(), password=PASSWORD))
    page.load(ws.smtp.get())
    page.username_edit.setText("other-user")
    assert page.save() is not None and len(answers.asked) == 2
    assert ws.smtp.password_for(ws.smtp.get()) == PASSWORD, "kept for the new username"


def test_the_default_question_defaults_to_clear(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QWidget

    from postback_studio.ui.secret_prompts import ask_keep_or_clear

    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[QMessageBox] = []

    def exec_(box: QMessageBox) -> int:
        seen.append(box)
        box.defaultButton().click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    change = DestinationChange("trigger 'T'", ("signing secret",), "https://a.example:443", "https://b.example:443")
    assert ask_keep_or_clear(parent)(change) is SecretsChoice.CLEAR
    assert "https://b.example:443" in seen[0].text()
