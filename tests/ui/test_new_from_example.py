"""Templates > New from Example…, driven as a user would in the whole app on a fresh demo workspace."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.errors import WorkspaceError
from postback_studio.core.model import Event, OutputFormat, TemplateKind, TemplateStatus
from postback_studio.core.new_from_example import ScaffoldDraft
from postback_studio.core.records import SamplePayload
from postback_studio.core.render.result import Severity
from postback_studio.core.samples import load_sample
from postback_studio.core.template_library import user_sample_key
from postback_studio.core.window_size import fitted_dialog
from postback_studio.ui.new_from_example import PASTED, NewFromExampleDialog
from postback_studio.ui.templates_page import TemplatesPage
from tests.core.scaffold.corpus import ROOT

#: The receiver's example for the single-item ``shipped`` sample. ``shipmentFor`` is a tie: the order's
#: reference is at ``orderReferenceId`` and at ``order.referenceId``, and neither key is like it.
EXAMPLE = """{
  "shipmentFor": "ACME-100234",
  "status": "shipped",
  "parcels": [
    {
      "sku": "POSTER-A3",
      "tracking": "1Z999AA10123456784"
    }
  ]
}"""
PARCELS = (ROOT / "flattened-parcels" / "example.json").read_text(encoding="utf-8")


def templates_page(app: Application) -> TemplatesPage:
    page = app.pages["Templates"]
    assert isinstance(page, TemplatesPage)
    return page


def open_dialog(qtbot: QtBot, app: Application) -> NewFromExampleDialog:
    """Templates > New from Example… from the menu, as a user picks it."""
    app.window.show()
    page = templates_page(app)
    qtbot.waitUntil(lambda: page.last_render() is not None, timeout=10_000)
    with qtbot.waitSignal(page.from_example.dialog_opened, timeout=5000) as opened:
        page.menu.new_from_example_action.trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, NewFromExampleDialog) and dialog.isVisible()
    return dialog


def settled(dialog: NewFromExampleDialog) -> bool:
    """True when the scaffold on show is of what the dialog asks for now (nothing pending)."""
    draft = dialog.draft
    return draft is not None and not dialog.worker.busy and draft.request == dialog.request()


def wait_for_draft(qtbot: QtBot, dialog: NewFromExampleDialog) -> ScaffoldDraft:
    qtbot.waitUntil(lambda: settled(dialog), timeout=10_000)
    assert dialog.draft is not None
    return dialog.draft


def paste_example(qtbot: QtBot, dialog: NewFromExampleDialog, text: str) -> ScaffoldDraft:
    QGuiApplication.clipboard().setText(text)
    qtbot.mouseClick(dialog.paste_button, Qt.MouseButton.LeftButton)
    assert dialog.example_editor.toPlainText() == text
    return wait_for_draft(qtbot, dialog)


def pick_sample(qtbot: QtBot, dialog: NewFromExampleDialog, key: str) -> None:
    assert dialog.choose_sample(key)
    wait_for_draft(qtbot, dialog)


def create(qtbot: QtBot, app: Application, dialog: NewFromExampleDialog) -> int:
    """Create Template, and wait until the editor's preview shows the diff against the example."""
    page = templates_page(app)
    assert dialog.create_button.isEnabled()
    with qtbot.waitSignal(page.from_example.template_created, timeout=5000) as created:
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    template_id = int(created.args[0])
    view = page.from_example.comparison.diff_view
    qtbot.waitUntil(
        lambda: view.diff is not None and view.isVisible() and shows_chosen_sample(page), timeout=10_000
    )
    return template_id


def shows_chosen_sample(page: TemplatesPage) -> bool:
    render = page.last_render()
    return render is not None and render.request.payload == page.samples.payload


