"""The workspace-backed sinks: the log writer thread and the pending store."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from postback_studio.core.dispatch.plan import Delivery, PendingRetry, WebhookTarget
from postback_studio.core.model import Header
from postback_studio.core.redaction import Redaction
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.services.changes import ChangeBus
from postback_studio.services.delivery.pending import WorkspacePendingStore
from postback_studio.services.delivery.writer import LogWriteError, WorkspaceWriter
from postback_studio.storage.workspace import Workspace


def record(n: int) -> RequestRecord:
    return RequestRecord(f"msg_{n}", 1, Channel.WEBHOOK, Outcome.DELIVERED, 1000.0 + n, "shipped", "http://x")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "ws.sqlite"
    Workspace.open(target).close()
    return target


def test_records_from_many_threads_are_all_stored_in_order_per_thread(path: Path) -> None:
    stored: list[RequestRecord] = []
    writer = WorkspaceWriter(lambda: Workspace.open(path), stored.append)
    threads = [
        threading.Thread(target=lambda t=t: [writer.append(record(t * 1000 + n)) for n in range(200)])
        for t in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.flush()
    assert len(stored) == 800 and len({r.id for r in stored}) == 800
    for t in range(4):
        mine = [r.delivery_id for r in stored if int(r.delivery_id[4:]) // 1000 == t]
        assert mine == [f"msg_{t * 1000 + n}" for n in range(200)]
    writer.close()
    with Workspace.open(path) as ws:
        assert ws.requests.count() == 800


def test_a_failing_listener_does_not_stop_the_log(path: Path) -> None:
    def explode(_: RequestRecord) -> None:
        raise RuntimeError("listener bug")

    writer = WorkspaceWriter(lambda: Workspace.open(path), explode)
    writer.append(record(1))
    writer.flush()
    writer.append(record(2))
    writer.close()
    with Workspace.open(path) as ws:
        assert ws.requests.count() == 2


def test_an_unopenable_workspace_keeps_the_records_and_says_so(tmp_path: Path) -> None:
    def broken() -> Workspace:
        raise OSError("disk gone")

    writer = WorkspaceWriter(broken)
    writer.append(record(1))
    with pytest.raises(RuntimeError, match="disk gone"):
        writer.flush()
    writer.close()
    assert [r.delivery_id for r in writer.unsaved] == ["msg_1"]
    assert issubclass(LogWriteError, RuntimeError)


def test_pending_store_round_trip_without_secrets_in_the_file(path: Path) -> None:
    with Workspace.open(path) as ws:
        trigger = ws.triggers.get(1)
        ws.triggers.save(replace(trigger, headers=(Header("X-Token", "tok-9", True),)))
    writer = WorkspaceWriter(lambda: Workspace.open(path))
    store = WorkspacePendingStore(writer, ChangeBus())
    target = WebhookTarget("http://127.0.0.1:9/", headers=(Header("X-Token", "tok-9", True),))
    delivery = Delivery("msg_a", target, "shipped", body=b"{}", trigger_id=1)
    store.put(PendingRetry(delivery, 2, 50.0))
    assert store.due(49.0) == []
    [due] = store.due(50.0)
    assert due.delivery.target.headers[0].value == "tok-9"  # type: ignore[union-attr]
    taken = store.take("msg_a")
    assert taken is not None and taken.attempt == 2 and store.take("msg_a") is None
    writer.close()
    with Workspace.open(path) as ws:
        [row] = ws.pending.list(None)
    assert row.attempt == 2 and row.due_at == 50.0 and "tok-9" not in row.payload


def test_records_that_failed_to_write_are_kept_and_written_later(path: Path) -> None:
    failures = [RuntimeError("database is locked")]

    def flaky() -> Workspace:
        ws = Workspace.open(path)
        append_all = ws.requests.append_all

        def maybe_fail(entries: Sequence[tuple[RequestRecord, Redaction | None]]) -> list[int]:
            if failures:
                raise failures.pop()
            return append_all(entries)

        ws.requests.append_all = maybe_fail  # type: ignore[method-assign]
        return ws

    writer = WorkspaceWriter(flaky)
    writer.append(record(1))
    with pytest.raises(LogWriteError, match="database is locked") as failed:
        writer.flush()
    assert [r.delivery_id for r in failed.value.unsaved] == ["msg_1"]
    writer.append(record(2))
    writer.flush()
    writer.close()
    assert writer.unsaved == []
    with Workspace.open(path) as ws:
        assert sorted(r.delivery_id for r in ws.requests.query()) == ["msg_1", "msg_2"]
