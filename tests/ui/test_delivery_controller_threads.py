"""The delivery controller keeps its sends and queries off the GUI thread (commit 3dfede1).

The retry timer's query for due retries, the customers to simulate for, the pending retries to
cancel, the resend check: each runs as a job on the app's pool, so a slow workspace never freezes
the window. The service here is the real one over a real workspace file, behind a wrapper that
remembers on which thread each of its methods was called and can hold one call back; the receiver
is an HTTP inbox on 127.0.0.1 the test starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThread, QThreadPool, QTimer
from pytestqt.qtbot import QtBot

from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.model import Event, RetryKind, RetryPolicy
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome
from postback_studio.services.delivery import DeliveryService
from postback_studio.services.session import Session
from postback_studio.ui.delivery_controller import DeliveryController
from postback_studio.ui.simulate_dialog import SimulationRequest
from postback_studio.workers.jobs import JobRunner
from tests.ui.test_delivery_questions import ScriptedPrompts

TRIGGER = "Order shipped to local inbox"
SOON = RetryPolicy(kind=RetryKind.EXPONENTIAL, max_attempts=3, first_delay=0.2, factor=1.0, jitter=0.0)
#: What the controller may ask of the service on the GUI thread: subscribing to attempts (once,
#: when built) and making the inbox's sinks. Neither reads the workspace.
GUI_THREAD_CALLS = {"subscribe_attempts", "inbox_recorder"}


@dataclass
class Call:
    method: str
    on_gui_thread: bool


@dataclass
class ThreadRecordingService:
    """The real delivery service; every method call is remembered with whether it ran on the GUI
    thread, and ``resume_pending`` can be held back until ``release`` is set (a slow query)."""

    service: DeliveryService
    calls: list[Call] = field(default_factory=list)
    hold_retries: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    gui_ticks_while_held: int | None = None
    gui_ticks: Callable[[], int] = lambda: 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.service, name)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            on_gui = QThread.currentThread() is QCoreApplication.instance().thread()  # type: ignore[union-attr]
            assert on_gui == (threading.current_thread() is threading.main_thread())
            self.calls.append(Call(name, on_gui))
            if name == "resume_pending" and self.hold_retries:
                self.hold_retries = False
                before = self.gui_ticks()
                self.held.set()
                self.release.wait(3)  # on the GUI thread this blocks the window: the test sees it
                self.gui_ticks_while_held = self.gui_ticks() - before
            return method(*args, **kwargs)

        return recorded

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]


@dataclass
class Rig:
    session: Session
    service: ThreadRecordingService
    controller: DeliveryController
    prompts: ScriptedPrompts
    status: list[str]
    inbox: HttpInbox
    ticks: list[int]


@pytest.fixture
def rig(qtbot: QtBot, tmp_path: Path) -> Iterator[Rig]:
    path = tmp_path / "ws.sqlite"
    pool = QThreadPool()
    pool.setMaxThreadCount(4)  # as the app's (several jobs at once)
    jobs = JobRunner(pool)
    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    heartbeat.start()
    with (
        Session.open(path) as session,
        RenderEngine(max_workers=1) as engine,
        DeliveryService.for_workspace(path, engine, notices=session.notices) as real,
        HttpInbox() as inbox,
    ):
        service = ThreadRecordingService(real, gui_ticks=lambda: ticks[0])
        prompts = ScriptedPrompts()
        controller = DeliveryController(service, jobs, prompts, retry_interval_ms=20)  # type: ignore[arg-type]
        status: list[str] = []
        controller.status_changed.connect(status.append)
        listed = session.triggers.named(TRIGGER)
        session.triggers.save(replace(session.triggers.get(listed.id or 0), url=f"{inbox.url}/postbacks",
                                      retry=SOON))
        yield Rig(session, service, controller, prompts, status, inbox, ticks)
        controller.close()
        service.release.set()
        assert jobs.shutdown(10_000)
    heartbeat.stop()


def assert_off_the_gui_thread(rig: Rig) -> None:
    on_gui = {c.method for c in rig.service.calls if c.on_gui_thread}
    assert on_gui <= GUI_THREAD_CALLS, f"called on the GUI thread: {sorted(on_gui - GUI_THREAD_CALLS)}"


def test_the_retry_timer_makes_a_due_retry_off_the_gui_thread(qtbot: QtBot, rig: Rig) -> None:
    rig.inbox.set_script(ResponseScript.parse("503, 200"))
    trigger_id = rig.session.triggers.named(TRIGGER).id or 0
    rig.controller.send_test(trigger_id)
    qtbot.waitUntil(lambda: len(rig.inbox.requests) == 2, timeout=15_000)
    qtbot.waitUntil(lambda: rig.session.requests.count() == 2, timeout=10_000)
    assert [r.outcome for r in rig.session.requests.query(limit=5)] == [Outcome.DELIVERED, Outcome.RETRYING]
    polls = rig.service.called("resume_pending")
    assert len(polls) >= 3, "the timer polls every 20 ms"
    assert not any(c.on_gui_thread for c in polls)
    assert rig.service.called("send_test") == [Call("send_test", False)]
    assert_off_the_gui_thread(rig)


def test_a_slow_retry_query_does_not_stall_the_window_nor_pile_up(qtbot: QtBot, rig: Rig) -> None:
    rig.service.hold_retries = True
    qtbot.waitUntil(rig.service.held.is_set, timeout=5000)
    held_at = rig.ticks[0]
    qtbot.waitUntil(lambda: rig.ticks[0] >= held_at + 10, timeout=2000)
    rig.controller.cancel_all_retries()
    qtbot.waitUntil(lambda: bool(rig.status), timeout=5000)
    assert rig.status == ["No pending retries waiting."], "other queries answer while it is held"
    assert len(rig.service.called("resume_pending")) == 1, "no second poll while the first runs"
    rig.service.release.set()
    qtbot.waitUntil(lambda: len(rig.service.called("resume_pending")) >= 2, timeout=5000)
    assert rig.service.gui_ticks_while_held is not None and rig.service.gui_ticks_while_held >= 10
    assert_off_the_gui_thread(rig)


def test_simulate_resend_and_cancel_query_off_the_gui_thread(qtbot: QtBot, rig: Rig) -> None:
    rig.inbox.set_script(ResponseScript.parse("503, 200"))
    trigger = rig.session.triggers.get(rig.session.triggers.named(TRIGGER).id or 0)
    rig.session.triggers.save(replace(trigger, retry=RetryPolicy.gelato()))  # waits 5 s: still pending
    customer = rig.session.customers.named("Demo Print Co")
    assert customer.id is not None
    rig.prompts.choose_simulation = lambda _customers, _samples: SimulationRequest(  # type: ignore[method-assign]
        customer.id or 0, (Event.SHIPPED,), None, 1
    )
    rig.controller.simulate()
    qtbot.waitUntil(lambda: bool(rig.status), timeout=15_000)
    assert rig.status == ["Simulate: 0 of 1 delivered"], "503 first; its retry waits"
    [logged] = rig.session.requests.query(limit=5)
    assert logged.id is not None and logged.outcome is Outcome.RETRYING

    rig.controller.cancel_retries_of([logged.id])
    qtbot.waitUntil(lambda: len(rig.status) == 2, timeout=10_000)
    assert rig.status[1] == "Cancelled 1 pending retry."
    rig.controller.resend([logged.id])
    qtbot.waitUntil(lambda: len(rig.status) == 3, timeout=10_000)
    assert rig.status[2] == "Resend: 1 of 1 delivered"

    for method in ("simulation_customers", "simulate", "pending_deliveries", "cancel", "check_resend",
                   "resend"):
        assert rig.service.called(method), f"{method} was not called"
    assert_off_the_gui_thread(rig)
