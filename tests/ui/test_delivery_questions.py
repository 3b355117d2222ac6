"""The delivery controller asks before a resend goes somewhere the row does not show, tells why a
resend is refused, and names the port when the local inbox cannot start (review items 7 and 21).

The controller, the delivery service, the job runner, the workspace and the HTTP inboxes are real;
the questions are answered by a script that remembers them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.core.dispatch.inbox import HttpInbox
from postback_studio.core.model import Header, RetryPolicy
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.samples import load_sample
from postback_studio.services.delivery import DeliveryService
from postback_studio.services.session import Session
from postback_studio.ui.delivery_controller import DeliveryController
from postback_studio.workers.jobs import JobRunner
from tests.ui.test_send_test_progress import NoPrompts

if TYPE_CHECKING:  # the fixed code's; the old code never asked, so these tests fail there by assertion
    from postback_studio.services.delivery.resend import ResendCheck

TRIGGER = "Order shipped to local inbox"


@dataclass
class ScriptedPrompts(NoPrompts):
    """The Send Test tests' prompts, plus the answers and memory these questions need."""

    to_current: list[bool] = field(default_factory=list)
    moved: list[ResendCheck] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    inbox_messages: list[str] = field(default_factory=list)

    def inbox_failed(self, message: str) -> None:
        self.inbox_messages.append(message)

    def resend_to_current(self, moved: Sequence[ResendCheck]) -> bool:
        self.moved.extend(moved)
        return self.to_current.pop(0)

    def resend_refused(self, reasons: Sequence[str]) -> None:
        self.refused.extend(reasons)


@dataclass
class Rig:
    session: Session
    service: DeliveryService
    controller: DeliveryController
    prompts: ScriptedPrompts
    status: list[str]
    old: HttpInbox
    new: HttpInbox


@pytest.fixture
def rig(qtbot: QtBot, tmp_path: Path) -> Iterator[Rig]:
    path = tmp_path / "ws.sqlite"
    jobs = JobRunner(QThreadPool())
    with (
        Session.open(path) as session,
        RenderEngine(max_workers=1) as engine,
        DeliveryService.for_workspace(path, engine, notices=session.notices) as service,
        HttpInbox() as old,
        HttpInbox() as new,
    ):
        prompts = ScriptedPrompts()
        controller = DeliveryController(service, jobs, prompts, retry_interval_ms=60_000)
        status: list[str] = []
        controller.status_changed.connect(status.append)
        yield Rig(session, service, controller, prompts, status, old, new)
        controller.close()
        assert jobs.shutdown(10_000)


def logged_request(rig: Rig, **changes: object) -> tuple[int, int]:
    """Send the seeded trigger once to the first inbox; the logged request's id and the trigger's."""
    listed = rig.session.triggers.named(TRIGGER)
    assert listed.id is not None
    stored = rig.session.triggers.get(listed.id)
    rig.session.triggers.save(replace(stored, url=rig.old.url + "/postbacks", retry=RetryPolicy.none(),
                                      **changes))
    assert rig.service.send_test(listed.id, load_sample("shipped")).delivered
    [logged] = rig.session.requests.query(limit=5)
    assert logged.id is not None
    return logged.id, listed.id


def move(rig: Rig, trigger_id: int) -> None:
    rig.session.triggers.save(replace(rig.session.triggers.get(trigger_id), url=rig.new.url + "/v2"))


def test_resend_to_a_moved_trigger_asks_and_cancel_sends_nothing(qtbot: QtBot, rig: Rig) -> None:
    request_id, trigger_id = logged_request(rig)
    move(rig, trigger_id)
    rig.prompts.to_current = [False]
    rig.controller.resend([request_id])
    qtbot.waitUntil(lambda: bool(rig.status), timeout=10_000)
    assert rig.status == ["Resend cancelled: nothing was sent."]
    [asked] = rig.prompts.moved
    assert (asked.logged, asked.current) == (rig.old.url + "/postbacks", rig.new.url + "/v2")
    assert rig.new.requests == [] and len(rig.old.requests) == 1
    assert rig.session.requests.count() == 1, "nothing logged either"


def test_resend_to_a_moved_trigger_goes_to_the_current_destination_when_confirmed(
    qtbot: QtBot, rig: Rig
) -> None:
    request_id, trigger_id = logged_request(rig)
    move(rig, trigger_id)
    rig.prompts.to_current = [True]
    rig.controller.resend([request_id])
    qtbot.waitUntil(lambda: bool(rig.status), timeout=10_000)
    assert rig.status == ["Resend: 1 of 1 delivered"]
    assert len(rig.new.requests) == 1 and len(rig.old.requests) == 1


def test_resend_without_its_trigger_and_its_secret_header_is_refused_with_the_reason(
    qtbot: QtBot, rig: Rig
) -> None:
    secret = Header("Authorization", "Bearer tok", secret=True)
    request_id, trigger_id = logged_request(rig, headers=(secret,))
    rig.session.triggers.delete(trigger_id)
    rig.controller.resend([request_id])
    qtbot.waitUntil(lambda: bool(rig.status), timeout=10_000)
    [reason] = rig.prompts.refused
    assert "trigger was deleted" in reason and "Authorization" in reason
    assert rig.status == ["Resend: nothing was sent (1 refused)."]
    assert len(rig.old.requests) == 1 and rig.prompts.moved == []


@pytest.mark.parametrize("protocol", ["HTTP", "SMTP"])
def test_a_port_in_use_is_named_with_what_to_do(qtbot: QtBot, rig: Rig, protocol: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        rig.controller.set_inbox_ports(*((port, 0) if protocol == "HTTP" else (0, port)))
        with qtbot.waitSignal(rig.controller.inbox_state_changed) as state:
            rig.controller.start_inbox()
    assert state.args == [False, None, None]
    assert rig.prompts.inbox_messages == [
        f"Could not start the local inbox: port {port} ({protocol}) is in use by another program; "
        "choose other ports in Settings > Local inbox."
    ]
