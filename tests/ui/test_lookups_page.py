"""The Lookups page on a real workspace: tables by owner, rows, CSV import and export, Used by.

Import CSV writes nothing: the rows go into the editor as unsaved changes, after a replace-or-merge
question that says what each would add, change and remove; Save writes them, Discard drops them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QStandardItem
from PySide6.QtWidgets import QSplitter, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, LookupTable, Template
from postback_studio.services.session import Session
from postback_studio.ui.lookups_page import LookupsPage
from postback_studio.ui.prompts import UnsavedChoice
from tests.support.prompter import ScriptedPrompter
from tests.support.readability import elided_cells

CARRIERS = (("dhl", "DHL"), ("ups", "UPS"), ("gls", "GLS"))


@pytest.fixture
def tables(ws: Session) -> tuple[int, int]:
    acme = ws.customers.save(Customer("Acme"))
    carriers = ws.lookups.save(LookupTable("Carriers", "carrier", rows=CARRIERS))
    skus = ws.lookups.save(LookupTable("Acme SKUs", "sku", customer_id=acme.id))
    ws.templates.save(Template("Shipped", body='{"c": "{{ lookups({"carrier": carrierUid}) }}"}'))
    assert carriers.id is not None and skus.id is not None
    return carriers.id, skus.id


@pytest.fixture
def prompter() -> ScriptedPrompter:
    return ScriptedPrompter()


@pytest.fixture
def page(qtbot: QtBot, ws: Session, tables: tuple[int, int], prompter: ScriptedPrompter) -> LookupsPage:
    widget = LookupsPage(ws.lookups, ws.customers, ws.templates, files=ws.files, prompter=prompter)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click(qtbot: QtBot, page: LookupsPage, item: QTreeWidgetItem) -> None:
    """A real mouse click on a table of the tree."""
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.tree.visualItemRect(item).center())


def item_named(page: LookupsPage, name: str) -> QTreeWidgetItem:
    return next(i for i in page._table_items() if i.text(0) == name)


def test_tables_are_grouped_global_then_per_customer(page: LookupsPage) -> None:
    groups = [page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())]
    assert [(g.text(0), [g.child(r).text(0) for r in range(g.childCount())]) for g in groups] == [
        ("Global", ["Carriers"]), ("Acme", ["Acme SKUs"])]
    assert page.title.text() == "Carriers"
    assert page.rows_view.verticalHeader().count() == 3
    assert page.used_by.item(0).text() == "Shipped (webhook, json)"


def test_rows_edit_with_duplicate_warning_and_empty_key_refused(
        qtbot: QtBot, page: LookupsPage, ws: Session, tables: tuple[int, int]) -> None:
    page.add_row()
    page.model.setItem(3, 0, QStandardItem("dhl"))
    page.model.setItem(3, 1, QStandardItem("DHL Express"))
    assert page.rows_warning.text() == "⚠ Key 'dhl' appears on rows 1 and 4: row 4 wins."
    page.add_row()
    assert page.save() is None
    assert page.errors.messages()["rows"] == "Row 5: the key is empty"
    assert ws.lookups.get(tables[0]).rows == CARRIERS
    page.rows_view.selectRow(4)
    page.remove_rows_button.click()
    with qtbot.waitSignal(page.table_saved):
        page.save_button.click()
    assert ws.lookups.get(tables[0]).as_dict() == {"dhl": "DHL Express", "ups": "UPS", "gls": "GLS"}
    assert page.errors.messages()["rows"] == ""


def test_csv_import_error_names_the_line_and_changes_nothing(
        page: LookupsPage, ws: Session, tables: tuple[int, int], tmp_path: Path) -> None:
    bad = tmp_path / "in.csv"
    bad.write_text("key,value\nups,UPS\nfedex\n,empty\n", encoding="utf-8")
    assert page.csv.import_csv(bad) is None
    message = page.csv.message.text()
    assert "in.csv:3: expected 2 columns" in message
    assert "in.csv:4: the key is empty" in message
    assert message.endswith("Nothing was changed.")
    assert ws.lookups.get(tables[0]).rows == CARRIERS
    assert page.rows() == CARRIERS and not page.unsaved.dirty


def test_csv_import_into_a_table_with_rows_asks_replace_or_merge_and_writes_only_on_save(
        qtbot: QtBot, page: LookupsPage, ws: Session, prompter: ScriptedPrompter, tmp_path: Path) -> None:
    carriers = page.current_table().id
    assert carriers is not None
    csv = tmp_path / "carrier.csv"
    csv.write_text("key,value\r\nups,UPS Ground\r\ndhl,DHL\r\nfedex,FedEx\r\n", encoding="utf-8")
    prompter.choices = [1]
    plan = page.csv.import_csv(csv)
    [(question, choices)] = prompter.chosen_from
    assert question.startswith("Carriers has 3 rows; carrier.csv has 3.")
    assert choices == ["Replace: 1 row added, 1 changed, 1 removed", "Merge: 1 row added, 1 changed"]
    assert plan is not None and plan.rows == (("dhl", "DHL"), ("ups", "UPS Ground"), ("gls", "GLS"),
                                              ("fedex", "FedEx"))
    assert page.rows() == plan.rows, "the merged rows are in the editor"
    assert ws.lookups.get(carriers).rows == CARRIERS, "nothing is written before Save"
    assert page.unsaved.dirty
    assert page.unsaved_label.text() == "Unsaved changes: 1 row added, 1 changed"
    assert page.discard_button.isEnabled()
    assert "Nothing is saved yet" in page.csv.message.text()
    with qtbot.waitSignal(page.table_saved):
        page.save_button.click()
    assert ws.lookups.get(carriers).rows == plan.rows, "Save writes what the question said"
    assert not page.unsaved.dirty and page.unsaved_label.text() == ""


def test_cancelling_the_question_or_discarding_leaves_the_table_as_stored(
        page: LookupsPage, ws: Session, tables: tuple[int, int], prompter: ScriptedPrompter,
        tmp_path: Path) -> None:
    csv = tmp_path / "carrier.csv"
    csv.write_text("fedex,FedEx\n", encoding="utf-8")
    prompter.choices = [None, 0]
    assert page.csv.import_csv(csv) is None
    assert page.rows() == CARRIERS and not page.unsaved.dirty
    plan = page.csv.import_csv(csv)
    assert plan is not None and page.rows() == (("fedex", "FedEx"),)
    assert prompter.chosen_from[-1][1][0] == "Replace: 1 row added, 3 removed"
    page.discard_button.click()
    assert page.rows() == CARRIERS and not page.unsaved.dirty
    assert ws.lookups.get(tables[0]).rows == CARRIERS


def test_unsaved_imported_rows_are_asked_about_and_cancel_keeps_table_and_highlight(
        qtbot: QtBot, page: LookupsPage, ws: Session, prompter: ScriptedPrompter, tmp_path: Path) -> None:
    carriers = page.current_table().id
    assert carriers is not None
    csv = tmp_path / "carrier.csv"
    csv.write_text("fedex,FedEx\n", encoding="utf-8")
    prompter.choices = [1]
    page.csv.import_csv(csv)
    prompter.unsaved = [UnsavedChoice.CANCEL]
    click(qtbot, page, item_named(page, "Acme SKUs"))
    assert prompter.unsaved_names == ["lookup table 'Carriers'"]
    assert page.title.text() == "Carriers" and ("fedex", "FedEx") in page.rows()
    assert page.tree.currentItem().text(0) == "Carriers"
    assert [i.text(0) for i in page.tree.selectedItems()] == ["Carriers"], "the list follows the form"
    prompter.unsaved = [UnsavedChoice.CANCEL]
    assert not page.new_table()
    assert page.title.text() == "Carriers"
    prompter.unsaved = [UnsavedChoice.DISCARD]
    click(qtbot, page, item_named(page, "Acme SKUs"))
    assert page.title.text() == "Acme SKUs"
    assert [i.text(0) for i in page.tree.selectedItems()] == ["Acme SKUs"]
    assert ws.lookups.get(carriers).rows == CARRIERS, "discarded: nothing was written"


def test_a_csv_imported_into_a_new_table_names_it_after_the_file(
        qtbot: QtBot, page: LookupsPage, ws: Session, prompter: ScriptedPrompter, tmp_path: Path) -> None:
    assert page.new_table()
    csv = tmp_path / "shipmentMethodUid.csv"
    csv.write_text("\ufeffkey,value\r\nups_surepost,UPS SurePost\r\n", encoding="utf-8")
    assert page.csv.import_csv(csv) is not None
    assert prompter.chosen_from == [], "an empty table has nothing to replace or merge"
    assert (page.name_edit.text(), page.field_edit.text()) == ("shipmentMethodUid", "shipmentMethodUid")
    assert ws.lookups.get_by_name("shipmentMethodUid") is None
    with qtbot.waitSignal(page.table_saved) as saved:
        page.save()
    assert ws.lookups.get(saved.args[0]).rows == (("ups_surepost", "UPS SurePost"),)


def test_the_workspace_is_never_imported_from_or_exported_over(
        page: LookupsPage, ws: Session, prompter: ScriptedPrompter, tables: tuple[int, int]) -> None:
    before = ws.path.read_bytes()
    assert page.csv.import_csv(ws.path) is None
    assert "this is the workspace file itself, not a file to import" in page.csv.message.text()
    for target in (ws.path, Path(f"{ws.path}-wal"), Path(f"{ws.path}.lock")):
        prompter.save_paths = [target]
        assert not page.csv.export_csv()
        assert "writing there would destroy the workspace" in page.csv.message.text()
    assert ws.path.read_bytes() == before
    assert ws.lookups.get(tables[0]).rows == CARRIERS


def test_csv_export_writes_the_saved_rows(page: LookupsPage, prompter: ScriptedPrompter,
                                          tmp_path: Path) -> None:
    prompter.save_paths = [tmp_path / "carrier.csv"]
    assert page.csv.export_csv()
    exported = (tmp_path / "carrier.csv").read_text(encoding="utf-8")
    assert exported.splitlines() == ["key,value", "dhl,DHL", "ups,UPS", "gls,GLS"]


def test_new_customer_table_and_used_by_follows_the_field(
        qtbot: QtBot, page: LookupsPage, ws: Session) -> None:
    page.new_button.click()
    page.name_edit.setText("Acme carriers")
    page.owner_box.setCurrentIndex(page.owner_box.findText("Acme"))
    page.field_edit.setText("carrier")
    assert page.used_by.item(0).text().startswith("Shipped")
    page.field_edit.setText("carrier acme")
    assert page.used_by.item(0).text() == "No template calls lookups() with 'carrier acme' yet."
    assert page.save() is None
    assert page.errors.messages()["template_field"].startswith("Template field must start with a letter")
    page.field_edit.setText("carrier_acme")
    with qtbot.waitSignal(page.table_saved) as saved:
        page.save()
    assert ws.lookups.get(saved.args[0]).customer_id == ws.customers.list()[0].id


def test_delete_removes_the_table(qtbot: QtBot, page: LookupsPage, ws: Session, prompter: ScriptedPrompter,
                                  tables: tuple[int, int]) -> None:
    prompter.confirms = [True]
    with qtbot.waitSignal(page.table_deleted):
        page.delete_button.click()
    assert [t.id for t in ws.lookups.list()] == [tables[1]]
    assert page.title.text() == "Acme SKUs" and not page.unsaved.dirty


def show_with_table(qtbot: QtBot, page: LookupsPage, ws: Session, name: str) -> QSplitter:
    """Show the page 900 pixels wide with a global table called ``name``; the page's splitter."""
    splitter = page.findChild(QSplitter)
    assert splitter is not None
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    ws.lookups.save(LookupTable(name, "shipmentMethodUid"))
    page.refresh()
    return splitter