def test_the_journey_from_a_pasted_example_to_a_template_with_a_clean_diff(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app)
    names_before = {t.name for t in app.session.templates.list()}
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped")
    draft = paste_example(qtbot, dialog, EXAMPLE)
    assert draft.problem is None and dialog.format_note.text() == "detected: JSON"

    table = dialog.mapping
    assert table.example_paths() == [
        "shipmentFor",
        "status",
        "parcels",
        "parcels[].sku",
        "parcels[].tracking",
    ]
    assert table.text("shipmentFor", "Payload path") == "orderReferenceId (exact)"
    assert "tie: the value is also at order.referenceId" in table.text("shipmentFor", "How it matched")
    assert table.item(0, 0).icon().isNull() is False, "an uncertain row carries a warning sign"
    assert table.text("parcels", "Payload path").startswith("loop over items[]")
    assert table.text("parcels[].tracking", "Payload path") == "items[].fulfillments[].trackingCode (exact)"
    assert "{{ orderReferenceId|tojson }}" in dialog.template_view.toPlainText()
    assert dialog.verdict_label.text() == "Identical to the example on Order shipped."

    table.choose("shipmentFor", "order.referenceId")
    draft = wait_for_draft(qtbot, dialog)
    assert table.text("shipmentFor", "Payload path") == "order.referenceId (exact)"
    assert '"shipmentFor": {{ order.referenceId|tojson }},' in dialog.template_view.toPlainText()
    assert draft.check is not None and draft.check.reproduces

    name = dialog.name_edit.text()
    assert name == "shipped-json-from-example" and name not in names_before
    template_id = create(qtbot, app, dialog)

    stored = app.session.templates.get(template_id)
    assert (stored.name, stored.kind, stored.format, stored.status) == (
        name,
        TemplateKind.WEBHOOK,
        OutputFormat.JSON,
        TemplateStatus.DRAFT,
    )
    assert stored.body == draft.template
    current = page.current_template()
    assert current is not None and current.id == template_id
    assert page.view.template_text() == stored.body and not page.editor.dirty
    assert page.samples.key == "shipped"
    view = page.from_example.comparison.diff_view
    assert view.diff is not None and view.diff.comparison.identical
    assert view.verdict.text() == "Identical to the example on Order shipped."
    assert view.marked_lines() == []
    assert page.view.output_view.isHidden(), "the diff takes the preview's place"


def test_an_edit_that_breaks_the_output_shows_as_a_difference(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app)
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped")
    paste_example(qtbot, dialog, EXAMPLE)
    create(qtbot, app, dialog)
    view = page.from_example.comparison.diff_view
    text = page.view.template_text().replace("{{ order", '"A-1", "was": {{ order', 1)
    with qtbot.waitSignal(page.from_example.comparison.compared, timeout=10_000):
        page.view.editor.setPlainText(text)
    assert view.diff is not None and not view.diff.comparison.equivalent
    assert view.verdict.text().startswith("Differs from the example on Order shipped: ")
    assert ("output", '  "shipmentFor": "A-1", "was": "ACME-100234",') in view.marked_lines()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert view.isHidden() and page.view.output_view.isVisible()


def test_an_xml_example_opened_from_a_file(
    qtbot: QtBot, app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = templates_page(app)
    source = ROOT / "xml-attributes" / "example.xml"
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped.multi-item")
    monkeypatch.setattr(page.prompter, "open_path", lambda *_args: source)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    draft = wait_for_draft(qtbot, dialog)
    assert draft.problem is None and draft.request.fmt is OutputFormat.XML
    assert dialog.format_note.text() == "detected: XML"
    assert dialog.name_edit.text() == "example", "named after the file"
    assert "/orderStatus/item" in dialog.mapping.example_paths()
    assert "|e }}" in dialog.template_view.toPlainText()
    template_id = create(qtbot, app, dialog)
    assert app.session.templates.get(template_id).format is OutputFormat.XML
    view = page.from_example.comparison.diff_view
    assert view.diff is not None and view.diff.comparison.equivalent
    assert page.samples.key == "shipped.multi-item"


def test_the_format_can_be_overridden(qtbot: QtBot, app: Application) -> None:
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped")
    paste_example(qtbot, dialog, EXAMPLE)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("xml"))
    draft = wait_for_draft(qtbot, dialog)
    assert draft.problem is not None and "not well-formed XML" in draft.problem.message


