"""The workspace's owner lock between real processes: who is refused, who shares, what releases it."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from postback_studio.core.errors import WorkspaceError
from postback_studio.storage.ownership import APP_HOLDER, Access, WorkspaceInUseError, claim, lock_path
from postback_studio.storage.workspace import Workspace
from tests.support.processes import Child

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the owner lock is flock(2), POSIX only")

#: A second process: holds the workspace as told and says so, then waits for a line on stdin.
HOLDER = r"""
import sys
from pathlib import Path
from postback_studio.storage.ownership import Access, WorkspaceInUseError, claim

try:
    hold = claim(Path(sys.argv[1]), Access(sys.argv[2]), holder=sys.argv[3])
except WorkspaceInUseError as exc:
    print(f"refused: {exc}; {exc.advice}", flush=True)
    sys.exit(3)
print("held", flush=True)
sys.stdin.readline()
"""


@contextmanager
def other_process(path: Path, access: Access, name: str = "the other program") -> Iterator[Child]:
    """A second process that tried to hold ``path``; its first line is ``held`` or ``refused: ...``."""
    child = Child([sys.executable, "-c", HOLDER, str(path), access.value, name])
    try:
        yield child
    finally:
        child.kill()


def held_elsewhere(path: Path, access: Access) -> bool:
    """Whether another process can hold ``path`` with ``access`` right now."""
    with other_process(path, access) as child:
        line = child.expect("")
        return line == "held"


def test_an_exclusive_holder_refuses_every_other_process_and_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with other_process(path, Access.EXCLUSIVE, APP_HOLDER) as app:
        app.expect("held")
        for access in Access:
            with pytest.raises(WorkspaceInUseError) as info:
                claim(path, access)
            assert str(info.value) == f"{path} is open in the Postback Studio app (pid {app.pid})"
            assert info.value.advice == "close the app"
        assert not held_elsewhere(path, Access.SHARED)
    assert lock_path(path) == tmp_path / "ws.sqlite.lock"


def test_shared_holders_run_beside_each_other_and_keep_an_exclusive_one_out(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with other_process(path, Access.SHARED, "postback-studio inbox") as inbox:
        inbox.expect("held")
        with claim(path, Access.SHARED, holder="postback-studio send"), other_process(
            path, Access.EXCLUSIVE
        ) as app:
            refusal = app.expect("refused")
        assert refusal == (
            f"refused: {path} is open in postback-studio inbox (pid {inbox.pid}); stop it or let it finish"
        )
        with pytest.raises(WorkspaceInUseError, match=r"is open in postback-studio inbox"):
            claim(path, Access.EXCLUSIVE)


def test_closing_another_descriptor_of_the_file_keeps_the_lock(tmp_path: Path) -> None:
    """What drops SQLite's own locks (a file dialog sniffing the file, a header read) keeps this one."""
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path, seed=False):
        for name in (path, lock_path(path)):
            with name.open("rb") as handle:
                handle.read(64)
        assert not held_elsewhere(path, Access.SHARED)


def test_the_lock_dies_with_its_process_even_on_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with other_process(path, Access.EXCLUSIVE) as owner:
        owner.expect("held")
        owner.process.send_signal(signal.SIGKILL)
        assert owner.process.wait() == -signal.SIGKILL
    with claim(path, Access.EXCLUSIVE) as ownership:
        assert ownership.access is Access.EXCLUSIVE


def test_connections_of_one_process_share_its_hold_until_the_last_one_closes(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    first = Workspace.open(path, seed=False)
    second = Workspace.open(path, seed=False)
    first.close()
    assert not held_elsewhere(path, Access.SHARED)
    second.close()
    assert held_elsewhere(path, Access.EXCLUSIVE)


def test_the_default_joins_this_process_hold_and_exclusive_cannot_upgrade_a_shared_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ws.sqlite"
    with claim(path, Access.SHARED, holder="postback-studio log"):
        with Workspace.open(path, seed=False) as ws:
            ws.customers.list()
        assert held_elsewhere(path, Access.SHARED)
        with pytest.raises(WorkspaceError, match="already open for shared use in this process"):
            Workspace.open(path, seed=False, access=Access.EXCLUSIVE)
    with claim(path, Access.EXCLUSIVE), Workspace.open(path, seed=False, access=Access.SHARED) as ws:
        ws.customers.list()
        assert not held_elsewhere(path, Access.SHARED)


def test_a_holder_that_has_ended_or_let_go_is_not_named(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with other_process(path, Access.SHARED, "postback-studio inbox") as inbox:
        inbox.expect("held")
        with other_process(path, Access.SHARED, "postback-studio send") as send:
            send.expect("held")
            inbox.process.send_signal(signal.SIGKILL)
            inbox.process.wait()
            with pytest.raises(WorkspaceInUseError) as info:
                claim(path, Access.EXCLUSIVE)
            assert str(info.value) == f"{path} is open in another program"
            assert info.value.holder is None
    with claim(path, Access.SHARED, holder="postback-studio log"):
        pass
    with other_process(path, Access.SHARED, "postback-studio inbox") as inbox:
        inbox.expect("held")
        with pytest.raises(WorkspaceInUseError) as info:
            claim(path, Access.EXCLUSIVE)
        assert str(info.value) == f"{path} is open in postback-studio inbox (pid {inbox.pid})"


FORK = r"""
import os, sys
from pathlib import Path
from postback_studio.storage.ownership import Access, WorkspaceInUseError, claim

path = Path(sys.argv[1])
hold = claim(path, Access.EXCLUSIVE, holder="the parent")
pid = os.fork()
if pid == 0:
    try:
        claim(path, Access.SHARED).release()
    except WorkspaceInUseError as exc:
        os._exit(3 if "the parent" in str(exc) else 4)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print(f"child {os.waitstatus_to_exitcode(status)}", flush=True)
sys.stdin.readline()
"""


def test_a_forked_child_neither_inherits_nor_releases_the_parent_hold(tmp_path: Path) -> None:
    """The child is another process (refused), and its exit leaves the parent's lock in place."""
    path = tmp_path / "ws.sqlite"
    parent = Child([sys.executable, "-c", FORK, str(path)])
    try:
        assert parent.expect("child") == "child 3"
        assert not held_elsewhere(path, Access.SHARED)
    finally:
        parent.kill()