def test_the_list_widens_to_its_names_up_to_half_and_a_dragged_width_stands(
    qtbot: QtBot, page: LookupsPage, ws: Session
) -> None:
    name = "Acme Europe parcel carriers"
    splitter = show_with_table(qtbot, page, ws, name)
    qtbot.waitUntil(lambda: elided_cells(page.tree) == [])

    handle = splitter.handle(1)
    grip = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=grip)
    qtbot.mouseMove(handle, grip - QPoint(150, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=grip - QPoint(150, 0))
    dragged = splitter.sizes()[0]
    assert name in elided_cells(page.tree)
    page.refresh()
    page.resize(960, 600)
    qtbot.waitUntil(lambda: page.width() == 960)
    assert splitter.sizes()[0] == dragged, "the user's width stands"


def test_a_name_longer_than_half_the_page_elides_with_the_whole_name_in_its_tooltip(
    qtbot: QtBot, page: LookupsPage, ws: Session
) -> None:
    name = "Carriers of the Acme Europe, Middle East and Africa warehouses (shipmentMethodUid)"
    splitter = show_with_table(qtbot, page, ws, name)
    total = sum(splitter.sizes())
    qtbot.waitUntil(lambda: splitter.sizes()[0] == total // 2)
    assert elided_cells(page.tree) == [name]
    [item] = page.tree.findItems(name, Qt.MatchFlag.MatchRecursive)
    assert item.toolTip(0).startswith(name)