def test_bad_input_shows_where_and_creates_nothing(qtbot: QtBot, app: Application) -> None:
    before = len(app.session.templates.list())
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped")
    draft = paste_example(qtbot, dialog, '{\n  "a": 1,\n  "b" 2\n}')
    assert draft.problem is not None
    text = dialog.problem_label.text()
    assert text == "Example, line 3, column 7: the example is not valid JSON: Expecting ':' delimiter"
    assert dialog.example_editor.marks() == ((3, Severity.ERROR, draft.problem.message),)
    assert dialog.mapping.rowCount() == 0 and not dialog.create_button.isEnabled()

    paste_example(qtbot, dialog, EXAMPLE)
    assert dialog.example_editor.marks() == () and dialog.create_button.isEnabled()
    assert dialog.choose_sample(PASTED) and dialog.pasted_box.isVisible()
    dialog.payload_editor.setPlainText('{\n  "orderId": 1,\n}')
    wait_for_draft(qtbot, dialog)
    assert dialog.problem_label.text().startswith("Payload, line 3, column 1: not valid JSON: ")
    assert dialog.payload_editor.marks()[0][0] == 3
    dialog.payload_editor.setPlainText("[1, 2]")
    wait_for_draft(qtbot, dialog)
    assert dialog.problem_label.text() == (
        "Payload, line 1, column 1: the payload must be a JSON object "
        "(its keys are the names the template reads)"
    )
    assert "Traceback" not in dialog.problem_label.text()
    dialog.create_template()
    assert dialog.isVisible() and len(app.session.templates.list()) == before


def test_cancel_leaves_the_workspace_and_the_editor_as_they_were(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app)
    templates = app.session.templates.list()
    samples = app.session.samples.list()
    shown = page.current_template()
    dialog = open_dialog(qtbot, app)
    paste_example(qtbot, dialog, EXAMPLE)
    dialog.choose_sample(PASTED)
    dialog.payload_editor.setPlainText(json.dumps(load_sample("shipped")))
    wait_for_draft(qtbot, dialog)
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
        )
    assert app.session.templates.list() == templates and app.session.samples.list() == samples
    assert page.current_template() == shown and page.from_example.dialog is None


def test_a_taken_name_is_refused_under_the_field_and_nothing_is_saved(qtbot: QtBot, app: Application) -> None:
    before = app.session.templates.list()
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped")
    paste_example(qtbot, dialog, EXAMPLE)
    dialog.name_edit.setText("order-shipped")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.errors.messages()["name"] == "A template named 'order-shipped' already exists"
    assert app.session.templates.list() == before


def test_a_pasted_payload_is_kept_as_a_sample_the_new_template_previews_on(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app)
    dialog = open_dialog(qtbot, app)
    dialog.choose_sample(PASTED)
    payload = json.dumps(load_sample("shipped"), indent=2)
    dialog.payload_editor.setPlainText(payload)
    assert dialog.event_combo.currentData() == Event.SHIPPED.value, "the event is the payload's eventType"
    paste_example(qtbot, dialog, EXAMPLE)
    dialog.name_edit.setText("acme-shipped")
    template_id = create(qtbot, app, dialog)
    (sample,) = [s for s in app.session.samples.list() if s.name == "acme-shipped (example's payload)"]
    assert (sample.event, sample.payload) == (Event.SHIPPED, payload)
    assert sample.id is not None and page.samples.key == user_sample_key(sample.id)
    assert app.session.templates.get(template_id).name == "acme-shipped"
    view = page.from_example.comparison.diff_view
    assert view.diff is not None and view.diff.comparison.identical


def test_another_loop_rescaffolds_keeps_the_choices_that_fit_and_names_the_others(
    qtbot: QtBot, app: Application
) -> None:
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped.multi-item")
    paste_example(qtbot, dialog, PARCELS)
    table = dialog.mapping
    table.choose("shipmentFor", "order.referenceId")
    wait_for_draft(qtbot, dialog)
    table.choose("parcels[].carrier", "items[].fulfillments[].shipmentMethodName (by hand)")
    wait_for_draft(qtbot, dialog)
    assert "{{ fulfillment.shipmentMethodName|tojson }}" in dialog.template_view.toPlainText()
    assert table.text("parcels[].carrier", "How it matched").startswith("chosen by hand")
    assert dialog.dropped_label.isHidden()

    table.choose("parcels", "loop over items[]")
    wait_for_draft(qtbot, dialog)
    template = dialog.template_view.toPlainText()
    assert "{%- for item in items %}" in template and "fulfillments" not in template
    assert table.text("shipmentFor", "Payload path") == "order.referenceId (exact)"
    assert dialog.dropped_label.isVisible()
    assert dialog.dropped_label.text().startswith(
        "parcels[].carrier: items[].fulfillments[].shipmentMethodName no longer applies"
    )
    table.choose("parcels", "loop over items[].fulfillments[]")
    wait_for_draft(qtbot, dialog)
    assert "{{ fulfillment.shipmentMethodName|tojson }}" in dialog.template_view.toPlainText()
    assert dialog.dropped_label.isHidden(), "back under its loop, the choice applies again"


