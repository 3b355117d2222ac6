"""Views never show stale data: every page, list and combo follows the services' change notices.

Each test changes something on one page (or through the services, as another page or a background
send would) and waits for the other views to show it, with no restart, no re-selection and no
filter change. Before the change notices, each of these stayed stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, build_application
from postback_studio.core.dispatch.inbox import HttpInbox
from postback_studio.core.model import Customer, Template, TemplateStatus, Trigger
from postback_studio.core.samples import load_sample
from postback_studio.storage.seed import DEMO_CUSTOMER


@pytest.fixture
def live(qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    application = build_application(tmp_path / "workspace.sqlite", settings=settings)
    application.window.show()
    yield application
    application.close()


def names(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_a_new_customer_is_in_every_customer_picker(qtbot: QtBot, live: Application) -> None:
    customers = live.pages["Customers"]
    customers.new_customer()  # type: ignore[attr-defined]
    customers.name_edit.setText("Zeta Prints")  # type: ignore[attr-defined]
    assert customers.save() is not None  # type: ignore[attr-defined]
    pickers = {
        "Triggers › customer": live.pages["Triggers"].customer_box,  # type: ignore[attr-defined]
        "Lookups › Customer": live.pages["Lookups"].owner_box,  # type: ignore[attr-defined]
        "Templates › Lookups for": live.pages["Templates"].customer_combo,  # type: ignore[attr-defined]
        "Requests › customer filter": live.pages["Requests"].customer,  # type: ignore[attr-defined]
    }
    qtbot.waitUntil(lambda: all("Zeta Prints" in names(combo) for combo in pickers.values()), timeout=5000)


def test_a_customer_renamed_elsewhere_keeps_the_lookup_form_as_typed(qtbot: QtBot, live: Application) -> None:
    lookups = live.pages["Lookups"]
    lookups.description_edit.setText("typed, not saved")  # type: ignore[attr-defined]
    customer = live.session.customers.named(DEMO_CUSTOMER)
    live.session.customers.save(replace(customer, name="Demo Print Company"))
    qtbot.waitUntil(lambda: "Demo Print Company" in names(lookups.owner_box), timeout=5000)  # type: ignore[attr-defined]
    assert lookups.description_edit.text() == "typed, not saved"  # type: ignore[attr-defined]


def test_activating_a_template_through_a_trigger_shows_it_active(qtbot: QtBot, live: Application) -> None:
    customer = live.session.customers.named(DEMO_CUSTOMER)
    assert customer.id is not None
    draft = live.session.templates.save(
        Template("fresh draft", body='{"order": {{ orderId|tojson }}}', status=TemplateStatus.DRAFT)
    )
    trigger = live.session.triggers.save(
        Trigger(
            "fresh trigger",
            customer.id,
            live.session.triggers.named("Order shipped to local inbox").event,
            url="https://erp.example/hook",
            template_id=draft.id,
        )
    )
    templates = live.pages["Templates"]
    assert draft.id is not None
    qtbot.waitUntil(lambda: templates._item_for(draft.id) is not None, timeout=5000)  # type: ignore[attr-defined]
    assert templates.open_template(draft.id)  # type: ignore[attr-defined]
    item = templates._item_for(draft.id)  # type: ignore[attr-defined]
    assert "draft" in item.text(0)
    form = live.pages["Triggers"].trigger_form  # type: ignore[attr-defined]
    form.load(live.session.triggers.get(trigger.id or 0))
    form.activate()
    qtbot.waitUntil(lambda: "active" in templates._item_for(draft.id).text(0), timeout=5000)  # type: ignore[attr-defined]
    assert templates.active_check.isChecked(), "the template on show follows its stored status"  # type: ignore[attr-defined]
    assert (
        "fresh draft" in form.template_box.currentText() and "(draft)" not in form.template_box.currentText()
    )


def test_used_by_follows_templates_saved_elsewhere(qtbot: QtBot, live: Application) -> None:
    lookups = live.pages["Lookups"]
    field = lookups.field_edit.text()  # type: ignore[attr-defined]
    assert field, "the seeded carrier table is on show"
    live.session.templates.save(
        Template(
            "uses the table",
            body=f'{{{{ lookups({{"{field}": "x"}}, default="") }}}}',
            format=Template("t").format,
        )
    )

    def listed() -> list[str]:
        used = lookups.used_by  # type: ignore[attr-defined]
        return [used.item(i).text() for i in range(used.count())]

    qtbot.waitUntil(lambda: any(text.startswith("uses the table") for text in listed()), timeout=5000)


def send_one_test(live: Application, inbox: HttpInbox) -> None:
    """Point the demo webhook trigger at ``inbox`` and send one test (the call returns once logged)."""
    trigger = live.session.triggers.named("Order shipped to local inbox")
    live.session.triggers.save(replace(live.session.triggers.get(trigger.id or 0), url=inbox.url))
    live.delivery.send_test(trigger.id, load_sample("shipped"))


def test_resend_shows_the_new_row(qtbot: QtBot, live: Application) -> None:
    requests_page = live.pages["Requests"]
    with HttpInbox() as inbox:
        send_one_test(live, inbox)
        qtbot.waitUntil(lambda: requests_page.model.rowCount() == 1, timeout=5000)  # type: ignore[attr-defined]
        first = requests_page.model.row_at(0).id  # type: ignore[attr-defined]
        requests_page.table.selectRow(0)  # type: ignore[attr-defined]
        requests_page.resend_action.trigger()  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: requests_page.model.rowCount() == 2, timeout=10_000)  # type: ignore[attr-defined]
        assert inbox.wait_for(2, timeout=5)
    assert requests_page.model.row_at(0).id != first  # type: ignore[attr-defined]


def test_a_search_that_filters_out_the_shown_row_clears_the_detail(qtbot: QtBot, live: Application) -> None:
    requests_page = live.pages["Requests"]
    with HttpInbox() as inbox:
        send_one_test(live, inbox)
    qtbot.waitUntil(lambda: requests_page.model.rowCount() == 1, timeout=5000)  # type: ignore[attr-defined]
    with qtbot.waitSignal(requests_page.detail_shown):  # type: ignore[attr-defined]
        requests_page.table.selectRow(0)  # type: ignore[attr-defined]
    assert requests_page.detail.isEnabled()  # type: ignore[attr-defined]
    requests_page.search.setText("nothing-matches-this")  # type: ignore[attr-defined]
    with qtbot.waitSignal(requests_page.model.rows_appended):  # type: ignore[attr-defined]
        requests_page.apply_filters()  # type: ignore[attr-defined]
    assert requests_page.model.rowCount() == 0  # type: ignore[attr-defined]
    assert not requests_page.detail.isEnabled()  # type: ignore[attr-defined]
    assert requests_page.detail.request_body.text.toPlainText() == ""  # type: ignore[attr-defined]


def test_a_customer_created_elsewhere_appears_on_the_customers_page(qtbot: QtBot, live: Application) -> None:
    customers = live.pages["Customers"]
    live.session.customers.save(Customer("Omega Labels"))

    def listed() -> list[str]:
        widget = customers.customer_list  # type: ignore[attr-defined]
        return [widget.item(i).text() for i in range(widget.count())]

    qtbot.waitUntil(lambda: "Omega Labels" in listed(), timeout=5000)
