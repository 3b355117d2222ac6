"""The review's steps, in the whole app as a user starts it: the Customers page's and the Triggers
page's trigger forms, Send Test on an active trigger, a refused save, and the test line's width.

These use only what the app offered before the fix (pages, forms, buttons, message boxes), so each
fails on the old code by its assertion. Message boxes are answered by patching ``QMessageBox.exec``
to click a named button, the way a user would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.model import Trigger, TriggerStatus
from tests.ui.conftest import shown_app

TRIGGER = "Order shipped to local inbox"


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box shown (its text); each is answered with its Cancel button."""
    shown: list[str] = []

    def answer(box: QMessageBox) -> int:
        shown.append(box.text())
        cancel = next((b for b in box.buttons() if b.text().replace("&", "") == "Cancel"), None)
        box.clickedButton = lambda: cancel  # type: ignore[method-assign]
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return shown


def seeded(app: Application) -> Trigger:
    listed = app.session.triggers.named(TRIGGER)
    assert listed.id is not None
    return app.session.triggers.get(listed.id)


def status_text(app: Application) -> str:
    """The status bar's whole message (a long one shows shortened, whole in the bar's tooltip)."""
    bar = app.window.statusBar()
    return bar.toolTip() or bar.currentMessage()


def forms(app: Application, trigger_id: int) -> tuple[QWidget, QWidget]:
    """The trigger open on the Customers page and on the Triggers page: (customers' form, triggers' form)."""
    customers, triggers = app.pages["Customers"], app.pages["Triggers"]
    customers.open_trigger(trigger_id)  # type: ignore[attr-defined]
    triggers.open_trigger(trigger_id)  # type: ignore[attr-defined]
    return customers.trigger_form, triggers.trigger_form  # type: ignore[attr-defined]


def test_a_save_on_the_customers_page_is_not_reverted_by_the_triggers_page(
        qtbot: QtBot, app: Application) -> None:
    trigger = seeded(app)
    assert trigger.id is not None
    on_customers, on_triggers = forms(app, trigger.id)
    on_customers.url_edit.setText("http://127.0.0.1:8765/acme-v2")  # type: ignore[attr-defined]
    assert on_customers.save() is not None  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: on_triggers.url_edit.text() == "http://127.0.0.1:8765/acme-v2",  # type: ignore[attr-defined]
                    timeout=5000)
    on_triggers.name_edit.setText("Renamed on the Triggers page")  # type: ignore[attr-defined]
    assert on_triggers.save() is not None  # type: ignore[attr-defined]
    stored = app.session.triggers.get(trigger.id)
    assert (stored.name, stored.url) == ("Renamed on the Triggers page", "http://127.0.0.1:8765/acme-v2")


def test_a_trigger_deleted_on_the_triggers_page_closes_it_on_the_customers_page(
        qtbot: QtBot, app: Application) -> None:
    trigger = seeded(app)
    assert trigger.id is not None
    on_customers, _ = forms(app, trigger.id)
    customers = app.pages["Customers"]
    assert customers.stack.currentIndex() == 1  # type: ignore[attr-defined]
    app.session.triggers.delete(trigger.id)
    qtbot.waitUntil(lambda: customers.stack.currentIndex() == 0, timeout=5000)  # type: ignore[attr-defined]
    on_customers.url_edit.setText("http://127.0.0.1:8765/zombie")  # type: ignore[attr-defined]
    on_customers.save()  # type: ignore[attr-defined]
    assert TRIGGER not in [t.name for t in app.session.triggers.list()]
    assert "no trigger with id" not in on_customers.general_error.text()  # type: ignore[attr-defined]


def test_send_test_does_not_silently_save_edits_into_an_active_trigger(
        qtbot: QtBot, app: Application, boxes: list[str]) -> None:
    trigger = seeded(app)
    assert trigger.id is not None and trigger.status is TriggerStatus.ACTIVE
    _, form = forms(app, trigger.id)
    form.url_edit.setText("http://alice:HUNTER2pw@127.0.0.1:9/x")  # type: ignore[attr-defined]
    form.send_test.button.click()  # type: ignore[attr-defined]
    assert any("is active" in text for text in boxes), boxes
    assert app.session.triggers.get(trigger.id).url == trigger.url, "Cancel: the live trigger is as it was"
    assert app.session.requests.count() == 0


def test_a_refused_save_never_leaves_saved_in_the_status_bar(qtbot: QtBot, app: Application) -> None:
    trigger = seeded(app)
    assert trigger.id is not None
    _, form = forms(app, trigger.id)
    form.name_edit.setText("Shipped, renamed")  # type: ignore[attr-defined]
    assert form.save() is not None  # type: ignore[attr-defined]
    assert status_text(app) == "Saved trigger 'Shipped, renamed'"
    form.url_edit.setText("ftp://nowhere")  # type: ignore[attr-defined]
    assert form.save() is None  # type: ignore[attr-defined]
    assert form.saved_note.isHidden()  # type: ignore[attr-defined]
    message = status_text(app)
    assert message.startswith("Not saved: URL must start with http"), message


@pytest.fixture(params=[(1024, 700), (1280, 800)], ids=["1024x700", "1280x800"])
def sized(request: pytest.FixtureRequest, qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    with shown_app(qtbot, tmp_path, request.param) as shown:
        yield shown


def test_the_test_line_has_the_forms_width_under_the_buttons(qtbot: QtBot, sized: Application) -> None:
    trigger = seeded(sized)
    assert trigger.id is not None
    sized.window.show_page("Triggers")  # type: ignore[attr-defined]
    page = sized.pages["Triggers"]
    page.open_trigger(trigger.id)  # type: ignore[attr-defined]
    form = page.trigger_form  # type: ignore[attr-defined]
    form.send_test.status.setText("Test failed after 3 attempts: HTTP 503 Service Unavailable from "
                             "http://127.0.0.1:8765/postbacks; the Requests page shows every attempt.")
    qtbot.waitUntil(lambda: form.send_test.status.width() > 0, timeout=5000)
    line = form.fontMetrics().lineSpacing()
    assert form.send_test.status.width() >= form.width() * 0.9, (form.send_test.status.width(), form.width())
    assert form.send_test.status.height() <= 3 * line, "two lines at most, never a sliver"
    assert form.send_test.status.geometry().top() >= form.save_button.mapTo(
        form.send_test.status.parentWidget(), form.save_button.rect().bottomLeft()).y()