def test_a_constant_can_be_mapped_by_hand_and_a_value_kept_as_written(qtbot: QtBot, app: Application) -> None:
    dialog = open_dialog(qtbot, app)
    pick_sample(qtbot, dialog, "shipped")
    paste_example(qtbot, dialog, EXAMPLE.replace('"status": "shipped"', '"status": "on its way"'))
    table = dialog.mapping
    assert table.text("status", "How it matched") == "constant (kept as written)"
    table.choose("status", "fulfillmentStatus (by hand)")
    wait_for_draft(qtbot, dialog)
    assert '"status": {{ fulfillmentStatus|tojson }},' in dialog.template_view.toPlainText()
    assert dialog.verdict_label.text().startswith("Differs from the example on Order shipped: status")
    table.choose("parcels[].sku", "as written")
    wait_for_draft(qtbot, dialog)
    assert '"sku": "POSTER-A3",' in dialog.template_view.toPlainText()


def test_the_dialog_follows_samples_saved_elsewhere(qtbot: QtBot, app: Application) -> None:
    dialog = open_dialog(qtbot, app)
    saved = app.session.samples.save(
        SamplePayload("big order", Event.SHIPPED, json.dumps(load_sample("shipped")))
    )
    assert saved.id is not None
    qtbot.waitUntil(lambda: dialog.sample_combo.findData(user_sample_key(saved.id)) >= 0, timeout=5000)
    keys = [dialog.sample_combo.itemData(i) for i in range(dialog.sample_combo.count())]
    assert keys.index(user_sample_key(saved.id)) == keys.index("shipped.multi-item") + 1
    assert keys[:3] == ["received", "received.multi-item", "produced"], "samples in the order's life"


def test_new_from_example_is_in_the_templates_menu_and_the_new_button(app: Application) -> None:
    page = templates_page(app)
    assert page.menu.new_from_example_action in page.actions()
    assert page.menu.new_from_example_action in page.library.new_menu.actions()
    assert page.menu.new_from_example_action.shortcut().toString() == "Ctrl+Shift+N"


def test_a_payload_that_cannot_be_kept_undoes_the_template(
    qtbot: QtBot, app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Create saves two things; when the second fails the first is taken back: the workspace is as it was."""
    templates, samples = app.session.templates.list(), app.session.samples.list()
    dialog = open_dialog(qtbot, app)
    dialog.choose_sample(PASTED)
    dialog.payload_editor.setPlainText(json.dumps(load_sample("shipped")))
    paste_example(qtbot, dialog, EXAMPLE)

    def refuse(_sample: SamplePayload) -> SamplePayload:
        raise WorkspaceError("the workspace is read-only")

    monkeypatch.setattr(app.session.samples, "save", refuse)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.errors.general_message() == (
        "Cannot keep the pasted payload, so nothing was created: the workspace is read-only"
    )
    assert app.session.templates.list() == templates and app.session.samples.list() == samples


@pytest.mark.parametrize("screen", [(1024, 700), (1280, 800), (800, 600)])
def test_the_dialog_opens_at_a_size_that_fits_the_screen(screen: tuple[int, int]) -> None:
    width, height = fitted_dialog((1240, 760), *screen)
    assert width <= screen[0] and height <= screen[1]
    assert fitted_dialog((1240, 760), 2560, 1440) == (1240, 760)


def test_the_dialog_fits_on_the_screen_it_opens_on(qtbot: QtBot, app: Application) -> None:
    dialog = open_dialog(qtbot, app)
    room = dialog.screen().availableGeometry()
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700, hint  # it can fit a 1024x700 screen
    # The test screen (800 px wide) is narrower than the dialog's least width; then that wins.
    assert dialog.width() <= max(room.width(), hint.width())
    assert dialog.height() <= max(room.height(), hint.height())
