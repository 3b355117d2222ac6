"""Every page at 1024x700, 1280x800 and 1920x1080 (issue 13, sections 1 and 4), asserted without pixels.

At 1024x700 the old layout clipped buttons ("Im…t…"), pushed the Requests table's Outcome and HTTP
columns off-screen, clipped the trigger form behind a horizontal scrollbar and cut the "Activate"
offer in half; the editor got a quarter of the width. Each test here drives the real app with a
real test send in its log and measures the widgets: nothing clipped, forms that scroll only down,
the editor the widest pane, the columns that matter in view. docs/screenshots.py takes the pictures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QScrollArea
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, build_application
from postback_studio.core.dispatch.inbox import ReceivedMessage
from postback_studio.core.model import TriggerStatus
from postback_studio.ui.main_window import PAGE_NAMES
from tests.support.readability import clipped, elided_cells, shown_columns, visible_widgets
from tests.ui.conftest import shown_app

SIZES = [(1024, 700), (1280, 800), (1920, 1080)]
TRIGGER = "Order shipped to local inbox"


def long_subject_email() -> bytes:
    """A message whose subject and sender are longer than a narrow pane."""
    message = EmailMessage()
    message["Subject"] = "Your order ACME-100234 with three parcels is on its way to you today"
    message["From"] = "Demo Print Co Customer Notifications <notifications@demo-print.example>"
    message.set_content("Shipped.")
    return message.as_bytes()


def send_a_test(app: Application, qtbot: QtBot, *, draft: bool = False) -> None:
    """Start the local inbox on a free port, point the demo trigger at it and Send Test from its form."""
    from dataclasses import replace

    inbox = app.pages["Inbox"]
    with qtbot.waitSignal(app.controller.inbox_state_changed):  # type: ignore[union-attr]
        inbox.start_stop.click()  # type: ignore[attr-defined]
    port = int(inbox.state.text().split("127.0.0.1:")[1].split(" ")[0])  # type: ignore[attr-defined]
    trigger = next(t for t in app.session.triggers.list() if t.name == TRIGGER)
    status = TriggerStatus.DRAFT if draft else trigger.status
    app.session.triggers.save(replace(trigger, url=f"http://127.0.0.1:{port}/postbacks", status=status))
    assert trigger.id is not None
    app.window.show_page("Triggers")
    page = app.pages["Triggers"]
    page.open_trigger(trigger.id)  # type: ignore[attr-defined]
    form = page.trigger_form  # type: ignore[attr-defined]
    with qtbot.waitSignal(form.activation_offered, timeout=30_000):
        form.send_test.button.click()


@pytest.fixture(params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def sized(request: pytest.FixtureRequest, qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    """The app at one of the three sizes, with a delivered test send in its log."""
    with shown_app(qtbot, tmp_path, request.param) as app:
        send_a_test(app, qtbot)
        requests = app.pages["Requests"]
        requests.refresh()  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: requests.model.rowCount() >= 1)  # type: ignore[attr-defined]
        yield app


def _show(app: Application, qtbot: QtBot, name: str) -> None:
    app.window.show_page(name)
    qtbot.waitUntil(lambda: app.window.stack.currentWidget() is app.pages[name])


def _open_trigger_form(app: Application, qtbot: QtBot) -> None:
    """Customers: Add Trigger, and wait for the form to be laid out in the page."""
    customers = app.pages["Customers"]
    customers.add_trigger()  # type: ignore[attr-defined]
    form = customers.trigger_form  # type: ignore[attr-defined]
    qtbot.waitUntil(form.isVisible)


def _settled(qtbot: QtBot, found: Callable[[], list[str]]) -> list[str]:
    """What ``found`` still finds once the page on show is laid out (layouts settle on the next events)."""
    try:
        qtbot.waitUntil(lambda: found() == [], timeout=3000)
    except qtbot.TimeoutError:
        return found()
    return []


def _settled_clipping(app: Application, qtbot: QtBot) -> list[str]:
    """What is clipped once the page on show is laid out."""
    return _settled(qtbot, lambda: clipped(app.window))


def test_nothing_is_clipped_on_any_page(sized: Application, qtbot: QtBot) -> None:
    found = []
    for name in PAGE_NAMES:
        _show(sized, qtbot, name)
        found += [f"{name}: {line}" for line in _settled_clipping(sized, qtbot)]
    templates = sized.pages["Templates"]
    email = sized.session.templates.get_by_name("order-shipped-email")
    assert email is not None and email.id is not None
    _show(sized, qtbot, "Templates")
    templates.open_template(email.id)  # type: ignore[attr-defined]
    found += [f"Templates (email): {line}" for line in _settled_clipping(sized, qtbot)]
    _show(sized, qtbot, "Customers")
    _open_trigger_form(sized, qtbot)
    found += [f"Customers (trigger form): {line}" for line in _settled_clipping(sized, qtbot)]
    inbox = sized.pages["Inbox"]
    _show(sized, qtbot, "Inbox")
    inbox.add_email(ReceivedMessage("psp@example.test", ("orders@customer.example",),  # type: ignore[attr-defined]
                                    long_subject_email(), 0.0, "127.0.0.1"))
    inbox.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
    found += [f"Inbox (email): {line}" for line in _settled_clipping(sized, qtbot)]
    assert found == []


def test_forms_scroll_down_never_sideways(sized: Application, qtbot: QtBot) -> None:
    for name in ("Triggers", "Customers", "Settings"):
        _show(sized, qtbot, name)
        if name == "Customers":
            _open_trigger_form(sized, qtbot)
        for area in visible_widgets(sized.window, QScrollArea):
            assert isinstance(area, QScrollArea)
            content = area.widget()
            if content is None or not area.widgetResizable():
                continue
            assert not area.horizontalScrollBar().isVisible(), name
            assert content.minimumSizeHint().width() <= area.viewport().width(), name


def test_the_editor_is_the_widest_pane(sized: Application, qtbot: QtBot) -> None:
    _show(sized, qtbot, "Templates")
    view = sized.pages["Templates"].view  # type: ignore[attr-defined]
    editor, left, right = view.editor_pane.width(), view.left.width(), view.right.width()
    assert editor > left and editor > right, (left, editor, right)
    assert view.panels.shown("library") and view.panels.shown("payload") and view.panels.shown("preview")


def test_the_requests_table_keeps_outcome_and_status_in_view(sized: Application, qtbot: QtBot) -> None:
    _show(sized, qtbot, "Requests")
    table = sized.pages["Requests"].table  # type: ignore[attr-defined]
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    for column in (6, 7):  # Outcome, Status
        assert not header.isSectionHidden(column)
        assert header.sectionViewportPosition(column) >= 0
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= viewport
    assert not table.horizontalScrollBar().isVisible()
    index = table.model().index(0, 6)
    assert table.model().data(index) == "Delivered"
    assert header.sectionSize(6) >= table.fontMetrics().horizontalAdvance("Delivered")


def test_the_activation_offer_is_whole_at_1024x700(qtbot: QtBot, tmp_path: Path) -> None:
    with shown_app(qtbot, tmp_path, (1024, 700)) as app:
        send_a_test(app, qtbot, draft=True)
        form = app.pages["Triggers"].trigger_form  # type: ignore[attr-defined]
        qtbot.waitUntil(form.activation_frame.isVisible)
        for widget in (form.activation_frame, form.activation_text, form.activate_button):
            shown = widget.visibleRegion().boundingRect()
            assert (shown.width(), shown.height()) == (widget.width(), widget.height()), widget
        assert _settled_clipping(app, qtbot) == []
        with qtbot.waitSignal(form.trigger_activated):
            form.activate_button.click()


@pytest.mark.parametrize("size", SIZES[:2], ids=[f"{w}x{h}" for w, h in SIZES[:2]])
def test_lookup_and_trigger_names_are_whole(qtbot: QtBot, tmp_path: Path, size: tuple[int, int]) -> None:
    """At 1024x700 the lists beside the forms elided the table names and wrapped the trigger names."""
    with shown_app(qtbot, tmp_path, size) as app:
        _show(app, qtbot, "Lookups")
        tree = app.pages["Lookups"].tree  # type: ignore[attr-defined]
        assert _settled(qtbot, lambda: elided_cells(tree)) == []
        names = {tree.topLevelItem(0).child(row).text(0) for row in range(tree.topLevelItem(0).childCount())}
        assert "Carriers (shipmentMethodUid)" in names
        assert shown_columns(tree) == ["Table", "Template field"]

        _show(app, qtbot, "Triggers")
        table = app.pages["Triggers"].table  # type: ignore[attr-defined]
        assert _settled(qtbot, lambda: elided_cells(table)) == []
        assert table.item(0, 0).text() == "Order shipped email" and not table.wordWrap()
        expected = ["Name", "Status"] if size == (1024, 700) else ["Name", "Customer", "Event", "Status"]
        assert shown_columns(table) == expected
        assert "Demo Print Co" in table.item(0, 0).toolTip(), "a hidden column's text is in the tooltip"
        assert _settled_clipping(app, qtbot) == []


def test_the_first_window_fits_the_screen(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    app = build_application(tmp_path / "workspace.sqlite", settings=settings)
    try:
        screen = app.window.screen().availableGeometry()
        assert app.maximise_on_show == (screen.width() < 1516 or screen.height() < 948)
        app.show()
        if app.maximise_on_show:
            qtbot.waitUntil(app.window.isMaximized)
    finally:
        app.close()
