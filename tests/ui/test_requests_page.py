"""The Requests page on a real workspace file: lazy loading, filters, search, detail, export, refresh."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.services.files import UserFiles
from postback_studio.services.request_log import RequestLogReader
from postback_studio.ui.requests_page import PAGE_SIZE, RequestsPage
from postback_studio.workers.jobs import JobRunner
from tests.support.request_log import append, make_log, sample_records

START = 1_700_000_000.0
COUNT = PAGE_SIZE * 2 + 40


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, list[RequestRecord]]:
    path = tmp_path / "ws.sqlite"
    return path, make_log(path, sample_records(COUNT, start=START))


@pytest.fixture
def page(qtbot: QtBot, workspace: tuple[Path, list[RequestRecord]]) -> RequestsPage:
    path, _ = workspace
    pool = QThreadPool()
    widget = RequestsPage(
        lambda: RequestLogReader.open(path), clock=lambda: START + COUNT * 60, jobs=JobRunner(pool),
        files=UserFiles(path),
    )
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    with qtbot.waitSignal(widget.model.rows_appended):
        widget.show()
    yield widget
    widget.wait_for_workers()


def _select_rows(page: RequestsPage, rows: list[int]) -> None:
    selection = page.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(page.model.index(row, 0), flags)


def test_first_page_only_then_more_on_scroll(qtbot: QtBot, page: RequestsPage) -> None:
    assert page.model.rowCount() == PAGE_SIZE
    assert page.model.row_at(0).started_at == START + (COUNT - 1) * 60
    with qtbot.waitSignal(page.model.rows_appended) as blocker:
        page.table.scrollToBottom()
    assert blocker.args == [PAGE_SIZE * 2]
    with qtbot.waitSignal(page.model.exhausted):
        page.table.scrollToBottom()
    assert page.model.rowCount() == COUNT
    assert not page.model.canFetchMore(page.model.index(-1, -1))


def test_summary_counts_the_filter(
    qtbot: QtBot, page: RequestsPage, workspace: tuple[Path, list[RequestRecord]]
) -> None:
    _, stored = workspace
    with qtbot.waitSignal(page.summary_updated) as blocker:
        page.reload()
    summary = blocker.args[0]
    assert summary.total == COUNT
    assert summary.counts[Outcome.RETRYING] == sum(1 for r in stored if r.outcome is Outcome.RETRYING)
    assert f"{COUNT:,}" in page.summary.total.text()


def test_outcome_customer_and_search_filters_change_the_rows(qtbot: QtBot, page: RequestsPage) -> None:
    with qtbot.waitSignal(page.model.rows_appended):
        page.outcome.setCurrentIndex(page.outcome.findData(Outcome.RETRYING))
    assert page.model.rowCount() > 0
    assert {page.model.row_at(i).outcome for i in range(page.model.rowCount())} == {Outcome.RETRYING}

    page.set_filter_choices([(1, "Acme Prints"), (2, "Globex")], [(10, "Order shipped hook")])
    with qtbot.waitSignal(page.model.rows_appended):
        page.customer.setCurrentIndex(page.customer.findData(2))
    assert {page.model.row_at(i).customer_name for i in range(page.model.rowCount())} == {"Globex"}

    page.outcome.setCurrentIndex(0)
    with qtbot.waitSignal(page.model.rows_appended):
        page.customer.setCurrentIndex(0)
    with qtbot.waitSignal(page.model.rows_appended, timeout=3000):
        qtbot.keyClicks(page.search, "order-123")
    assert {page.model.row_at(i).delivery_id for i in range(page.model.rowCount())} == {"msg_123"}


def test_detail_shows_exact_body_redacted_headers_signature_and_attempts(
    qtbot: QtBot, page: RequestsPage, workspace: tuple[Path, list[RequestRecord]]
) -> None:
    _, stored = workspace
    signed = next(r for r in reversed(stored) if any(k == "webhook-signature" for k, _ in r.request_headers))
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == signed.id)
    with qtbot.waitSignal(page.detail_shown) as blocker:
        page.table.selectRow(row)
    assert blocker.args == [signed.id]
    detail = page.detail
    assert detail.request_body.text.toPlainText() == signed.request_body.decode()
    assert "Authorization: [redacted]" in detail.request_headers.toPlainText()
    signed_content = f"{signed.delivery_id}.{int(START)}.{signed.request_body.decode()}"
    assert detail.signed.toPlainText().startswith(signed_content)
    assert not detail.signed.isHidden()

    retried = next(r for r in reversed(stored) if r.attempt == 3)
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == retried.id)
    with qtbot.waitSignal(page.detail_shown):
        page.table.selectRow(row)
    assert detail.attempts.count() == 3
    first_attempt = detail.attempts.item(0)
    with qtbot.waitSignal(detail.attempt_chosen):
        detail.attempts.itemClicked.emit(first_attempt)
    assert detail.response_line.text() == "<b>HTTP 503 in 12 ms</b>"


def test_export_writes_the_selected_rows(qtbot: QtBot, page: RequestsPage, tmp_path: Path) -> None:
    _select_rows(page, [0, 2])
    ids = page.selected_ids()
    target = tmp_path / "out.json"
    with qtbot.waitSignal(page.export_finished):
        page.export_selection(target, "json")
    exported = json.loads(target.read_text(encoding="utf-8"))["requests"]
    assert sorted(r["id"] for r in exported) == sorted(ids)
    with qtbot.waitSignal(page.export_finished):
        page.export_selection(tmp_path / "out.csv", "csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(ids)


def test_resend_emits_the_selected_ids(qtbot: QtBot, page: RequestsPage) -> None:
    assert not page.resend_action.isEnabled()
    _select_rows(page, [1, 3])
    with qtbot.waitSignal(page.resend_requested) as blocker:
        page.resend_action.trigger()
    assert blocker.args == [[page.model.row_at(1).id, page.model.row_at(3).id]]


def test_refresh_puts_new_entries_on_top_and_keeps_the_selection(
    qtbot: QtBot, page: RequestsPage, workspace: tuple[Path, list[RequestRecord]]
) -> None:
    path, stored = workspace
    page.table.selectRow(2)
    selected = page.model.row_at(2).id
    newest = replace(stored[-1], delivery_id="fresh", started_at=START + COUNT * 60, id=None)
    added = append(path, [newest, replace(newest, attempt=2, started_at=newest.started_at + 1)])
    with qtbot.waitSignal(page.model.rows_prepended) as blocker:
        page.refresh()
    assert blocker.args == [2]
    assert page.model.row_at(0).id == added[1].id
    assert page.selected_ids() == [selected]


def test_query_errors_are_shown(qtbot: QtBot, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a workspace" * 100)
    widget = RequestsPage(
        lambda: RequestLogReader.open(junk), jobs=JobRunner(QThreadPool()), files=UserFiles(junk)
    )
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.error_shown) as blocker:
        widget.reload()
    widget.wait_for_workers()
    assert "not a Postback Studio workspace" in blocker.args[0]
    assert not widget.error.isHidden()


def test_refresh_keeps_the_rows_the_user_reads_in_place(
    qtbot: QtBot, page: RequestsPage, workspace: tuple[Path, list[RequestRecord]]
) -> None:
    path, stored = workspace
    bar = page.table.verticalScrollBar()
    bar.setValue(40)
    reading = page.model.row_at(page.table.rowAt(0)).id
    append(path, [replace(stored[-1], delivery_id="late", started_at=START + COUNT * 60, id=None)])
    with qtbot.waitSignal(page.model.rows_prepended):
        page.refresh()
    assert page.model.row_at(page.table.rowAt(0)).id == reading


def test_menu_actions_and_search_shortcut(qtbot: QtBot, page: RequestsPage) -> None:
    assert [a.text() for a in page.menu_actions][:3] == [
        "Resend", "Cancel Retries of Selected Deliveries…", "Export Selection as JSON…"
    ]
    page.table.setFocus()
    page.search_action.trigger()
    assert page.search.hasFocus() or page.focusWidget() is page.search


def test_a_row_the_log_cannot_read_is_shown_as_unreadable(qtbot: QtBot, tmp_path: Path) -> None:
    """Issue 12: the page lists a damaged row as unreadable, with the reason, and the others as usual."""
    from postback_studio.storage.workspace import Workspace

    path = tmp_path / "ws.sqlite"
    stored = make_log(path, sample_records(5, start=START))
    damaged = stored[2].id
    with Workspace.open(path, seed=False) as ws:
        ws.conn.execute(
            "UPDATE requests SET channel = 'pigeon', request_headers = 'x' WHERE id = ?", (damaged,)
        )
    widget = RequestsPage(
        lambda: RequestLogReader.open(path), clock=lambda: START + 600, jobs=JobRunner(QThreadPool()),
        files=UserFiles(path),
    )
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.model.rows_appended):
        widget.show()
    rows = {widget.model.row_at(i).id: i for i in range(widget.model.rowCount())}
    assert len(rows) == 5
    row = rows[damaged]
    assert widget.model.index(row, 6).data() == "Unreadable"
    assert "channel" in widget.model.index(row, 5).data()
    with qtbot.waitSignal(widget.detail_shown):
        widget.table.selectRow(row)
    assert "unreadable" in widget.detail.title.text()
    assert "cannot be read" in widget.detail.error.text()
    others = [i for i in rows.values() if i != row]
    assert {widget.model.index(i, 6).data() for i in others} <= {"Delivered", "Retrying"}
    widget.wait_for_workers()


def test_an_email_attempt_shows_an_smtp_status(qtbot: QtBot, tmp_path: Path) -> None:
    """Issue 10: an SMTP reply is an SMTP code in the table, the attempts list and the Response pane."""
    from postback_studio.core.requestlog import Channel

    path = tmp_path / "ws.sqlite"
    [mail] = make_log(
        path,
        [
            RequestRecord(
                "msg_m",
                1,
                Channel.EMAIL,
                Outcome.DELIVERED,
                START,
                "shipped",
                "ops@example.test",
                response_status=250,
                duration=0.2,
            )
        ],
    )
    widget = RequestsPage(
        lambda: RequestLogReader.open(path), clock=lambda: START + 600, jobs=JobRunner(QThreadPool()),
        files=UserFiles(path),
    )
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.model.rows_appended):
        widget.show()
    assert widget.model.headerData(7, Qt.Orientation.Horizontal) == "Status"
    assert widget.model.index(0, 7).data() == "SMTP 250"
    with qtbot.waitSignal(widget.detail_shown):
        widget.table.selectRow(0)
    assert widget.detail.response_line.text() == "<b>SMTP 250 in 200 ms</b>"
    attempt = widget.detail.attempts.item(0).text()
    assert "SMTP 250" in attempt and "HTTP" not in attempt
    assert mail.id is not None
    widget.wait_for_workers()


def test_entries_logged_while_a_refresh_runs_are_shown_too(qtbot: QtBot, tmp_path: Path) -> None:
    """Issue 11 ("Resend shows nothing"): a refresh asked for while one is on its way is not dropped."""
    import threading

    path = tmp_path / "ws.sqlite"
    make_log(path, sample_records(3, start=START))
    queried, release = threading.Event(), threading.Event()

    class SlowReader(RequestLogReader):
        def newer(self, *args: object, **kwargs: object) -> list:  # type: ignore[override]
            rows = super().newer(*args, **kwargs)  # type: ignore[arg-type]
            queried.set()
            release.wait(10)
            return rows

    from postback_studio.storage.workspace import Workspace

    widget = RequestsPage(
        lambda: SlowReader(Workspace.open(path, seed=False)),
        clock=lambda: START + 600,
        jobs=JobRunner(QThreadPool()),
        files=UserFiles(path),
    )
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.model.rows_appended):
        widget.show()
    [first] = append(path, sample_records(1, start=START + 300))
    widget.model.refresh()
    assert queried.wait(10)
    [second] = append(path, sample_records(1, start=START + 400))
    widget.model.refresh()
    release.set()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 5, timeout=5000)
    assert [widget.model.row_at(i).id for i in range(2)] == [second.id, first.id]
    widget.wait_for_workers()
