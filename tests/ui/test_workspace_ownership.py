"""The app owns its workspace: a file dialog on its folder, a command or a second app beside it.

Issue 10, item 1: a file dialog that lists the workspace's folder opens and closes the workspace
file, which drops the SQLite locks of the app's process; a command run beside the app then deleted
the write-ahead log under it. The app now holds the workspace's owner lock for its whole run, so a
command (or a second app) beside it is refused with one line, and what the app saves is kept.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QFileSystemModel
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.storage.workspace import Workspace
from postback_studio.ui.customers_page import CustomersPage
from tests.support.processes import Child, cli_command, run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the owner lock is flock(2), POSIX only")

REFUSED = "is open in the Postback Studio app (pid {pid}); close the app, or use --workspace for another file"


def test_a_command_beside_the_app_after_a_file_dialog_is_refused_and_the_save_is_kept(
    app: Application, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "workspace.sqlite"
    dialog = QFileDialog(app.window, "Import Lookup CSV", str(tmp_path), "CSV files (*.csv);;All files (*)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    model = dialog.findChild(QFileSystemModel)
    assert model is not None
    with qtbot.waitSignal(model.directoryLoaded, timeout=30_000):
        dialog.open()
    dialog.reject()

    beside = run_cli(path, "customers")
    assert (beside.returncode, beside.stdout) == (2, "")
    assert beside.stderr == f"postback-studio: {path} {REFUSED.format(pid=os.getpid())}\n"

    customers = app.pages["Customers"]
    assert isinstance(customers, CustomersPage)
    customers.new_customer()
    customers.name_edit.setText("Saved after the dialog")
    with qtbot.waitSignal(customers.customer_saved):
        customers.save_button.click()
    assert Path(f"{path}-wal").exists()
    app.close()
    with Workspace.open(path, seed=False) as ws:
        assert ws.customers.get_by_name("Saved after the dialog") is not None
        assert ws.integrity_check() == "ok"
    assert run_cli(path, "customers").returncode == 0, "the lock goes with the app"


def test_a_second_app_on_the_same_workspace_is_refused(app: Application, tmp_path: Path) -> None:
    second = run_cli(tmp_path / "workspace.sqlite")
    assert second.returncode == 2
    assert second.stderr == (
        f"postback-studio: cannot open the desktop app: {tmp_path / 'workspace.sqlite'} "
        f"{REFUSED.format(pid=os.getpid())}\n"
    )


@pytest.mark.slow
def test_the_app_is_refused_while_a_command_holds_the_workspace(tmp_path: Path) -> None:
    path = tmp_path / "workspace.sqlite"
    inbox = Child(cli_command(path, "inbox", "--http-port", "0", "--smtp-port", "0"))
    try:
        inbox.expect("inbox: webhooks to")
        refused = run_cli(path)
    finally:
        inbox.kill()
    assert refused.returncode == 2
    assert refused.stderr == (
        f"postback-studio: cannot open the desktop app: {path} is open in postback-studio inbox "
        f"(pid {inbox.pid}); stop it or let it finish, or use --workspace for another file\n"
    )
