"""The Lookups page on a real workspace: tables by owner, rows, CSV import and export, Used by."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QStandardItem
from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, LookupTable, Template
from postback_studio.services.session import Session
from postback_studio.ui.lookups_page import LookupsPage


@pytest.fixture
def tables(ws: Session) -> tuple[int, int]:
    acme = ws.customers.save(Customer("Acme"))
    carriers = ws.lookups.save(LookupTable("Carriers", "carrier", rows=(("dhl", "DHL"),)))
    skus = ws.lookups.save(LookupTable("Acme SKUs", "sku", customer_id=acme.id))
    ws.templates.save(Template("Shipped", body='{"c": "{{ lookups({"carrier": carrierUid}) }}"}'))
    assert carriers.id is not None and skus.id is not None
    return carriers.id, skus.id


@pytest.fixture
def page(qtbot: QtBot, ws: Session, tables: tuple[int, int], tmp_path: Path) -> LookupsPage:
    widget = LookupsPage(ws.lookups, ws.customers, ws.templates, confirm=lambda title, text: True,
                         open_file=lambda: str(tmp_path / "in.csv"),
                         save_file=lambda name: str(tmp_path / name))
    qtbot.addWidget(widget)
    return widget


def test_tables_are_grouped_global_then_per_customer(page: LookupsPage) -> None:
    groups = [page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())]
    assert [(g.text(0), [g.child(r).text(0) for r in range(g.childCount())]) for g in groups] == [
        ("Global", ["Carriers"]), ("Acme", ["Acme SKUs"])]
    assert page.title.text() == "Carriers"
    assert page.rows_view.verticalHeader().count() == 1
    assert page.used_by.item(0).text() == "Shipped (webhook, json)"


def test_rows_edit_with_duplicate_warning_and_empty_key_refused(
        qtbot: QtBot, page: LookupsPage, ws: Session, tables: tuple[int, int]) -> None:
    page.add_row()
    page.model.setItem(1, 0, QStandardItem("ups"))
    page.model.setItem(1, 1, QStandardItem("UPS"))
    page.add_row()
    page.model.setItem(2, 0, QStandardItem("dhl"))
    page.model.setItem(2, 1, QStandardItem("DHL Express"))
    assert page.rows_warning.text() == "⚠ Key 'dhl' appears on rows 1 and 3: row 3 wins."
    page.add_row()
    assert page.save() is None
    assert page.errors.messages()["rows"] == "Row 4: the key is empty"
    assert ws.lookups.get(tables[0]).rows == (("dhl", "DHL"),)
    page.rows_view.selectRow(3)
    page.remove_rows_button.click()
    with qtbot.waitSignal(page.table_saved):
        page.save_button.click()
    assert ws.lookups.get(tables[0]).as_dict() == {"dhl": "DHL Express", "ups": "UPS"}
    assert page.errors.messages()["rows"] == ""


def test_csv_import_error_names_the_line_and_changes_nothing(
        page: LookupsPage, ws: Session, tables: tuple[int, int], tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("key,value\nups,UPS\nfedex\n,empty\n", encoding="utf-8")
    assert not page.import_csv()
    message = page.import_message.text()
    assert "in.csv:3: expected 2 columns" in message
    assert "in.csv:4: the key is empty" in message
    assert message.endswith("Nothing was changed.")
    assert ws.lookups.get(tables[0]).rows == (("dhl", "DHL"),)
    assert page.rows() == (("dhl", "DHL"),)


def test_csv_import_and_export_round_trip(page: LookupsPage, ws: Session, tables: tuple[int, int],
                                          tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("ups,UPS\nfedex,FedEx\n", encoding="utf-8")
    assert page.import_csv()
    assert page.rows() == (("ups", "UPS"), ("fedex", "FedEx"))
    assert ws.lookups.get(tables[0]).rows == (("ups", "UPS"), ("fedex", "FedEx"))
    assert page.export_csv()
    exported = (tmp_path / "carrier.csv").read_text(encoding="utf-8")
    assert exported.splitlines() == ["key,value", "ups,UPS", "fedex,FedEx"]


def test_new_customer_table_and_used_by_follows_the_field(
        qtbot: QtBot, page: LookupsPage, ws: Session) -> None:
    page.new_button.click()
    assert not page.import_button.isEnabled()
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


def test_delete_removes_the_table(qtbot: QtBot, page: LookupsPage, ws: Session,
                                  tables: tuple[int, int]) -> None:
    with qtbot.waitSignal(page.table_deleted):
        page.delete_button.click()
    assert [t.id for t in ws.lookups.list()] == [tables[1]]
