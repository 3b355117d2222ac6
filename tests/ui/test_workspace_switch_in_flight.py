"""Switching workspaces while a Send Test is in flight (issue 13): the app asks first, as a user sees it.

The app is the real one (``app.Studio`` over ``build_application``) on real workspace files; the
test's trigger sends to a receiver on 127.0.0.1 that holds its answer until the test lets it go, so
the delivery is still in flight when the user picks File > Open Workspace. The file dialog is a
scripted chooser, and the "Deliveries in flight" message box (the app's own text) is answered by
the test. Whether a workspace file was let go is asked of a real second process.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from postback_studio.app import Studio
from postback_studio.core.model import RetryKind, RetryPolicy
from postback_studio.core.requestlog import Outcome
from postback_studio.services.session import Session
from postback_studio.storage.workspace import Workspace
from tests.support.held_receiver import HeldReceiver
from tests.support.processes import run_cli
from tests.support.prompter import ScriptedPrompter
from tests.ui.conftest import app_settings
from tests.ui.test_file_menu import Desk, ScriptedChooser, file_action

#: A retry soon after the first attempt, so a kept retry is seen to resume within the test.
SOON = RetryPolicy(kind=RetryKind.EXPONENTIAL, max_attempts=3, first_delay=0.3, factor=1.0, jitter=0.0)
IN_FLIGHT = (
    "Deliveries in flight",
    "1 background task(s) are still running (Send test).\n"
    "Close the workspace anyway? They are stopped; pending retries are kept and resume the next time "
    "this workspace is open.",
)
OWNER_LOCK = sys.platform != "win32"  # the owner lock (flock) that a second process is refused by


@dataclass
class Questions:
    """The warning boxes the app showed (title, text), answered Yes or No from ``answers``."""

    answers: list[bool] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def warning(self, _parent: QWidget, title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
        self.asked.append((title, text))
        yes = self.answers.pop(0)
        return QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    asked = Questions()
    monkeypatch.setattr(QMessageBox, "warning", asked.warning)
    return asked


@pytest.fixture
def receiver() -> Iterator[HeldReceiver]:
    with HeldReceiver() as held:
        yield held


@pytest.fixture
def desk(qtbot: QtBot, tmp_path: Path, receiver: HeldReceiver) -> Iterator[Desk]:
    """The app on workspace A (``desk.first``); it closes before the receiver stops."""
    chooser = ScriptedChooser()
    prompter = ScriptedPrompter()
    studio = Studio(app_settings(tmp_path), chooser_factory=lambda _window: chooser, prompter=prompter)
    studio.start(tmp_path / "a.sqlite").window.show()
    try:
        yield Desk(studio, chooser, tmp_path / "a.sqlite", prompter)
    finally:
        studio.close()


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """Workspace B, a seeded file of its own."""
    path = tmp_path / "b.sqlite"
    Session.open(path).close()
    return path


def open_workspace(desk: Desk, path: Path) -> None:
    """File > Open Workspace…, choosing ``path`` in the file dialog."""
    desk.chooser.open_paths.append(path)
    file_action(desk.app, "Open Workspace").trigger()


def send_test_in_flight(desk: Desk, qtbot: QtBot, receiver: HeldReceiver) -> QWidget:
    """Send Test on the Triggers page through the seeded trigger, pointed at the held receiver.

    Returns the trigger form once the receiver has the request (and holds its answer).
    """
    session = desk.app.session
    listed = session.triggers.named("Order shipped to local inbox")
    assert listed.id is not None
    session.triggers.save(replace(session.triggers.get(listed.id), url=receiver.url, retry=SOON))
    page = desk.app.pages["Triggers"]
    page.open_trigger(listed.id)  # type: ignore[attr-defined]
    form: QWidget = page.trigger_form  # type: ignore[attr-defined]
    with qtbot.waitSignal(form.send_test_requested):  # type: ignore[attr-defined]
        form.send_test.button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(receiver.arrived.is_set, timeout=10_000)
    assert desk.app.jobs.labels_in_flight() == ["Send test"]
    return form


def test_no_keeps_the_workspace_and_the_delivery_runs_to_its_log(
    desk: Desk, qtbot: QtBot, receiver: HeldReceiver, questions: Questions, other: Path
) -> None:
    first = desk.app
    form = send_test_in_flight(desk, qtbot, receiver)
    questions.answers.append(False)
    open_workspace(desk, other)

    assert questions.asked == [IN_FLIGHT]
    assert desk.app is first and first.window.isVisible() and first.session.path == desk.first
    assert first.window.windowTitle() == f"Postback Studio — {desk.first}"
    assert first.jobs.labels_in_flight() == ["Send test"], "the delivery is still running"
    assert form.send_test.status.text() == "Test sending…"  # type: ignore[attr-defined]
    assert [c.name for c in first.session.customers.list()] == ["Demo Print Co"], "A is still open"
    if OWNER_LOCK:
        assert run_cli(other, "customers").returncode == 0, "the file taken for the switch is let go"

    receiver.release.set()
    qtbot.waitUntil(lambda: form.send_test.status.text() == "Test delivered on attempt 1",  # type: ignore[attr-defined]
                    timeout=10_000)
    [record] = first.session.requests.query(limit=5)
    assert record.outcome is Outcome.DELIVERED and record.response_status == 200 and record.is_test
    assert record.attempt == 1 and len(receiver.bodies) == 1
    assert desk.app is first and questions.asked == [IN_FLIGHT]


def test_yes_switches_at_once_and_the_stopped_attempt_resumes_in_its_workspace(
    desk: Desk, qtbot: QtBot, receiver: HeldReceiver, questions: Questions, other: Path
) -> None:
    first = desk.app
    send_test_in_flight(desk, qtbot, receiver)
    # Should the switch wait for the answer after all, the receiver gives it, late, rather than hang.
    backstop = threading.Timer(20, receiver.release.set)
    backstop.start()
    try:
        questions.answers.append(True)
        open_workspace(desk, other)
        answered_meanwhile = receiver.release.is_set()
    finally:
        backstop.cancel()

    assert questions.asked == [IN_FLIGHT]
    assert not answered_meanwhile, "the switch did not wait for the receiver's answer"
    assert desk.app is not first and not first.window.isVisible()
    assert desk.app.session.path == other
    assert desk.app.window.windowTitle() == f"Postback Studio — {other}"

    # A was let go and is whole: the attempt is logged as stopped, its retry kept there.
    if OWNER_LOCK:
        assert run_cli(desk.first, "customers").returncode == 0, "A's owner lock was released"
    with Workspace.open(desk.first, seed=False) as a:
        assert a.integrity_check() == "ok"
        [stopped] = a.requests.query(limit=5)
        [kept] = a.pending.list()
    assert stopped.outcome is Outcome.RETRYING and stopped.attempt == 1 and stopped.response_status is None
    assert stopped.error == (
        "The attempt was stopped: the workspace was closed while it was under way; the receiver may "
        "still have acted on it. (stopped). Attempt 2 scheduled."
    )
    assert stopped.request_body == receiver.bodies[0], "the log has what the receiver got"
    assert kept.delivery_id == stopped.delivery_id and kept.attempt == 2

    # Back on A, the kept retry is made and delivered; B had nothing in flight, so nothing is asked.
    receiver.release.set()
    open_workspace(desk, desk.first)
    assert desk.app.session.path == desk.first and questions.asked == [IN_FLIGHT]
    qtbot.waitUntil(lambda: desk.app.session.requests.count() == 2, timeout=15_000)
    delivered, first_attempt = desk.app.session.requests.query(limit=5)
    assert (delivered.outcome, delivered.attempt) == (Outcome.DELIVERED, 2)
    assert delivered.delivery_id == first_attempt.delivery_id == stopped.delivery_id
    assert len(receiver.bodies) == 2
