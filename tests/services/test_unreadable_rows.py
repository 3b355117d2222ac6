"""The log survives any row it cannot interpret: it shows that row as unreadable and carries on.

Rows are damaged with raw SQL the way a crashed build, a hand edit or absurd retry numbers leave
them (an unknown channel, headers that are not JSON, an infinite time, a body stored as text). Each
reader (the log's repository, the Requests page's reader, ``log``, ``log show``) must list the good
rows as they are and the bad ones as unreadable, saying which column could not be read.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from postback_studio.cli import main
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord, record_from_row, record_to_row
from postback_studio.core.requests_view import RequestFilter
from postback_studio.services.request_log import RequestLogReader
from postback_studio.storage.workspace import Workspace
from tests.support.request_log import make_log

NOW = time.time()
DAMAGE = {
    "channel": "UPDATE requests SET channel = 'pigeon' WHERE id = ?",
    "request_headers": "UPDATE requests SET request_headers = '{not json' WHERE id = ?",
    "next_attempt_at": "UPDATE requests SET next_attempt_at = 9e999 WHERE id = ?",
    "outcome": "UPDATE requests SET outcome = 'exploded' WHERE id = ?",
    "request_body": "UPDATE requests SET request_body = 'text, not bytes' WHERE id = ?",
}


def entry(n: int) -> RequestRecord:
    return RequestRecord(
        f"msg_{n}",
        1,
        Channel.WEBHOOK,
        Outcome.DELIVERED,
        NOW - 100 + n,
        "shipped",
        f"http://127.0.0.1/{n}",
        request_method="POST",
        request_body=b'{"n": %d}' % n,
        response_status=200,
    )


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, dict[str, int], list[int]]:
    path = tmp_path / "ws.sqlite"
    records = make_log(path, [entry(n) for n in range(len(DAMAGE) + 2)])
    ids = [r.id for r in records if r.id is not None]
    bad = dict(zip(DAMAGE, ids[1:], strict=False))
    with Workspace.open(path, seed=False) as ws:
        for column, row_id in bad.items():
            ws.conn.execute(DAMAGE[column], (row_id,))
    good = [i for i in ids if i not in bad.values()]
    return path, bad, good


def test_the_parser_never_raises_and_names_the_column() -> None:
    row = {"id": 7, **record_to_row(entry(1))}
    assert record_from_row(row).readable
    for column, value in (
        ("channel", "pigeon"),
        ("started_at", float("nan")),
        ("attempt", "two"),
        ("request_headers", "[[1, 2]]"),
        ("is_test", 5),
        ("request_body", "text"),
    ):
        damaged = record_from_row({**row, column: value})
        assert damaged.outcome is Outcome.UNREADABLE and column in damaged.error, column
        assert damaged.id == 7 and damaged.delivery_id == "msg_1", "what could be read is kept"
    assert not record_from_row({}).readable


def test_the_repository_and_the_page_reader_list_every_row(
    damaged: tuple[Path, dict[str, int], list[int]],
) -> None:
    path, bad, good = damaged
    with Workspace.open(path, seed=False) as ws:
        records = {r.id: r for r in ws.requests.query(limit=100)}
        assert all(records[i].readable for i in good)
        for column, row_id in bad.items():
            assert records[row_id].outcome is Outcome.UNREADABLE and column in records[row_id].error
    reader = RequestLogReader.open(path)
    try:
        rows = {r.id: r for r in reader.page(RequestFilter(), None, 100)}
        summary = reader.summary(RequestFilter(), NOW + 10)
        shown = reader.get(bad["channel"])
    finally:
        reader.close()
    assert {rows[i].outcome for i in good} == {Outcome.DELIVERED}
    assert rows[bad["outcome"]].outcome is Outcome.UNREADABLE and "outcome" in rows[bad["outcome"]].target
    assert rows[bad["channel"]].outcome is Outcome.UNREADABLE
    assert summary.total == len(good) + len(bad) and summary.counts[Outcome.UNREADABLE] >= 1
    assert shown is not None and not shown.readable


def test_log_and_log_show_carry_on(
    damaged: tuple[Path, dict[str, int], list[int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, bad, good = damaged
    workspace = ["--workspace", str(path)]
    assert main([*workspace, "log", "--limit", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(good) + len(bad)
    assert sum("\tunreadable\t" in line for line in lines) == len(bad)
    assert main([*workspace, "log", "--json", "--limit", "100"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows if r["outcome"] == "unreadable"} == set(bad.values())
    assert main([*workspace, "log", "show", str(bad["request_headers"]), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["outcome"] == "unreadable" and "request_headers" in document["unreadable"]
    assert main([*workspace, "log", "show", str(bad["next_attempt_at"])]) == 0
    assert "UNREADABLE: This log entry cannot be read (next_attempt_at" in capsys.readouterr().out
    assert main([*workspace, "log", "show", str(good[0]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["request"]["body"] == '{"n": 0}'
