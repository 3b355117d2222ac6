"""Tools > Simulate Order Events…, walked through the whole app as a user does it.

The app is the real one on a new workspace; its local inbox is started from the Inbox page on a
free port, and the demo customer's triggers (shipped, plus a delivered one the test adds) send
there. The user opens Tools > Simulate Order Events…, picks the customer, the whole order life and
two orders in the real Simulate dialog, and clicks Simulate. The app shows the Requests page, which
lists every simulated delivery as it is logged, and the status bar says how many were delivered.
A second customer's trigger, also aimed at the inbox, proves only the chosen customer is fired.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.model import Customer, Event, Trigger, TriggerStatus
from postback_studio.core.requestlog import Outcome
from postback_studio.storage.seed import DEMO_CUSTOMER
from postback_studio.ui.inbox_page import InboxPage
from postback_studio.ui.requests_page import RequestsPage
from postback_studio.ui.simulate_dialog import SEQUENCE, SimulateDialog
from tests.ui.conftest import shown_app
from tests.ui.test_whole_loop import _http_port, _select


@dataclass
class DialogUser:
    """Waits for the Simulate dialog, then picks what a user picks and clicks Simulate.

    The dialog is modal (``exec``), so the user acts from a timer inside its event loop.
    """

    customer: str
    orders: int
    offered_customers: list[str] = field(default_factory=list)
    timer: QTimer = field(default_factory=QTimer)

    def __post_init__(self) -> None:
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()

    def _on_timer_timeout(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SimulateDialog) or not dialog.isVisible():
            return
        self.timer.stop()
        box = dialog.customer
        self.offered_customers = [box.itemText(i) for i in range(box.count())]
        box.setCurrentIndex(box.findText(self.customer))
        _select(dialog.event, SEQUENCE)
        dialog.orders.setValue(self.orders)
        dialog.run_button.click()


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    with shown_app(qtbot, tmp_path) as application:
        yield application


def test_simulating_the_order_life_fires_the_chosen_customers_triggers(
    app: Application, qtbot: QtBot
) -> None:
    inbox = app.pages["Inbox"]
    requests_page = app.pages["Requests"]
    assert isinstance(inbox, InboxPage) and isinstance(requests_page, RequestsPage)
    with qtbot.waitSignal(inbox.start_requested):
        inbox.start_stop.click()
    url = f"http://127.0.0.1:{_http_port(inbox)}"

    triggers = app.session.triggers
    shipped = triggers.named("Order shipped to local inbox")
    triggers.save(replace(triggers.get(shipped.id or 0), url=f"{url}/shipped"))
    demo = app.session.customers.get_by_name(DEMO_CUSTOMER)
    template = app.session.templates.get_by_name("order-shipped")
    assert demo is not None and demo.id is not None and template is not None
    triggers.save(Trigger("Delivered to local inbox", demo.id, Event.DELIVERED, url=f"{url}/delivered",
                          template_id=template.id, status=TriggerStatus.ACTIVE))
    other = app.session.customers.save(Customer("Acme Photo Books"))
    assert other.id is not None
    triggers.save(Trigger("Acme shipped", other.id, Event.SHIPPED, url=f"{url}/acme",
                          template_id=template.id, status=TriggerStatus.ACTIVE))

    messages: list[str] = []
    app.window.statusBar().messageChanged.connect(messages.append)
    user = DialogUser(DEMO_CUSTOMER, orders=2)
    [simulate] = [a for menu in app.window.menuBar().actions() if menu.menu() is not None
                  for a in menu.menu().actions() if a.text() == "Simulate Order Events…"]
    simulate.trigger()

    qtbot.waitUntil(lambda: any(m.startswith("Simulate: ") for m in messages), timeout=30_000)
    assert user.offered_customers == ["Acme Photo Books", DEMO_CUSTOMER]
    assert "Simulate: 4 of 4 delivered" in messages
    assert app.window.stack.currentWidget() is requests_page, "the app shows the Requests page"

    qtbot.waitUntil(lambda: requests_page.model.rowCount() == 4, timeout=10_000)
    rows = [requests_page.model.row_at(i) for i in range(4)]
    assert {r.outcome for r in rows} == {Outcome.DELIVERED}
    assert sorted(r.event for r in rows) == ["delivered", "delivered", "shipped", "shipped"]
    assert {r.trigger_name for r in rows} == {"Order shipped to local inbox", "Delivered to local inbox"}
    assert not any(r.is_test for r in rows), "a simulation is live traffic, not a test"

    qtbot.waitUntil(lambda: inbox.http_list.count() == 4, timeout=10_000)
    received = app.session.inbox.list_http()
    assert sorted(r.path for r in received) == ["/delivered", "/delivered", "/shipped", "/shipped"]
    references = sorted(json.loads(r.body)["orderReferenceId"] for r in received)
    assert references == ["ACME-SIM-0001", "ACME-SIM-0001", "ACME-SIM-0002", "ACME-SIM-0002"]
