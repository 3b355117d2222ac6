"""Every pane of the Requests page's detail, for real sends of every kind of attempt.

The sends go through the real delivery service to the local inbox and SMTP catcher, the page reads
the real log through its real reader on its workers. Before the render record had one contract,
the Template processing tab was empty for every one of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.core.body_view import exact_text
from postback_studio.core.dispatch.inbox import HttpInbox, SmtpCatcher
from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.files import UserFiles
from postback_studio.services.request_log import RequestLogReader
from postback_studio.services.session import Session
from postback_studio.ui.requests_page import RequestsPage
from postback_studio.workers.jobs import JobRunner
from tests.support.sends import KINDS, Sent, send_every_kind


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Sent]]]:
    path = tmp_path_factory.mktemp("detail") / "ws.sqlite"
    Session.open(path).close()
    with RenderEngine() as engine, HttpInbox() as inbox, SmtpCatcher() as catcher:
        yield path, send_every_kind(path, engine, inbox, catcher, sleep=lambda _seconds: None)


@pytest.mark.parametrize("kind", KINDS)
def test_the_detail_shows_every_pane(qtbot: QtBot, sent: tuple[Path, dict[str, Sent]], kind: str) -> None:
    path, sends = sent
    one = sends[kind]
    page = RequestsPage(
        lambda: RequestLogReader.open(path), jobs=JobRunner(QThreadPool()), files=UserFiles(path)
    )
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.model.rows_appended):
        page.show()
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == one.request_id)
    with qtbot.waitSignal(page.detail_shown):
        page.table.selectRow(row)
    detail = page.detail
    assert json.loads(detail.payload.text.toPlainText()) == one.payload
    rendered = detail.rendered.text.toPlainText()
    if isinstance(one.rendered, dict):
        for name, text in one.rendered.items():
            assert not text or f"--- {name} ---\n{text}" in rendered
    elif one.rendered is not None:
        assert rendered == one.rendered and rendered, "the Template processing tab shows the output"
    else:
        assert "syntax" in detail.diagnostics.toPlainText()
    if one.received is not None and kind != "email":
        assert detail.request_body.text.toPlainText() == exact_text(one.received)
    if kind == "email":
        assert detail.response_line.text().startswith("<b>SMTP 250")
    if kind == "signed webhook":
        assert (
            not detail.signed.isHidden()
            and dict(one.received_headers)["webhook-id"] in detail.signed.toPlainText()
        )
    page.wait_for_workers()
