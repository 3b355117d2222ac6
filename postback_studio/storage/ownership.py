"""The workspace's owner lock: which processes may use a workspace file, kept where SQLite's locks fail.

SQLite coordinates processes with POSIX record locks, and POSIX drops every record lock a process
holds on a file as soon as that process closes *any* descriptor of the file: a file dialog sniffing
the file's type, a header read, a copy. The process's connections then hold no lock, so another
process that opens and closes the workspace takes itself for the last connection, checkpoints the
write-ahead log and deletes it, and every later commit of the first process goes to a deleted file
(SQLite's "How To Corrupt An SQLite Database File", section 2.2).

The owner lock does not depend on those locks. It is an ``flock(2)`` on ``<workspace>.lock`` next to
the file: flock belongs to the open file description, so closing some other descriptor does not
release it, and the kernel releases it when the process ends, SIGKILL included, so it is never
stale. The desktop app holds it exclusive for its whole run; command-line commands hold it shared,
so they run beside each other but not beside the app; the storage API takes it exclusive unless the
caller says otherwise.

The lock file also names one holder (pid, name, access) for the message a refused process prints:
an exclusive holder always, else the first shared holder that is still running. A holder unnames
itself when it lets go; a record naming a process that has ended is ignored.

A process holds at most one owner lock per workspace, counted: every connection it opens joins the
hold its first one took (the app's delivery writer thread, the Requests page loaders), because a
second flock on another descriptor would conflict with the process's own. That count is the one
piece of process-wide state here, as the kernel's lock is itself per process.

On Windows, closing another handle does not undo SQLite's locks, so the owner lock is not taken
there: processes coordinate through SQLite alone, and the command line is not refused beside the app.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from postback_studio.core.errors import WorkspaceError
from postback_studio.core.workspace_files import LOCK_SUFFIX

if sys.platform != "win32":
    import fcntl

#: How the desktop app names itself in the lock file (a refused command says "close the app").
APP_HOLDER = "the Postback Studio app"

#: The lock file's record is always this long (JSON padded with spaces), so holders that write it
#: one after another (shared holders do) never leave a longer record's tail behind.
_RECORD_BYTES = 512


class Access(enum.Enum):
    """How a process holds a workspace: alone (the app), or beside other shared holders (the CLI)."""

    SHARED = "shared"
    EXCLUSIVE = "exclusive"


@dataclass(frozen=True)
class Holder:
    """Who holds a workspace, as that process wrote it into the lock file."""

    pid: int
    name: str
    access: Access

    @property
    def advice(self) -> str:
        """What the person who was refused can do about this holder."""
        if self.name == APP_HOLDER:
            return "close the app"
        if self.access is Access.SHARED:
            return "stop it or let it finish"
        return "close that program"


class WorkspaceInUseError(WorkspaceError):
    """Another process holds the workspace in a way that excludes this one.

    ``str()`` names the file and the holder; :attr:`advice` says what to do about it.
    """

    def __init__(self, path: Path, holder: Holder | None) -> None:
        who = f"{holder.name} (pid {holder.pid})" if holder is not None else "another program"
        super().__init__(f"{path} is open in {who}")
        self.path = path
        self.holder = holder

    @property
    def advice(self) -> str:
        """``close the app``, ``stop it or let it finish``, ...: the words after the message."""
        return self.holder.advice if self.holder is not None else "close it"


def lock_path(workspace: Path) -> Path:
    """The lock file of ``workspace``: next to the file itself (symbolic links resolved)."""
    real = Path(os.path.realpath(workspace))
    return real.with_name(real.name + LOCK_SUFFIX)


class Ownership(contextlib.AbstractContextManager["Ownership"]):
    """This process's hold on one workspace: :meth:`release` it once, or leave its ``with`` block."""

    def __init__(self, holds: _ProcessHolds, key: str, access: Access) -> None:
        self._holds = holds
        self._key = key
        self.access = access
        self._released = False

    def release(self) -> None:
        """Give up this hold; the lock goes when the process's last hold on the file does."""
        if not self._released:
            self._released = True
            self._holds.release(self._key)

    def __exit__(self, *exc: object) -> None:
        self.release()


