"""The files that make up a workspace, so that nothing the user exports or imports lands on them.

A workspace is its SQLite file plus the files SQLite and the owner lock keep beside it (``-wal``,
``-shm``, ``-journal``, ``.lock``). ``export --out ws.sqlite`` would replace the database with JSON,
and writing over a sidecar corrupts it the same way; reading the workspace as a CSV would open it
outside SQLite. Every place that writes or reads a file the user named asks here first.
"""

from __future__ import annotations

import os
from pathlib import Path

from postback_studio.core.errors import InputError

#: The files SQLite keeps beside a database while it is open (``-journal`` outside WAL mode).
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
#: The owner lock's file beside the workspace (see ``storage.ownership``).
LOCK_SUFFIX = ".lock"

_SQLITE_HEADER = b"SQLite format 3\x00"


class WorkspaceFileError(InputError):
    """A path the user chose is the open workspace, one of its sidecars, or another SQLite database."""


def workspace_files(workspace: Path) -> tuple[Path, ...]:
    """The workspace file and every sidecar it may have, as absolute paths (links resolved)."""
    real = Path(os.path.realpath(workspace))
    return (real, *(real.with_name(real.name + suffix) for suffix in (*SQLITE_SIDECARS, LOCK_SUFFIX)))


def _same_file(candidate: Path, target: Path) -> bool:
    if Path(os.path.realpath(candidate)) == target:
        return True
    try:
        return candidate.samefile(target)  # a hard link, or another spelling of the path
    except OSError:
        return False


def workspace_part(candidate: Path, workspace: Path) -> str | None:
    """What ``candidate`` is of the workspace (``the workspace file itself``, ``the workspace's -wal
    file``...), or None."""
    real, *sidecars = workspace_files(workspace)
    if _same_file(candidate, real):
        return "the workspace file itself"
    for sidecar in sidecars:
        if _same_file(candidate, sidecar):
            return f"the workspace's {sidecar.name.removeprefix(real.name)} file"
    return None


def is_sqlite_database(path: Path) -> bool:
    """Whether ``path`` exists and starts with SQLite's file header (another workspace, most likely)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False


def refuse_output(candidate: Path, workspace: Path) -> None:
    """Raise :class:`WorkspaceFileError` when writing ``candidate`` would destroy a database.

    Refused: the open workspace and its sidecars, and any existing SQLite database (an export over
    another workspace loses it just the same). The workspace's own files are recognised by path,
    without opening them.
    """
    part = workspace_part(candidate, workspace)
    if part is not None:
        raise WorkspaceFileError(
            f"{candidate}: this is {part}; writing there would destroy the workspace. Choose another file"
        )
    if is_sqlite_database(candidate):
        raise WorkspaceFileError(
            f"{candidate}: this is an SQLite database (a workspace?); writing there would destroy it. "
            "Choose another file"
        )


def refuse_input(candidate: Path, workspace: Path) -> None:
    """Raise :class:`WorkspaceFileError` when ``candidate`` is the open workspace or a sidecar: it is
    never an import, and opening it outside SQLite is what the owner lock guards against."""
    part = workspace_part(candidate, workspace)
    if part is not None:
        raise WorkspaceFileError(f"{candidate}: this is {part}, not a file to import")
