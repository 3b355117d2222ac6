"""Two trigger forms over one workspace (the Customers page's and the Triggers page's), as in the app.

A form shows what is stored: a save made in the other form (or by an import) is reloaded when the
form has no edits, and asked about (overwrite, reload, cancel) when it has; a trigger or customer
deleted elsewhere closes the form with a sentence, not a raw "no trigger with id 3". Send Test never
saves pending edits into an active trigger without asking. A refused save takes back "✓ Saved" and
says "Not saved" in the status bar. The forms, the services, the change bus and the SQLite file are
the real ones; only the questions are answered by a script.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from postback_studio.core.activation import sample_problems
from postback_studio.core.dispatch.progress import SendTestStatus
from postback_studio.core.model import Customer, Event, OutputFormat, Template, Trigger, TriggerStatus
from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.session import Session
from postback_studio.ui.field_errors import FieldErrors, PlainIssue, error_label
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.ui.trigger_prompts import StaleChoice
from postback_studio.workers.change_bridge import ChangeBridge
from postback_studio.workers.jobs import JobRunner

BODY = '{"order": {{ orderId|tojson }}}'


@dataclass
class ScriptedPrompts:
    """Answers the form's questions from lists and remembers what was asked."""

    stale: list[StaleChoice] = field(default_factory=list)
    before_test: list[bool] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def stale_save(self, name: str) -> StaleChoice:
        self.asked.append(("stale", name))
        return self.stale.pop(0)

    def save_before_test(self, name: str) -> bool:
        self.asked.append(("before test", name))
        return self.before_test.pop(0)


@dataclass
class Views:
    ws: Session
    customer_id: int
    trigger: Trigger
    customers_form: TriggerForm
    triggers_form: TriggerForm
    prompts: ScriptedPrompts
    status: list[str]


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(max_workers=1) as render_engine:
        yield render_engine


@pytest.fixture
def views(qtbot: QtBot, ws: Session, jobs: JobRunner, engine: RenderEngine) -> Iterator[Views]:
    customer = ws.customers.save(Customer("Acme"))
    assert customer.id is not None
    template = ws.templates.save(Template("Shipped JSON", format=OutputFormat.JSON, body=BODY))
    trigger = ws.triggers.save(Trigger("Acme shipped", customer.id, Event.SHIPPED,
                                       url="http://127.0.0.1:8765/acme", template_id=template.id,
                                       status=TriggerStatus.ACTIVE))
    prompts = ScriptedPrompts()
    bridge = ChangeBridge(ws.notices)
    status: list[str] = []

    def form() -> TriggerForm:
        made = TriggerForm(ws.triggers, ws.templates, jobs=jobs,
                           check_template=functools.partial(sample_problems, engine),
                           lookup_set_for=ws.lookups.lookup_set_for, customers=ws.customers,
                           prompts=prompts)
        qtbot.addWidget(made)
        bridge.changed.connect(made.on_change)
        made.status_message.connect(status.append)
        return made

    yield Views(ws, customer.id, trigger, form(), form(), prompts, status)
    bridge.close()


def settle(qtbot: QtBot) -> None:
    """Let the queued change notices reach the forms."""
    qtbot.wait(0)
    QApplication.processEvents()


def open_in_both(views: Views) -> int:
    trigger_id = views.trigger.id
    assert trigger_id is not None
    views.customers_form.load(views.ws.triggers.get(trigger_id))
    views.triggers_form.load(views.ws.triggers.get(trigger_id))
    return trigger_id


