"""The template doctor in the Templates page, driven as a user would, through the real app and engine.

Check Edge Cases on the help article's template, jump to a finding and see its output; quick fixes
with Ctrl+. (and a menu when several apply), undone in one step; what changes if I save this, before
and after a save and between two versions in History; and our own templates, a correct one with no
finding and no lint, a buggy one with both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.doctor.base import Lint
from postback_studio.core.doctor.edge_cases import INVALID_JSON, INVALID_XML, TEMPLATE_ERROR
from postback_studio.core.model import Event, OutputFormat, Template, TemplateKind
from postback_studio.core.records import SamplePayload
from postback_studio.core.render.result import Diagnostic, Severity
from postback_studio.core.samples import load_sample
from postback_studio.core.template_library import content_of
from postback_studio.ui.edge_case_check import CHOSEN_LAYER, FINDINGS_LAYER
from postback_studio.ui.quick_fix import LINT_LAYER
from postback_studio.ui.templates_page import TemplatesPage

#: Our own correct template: every value through |tojson, a comma flag across nested loops, arrays
#: that may be empty, text built before it is quoted. No finding and no lint is allowed.
CORRECT = """{%- set comma = namespace(first=true) -%}
{
  "reference": {{ orderReferenceId|tojson }},
  "recipient": {{ (shippingAddress.firstName ~ " " ~ shippingAddress.lastName)|tojson }},
  "city": {{ shippingAddress.city|tojson }},
  "rush": {{ (order.metadata.isRush == "True")|tojson }},
  "parcels": [
  {%- for item in items %}
    {%- for f in item.fulfillments %}
    {%- if not comma.first %},{% endif %}{% set comma.first = false %}
    {"sku": {{ item.sku|tojson }}, "qty": {{ item.quantity|tojson }}, "code": {{ f.trackingCode|tojson }}}
    {%- endfor %}
  {%- endfor %}
  ],
  "lines": {{ items|length }}
}
"""
#: Two lints on one spot: a value in a JSON string, read from an array that may be empty.
FIRST_SKU = """{"order": {{ orderReferenceId|tojson }},
 "first": "{{ items[0].sku }}"}
"""
#: Our own buggy XML template: nothing escaped, and the first fulfillment read unguarded.
BUGGY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<shipment ref="{{ orderReferenceId }}">
  <recipient>{{ shippingAddress.lastName }}</recipient>
  <carrier>{{ items[0].fulfillments[0].carrierName|e }}</carrier>
</shipment>
"""


def templates_page(app: Application, qtbot: QtBot) -> TemplatesPage:
    page = app.pages["Templates"]
    assert isinstance(page, TemplatesPage)
    app.window.resize(1280, 800)
    app.window.show()
    qtbot.waitExposed(app.window)
    app.window.show_page("Templates")
    return page


def shows_editor_text(page: TemplatesPage) -> bool:
    render = page.last_render()
    return render is not None and page.view.template_text() in content_of(render.request.template)


def open_named(qtbot: QtBot, page: TemplatesPage, name: str) -> None:
    template = page._templates.get_by_name(name)
    assert template is not None and template.id is not None
    page.open_template(template.id)
    qtbot.waitUntil(lambda: shows_editor_text(page), timeout=10_000)


def create(qtbot: QtBot, page: TemplatesPage, name: str, fmt: OutputFormat, body: str) -> None:
    page._templates.save(Template(name, TemplateKind.WEBHOOK, fmt, body=body))
    page.refresh_library()
    open_named(qtbot, page, name)


def lint_codes(page: TemplatesPage) -> list[tuple[str, int]]:
    """The lints in Problems, as (code, line)."""
    return [
        (d.code, d.location.line if d.location else 0)
        for d in page.view.problems.diagnostics()
        if d.severity is Severity.WARNING and d.code != "unresolved-field"
    ]


def run_edge_cases(qtbot: QtBot, page: TemplatesPage) -> object:
    with qtbot.waitSignal(page.edge_cases.check_finished, timeout=30_000) as finished:
        qtbot.mouseClick(page.edge_case_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def click_fix(qtbot: QtBot, page: TemplatesPage, lint: Diagnostic) -> None:
    """Click the Fix button of the row of ``lint`` in Problems."""
    problems = page.view.problems
    fix = problems.action_rect(lint, "Fix")
    assert fix is not None
    with qtbot.waitSignal(page.quick_fixes.fix_applied):
        qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=fix.center())


