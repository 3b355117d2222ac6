"""The Inbox page: arrivals show up with their exact content; the script editor applies or explains."""

from __future__ import annotations

import smtplib
from pathlib import Path

import requests
from pytestqt.qtbot import QtBot

from postback_studio.core.dispatch.inbox import (
    HttpInbox,
    ReceivedMessage,
    ReceivedRequest,
    ResponseScript,
    SmtpCatcher,
)
from postback_studio.core.records import InboxEmail, InboxHttpRequest
from postback_studio.storage.workspace import Workspace
from postback_studio.ui.inbox_page import InboxPage
from postback_studio.workers.inbox_bridge import InboxBridge
from tests.support.mail import shipped_email


def _request(
    path: str,
    body: bytes = b"",
    *,
    method: str = "POST",
    at: float = 0.0,
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (),
) -> ReceivedRequest:
    return ReceivedRequest(method, path, headers, body, at, "127.0.0.1", status)


def _page(qtbot: QtBot) -> InboxPage:
    page = InboxPage(ResponseScript.parse)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    return page


def test_an_arriving_request_is_shown_with_its_exact_body(qtbot: QtBot) -> None:
    page = _page(qtbot)
    body = b'{"orderId":"A1",  "x":[1,2]}'
    with qtbot.waitSignal(page.request_shown) as blocker:
        page.add_http_request(
            _request(
                "/hooks/1",
                body,
                status=503,
                headers=(("Content-Type", "application/json"), ("webhook-id", "msg_1")),
            )
        )
    assert blocker.args == [0]
    assert page.tabs.tabText(0) == "HTTP (1)"
    assert page.http_body.text.toPlainText() == body.decode()
    assert "webhook-id: msg_1" in page.http_headers.toPlainText()
    assert "answered 503" in page.http_request_line.text()
    page.http_body.pretty_toggle.setChecked(True)
    assert page.http_body.text.toPlainText().startswith('{\n  "orderId": "A1"')


def test_an_arriving_email_shows_preview_text_headers_and_source(qtbot: QtBot) -> None:
    page = _page(qtbot)
    with qtbot.waitSignal(page.email_shown):
        page.add_email(
            ReceivedMessage("psp@example.test", ("ops@example.test",), shipped_email(), 0.0, "127.0.0.1")
        )
    assert page.tabs.tabText(1) == "Email (1)"
    assert "Tracking: TRK1" in page.email_preview.browser.toPlainText()
    assert page.email_text.toPlainText().strip() == "Tracking: TRK1"
    assert "RCPT TO: ops@example.test" in page.email_headers.toPlainText()
    assert "Subject: Your order shipped" in page.email_raw.toPlainText()
    assert "Your order shipped" in page.email_envelope.text()


def test_newest_arrival_goes_on_top_and_the_reader_keeps_their_place(qtbot: QtBot) -> None:
    page = _page(qtbot)
    for index in range(3):
        page.add_http_request(_request(f"/h/{index}", at=float(index)))
    assert page.http_list.item(0).text().startswith("00:00:02  POST /h/2")
    page.http_list.setCurrentRow(2)
    page.add_http_request(_request("/h/3", method="PUT", at=3.0))
    assert page.http_list.currentRow() == 3
    assert page.http_request_line.text().startswith("<b>POST /h/0")


def test_script_editor_applies_valid_scripts_and_explains_bad_ones(qtbot: QtBot) -> None:
    page = _page(qtbot)
    editor = page.script_editor
    editor.script.setText("")
    editor.status.setValue(503)
    editor.times.setValue(2)
    editor.retry_after.setText("5")
    editor.add_step_button.click()
    editor.status.setValue(200)
    editor.times.setValue(1)
    editor.retry_after.clear()
    editor.add_step_button.click()
    assert editor.script.text() == "503x2 retry-after=5, 200"
    with qtbot.waitSignal(page.script_changed) as blocker:
        editor.apply_button.click()
    assert blocker.args == ["503x2 retry-after=5, 200", ResponseScript.parse("503x2 retry-after=5, 200")]
    editor.script.setText("soon")
    with qtbot.assertNotEmitted(page.script_changed):
        editor.apply()
    assert "expected a status such as 200" in editor.message.text()


