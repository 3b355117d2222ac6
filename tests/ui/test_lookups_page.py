"""The Lookups page as a user drives it: tables by owner, rows, CSV import and export, Used by."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QStandardItem
from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, LookupTable, Template
from postback_studio.ui.lookups_page import LookupsPage
from tests.ui.fakes import Customers, Issue, Lookups, Templates


def fake_validate(table: LookupTable) -> list[Issue]:
    issues = [] if table.name else [Issue("name", "is required")]
    issues += [Issue(f"rows[{i}]", "the key is empty")
               for i, (k, _) in enumerate(table.rows) if not k.strip()]
    return issues


@pytest.fixture
def stores() -> tuple[Lookups, Customers, Templates]:
    lookups, customers, templates = Lookups(), Customers(), Templates()
    acme = customers.save(Customer("Acme"))
    lookups.save(LookupTable("Carriers", "carrier", rows=(("dhl", "DHL"),)))
    lookups.save(LookupTable("Acme SKUs", "sku", customer_id=acme.id))
    templates.save(Template("Shipped", body='{"c": "{{ lookups({"carrier": carrierUid}) }}"}'))
    return lookups, customers, templates


@pytest.fixture
def page(qtbot: QtBot, stores: tuple[Lookups, Customers, Templates], tmp_path: Path) -> LookupsPage:
    widget = LookupsPage(*stores, validate=fake_validate, confirm=lambda title, text: True,
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
        qtbot: QtBot, page: LookupsPage, stores: tuple[Lookups, Customers, Templates]) -> None:
    lookups = stores[0]
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
    assert lookups.items[1].rows == (("dhl", "DHL"),)
    page.rows_view.selectRow(3)
    page.remove_rows_button.click()
    with qtbot.waitSignal(page.table_saved):
        page.save_button.click()
    assert lookups.items[1].rows == (("dhl", "DHL"), ("ups", "UPS"), ("dhl", "DHL Express"))
    assert page.errors.messages()["rows"] == ""


def test_csv_import_error_names_the_line_and_changes_nothing(
        page: LookupsPage, stores: tuple[Lookups, Customers, Templates], tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("ups,UPS\nfedex\n", encoding="utf-8")
    assert not page.import_csv()
    assert "line 2" in page.import_message.text()
    assert "Nothing was changed" in page.import_message.text()
    assert stores[0].items[1].rows == (("dhl", "DHL"),)
    assert page.rows() == (("dhl", "DHL"),)


def test_csv_import_and_export_round_trip(page: LookupsPage, stores: tuple[Lookups, Customers, Templates],
                                          tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("ups,UPS\nfedex,FedEx\n", encoding="utf-8")
    assert page.import_csv()
    assert page.rows() == (("ups", "UPS"), ("fedex", "FedEx"))
    assert page.export_csv()
    assert (tmp_path / "carrier.csv").read_text(encoding="utf-8") == "ups,UPS\nfedex,FedEx\n"


def test_new_customer_table_and_used_by_follows_the_field(
        qtbot: QtBot, page: LookupsPage, stores: tuple[Lookups, Customers, Templates]) -> None:
    page.new_button.click()
    assert not page.import_button.isEnabled()
    page.name_edit.setText("Acme carriers")
    page.owner_box.setCurrentIndex(page.owner_box.findText("Acme"))
    page.field_edit.setText("carrier")
    assert page.used_by.item(0).text().startswith("Shipped")
    page.field_edit.setText("carrier_acme")
    assert page.used_by.item(0).text() == "No template calls lookups() with 'carrier_acme' yet."
    with qtbot.waitSignal(page.table_saved) as saved:
        page.save()
    assert stores[0].items[saved.args[0]].customer_id == 1


def test_delete_removes_the_table(qtbot: QtBot, page: LookupsPage,
                                  stores: tuple[Lookups, Customers, Templates]) -> None:
    with qtbot.waitSignal(page.table_deleted):
        page.delete_button.click()
    assert list(stores[0].items) == [2]
