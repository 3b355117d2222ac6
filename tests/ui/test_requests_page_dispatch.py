"""The Requests page over what the real dispatcher logged: a signed webhook retried against the inbox."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.core.dispatch.delivery import Dispatcher
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.dispatch.plan import Delivery, WebhookTarget
from postback_studio.core.model import Header
from postback_studio.core.requestlog import Outcome
from postback_studio.services.files import UserFiles
from postback_studio.services.request_log import RequestLogReader
from postback_studio.storage.workspace import Workspace
from postback_studio.ui.requests_page import RequestsPage
from postback_studio.workers.jobs import JobRunner

BODY = b'{"orderId":"1234","status":"shipped"}'


def test_three_attempts_of_a_signed_retried_webhook(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    Workspace.open(path, seed=False).close()
    page = RequestsPage(
        lambda: RequestLogReader.open(path), jobs=JobRunner(QThreadPool()), files=UserFiles(path)
    )
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.model.complete)
    assert page.model.rowCount() == 0
    with (
        Workspace.open(path, seed=False) as workspace,
        HttpInbox(ResponseScript.parse("503x2, 200")) as inbox,
    ):
        target = WebhookTarget(
            f"{inbox.url}/hooks/acme",
            headers=(Header("Authorization", "Bearer s3cret-token", secret=True),),
            signing_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        delivery = Delivery("msg_demo", target, "shipped", body=BODY, payload='{"orderId": "1234"}')
        with Dispatcher(workspace.requests, sleeper=lambda _seconds: None) as dispatcher:
            report = dispatcher.deliver(delivery)
        received = inbox.requests
    assert report.delivered and len(received) == 3

    with qtbot.waitSignal(page.model.rows_appended):
        page.refresh()
    assert page.model.rowCount() == 3
    assert [page.model.row_at(i).outcome for i in range(3)] == [
        Outcome.DELIVERED,
        Outcome.RETRYING,
        Outcome.RETRYING,
    ]
    with qtbot.waitSignal(page.detail_shown):
        page.table.selectRow(0)
    detail = page.detail
    assert detail.request_body.text.toPlainText().encode() == received[-1].body == BODY
    headers = detail.request_headers.toPlainText()
    assert "s3cret-token" not in headers and "Authorization: " in headers
    webhook_id = received[-1].header("webhook-id")
    timestamp = received[-1].header("webhook-timestamp")
    assert detail.signed.toPlainText().startswith(f"{webhook_id}.{timestamp}.{BODY.decode()}")
    assert received[-1].header("webhook-signature") in detail.signed.toPlainText()
    assert detail.attempts.count() == 3
    page.wait_for_workers()