def test_start_stop_and_clear(qtbot: QtBot) -> None:
    page = _page(qtbot)
    with qtbot.waitSignal(page.start_requested):
        page.start_stop.click()
    page.set_receiver_state(True, 8765, 2525)
    assert "127.0.0.1:8765" in page.state.text() and "127.0.0.1:2525" in page.state.text()
    with qtbot.waitSignal(page.stop_requested):
        page.start_stop.click()
    page.add_http_request(_request("/", b"x"))
    with qtbot.waitSignal(page.cleared):
        page.clear_button.click()
    assert page.http_list.count() == 0 and page.tabs.tabText(0) == "HTTP (0)"


def test_history_from_the_workspace_keeps_its_order(qtbot: QtBot, tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite", seed=False) as workspace:
        workspace.inbox.add_http(InboxHttpRequest(1.0, "POST", "/first", (), b"1"))
        workspace.inbox.add_http(InboxHttpRequest(2.0, "POST", "/second", (), b"2"))
        workspace.inbox.add_email(InboxEmail(3.0, "psp@example.test", ("ops@example.test",), shipped_email()))
        requests, emails = workspace.inbox.list_http(), workspace.inbox.list_email()
    page = _page(qtbot)
    page.set_history(requests, emails)
    assert [page.http_list.item(i).text()[10:] for i in range(2)] == [
        "POST /second  (1 B)",
        "POST /first  (1 B)",
    ]
    assert page.http_body.text.toPlainText() == "2"
    assert page.email_text.toPlainText().strip() == "Tracking: TRK1"


def test_live_arrivals_from_the_local_receiver_and_catcher(qtbot: QtBot) -> None:
    page = _page(qtbot)
    bridge = InboxBridge()
    bridge.http_received.connect(page.add_http_request)
    bridge.email_received.connect(page.add_email)
    body = b'{"orderId": "A1"}'
    with (
        HttpInbox(ResponseScript.parse("503, 200"), sink=bridge.http_sink) as inbox,
        SmtpCatcher(sink=bridge.mail_sink) as catcher,
    ):
        page.set_receiver_state(True, inbox.port, catcher.port)
        with qtbot.waitSignal(page.request_shown):
            answer = requests.post(
                f"{inbox.url}/hooks/acme", data=body, timeout=5, headers={"Content-Type": "application/json"}
            )
        assert answer.status_code == 503
        with qtbot.waitSignal(page.email_shown), smtplib.SMTP("127.0.0.1", catcher.port, timeout=5) as smtp:
            smtp.sendmail("psp@example.test", ["ops@example.test"], shipped_email())
    assert page.http_body.text.toPlainText() == body.decode()
    assert (
        "POST /hooks/acme" in page.http_request_line.text()
        and "answered 503" in page.http_request_line.text()
    )
    assert "Tracking: TRK1" in page.email_preview.browser.toPlainText()
    assert page.tabs.tabText(0) == "HTTP (1)" and page.tabs.tabText(1) == "Email (1)"


def test_rows_show_the_scripted_answer_each_request_got_even_after_a_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Issue 13: the Inbox showed no answer at all; now "503 (script 1/3)" and so on, kept."""
    from postback_studio.app import build_application
    from tests.ui.conftest import app_settings

    settings = app_settings(tmp_path)
    app = build_application(tmp_path / "workspace.sqlite", settings=settings)
    try:
        page = app.pages["Inbox"]
        assert isinstance(page, InboxPage)
        page.script_editor.script.setText("503x2, 200")
        page.script_editor.apply()
        with qtbot.waitSignal(app.controller.inbox_state_changed):  # type: ignore[union-attr]
            page.start_stop.click()
        port = int(page.state.text().split("127.0.0.1:")[1].split(" ")[0])
        with requests.Session() as session:
            answers = [session.post(f"http://127.0.0.1:{port}/postbacks", data=b"{}", timeout=30).status_code
                       for _ in range(4)]
        assert answers == [503, 503, 200, 200]
        qtbot.waitUntil(lambda: page.http_list.count() == 4)
        rows = [page.http_list.item(i).text() for i in range(4)]
        expected = ["200 (script 3/3, repeating)", "200 (script 3/3)", "503 (script 2/3)", "503 (script 1/3)"]
        assert [row.split("\n→ ")[1] for row in rows] == expected, rows
        page.http_list.setCurrentRow(3)
        assert page.http_request_line.text().endswith("answered 503 (script 1/3)")
    finally:
        app.close()
    again = build_application(tmp_path / "workspace.sqlite", settings=settings)
    try:
        page = again.pages["Inbox"]
        assert isinstance(page, InboxPage)
        kept = [page.http_list.item(i).text().split("\n→ ")[1] for i in range(4)]
        assert kept == expected, "the answers are kept in the workspace"
    finally:
        again.close()
