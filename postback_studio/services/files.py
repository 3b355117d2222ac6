"""The files a user names to export to or import from, kept off the workspace they work in.

Every save dialog and ``--out`` of the app writes through :class:`UserFiles`: it refuses the open
workspace, its sidecars and any other SQLite database (one clear sentence, nothing written), and
writes the rest atomically (a temporary file beside the target, then a rename), so an interrupted
export never leaves half a file where a good one was. Imports check their file here before reading.
"""

from __future__ import annotations

from pathlib import Path

from postback_studio.core.errors import InputError
from postback_studio.core.files import write_text_atomically
from postback_studio.core.workspace_files import WorkspaceFileError, refuse_input, refuse_output

__all__ = ["UserFiles", "WorkspaceFileError"]


class UserFiles:
    """Reads and writes the user's files on behalf of the workspace at ``workspace``."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def check_output(self, path: Path) -> None:
        """Raise :class:`WorkspaceFileError` when ``path`` is the workspace or another database."""
        refuse_output(path, self.workspace)

    def check_input(self, path: Path) -> None:
        """Raise :class:`WorkspaceFileError` when ``path`` is the workspace or one of its sidecars."""
        refuse_input(path, self.workspace)

    def write_text(self, path: Path, text: str) -> None:
        """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically.

        Raises:
            WorkspaceFileError: ``path`` is the workspace, a sidecar or another database.
            InputError: The file cannot be written (the message names it and says why).
        """
        target = path.expanduser()
        self.check_output(target)
        try:
            write_text_atomically(target, text)
        except OSError as exc:
            raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
