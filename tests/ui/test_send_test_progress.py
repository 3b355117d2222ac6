"""Send Test follows its delivery to the end (issue 10, item 3), against the real local inbox.

The inbox answers "503x2, 200": the form must not say the test failed while retries wait. It says
when the next attempt comes, then "delivered on attempt 3" (or, when every attempt fails, "failed
after 3 attempts: <diagnosis>"), and it can cancel the retries that still wait. The trigger form,
the delivery controller, the delivery service, the job runner, the workspace and the HTTP inbox are
the real ones; only the retry timer is faster than the app's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.core.activation import sample_problems
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.dispatch.progress import SendTestStatus
from postback_studio.core.dispatch.report import Refusal
from postback_studio.core.model import RetryKind, RetryPolicy
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome
from postback_studio.services.delivery import DeliveryService
from postback_studio.services.session import Session
from postback_studio.ui.delivery_controller import DeliveryController
from postback_studio.ui.simulate_dialog import SimulationRequest
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.workers.jobs import JobRunner

QUICK = RetryPolicy(kind=RetryKind.EXPONENTIAL, max_attempts=3, first_delay=0.3, factor=1.0, jitter=0.0)


class NoPrompts:
    def lift_refusal(self, refusal: Refusal) -> bool:
        return False

    def confirm_cancel(self, count: int, what: str) -> bool:
        return True

    def choose_simulation(self, customers: object, samples: object) -> SimulationRequest | None:
        return None

    def inbox_failed(self, message: str) -> None:
        raise AssertionError(message)

    def quit_while_busy(self, labels: object) -> bool:
        return True


@dataclass
class Rig:
    session: Session
    inbox: HttpInbox
    form: TriggerForm
    controller: DeliveryController
    seen: list[SendTestStatus]


@pytest.fixture
def rig(qtbot: QtBot, tmp_path: Path) -> Iterator[Rig]:
    path = tmp_path / "ws.sqlite"
    jobs = JobRunner(QThreadPool())
    with (
        Session.open(path) as session,
        RenderEngine() as engine,
        DeliveryService.for_workspace(path, engine, notices=session.notices) as service,
        HttpInbox() as inbox,
    ):
        form = TriggerForm(
            session.triggers,
            session.templates,
            jobs=jobs,
            check_template=functools.partial(sample_problems, engine),
            lookup_set_for=session.lookups.lookup_set_for,
        )
        qtbot.addWidget(form)
        controller = DeliveryController(service, jobs, NoPrompts(), retry_interval_ms=100)
        form.send_test_requested.connect(controller.send_test)
        form.cancel_test_requested.connect(controller.cancel_test)
        controller.test_progressed.connect(form.send_test.on_status)
        seen: list[SendTestStatus] = []
        controller.test_progressed.connect(seen.append)
        yield Rig(session, inbox, form, controller, seen)
        controller.close()
        assert jobs.shutdown(10_000)


def send_test(qtbot: QtBot, rig: Rig, retry: RetryPolicy, script: str) -> int:
    rig.inbox.set_script(ResponseScript.parse(script))
    listed = rig.session.triggers.named("Order shipped to local inbox")
    stored = rig.session.triggers.get(listed.id or 0)
    trigger = rig.session.triggers.save(replace(stored, url=rig.inbox.url, retry=retry))
    rig.form.load(rig.session.triggers.get(listed.id or 0))
    with qtbot.waitSignal(rig.form.send_test_requested):
        rig.form.send_test.button.click()
    assert trigger.id is not None
    return trigger.id


def test_retries_are_followed_to_delivery(qtbot: QtBot, rig: Rig) -> None:
    send_test(qtbot, rig, QUICK, "503x2, 200")
    qtbot.waitUntil(lambda: rig.seen and rig.seen[-1].finished, timeout=20_000)
    texts = [s.text for s in rig.seen]
    assert texts[0] == "sending…"
    assert texts[1] == "retrying (attempt 2 of 3 in 0.3 s)…", texts
    assert texts[2] == "retrying (attempt 3 of 3 in 0.3 s)…", texts
    assert texts[-1] == "delivered on attempt 3"
    assert not any("fail" in t for t in texts), "no failure is announced while retries wait"
    assert rig.form.send_test.status.text() == "Test delivered on attempt 3"
    assert len(rig.inbox.requests) == 3
    assert rig.form.send_test.button.isEnabled() and rig.form.send_test.cancel_button.isHidden()


def test_every_attempt_failing_ends_with_the_diagnosis(qtbot: QtBot, rig: Rig) -> None:
    send_test(qtbot, rig, QUICK, "503")
    qtbot.waitUntil(lambda: rig.seen and rig.seen[-1].finished, timeout=20_000)
    assert rig.seen[-1].text.startswith("failed after 3 attempts: HTTP 503"), rig.seen[-1]
    assert rig.form.send_test.status.text().startswith("Test failed after 3 attempts: HTTP 503")
    assert not rig.form.activation_frame.isVisible()


def test_the_remaining_retries_can_be_cancelled(qtbot: QtBot, rig: Rig) -> None:
    send_test(qtbot, rig, RetryPolicy.gelato(), "503x2, 200")
    qtbot.waitUntil(lambda: len(rig.seen) >= 2, timeout=10_000)
    assert rig.seen[1].text == "retrying (attempt 2 of 3 in 5 s)…"
    assert rig.form.send_test.status.text() == "Test retrying (attempt 2 of 3 in 5 s)…"
    assert not rig.form.send_test.cancel_button.isHidden()
    rig.form.send_test.cancel_button.click()
    qtbot.waitUntil(lambda: rig.seen[-1].finished, timeout=10_000)
    assert rig.seen[-1].text == "retries cancelled after 1 attempt"
    assert len(rig.inbox.requests) == 1
    outcomes = [r.outcome for r in rig.session.requests.query(limit=5)]
    assert outcomes == [Outcome.CANCELED, Outcome.RETRYING]


def test_a_refusal_the_user_lifts_is_sent_again_allowed(
    qtbot: QtBot, rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credential policy is the service's: its refusal comes back as a value, the user lifts it."""
    from postback_studio.core.model import Header

    asked: list[Refusal] = []
    monkeypatch.setattr(NoPrompts, "lift_refusal", lambda _self, refusal: asked.append(refusal) or True)
    listed = rig.session.triggers.named("Order shipped to local inbox")
    rig.session.triggers.save(
        replace(
            rig.session.triggers.get(listed.id or 0),
            url="http://erp.example/postbacks",
            retry=RetryPolicy.none(),
            headers=(Header("Authorization", "Bearer tok-98765"),),
        )
    )
    rig.form.load(rig.session.triggers.get(listed.id or 0))
    with qtbot.waitSignal(rig.form.send_test_requested):
        rig.form.send_test.button.click()
    qtbot.waitUntil(lambda: len(rig.session.requests.query(limit=5)) == 2, timeout=10_000)
    assert [r.kind.value for r in asked] == ["insecure_credentials"] and "Authorization" in asked[0].message
    sent, refused = rig.session.requests.query(limit=5)
    assert refused.outcome is Outcome.BLOCKED and refused.request_method == ""
    assert sent.request_method == "POST", "sent the second time, as the user allowed"
    qtbot.waitUntil(lambda: rig.seen[-1].finished, timeout=10_000)
