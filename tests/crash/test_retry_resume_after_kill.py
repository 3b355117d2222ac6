"""SIGKILL a batch with pending retries; a restarted service resumes them and resends nothing acknowledged.

A child process fires a batch of orders through a signed webhook trigger at a local receiver (run by
this test) that acknowledges the first few requests and answers 503 to the rest. The child makes only
first attempts (retries stay pending in the workspace, due 30 s later) and prints every attempt once
it is committed to the request log. The test kills the child's whole process group with SIGKILL,
either after the burst or at a seeded random point in it, then opens a new :class:`DeliveryService`
on the same file with a clock past the due times, switches the receiver to 200 and resumes.

What must hold: ``PRAGMA integrity_check`` is ok; every attempt the child reported is in the log;
every delivery logged as retrying gets exactly one more attempt and is delivered; a delivery the
receiver acknowledged is never sent again; each delivery's requests carry one ``webhook-id`` (its
delivery id) and the same body, and the resumed ones are signed with the restored secret.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from postback_studio.core.dispatch.inbox import HttpInbox, ReceivedRequest, ResponseScript
from postback_studio.core.model import (
    Customer,
    Event,
    RetryKind,
    RetryPolicy,
    Template,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.services.delivery import DeliveryService
from postback_studio.storage.workspace import Workspace

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SIMPLE = '{"event": {{ eventType|tojson }}, "order": {{ orderReferenceId|tojson }}}'
FIRST_DELAY = 30.0
#: The restarted service's clock runs this far ahead of the real one: every stored retry is due, and
#: signatures (timestamped by that clock) are still inside the verifier's five-minute tolerance.
AHEAD = 2 * FIRST_DELAY
SEED = 20261128
#: Bounded waits for the child (it starts a render worker on a machine shared with other jobs).
TIMEOUT = 60.0

CHILD = r"""
import sys, time
from pathlib import Path
from postback_studio.services.delivery import DeliveryService
from postback_studio.core.model import Event
from postback_studio.core.render.engine import RenderEngine
from postback_studio.storage.workspace import Workspace

path, customer_id, orders = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def report(record):
    print("attempt", record.delivery_id, record.attempt, record.outcome.value, flush=True)


with RenderEngine() as engine:
    service = DeliveryService(lambda: Workspace.open(path), engine, on_attempt=report, workers=4)
    service.simulate(customer_id, [Event.SHIPPED], orders=orders)
    print("burst-done", flush=True)
    time.sleep(600)
"""


def _setup(path: Path, url: str) -> int:
    """A workspace with one active, signed, exponentially retried shipped trigger; the customer id."""
    with Workspace.open(path, seed=False) as ws:
        customer = ws.customers.add(Customer("Demo Print Co"))
        template = ws.templates.save(Template("Simple shipped", body=SIMPLE))
        assert customer.id is not None
        ws.triggers.save(
            Trigger(
                "Shipped to local inbox",
                customer.id,
                Event.SHIPPED,
                url=url,
                retry=RetryPolicy(RetryKind.EXPONENTIAL, max_attempts=3, first_delay=FIRST_DELAY, jitter=0.0),
                signing=True,
                signing_secret=SECRET,
                template_id=template.id,
                status=TriggerStatus.ACTIVE,
            )
        )
        return customer.id


class Child:
    """The batch-firing child process; its stdout lines arrive on a queue (bounded waits, no blocking)."""

    def __init__(self, path: Path, customer_id: int, orders: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(customer_id), str(orders)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # its own process group: the kill takes its render worker too
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                # A line the kill cut short (unbuffered stdout writes the text and its newline
                # apart) was not reported: only whole lines count.
                if line.endswith("\n"):
                    self.lines.put(line.strip())
        self.lines.put(None)

    def next_line(self) -> str:
        line = self.lines.get(timeout=TIMEOUT)
        assert line is not None, f"the child ended early (exit code {self.process.poll()})"
        return line

    def kill(self) -> list[str]:
        """SIGKILL the process group; the lines it printed before dying (already committed)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=TIMEOUT)
        assert self.process.returncode == -signal.SIGKILL
        self._reader.join(timeout=TIMEOUT)
        rest: list[str] = []
        while (line := self.lines.get_nowait()) is not None:
            rest.append(line)
        return rest


@pytest.fixture
def inbox() -> Iterator[HttpInbox]:
    with HttpInbox() as server:
        yield server


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine() as e:
        yield e


def _attempts(lines: list[str]) -> list[tuple[str, int, str]]:
    return [(w[1], int(w[2]), w[3]) for w in (line.split() for line in lines) if w[0] == "attempt"]


def _log(path: Path) -> list[RequestRecord]:
    with Workspace.open(path, seed=False) as ws:
        assert ws.integrity_check() == "ok"
        return list(reversed(ws.requests.query(limit=100_000)))


def _by_id(requests: list[ReceivedRequest]) -> dict[str, list[ReceivedRequest]]:
    grouped: dict[str, list[ReceivedRequest]] = {}
    for request in requests:
        webhook_id = request.header("webhook-id")
        assert webhook_id, "every request of a signed trigger carries a webhook-id"
        grouped.setdefault(webhook_id, []).append(request)
    return grouped