def rendered_again(qtbot: QtBot, page: TemplatesPage) -> None:
    qtbot.waitUntil(lambda: shows_editor_text(page), timeout=10_000)


# -- Check edge cases ------------------------------------------------------------------------------


def test_check_edge_cases_finds_the_article_mistakes_and_jumps_to_them(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped-article")
    report = run_edge_cases(qtbot, page)
    results = page.edge_cases.results
    found = [(f.location.line, f.location.column, f.category) for f in report.findings]  # type: ignore[attr-defined]
    assert found == [
        (3, 16, INVALID_JSON),
        (4, 25, INVALID_JSON),
        (5, 18, INVALID_JSON),
        (6, 15, INVALID_JSON),
        (8, 16, INVALID_JSON),
        (9, 23, INVALID_JSON),
        (10, 21, INVALID_JSON),
        (11, 20, INVALID_JSON),
        (12, 16, INVALID_JSON),
    ]
    assert results.tree.topLevelItemCount() == 9
    assert page.view.bottom_tabs is not None and page.view.bottom_tabs.currentWidget() is results
    assert page.view.bottom_tabs.tabText(1) == "Edge Cases (9)"
    assert results.summary.text().startswith("9 findings from ")
    editor = page.view.editor
    assert [line for line, _, _ in editor.marks(FINDINGS_LAYER)] == [3, 4, 5, 6, 8, 9, 10, 11, 12]

    # The first finding is chosen: the cursor is on its template line, the tag marked.
    assert editor.cursor_line_column() == (3, 16)
    ((start, end, _, _),) = editor.ranges(CHOSEN_LAYER)
    assert editor.toPlainText()[start:end] == "{{ orderId }}"
    loops = results.tree.topLevelItem(5)
    assert loops.text(2) == "{% for fulfillment in item.fulfillments %}"
    results.tree.setCurrentItem(loops.child(1))
    assert editor.cursor_line_column() == (9, 23)
    ((start, end, _, _),) = editor.ranges(CHOSEN_LAYER)
    assert editor.toPlainText()[start:end] == "{% for fulfillment in item.fulfillments %}"
    assert "shipped.multi-item (the sample as it is)" in results.what.text()

    # The output of that variant on demand, the invalid spot marked.
    qtbot.mouseClick(results.output_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: results.output_view.toPlainText() != "", timeout=10_000)
    output = results.output_view.toPlainText()
    location = report.findings[5].examples[1].diagnostic.location  # type: ignore[attr-defined]
    assert location is not None and results.output_view.marked_output_line == location.line
    ((spot, _, severity, _),) = results.output_view.ranges("invalid")
    assert severity is Severity.ERROR
    assert output.count('"trackingCode"') > 1  # the multi-item sample's fulfillments, no commas
    with pytest.raises(json.JSONDecodeError):
        json.loads(output)
    assert output.split("\n")[location.line - 1] != ""
    assert (
        spot == sum(len(line) + 1 for line in output.split("\n")[: location.line - 1]) + location.column - 1
    )

    # Once asked for, the output follows the chosen variant.
    results.tree.setCurrentItem(results.tree.topLevelItem(0).child(0))
    qtbot.waitUntil(lambda: '"orderId": "a"b"' in results.output_view.toPlainText(), timeout=10_000)
    assert results.output_view.marked_output_line == 3


def test_an_edit_stops_a_running_check_and_outdates_results(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped-article")
    finished: list[object] = []
    page.edge_cases.check_finished.connect(finished.append)
    with qtbot.waitSignal(page.edge_cases.check_stopped) as stopped:
        page.edge_case_button.click()
        assert page.edge_cases.running and not page.edge_case_button.isEnabled()
        page.view.editor.textCursor().insertText(" ")
    assert stopped.args[0].startswith("Stopped: the template changed while checking")
    assert page.edge_case_button.isEnabled()
    assert app.jobs.wait(20_000)
    qtbot.wait(50)  # the stopped job's answer is delivered, and dropped
    assert finished == [] and page.edge_cases.report is None

    report = run_edge_cases(qtbot, page)
    assert page.view.editor.marks(FINDINGS_LAYER)
    page.view.editor.textCursor().insertText(" ")
    assert page.edge_cases.results.outdated
    assert page.view.bottom_tabs is not None and page.view.bottom_tabs.tabText(1) == "Edge Cases"
    assert page.edge_cases.results.summary.text().startswith("Outdated: the template changed")
    assert page.view.editor.marks(FINDINGS_LAYER) == () and page.view.editor.ranges(CHOSEN_LAYER) == ()
    assert page.edge_cases.report is report  # still listed, to walk through while fixing


def test_a_long_check_shows_progress_and_cancel_stops_it(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    # Large enough that the check takes many seconds: Cancel must stop it, not the end of the work.
    # (The corrected template: the article's breaks on a multi-item order as it is, so its
    # variants are not rendered at all.)
    big = load_sample("shipped.multi-item")
    big["items"] = [dict(big["items"][0], itemReferenceId=f"R-{n}") for n in range(150)]
    sample = app.session.samples.save(SamplePayload("150 items", Event.SHIPPED, json.dumps(big)))
    assert sample.id is not None
    open_named(qtbot, page, "order-shipped")
    results = page.edge_cases.results
    page.edge_case_button.click()
    qtbot.waitUntil(lambda: results.progress.maximum() == 1000, timeout=20_000)
    assert results.cancel_button.isVisible()
    assert results.summary.text().startswith("Checking edge cases… Rendering variants: ")
    ended: list[str] = []
    app.jobs.job_failed.connect(lambda _job, error: ended.append(error.message))
    with qtbot.waitSignal(page.edge_cases.check_stopped) as stopped:
        qtbot.mouseClick(results.cancel_button, Qt.MouseButton.LeftButton)
    assert stopped.args[0] == "Stopped: the check was cancelled."
    assert not results.cancel_button.isVisible() and page.edge_case_button.isEnabled()
    qtbot.waitUntil(lambda: bool(ended), timeout=20_000)
    assert ended == ["CancelledError: stopped before it finished"]  # stopped, not run to the end
    assert page.edge_cases.report is None


# -- lints and quick fixes -----------------------------------------------------------------------------


def test_ctrl_period_fixes_the_lint_at_the_cursor_and_one_undo_takes_it_back(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped-article")
    original = page.view.template_text()
    assert ("json-string-interpolation", 3) in lint_codes(page)
    assert len(lint_codes(page)) == 8
    editor = page.view.editor
    assert any(
        page.view.template_text()[s:e] == '"{{ orderId }}"' for s, e, _, _ in editor.ranges(LINT_LAYER)
    )
    editor.goto(3, 18)
    with qtbot.waitSignal(page.quick_fixes.fix_applied) as applied:
        qtbot.keyClick(editor, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    assert applied.args == ["Let |tojson write the whole string"]
    assert page.view.template_text().split("\n")[2] == '"orderId": {{ orderId|tojson }},'
    rendered_again(qtbot, page)
    assert ("json-string-interpolation", 3) not in lint_codes(page)
    assert len(lint_codes(page)) == 7

    editor.undo()
    assert page.view.template_text() == original
    rendered_again(qtbot, page)
    assert ("json-string-interpolation", 3) in lint_codes(page)
    assert len(lint_codes(page)) == 8


def test_several_fixes_at_the_cursor_ask_with_a_menu(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    create(qtbot, page, "first-sku-shipped", OutputFormat.JSON, FIRST_SKU)
    assert lint_codes(page) == [("json-string-interpolation", 2), ("empty-index", 2)]
    offered: list[list[str]] = []

    def choose(lints: Sequence[Lint], at: QPoint) -> Lint | None:
        offered.append([lint.code for lint in lints])
        return next(lint for lint in lints if lint.code == "empty-index")

    page.quick_fixes.choose = choose
    page.view.editor.goto(2, 17)
    assert page.menu.quick_fix_action.shortcut() == QKeySequence("Ctrl+.")
    with qtbot.waitSignal(page.quick_fixes.fix_applied):
        page.menu.quick_fix_action.trigger()
    assert offered == [["empty-index", "json-string-interpolation"]]  # the innermost first
    assert page.view.template_text().split("\n")[1] == ' "first": "{{ (items[0].sku if items else "") }}"}'
    rendered_again(qtbot, page)
    assert lint_codes(page) == [("json-string-interpolation", 2)]

    page.view.editor.goto(1, 1)
    with qtbot.waitSignal(page.status_message) as status:
        page.menu.quick_fix_action.trigger()
    assert status.args == ["No quick fix at the cursor"]


def test_a_fix_button_in_problems_and_a_proof_that_shows_the_breaking_variant(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped-article")
    problems = page.view.problems
    lint = next(d for d in problems.diagnostics() if d.location is not None and d.location.line == 5)
    assert lint.code == "json-string-interpolation"
    assert problems.row_actions(lint) == ("Fix", "Proof")
    proof = problems.action_rect(lint, "Proof")
    assert proof is not None
    with qtbot.waitSignal(page.edge_cases.check_finished, timeout=30_000):
        qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=proof.center())
    results = page.edge_cases.results
    finding, example = results.chosen()  # type: ignore[misc]
    assert example.variant.describe() == "shipped: created → 'a\"b'"
    assert finding.location is not None and finding.location.line == 5
    qtbot.waitUntil(lambda: '"timestamp": "a"b"' in results.output_view.toPlainText(), timeout=10_000)

    click_fix(qtbot, page, lint)
    assert page.view.template_text().split("\n")[4] == '"timestamp": {{ created|tojson }},'


def test_at_1024x700_the_fix_buttons_and_the_findings_have_room(qtbot: QtBot, app: Application) -> None:
    """Problems sits under the preview in a narrow column: its buttons stay in view (the code and the
    location give way), and Check Edge Cases makes its tab wide and tall enough to read."""
    page = templates_page(app, qtbot)
    app.window.resize(1024, 700)
    qtbot.waitUntil(lambda: app.window.width() == 1024)
    open_named(qtbot, page, "order-shipped-article")
    problems = page.view.problems
    lint = next(d for d in problems.diagnostics() if d.location is not None and d.location.line == 5)
    for label in ("Fix", "Proof"):
        button = problems.action_rect(lint, label)
        assert button is not None and problems.viewport().rect().contains(button), label
    assert problems.header().isSectionHidden(3)  # the code gave way first
    assert not problems.header().isSectionHidden(1) and problems.columnWidth(1) >= 100
    assert "json-string-interpolation" in problems.topLevelItem(
        problems.diagnostics().index(lint)
    ).toolTip(1)

    results = page.edge_cases.results
    run_edge_cases(qtbot, page)
    assert results.isVisible() and results.width() >= 0.4 * page.view.columns.width()
    assert results.height() >= 0.65 * page.view.right.height()
    assert page.view.editor.width() >= page.view.columns.width() // 4 - 10
    page.view.bottom_tabs.setCurrentIndex(0)  # type: ignore[union-attr]
    click_fix(qtbot, page, lint)
    assert page.view.template_text().split("\n")[4] == '"timestamp": {{ created|tojson }},'


def test_check_edge_cases_shows_a_hidden_preview_column(qtbot: QtBot, app: Application) -> None:
    """The Edge Cases tab lives in the preview column: hidden from the View menu, it comes back."""
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped-article")
    page.view.panels.set_shown("preview", False)
    assert not page.view.panels.shown("preview")
    run_edge_cases(qtbot, page)
    assert page.view.panels.shown("preview") and page.edge_cases.results.isVisible()


# -- our own templates ------------------------------------------------------------------------------


def test_our_correct_template_gets_no_finding_and_no_lint(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    create(qtbot, page, "parcels-shipped", OutputFormat.JSON, CORRECT)
    assert page.view.status_label.text() == "Valid JSON"
    assert lint_codes(page) == []
    assert page.view.editor.ranges(LINT_LAYER) == ()
    report = run_edge_cases(qtbot, page)
    assert report.findings == ()  # type: ignore[attr-defined]
    assert report.variant_count > 500  # type: ignore[attr-defined]
    assert page.edge_cases.results.tree.topLevelItemCount() == 0
    assert page.edge_cases.results.summary.text().startswith("No variant breaks the template (")
    assert page.view.editor.marks(FINDINGS_LAYER) == ()


def test_our_buggy_xml_template_gets_findings_and_lints(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    create(qtbot, page, "shipment-shipped", OutputFormat.XML, BUGGY_XML)
    assert page.view.status_label.text() == "Valid XML"
    assert lint_codes(page) == [("markup-unescaped", 2), ("markup-unescaped", 3), ("empty-index", 4)]
    report = run_edge_cases(qtbot, page)
    found = {(f.location.line, f.category) for f in report.findings if f.location}  # type: ignore[attr-defined]
    assert {(2, INVALID_XML), (3, INVALID_XML), (4, TEMPLATE_ERROR)} <= found
    page.view.editor.goto(3, 18)
    with qtbot.waitSignal(page.quick_fixes.fix_applied):
        page.menu.quick_fix_action.trigger()
    assert (
        page.view.template_text().split("\n")[2]
        == "  <recipient>{{ shippingAddress.lastName|e }}</recipient>"
    )


# -- what changes if I save this -------------------------------------------------------------------


def test_compare_with_saved_before_saving_then_save_from_the_comparison(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped")
    assert not page.menu.compare_action.isEnabled()
    editor = page.view.editor
    text = editor.toPlainText()
    editor.setPlainText(text.replace('"event": "Order Shipped"', '"event": "Shipped"'))
    assert page.menu.compare_action.isEnabled()
    assert page.menu.compare_action.shortcut() == QKeySequence("Ctrl+Alt+D")
    with qtbot.waitSignal(page.what_changes.comparison_finished, timeout=60_000) as finished:
        page.menu.compare_action.trigger()
    outcome = finished.args[0]
    assert outcome.changed_samples() == ["shipped", "shipped.multi-item"]
    dialog = page.what_changes.dialog
    assert dialog is not None and dialog.isVisible() and dialog.save_button.isVisible()
    labels = [label for label, _ in dialog.view.entries()]
    assert labels[:2] == ["shipped", "shipped.multi-item"]
    shown = dialog.view.shown()
    assert shown is not None and shown.variant.sample == "shipped"
    changed = [row for row in dialog.view.diff.rows if row.kind.value != "equal"]
    assert [(row.old, row.new) for row in changed] == [
        ('  "event": "Order Shipped",', '  "event": "Shipped",')
    ]
    assert '"event": "Shipped"' in dialog.view.diff.new_pane.toPlainText()
    with qtbot.waitSignal(page.template_saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not page.has_unsaved_changes() and not dialog.save_button.isVisible()


def test_a_save_that_changes_outputs_says_so_and_one_that_does_not_stays_quiet(
    qtbot: QtBot, app: Application
) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped")
    editor = page.view.editor
    editor.setPlainText("{# checked #}" + editor.toPlainText())
    with qtbot.waitSignal(page.what_changes.save_checked, timeout=20_000) as checked:
        page.menu.save_action.trigger()
    assert not checked.args[0].comparison.changed
    assert not page.what_changes.bar.isVisible()

    editor.setPlainText(editor.toPlainText().replace('"event": "Order Shipped"', '"event": "Shipped"'))
    with qtbot.waitSignal(page.what_changes.save_checked, timeout=20_000):
        page.menu.save_action.trigger()
    bar = page.what_changes.bar
    assert bar.isVisible()
    assert bar.label.text() == "Saved. The output changes for 2 of 2 samples (shipped, shipped.multi-item)."
    with qtbot.waitSignal(page.what_changes.comparison_finished, timeout=60_000) as finished:
        qtbot.mouseClick(bar.show_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    assert finished.args[0].request.old_label == "Before this save"


def test_history_compares_the_outputs_of_two_saved_versions(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped")
    editor = page.view.editor
    for old, new in (("Order Shipped", "Shipped"), ("Shipped", "Shipped!")):
        editor.setPlainText(editor.toPlainText().replace(f'"event": "{old}"', f'"event": "{new}"'))
        with qtbot.waitSignal(page.template_saved):
            page.menu.save_action.trigger()
    template = page.current_template()
    assert template is not None and template.id is not None
    *_, first, second, last = [v.number for v in app.session.templates.versions(template.id)]
    history = page.open_history()
    assert history is not None
    history.select_version(first)
    history.against.setCurrentIndex(history.against.findData(second))
    assert history.new_title.text() == f"Version {second}"
    assert history.summary.text() == "1 line differs"
    with qtbot.waitSignal(page.what_changes.comparison_finished, timeout=60_000) as finished:
        qtbot.mouseClick(history.compare_button, Qt.MouseButton.LeftButton)
    outcome = finished.args[0]
    assert (outcome.request.old_label, outcome.request.new_label) == (f"Version {first}", f"Version {second}")
    assert outcome.changed_samples() == ["shipped", "shipped.multi-item"]
    dialog = page.what_changes.dialog
    assert dialog is not None and not dialog.save_button.isVisible()
    assert dialog.view.select("shipped.multi-item")
    changed = [row for row in dialog.view.diff.rows if row.kind.value != "equal"]
    assert [(row.old, row.new) for row in changed] == [
        ('  "event": "Order Shipped",', '  "event": "Shipped",')
    ]
    assert last == second + 1


def test_an_email_templates_lints_are_fixed_in_their_part(qtbot: QtBot, app: Application) -> None:
    """A lint of the subject line is fixed in the subject; one of the HTML part in that part, the
    part shown first if the text part was on show."""
    page = templates_page(app, qtbot)
    page._templates.save(
        Template(
            "mail-shipped",
            TemplateKind.EMAIL,
            OutputFormat.HTML,
            subject="Order {{ items[0].sku }} shipped",
            body="<p>Hello {{ customer.name }}</p>",
            text_body="Hi {{ customer.name }}",
        )
    )
    page.refresh_library()
    open_named(qtbot, page, "mail-shipped")
    problems = page.view.problems
    lints = {d.code: d for d in problems.diagnostics() if d.code in ("empty-index", "markup-unescaped")}
    assert {code: (d.location.part, d.location.line) for code, d in lints.items() if d.location} == {
        "empty-index": ("subject", 1),
        "markup-unescaped": ("html", 1),
    }
    page.part_tabs.setCurrentIndex(1)  # the text part on show
    assert page.editor.part == "text"
    fix = problems.action_rect(lints["markup-unescaped"], "Fix")
    assert fix is not None
    with qtbot.waitSignal(page.quick_fixes.fix_applied):
        qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=fix.center())
    assert page.editor.part == "html"
    assert page.view.template_text() == "<p>Hello {{ customer.name|e }}</p>"
    rendered_again(qtbot, page)

    subject = page.subject_edit
    subject.setFocus()
    subject.setCursorPosition(subject.text().index("items") + 2)
    with qtbot.waitSignal(page.quick_fixes.fix_applied):
        page.menu.quick_fix_action.trigger()
    assert subject.text() == 'Order {{ (items[0].sku if items else "") }} shipped'
    subject.undo()
    assert subject.text() == "Order {{ items[0].sku }} shipped"
    edited = page.edited_template()
    assert edited is not None and edited.body == "<p>Hello {{ customer.name|e }}</p>"


def test_an_edit_outdates_a_comparison_with_the_edits(qtbot: QtBot, app: Application) -> None:
    page = templates_page(app, qtbot)
    open_named(qtbot, page, "order-shipped")
    editor = page.view.editor
    editor.setPlainText(editor.toPlainText().replace('"event": "Order Shipped"', '"event": "Shipped"'))
    with qtbot.waitSignal(page.what_changes.comparison_finished, timeout=60_000):
        page.menu.compare_action.trigger()
    dialog = page.what_changes.dialog
    assert dialog is not None and dialog.save_button.isVisible()
    editor.textCursor().insertText(" ")
    assert dialog.view.summary.text().startswith("Outdated: the template changed since. The output changes")
    assert not dialog.save_button.isVisible()  # Save would store what the comparison did not show
