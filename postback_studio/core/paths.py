"""Where the shipped resources live, in a wheel and in a source checkout alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """Return the ``resources`` folder.

    The wheel carries it inside the package (``postback_studio/resources``); a source checkout or an
    editable install keeps it at the top of the repository, beside the package.
    """
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Postback Studio resources not found next to {_PACKAGE_DIR}")