def claim(path: Path, access: Access | None = None, *, holder: str | None = None) -> Ownership:
    """Hold the workspace at ``path`` for this process, or raise :class:`WorkspaceInUseError`.

    Args:
        path: The workspace file (it need not exist yet; its folder must).
        access: ``EXCLUSIVE`` (no other process may use the file) or ``SHARED`` (other shared
            holders may). ``None`` joins the hold this process already has on the file, else
            takes it exclusive: the safe choice for a program that did not say.
        holder: How a refused process names this one (default: this program's command line).

    Raises:
        WorkspaceInUseError: another process holds the file in a conflicting way.
        WorkspaceError: the lock file cannot be created or locked, or this process holds the file
            shared and ``EXCLUSIVE`` was asked for (a shared hold is never upgraded in place).
    """
    return _HOLDS.acquire(Path(path), access, holder or _this_program())


@dataclass
class _Hold:
    descriptor: int | None
    access: Access
    count: int


class _ProcessHolds:
    """The owner locks this process holds, by real path of the workspace, with their counts."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._holds: dict[str, _Hold] = {}

    def acquire(self, path: Path, access: Access | None, holder: str) -> Ownership:
        key = os.path.realpath(path)
        with self._mutex:
            hold = self._holds.get(key)
            if hold is None:
                wanted = access or Access.EXCLUSIVE
                hold = _Hold(_lock(path, wanted, holder), wanted, 0)
                self._holds[key] = hold
            elif access is Access.EXCLUSIVE and hold.access is Access.SHARED:
                raise WorkspaceError(
                    f"{path} is already open for shared use in this process; it cannot also be "
                    "opened exclusively"
                )
            hold.count += 1
            return Ownership(self, key, hold.access)

    def release(self, key: str) -> None:
        with self._mutex:
            hold = self._holds[key]
            hold.count -= 1
            if hold.count == 0:
                del self._holds[key]
                if hold.descriptor is not None:
                    _unlock(hold.descriptor)

    def forget_inherited(self) -> None:
        """In a forked child: drop the parent's holds without releasing them.

        The child's descriptors share the parent's open file descriptions, so closing them leaves the
        parent's locks in place (unlocking them would not); the child takes its own if it needs one.
        """
        self._mutex = threading.Lock()
        for hold in self._holds.values():
            if hold.descriptor is not None:
                with contextlib.suppress(OSError):
                    os.close(hold.descriptor)
        self._holds.clear()


_HOLDS = _ProcessHolds()
if sys.platform != "win32":
    os.register_at_fork(after_in_child=_HOLDS.forget_inherited)


def _lock(path: Path, access: Access, holder: str) -> int | None:
    """Open and flock the lock file without waiting; the descriptor stays open while held."""
    if sys.platform == "win32":
        return None
    target = lock_path(path)
    try:
        descriptor = os.open(target, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise WorkspaceError(f"{target}: cannot create the workspace's lock file: {exc.strerror}") from None
    operation = fcntl.LOCK_EX if access is Access.EXCLUSIVE else fcntl.LOCK_SH
    try:
        fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        current = _read_holder(descriptor)
        os.close(descriptor)
        raise WorkspaceInUseError(path, current) from None
    except OSError as exc:
        os.close(descriptor)
        raise WorkspaceError(f"{target}: cannot lock the workspace: {exc.strerror}") from None
    named = _read_holder(descriptor)
    if access is Access.EXCLUSIVE or named is None or named.access is Access.EXCLUSIVE:
        _write_holder(descriptor, Holder(os.getpid(), holder, access))
    return descriptor


def _unlock(descriptor: int) -> None:
    """Close the lock's only descriptor (the flock goes with it), first unnaming this process."""
    named = _read_holder(descriptor)
    if named is not None and named.pid == os.getpid():
        with contextlib.suppress(OSError):
            os.pwrite(descriptor, b" " * (_RECORD_BYTES - 1) + b"\n", 0)
    os.close(descriptor)


def _write_holder(descriptor: int, holder: Holder) -> None:
    name = holder.name
    while True:
        record = {"pid": holder.pid, "holder": name, "access": holder.access.value}
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        if len(data) < _RECORD_BYTES:
            break
        name = name[: len(name) // 2]
    with contextlib.suppress(OSError):  # the record only words a message; the lock is what counts
        os.pwrite(descriptor, data.ljust(_RECORD_BYTES - 1) + b"\n", 0)


def _read_holder(descriptor: int) -> Holder | None:
    """The holder the lock file names, if its record is whole and that process still runs."""
    try:
        record = json.loads(os.pread(descriptor, _RECORD_BYTES, 0).decode("utf-8"))
        holder = Holder(int(record["pid"]), str(record["holder"]), Access(record["access"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return holder


def _this_program() -> str:
    """``python3 script.py``: how this process is named to a process it refuses."""
    words = [Path(arg).name for arg in getattr(sys, "orig_argv", sys.argv)[:2]]
    return " ".join(words) or "another program"
