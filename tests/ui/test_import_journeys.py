"""Issue 10 item 2 as a user lives it, in the whole app on a real workspace file: every import asks
first, says what will change, and writes nothing until the user confirms; what was saved is there
after a restart, and what was cancelled or discarded never reached the file.

Only the dialogs are scripted (``ScriptedPrompter``); the pages, services and SQLite file are real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, build_application
from postback_studio.core.import_plan import ImportMode
from postback_studio.core.model import Header, LookupTable
from postback_studio.ui.import_preview import ImportPreviewDialog
from postback_studio.ui.lookups_page import LookupsPage
from postback_studio.ui.prompts import UnsavedChoice
from tests.support.prompter import ScriptedPrompter
from tests.ui.conftest import app_settings


@contextmanager
def running(qtbot: QtBot, tmp_path: Path, prompter: ScriptedPrompter) -> Iterator[Application]:
    """The app on ``tmp_path/workspace.sqlite`` (created and seeded on the first start), shown."""
    app = build_application(tmp_path / "workspace.sqlite", settings=app_settings(tmp_path), prompter=prompter)
    try:
        app.window.resize(1280, 800)
        app.window.show()
        qtbot.waitExposed(app.window)
        yield app
    finally:
        app.close()


def lookups_page(app: Application, table: LookupTable) -> LookupsPage:
    page = app.pages["Lookups"]
    assert isinstance(page, LookupsPage) and table.id is not None
    app.window.show_page("Lookups")
    assert page.select_table(table.id)
    return page


def carriers(app: Application) -> LookupTable:
    """The seeded table of shipping methods (rows the CSV below adds to, changes and drops)."""
    return next(t for t in app.session.lookups.list() if t.template_field == "shipmentMethodUid")


def write_csv(tmp_path: Path, table: LookupTable) -> tuple[Path, tuple[tuple[str, str], ...]]:
    """A CSV that changes the table's first row, drops the others and adds one."""
    (first_key, _), *_rest = table.rows
    rows = ((first_key, "Changed by the CSV"), ("brand_new", "Brand New"))
    path = tmp_path / "shipping.csv"
    path.write_text("key,value\n" + "".join(f"{k},{v}\n" for k, v in rows), encoding="utf-8")
    return path, rows


def test_import_csv_asks_replace_or_merge_writes_on_save_and_the_rows_survive_a_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = ScriptedPrompter()
    with running(qtbot, tmp_path, prompter) as app:
        table = carriers(app)
        page = lookups_page(app, table)
        csv, rows = write_csv(tmp_path, table)
        removed = len(table.rows) - 1
        prompter.open_paths, prompter.choices = [csv], [0]
        page.csv.import_button.click()
        [(question, choices)] = prompter.chosen_from
        assert question.startswith(f"{table.name} has {len(table.rows)} rows; shipping.csv has 2.")
        assert choices == [f"Replace: 1 row added, 1 changed, {removed} removed",
                           "Merge: 1 row added, 1 changed"]
        assert page.rows() == rows and page.unsaved.dirty
        assert page.unsaved_label.text() == f"Unsaved changes: 1 row added, 1 changed, {removed} removed"
        assert app.session.lookups.get(table.id).rows == table.rows, "nothing written before Save"
        with qtbot.waitSignal(page.table_saved):
            page.save_button.click()
        assert not page.unsaved.dirty
    with running(qtbot, tmp_path, prompter) as app:
        assert carriers(app).rows == rows, "saved rows are in the file after a restart"
        assert lookups_page(app, carriers(app)).rows() == rows


def test_a_cancelled_or_discarded_csv_import_never_reaches_the_file(qtbot: QtBot, tmp_path: Path) -> None:
    prompter = ScriptedPrompter()
    with running(qtbot, tmp_path, prompter) as app:
        table = carriers(app)
        page = lookups_page(app, table)
        csv, rows = write_csv(tmp_path, table)
        prompter.open_paths, prompter.choices = [csv], [None]
        page.csv.import_button.click()
        assert page.rows() == table.rows and not page.unsaved.dirty, "Cancel: the form is as it was"
        prompter.open_paths, prompter.choices = [csv], [1]
        page.csv.import_button.click()
        assert page.rows()[0] == rows[0] and page.unsaved.dirty
        page.discard_button.click()
        assert page.rows() == table.rows and not page.unsaved.dirty
        prompter.open_paths, prompter.choices = [csv], [0]
        page.csv.import_button.click()
        prompter.unsaved = [UnsavedChoice.DISCARD]
        assert app.window.confirm_close(), "quitting asks, and Discard lets the app close"
        assert prompter.unsaved_names == [f"lookup table '{table.name}'"]
    with running(qtbot, tmp_path, prompter) as app:
        assert carriers(app).rows == table.rows, "nothing the user cancelled or discarded was written"


def file_action(app: Application, text: str) -> QAction:
    return next(a for a in app.window.file_menu.actions() if a.text().replace("&", "") == text)


def test_import_configuration_previews_the_plan_with_its_notes_and_applies_only_on_apply(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = ScriptedPrompter()
    bundle = tmp_path / "bundle.json"
    with running(qtbot, tmp_path, prompter) as app:
        stored = next(t for t in app.session.triggers.list() if t.name == "Order shipped to local inbox")
        secret = Header("Authorization", "Bearer s3", secret=True)
        app.session.triggers.save(replace(stored, headers=(secret,)))
        document = app.session.transfer.export()
        trigger = next(t for t in document["triggers"] if t["name"] == stored.name)
        trigger["url"] = "https://hooks.elsewhere.example/postbacks"
        document["customers"].append({"name": "New Customer", "referenceId": "", "notes": ""})
        bundle.write_text(json.dumps(document), encoding="utf-8")
        before = app.session.transfer.export_text()
        action = file_action(app, "Import Configuration…")
        assert app.window.file_menu.actions().index(action) == app.window.file_menu.actions().index(
            file_action(app, "Export Configuration…")) + 1, "right after Export Configuration"

        prompter.open_paths, prompter.reviews = [bundle], [None]
        action.trigger()
        qtbot.waitUntil(lambda: len(prompter.previews) == 1)
        [preview] = prompter.previews
        merge = preview.plans[ImportMode.MERGE]
        assert merge.counts("customer").added == 1 and merge.counts("trigger").changed == 1
        changed = next(i for i in merge.items if i.kind == "trigger" and i.name == trigger["name"])
        assert any("destination changed" in str(note) for note in changed.notes), (changed, merge.lines())
        dialog = ImportPreviewDialog(preview)
        qtbot.addWidget(dialog)
        shown = [dialog.lines.item(r).text() for r in range(dialog.lines.count())]
        assert any("note: secrets cleared for trigger" in line for line in shown), shown
        assert app.session.transfer.export_text() == before, "Cancel in the preview: nothing written"

        prompter.open_paths, prompter.reviews = [bundle], [ImportMode.MERGE]
        with qtbot.waitSignal(app.importer.imported) as applied:  # type: ignore[union-attr]
            action.trigger()
        assert applied.args[0] == merge, "what was applied is what the preview showed"
        assert "New Customer" in [c.name for c in app.session.customers.list()]
        assert app.window.statusBar().currentMessage().startswith("Imported bundle.json (merge): ")