def _resume(path: Path, engine: RenderEngine, inbox: HttpInbox) -> DeliveryService:
    """A restarted service, clock past every due time, receiver now acknowledging; retries resumed."""
    inbox.set_script(ResponseScript.always(200))
    service = DeliveryService(
        lambda: Workspace.open(path, seed=False), engine, clock=lambda: time.time() + AHEAD
    )
    return service


def _check_after_resume(
    path: Path, inbox: HttpInbox, reported: list[tuple[str, int, str]], before: list[RequestRecord]
) -> None:
    """The invariants after the kill and the resume, whatever the moment of the kill."""
    after = _log(path)
    logged = {(e.delivery_id, e.attempt, e.outcome.value) for e in after}
    assert set(reported) <= logged, "an attempt the child reported as committed is missing from the log"
    assert after[: len(before)] == before, "the resume changed entries written before the kill"
    first = {e.delivery_id: e for e in before if e.attempt == 1}
    assert len(first) == len(before), "before the resume, the log holds first attempts only"
    resumed = after[len(before) :]
    retrying = {d for d, e in first.items() if e.outcome is Outcome.RETRYING}
    assert sorted(e.delivery_id for e in resumed) == sorted(retrying), "each retrying delivery resumed once"
    assert all(e.attempt == 2 and e.outcome is Outcome.DELIVERED for e in resumed)
    received = _by_id(inbox.requests)
    for delivery_id, entry in first.items():
        got = received[delivery_id]
        assert len({r.body for r in got}) == 1 and got[0].body == entry.request_body
        if entry.outcome is Outcome.DELIVERED:
            assert len(got) == 1, f"acknowledged delivery {delivery_id} was sent again"
        else:
            assert [r.response_status for r in got] == [503, 200]
            Webhook(SECRET).verify(got[1].body, dict(got[1].headers))
    # Requests in flight at the kill reached the receiver without a log entry; none is sent again.
    assert all(len(got) == 1 for d, got in received.items() if d not in first)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process groups are POSIX")
def test_killed_batch_resumes_its_pending_retries_and_never_resends_acknowledged(
    tmp_path: Path, inbox: HttpInbox, engine: RenderEngine
) -> None:
    orders, acknowledged = 8, 3
    path = tmp_path / "ws.sqlite"
    customer_id = _setup(path, inbox.url + "/postbacks")
    inbox.set_script(ResponseScript.parse(f"200x{acknowledged}, 503"))
    child = Child(path, customer_id, orders)
    lines: list[str] = []
    while (line := child.next_line()) != "burst-done":
        lines.append(line)
    lines += child.kill()
    killed_at = time.time()

    reported = _attempts(lines)
    assert sorted(o for _, _, o in reported) == ["delivered"] * acknowledged + ["retrying"] * (
        orders - acknowledged
    )
    before = _log(path)
    assert len(before) == orders
    service = _resume(path, engine, inbox)
    try:
        pending = service.pending()
        assert {p.delivery.delivery_id for p in pending} == {d for d, _, o in reported if o == "retrying"}
        assert all(p.attempt == 2 for p in pending)
        for p in pending:
            first = next(e for e in before if e.delivery_id == p.delivery.delivery_id)
            assert first.started_at + FIRST_DELAY <= p.due_at == first.next_attempt_at
            assert p.due_at > killed_at  # still in the future when the child died
        resumed = service.resume_pending()
        assert len(resumed) == orders - acknowledged and all(
            r.record.outcome is Outcome.DELIVERED for r in resumed
        )
        assert service.pending() == []
        assert service.resume_pending() == []  # nothing left: a second restart sends nothing
    finally:
        service.close()

    _check_after_resume(path, inbox, reported, before)
    assert len(inbox.requests) == orders + (orders - acknowledged)
    assert len(_log(path)) == orders + (orders - acknowledged)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process groups are POSIX")
@pytest.mark.parametrize("round_", [1, 2])
def test_kill_at_a_random_point_of_the_burst_still_resumes_correctly(
    tmp_path: Path, inbox: HttpInbox, engine: RenderEngine, round_: int
) -> None:
    rng = random.Random(SEED + round_)
    orders, acknowledged = 24, 6
    path = tmp_path / "ws.sqlite"
    customer_id = _setup(path, inbox.url + "/postbacks")
    inbox.set_script(ResponseScript.parse(f"200x{acknowledged}, 503"))
    child = Child(path, customer_id, orders)
    kill_after = rng.randint(1, orders - 1)
    pause = rng.choice((0.0, rng.uniform(0.0, 0.005)))  # sometimes right after a commit, sometimes later
    lines: list[str] = []
    while len(_attempts(lines)) < kill_after:
        line = child.next_line()
        assert line != "burst-done", "the burst ended before the kill point"
        lines.append(line)
    if pause:
        time.sleep(pause)
    lines += child.kill()

    reported = _attempts(lines)
    before = _log(path)
    service = _resume(path, engine, inbox)
    try:
        service.resume_pending()
        assert service.pending() == []
        assert service.resume_pending() == []
    finally:
        service.close()
    _check_after_resume(path, inbox, reported, before)
