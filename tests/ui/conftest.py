"""UI fixtures: pages run on a real (unseeded) SQLite workspace in the test's tmp dir, with the app's
background-job runner on a private thread pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, build_application
from postback_studio.services.session import Session
from postback_studio.workers.jobs import JobRunner


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Session]:
    """The services over an empty workspace file; secrets go to its own table (the tests' keyring is
    the 'fail' one)."""
    with Session.open(tmp_path / "workspace.sqlite", seed=False) as session:
        yield session


@pytest.fixture
def jobs() -> Iterator[JobRunner]:
    """The app's background-job runner on a private pool, drained after the test."""
    runner = JobRunner(QThreadPool())
    yield runner
    assert runner.shutdown(10_000)


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    """The whole app, as a user starts it, on a new workspace ``workspace.sqlite`` in the tmp dir."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    application = build_application(tmp_path / "workspace.sqlite", settings=settings)
    yield application
    application.close()


def app_settings(tmp_path: Path, **values: object) -> QSettings:
    """The app's settings in the tmp dir, the local inbox on free ports (port 0), plus ``values``."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("inbox/http_port", 0)
    settings.setValue("inbox/smtp_port", 0)
    for key, value in values.items():
        settings.setValue(key, value)
    return settings


@contextmanager
def shown_app(
    qtbot: QtBot, tmp_path: Path, size: tuple[int, int] = (1280, 800), **settings: object
) -> Iterator[Application]:
    """The whole app on a new workspace, shown at ``size`` and exposed; closed afterwards."""
    stored = app_settings(tmp_path, **settings)
    application = build_application(tmp_path / "workspace.sqlite", settings=stored)
    try:
        application.window.resize(*size)
        application.window.show()
        qtbot.waitExposed(application.window)
        qtbot.waitUntil(lambda: application.window.size().width() == size[0])
        yield application
    finally:
        application.close()
