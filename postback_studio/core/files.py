"""Writing a file so that a reader never sees half of it: the text goes to a temporary file beside the
target, which is then renamed over it (a rename within one folder is atomic)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomically(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``target``: all of it, or nothing.

    The file keeps the permissions of the one it replaces; a new one gets 0644 (``mkstemp`` makes
    its temporary file private, and an export is an ordinary file the user shares).

    Raises:
        OSError: the folder does not exist or cannot be written; ``target`` is left as it was.
    """
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        Path(temp).chmod(target.stat().st_mode & 0o777 if target.exists() else 0o644)
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
