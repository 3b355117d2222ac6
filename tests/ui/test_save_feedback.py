"""Every save says so (issue 13, section 3): beside its Save button and in the status bar, on every page.

Customers and lookup tables were saved without a word. Each save here goes through the real app and
its workspace; a refused save shows its reasons instead and no confirmation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.ui.save_feedback import SavedNote
from tests.ui.conftest import shown_app


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    with shown_app(qtbot, tmp_path) as application:
        yield application


def confirmed(app: Application, note: SavedNote, message: str) -> None:
    """The note beside the button says it was saved, and the status bar says what."""
    assert note.isVisible() and note.text().startswith("✓ Saved "), note.text()
    assert note.message() == message
    assert app.window.statusBar().currentMessage() == message


def test_a_customer_save_is_confirmed_and_a_refusal_is_not(app: Application, qtbot: QtBot) -> None:
    page = app.pages["Customers"]
    app.window.show_page("Customers")
    page.new_button.click()  # type: ignore[attr-defined]
    page.name_edit.setText("Acme Prints")  # type: ignore[attr-defined]
    page.save_button.click()  # type: ignore[attr-defined]
    confirmed(app, page.saved_note, "Saved customer 'Acme Prints'")  # type: ignore[attr-defined]
    page.new_button.click()  # type: ignore[attr-defined]
    assert not page.saved_note.isVisible(), "another customer on show: nothing saved yet"  # type: ignore[attr-defined]
    page.name_edit.setText("")  # type: ignore[attr-defined]
    page.save_button.click()  # type: ignore[attr-defined]
    assert not page.saved_note.isVisible()  # type: ignore[attr-defined]
    assert page.errors.messages()["name"]  # type: ignore[attr-defined]


def test_a_lookup_table_save_is_confirmed(app: Application, qtbot: QtBot) -> None:
    page = app.pages["Lookups"]
    table = next(t for t in app.session.lookups.list() if t.template_field == "shipmentMethodUid")
    assert table.id is not None
    app.window.show_page("Lookups")
    page.select_table(table.id)  # type: ignore[attr-defined]
    page.description_edit.setText("Carriers we ship with")  # type: ignore[attr-defined]
    page.save_button.click()  # type: ignore[attr-defined]
    confirmed(app, page.saved_note, f"Saved lookup table '{table.name}' ({len(table.rows)} rows)")  # type: ignore[attr-defined]
    assert app.session.lookups.get(table.id).description == "Carriers we ship with"


def test_a_trigger_save_is_confirmed_on_both_pages_that_edit_triggers(app: Application, qtbot: QtBot) -> None:
    trigger = next(t for t in app.session.triggers.list() if t.name == "Order shipped to local inbox")
    assert trigger.id is not None
    for name in ("Triggers", "Customers"):
        page = app.pages[name]
        app.window.show_page(name)
        page.open_trigger(trigger.id)  # type: ignore[attr-defined]
        form = page.trigger_form  # type: ignore[attr-defined]
        form.save_button.click()
        confirmed(app, form.saved_note, "Saved trigger 'Order shipped to local inbox'")


def test_template_and_sample_payload_saves_are_confirmed(app: Application, qtbot: QtBot) -> None:
    page = app.pages["Templates"]
    app.window.show_page("Templates")
    template = page.current_template()  # type: ignore[attr-defined]
    page.view.editor.insert_at_cursor(" ")  # type: ignore[attr-defined]
    qtbot.keyClick(page.view.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    confirmed(app, page.saved_note, f"Saved template '{template.name}'")  # type: ignore[attr-defined]

    samples = page.samples  # type: ignore[attr-defined]
    page.prompter.ask_text = lambda *_args: "my shipped"  # type: ignore[attr-defined]
    assert samples.new_from_builtin()
    page.view.payload_editor.setPlainText('{"orderId": "A-1"}')  # type: ignore[attr-defined]
    samples.save_button.click()
    confirmed(app, samples.saved_note, "Saved payload 'my shipped'")


def test_smtp_and_local_inbox_settings_saves_are_confirmed(app: Application, qtbot: QtBot) -> None:
    page = app.pages["Settings"]
    app.window.show_page("Settings")
    page.host_edit.setText("smtp.psp.example")  # type: ignore[attr-defined]
    page.save_button.click()  # type: ignore[attr-defined]
    port = app.session.smtp.get().port
    confirmed(app, page.saved_note, f"Saved the SMTP settings (smtp.psp.example:{port})")  # type: ignore[attr-defined]
    page.http_port_spin.setValue(18765)  # type: ignore[attr-defined]
    page.smtp_port_spin.setValue(12525)  # type: ignore[attr-defined]
    page.apply_ports_button.click()  # type: ignore[attr-defined]
    confirmed(app, page.inbox_saved_note,  # type: ignore[attr-defined]
              "Saved the local inbox settings: HTTP port 18765, SMTP port 12525, bodies up to 10 MB")
    assert app.settings.value("inbox/http_port") == 18765
