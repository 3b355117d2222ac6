"""Issue 10, item 1: saves survive the workspace file being opened elsewhere, then a kill -9.

Opening and closing the workspace file outside SQLite drops every POSIX lock the process's
connections hold (a file dialog sniffing it, a header read). On the old code a command run beside
the process then checkpointed and deleted the write-ahead log, and the next save went into a
deleted file: lost at the kill. The owner lock refuses the command instead, and nothing is lost.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

from postback_studio.storage.workspace import Workspace
from tests.support.processes import Child, run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

#: The issue's script: the storage API, a header read with open(), a command beside it, a second
#: save, and SIGKILL. It reports what the command said and whether the WAL and SHM were still there.
SCRIPT = r"""
import json, os, signal, subprocess, sys
from pathlib import Path
from postback_studio.core.model import Customer
from postback_studio.storage.workspace import Workspace

path = Path(sys.argv[1])
ws = Workspace.open(path, seed=False)
ws.customers.save(Customer("saved before the header read"))
with open(path, "rb") as handle:
    handle.read(64)
command = [sys.executable, "-m", "postback_studio", "--workspace", str(path), "customers"]
beside = subprocess.run(command, capture_output=True, text=True)
print("beside " + json.dumps([beside.returncode, beside.stderr]), flush=True)
ws.customers.save(Customer("saved after the command ran beside"))


def opened_files():
    if not os.path.isdir("/proc/self/fd"):
        return None
    names = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return names


def live(suffix):
    # On the disk, and (where /proc tells) the very file this process has open, not a deleted one.
    name = str(path) + suffix
    opened = opened_files()
    return os.path.exists(name) and (opened is None or name in opened)


print("files " + json.dumps({"wal": live("-wal"), "shm": live("-shm")}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_save_after_a_header_read_and_a_command_beside_survives_kill_minus_nine(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    script = Child([sys.executable, "-c", SCRIPT, str(path)])
    try:
        code, stderr = json.loads(script.expect("beside ").removeprefix("beside "))
        files = json.loads(script.expect("files ").removeprefix("files "))
        assert script.process.wait() == -signal.SIGKILL
    finally:
        script.kill()
    assert (code, stderr) == (
        2,
        f"postback-studio: {path} is open in {Path(sys.executable).name} -c (pid {script.pid}); "
        "close that program, or use --workspace for another file\n",
    )
    assert files == {"wal": True, "shm": True}, "the WAL and SHM were deleted under the running process"
    with Workspace.open(path, seed=False) as ws:
        assert [c.name for c in ws.customers.list()] == [
            "saved after the command ran beside",
            "saved before the header read",
        ]
        assert ws.integrity_check() == "ok"


@pytest.mark.slow
def test_the_app_keeps_a_save_made_after_a_file_dialog_and_a_command_beside_it(tmp_path: Path) -> None:
    """The issue's steps with the real app: browse the workspace folder, run a command, save, kill -9."""
    path = tmp_path / "ws.sqlite"
    child = Path(__file__).with_name("file_dialog_child.py")
    app = Child([sys.executable, str(child), str(path), str(tmp_path / "settings.ini")])
    try:
        app.expect("browsed")
        beside = run_cli(path, "log", "--limit", "1")
        app.tell("save Saved after the dialog")
        app.expect("saved")
        wal_present = Path(f"{path}-wal").exists()
        app.process.send_signal(signal.SIGKILL)
        assert app.process.wait() == -signal.SIGKILL
    finally:
        app.kill()
    assert (beside.returncode, beside.stdout, beside.stderr) == (
        2,
        "",
        f"postback-studio: log: {path} is open in the Postback Studio app (pid {app.pid}); "
        "close the app, or use --workspace for another file\n",
    )
    assert wal_present
    with Workspace.open(path, seed=False) as ws:
        assert ws.customers.get_by_name("Saved after the dialog") is not None
        assert ws.integrity_check() == "ok"