def test_a_save_in_one_form_shows_in_the_other_and_is_not_reverted(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    views.customers_form.url_edit.setText("http://127.0.0.1:8765/acme-v2")
    assert views.customers_form.save() is not None
    qtbot.waitUntil(lambda: views.triggers_form.url_edit.text() == "http://127.0.0.1:8765/acme-v2")
    assert not views.triggers_form.has_unsaved_changes()

    views.triggers_form.name_edit.setText("Acme shipped (renamed)")
    assert views.triggers_form.save() is not None
    stored = views.ws.triggers.get(trigger_id)
    assert (stored.name, stored.url) == ("Acme shipped (renamed)", "http://127.0.0.1:8765/acme-v2")
    assert views.prompts.asked == [], "nothing was in conflict"


def test_a_status_set_in_one_form_is_not_undone_by_a_save_in_the_other(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    views.triggers_form.status_box.setCurrentIndex(
        views.triggers_form.status_box.findData(TriggerStatus.INACTIVE))
    assert views.triggers_form.save() is not None
    qtbot.waitUntil(lambda: views.customers_form.status_box.currentData() == TriggerStatus.INACTIVE)
    views.customers_form.name_edit.setText("Acme shipped!")
    assert views.customers_form.save() is not None
    assert views.ws.triggers.get(trigger_id).status is TriggerStatus.INACTIVE


def test_saving_edits_over_a_change_made_elsewhere_asks_first(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    views.triggers_form.name_edit.setText("Typed on the Triggers page")
    views.customers_form.url_edit.setText("http://127.0.0.1:8765/acme-v2")
    assert views.customers_form.save() is not None
    settle(qtbot)
    assert views.triggers_form.name_edit.text() == "Typed on the Triggers page", "edits are never dropped"
    assert "changed elsewhere" in views.triggers_form.send_test.status.text()

    views.prompts.stale = [StaleChoice.CANCEL, StaleChoice.RELOAD]
    assert views.triggers_form.save() is None
    assert views.ws.triggers.get(trigger_id).name == "Acme shipped", "Cancel saved nothing"
    assert views.triggers_form.save() is None
    assert views.triggers_form.url_edit.text() == "http://127.0.0.1:8765/acme-v2", "Reload shows the stored"
    assert views.triggers_form.name_edit.text() == "Acme shipped"
    assert not views.triggers_form.has_unsaved_changes()

    views.triggers_form.name_edit.setText("Mine wins")
    views.customers_form.url_edit.setText("http://127.0.0.1:8765/acme-v3")
    assert views.customers_form.save() is not None
    settle(qtbot)
    views.prompts.stale = [StaleChoice.OVERWRITE]
    assert views.triggers_form.save() is not None
    stored = views.ws.triggers.get(trigger_id)
    assert (stored.name, stored.url) == ("Mine wins", "http://127.0.0.1:8765/acme-v2"), "overwritten"
    assert [kind for kind, _ in views.prompts.asked] == ["stale", "stale", "stale"]


def test_a_change_made_by_an_import_is_reloaded_too(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    views.ws.triggers.save(replace(views.ws.triggers.get(trigger_id), url="https://erp.example/hook"))
    qtbot.waitUntil(lambda: views.triggers_form.url_edit.text() == "https://erp.example/hook")
    qtbot.waitUntil(lambda: views.customers_form.url_edit.text() == "https://erp.example/hook")


def test_a_trigger_deleted_elsewhere_closes_the_form_with_a_sentence(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    closed: list[str] = []
    views.customers_form.trigger_closed.connect(closed.append)
    views.customers_form.url_edit.setText("http://127.0.0.1:8765/zombie")
    views.ws.triggers.delete(trigger_id)
    assert views.customers_form.save() is None, "saved before the notice arrived: still refused"
    assert views.ws.triggers.list() == [], "not brought back to life"
    text = views.customers_form.send_test.status.text()
    assert text == "Trigger 'Acme shipped' was deleted elsewhere; its form was closed and nothing was saved."
    assert "no trigger with id" not in views.customers_form.general_error.text()
    assert closed == [text] and views.customers_form.current_trigger().id is None
    qtbot.waitUntil(lambda: views.triggers_form.current_trigger().id is None)
    assert "was deleted elsewhere" in views.triggers_form.send_test.status.text()
    assert views.status[-1].startswith("Trigger 'Acme shipped' was deleted elsewhere")


def test_deleting_the_customer_closes_its_new_trigger_form(qtbot: QtBot, views: Views) -> None:
    views.triggers_form.new_trigger(views.customer_id)
    views.triggers_form.name_edit.setText("Zeta hook")
    views.ws.customers.delete(views.customer_id, cascade=True)
    status = views.triggers_form.send_test.status
    qtbot.waitUntil(lambda: "customer of this new trigger was deleted" in status.text())
    assert views.triggers_form.name_edit.text() == ""
    assert views.triggers_form.save() is None
    assert "customer_id" not in views.triggers_form.general_error.text()


def test_send_test_asks_before_saving_edits_into_an_active_trigger(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    form = views.triggers_form
    form.url_edit.setText("http://127.0.0.1:9/x")
    views.prompts.before_test = [False, True]
    sent: list[int] = []
    form.send_test_requested.connect(sent.append)
    form.send_test.button.click()
    assert sent == [] and views.ws.triggers.get(trigger_id).url == "http://127.0.0.1:8765/acme"
    assert form.url_edit.text() == "http://127.0.0.1:9/x", "Cancel keeps the edits"
    form.send_test.button.click()
    assert sent == [trigger_id] and views.ws.triggers.get(trigger_id).url == "http://127.0.0.1:9/x"
    assert form.send_test.status.text() == "Saved your changes; sending test…"
    assert form.saved_note.message() == "Saved trigger 'Acme shipped'"
    assert views.prompts.asked == [("before test", "Acme shipped"), ("before test", "Acme shipped")]


def test_send_test_of_a_draft_saves_without_asking_and_says_so(qtbot: QtBot, views: Views) -> None:
    trigger_id = open_in_both(views)
    views.ws.triggers.save(replace(views.ws.triggers.get(trigger_id), status=TriggerStatus.DRAFT))
    form = views.triggers_form
    qtbot.waitUntil(lambda: form.status_box.currentData() == TriggerStatus.DRAFT)
    form.url_edit.setText("http://127.0.0.1:9/draft")
    with qtbot.waitSignal(form.send_test_requested):
        form.send_test.button.click()
    assert views.ws.triggers.get(trigger_id).url == "http://127.0.0.1:9/draft"
    assert form.send_test.status.text() == "Saved your changes; sending test…"
    assert views.prompts.asked == []
    form.send_test.on_status(SendTestStatus(trigger_id, "failed after 1 attempt: HTTP 503", finished=True))
    with qtbot.waitSignal(form.send_test_requested):
        form.send_test.button.click()
    assert form.send_test.status.text() == "Sending test…", "nothing to save: nothing said about saving"


def test_a_refused_save_takes_back_saved_and_says_not_saved(qtbot: QtBot, views: Views) -> None:
    open_in_both(views)
    form = views.triggers_form
    form.name_edit.setText("Acme shipped v2")
    assert form.save() is not None
    assert form.saved_note.isVisibleTo(form) and views.status[-1] == "Saved trigger 'Acme shipped v2'"
    form.name_edit.setText("")
    assert form.save() is None
    assert not form.saved_note.isVisibleTo(form) and form.saved_note.message() == ""
    assert views.status[-1] == "Not saved: Name is required"


def test_messages_no_field_shows_still_name_their_field(qtbot: QtBot) -> None:
    general = error_label()
    errors = FieldErrors(general)
    errors.show([PlainIssue("customer_id", "no customer with id 3"), PlainIssue("", "the file is locked")])
    assert errors.general_message() == "Customer: no customer with id 3\nThe file is locked"
    errors.show([PlainIssue("retry.max_attempts", "must be at least 1")])
    assert errors.general_message() == "Retry must be at least 1"
