"""Retry plans end to end: what a failed attempt stores is what its retry sends, read back by the one parser.

A real trigger with signing and a secret header sends to the local inbox scripted to refuse once;
the retry waits in the workspace (no secret in the row), is resumed by the service as the app's
timer does, and goes out with the same bytes and a valid signature. The trigger is read once for
the whole delivery. A plan that cannot be read is cancelled and logged, not retried forever.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.dispatch.plan import PendingRetry
from postback_studio.core.model import Header, RetryKind, RetryPolicy
from postback_studio.core.records import PendingState
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome
from postback_studio.core.samples import load_sample
from postback_studio.services.delivery import DeliveryService
from postback_studio.services.session import Session
from postback_studio.storage.triggers import TriggerRepository
from postback_studio.storage.workspace import Workspace

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOKEN = "Bearer tok-1234567890"
QUICK = RetryPolicy(kind=RetryKind.EXPONENTIAL, max_attempts=3, first_delay=0.0, factor=1.0, jitter=0.0)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine() as e:
        yield e


@pytest.fixture
def trigger_id(tmp_path: Path, inbox: HttpInbox) -> tuple[Path, int]:
    path = tmp_path / "ws.sqlite"
    with Session.open(path) as session:
        trigger = session.triggers.named("Order shipped to local inbox")
        full = session.triggers.get(trigger.id or 0)
        saved = session.triggers.save(
            replace(
                full,
                url=inbox.url,
                signing=True,
                signing_secret=SECRET,
                retry=QUICK,
                headers=(Header("Authorization", TOKEN, secret=True),),
            )
        )
    assert saved.id is not None
    return path, saved.id


def test_the_stored_plan_is_what_the_retry_sends(
    trigger_id: tuple[Path, int], inbox: HttpInbox, engine: RenderEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, tid = trigger_id
    reads: list[int] = []
    real_get = TriggerRepository.get

    def counted(self: TriggerRepository, trigger_id: int, *, with_secrets: bool = True) -> object:
        reads.append(trigger_id)
        return real_get(self, trigger_id, with_secrets=with_secrets)

    monkeypatch.setattr(TriggerRepository, "get", counted)
    inbox.set_script(ResponseScript.parse("503, 200"))
    clock = Clock()
    with DeliveryService.for_workspace(path, engine, clock=clock) as service:
        first = service.send_test(tid, load_sample("shipped"))
        assert first.outcome is Outcome.RETRYING
        with Workspace.open(path, seed=False) as ws:
            [row] = ws.pending.list()
        assert SECRET[6:] not in row.payload and "tok-1234567890" not in row.payload
        plan = PendingRetry.from_json(row.payload)
        assert plan.delivery.body == inbox.requests[0].body and plan.attempt == 2
        clock.now += 1
        [second] = service.resume_pending()
    assert second.record.outcome is Outcome.DELIVERED
    sent, resent = inbox.requests
    assert resent.body == sent.body
    Webhook(SECRET).verify(resent.body, dict(resent.headers))
    assert resent.header("Authorization") == TOKEN
    assert reads == [tid], "the trigger is read once for the whole delivery, log entries included"
    with Workspace.open(path, seed=False) as ws:
        entries = ws.requests.for_delivery(first.delivery_id)
    assert [e.outcome for e in entries] == [Outcome.RETRYING, Outcome.DELIVERED]
    assert all("tok-1234567890" not in repr(e.request_headers) for e in entries)


def test_an_unreadable_plan_is_cancelled_and_logged(
    trigger_id: tuple[Path, int], inbox: HttpInbox, engine: RenderEngine
) -> None:
    path, tid = trigger_id
    inbox.set_script(ResponseScript.parse("503, 200"))
    clock = Clock()
    with DeliveryService.for_workspace(path, engine, clock=clock) as service:
        first = service.send_test(tid, load_sample("shipped"))
    with Workspace.open(path, seed=False) as ws:
        ws.conn.execute('UPDATE pending_retries SET payload = \'{"attempt": "two"\'')
    clock.now += 1
    with DeliveryService.for_workspace(path, engine, clock=clock) as service:
        assert service.resume_pending() == []
        assert service.resume_pending() == [], "a cancelled plan is not read again"
    assert len(inbox.requests) == 1
    with Workspace.open(path, seed=False) as ws:
        assert [r.state for r in ws.pending.list(None)] == [PendingState.CANCELED]
        entries = ws.requests.for_delivery(first.delivery_id)
    assert [e.outcome for e in entries] == [Outcome.RETRYING, Outcome.FAILED]
    assert "stored retry plan cannot be read" in entries[-1].error
