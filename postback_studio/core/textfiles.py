"""Reading the user's text and JSON files with one-line errors that name the file and the problem.

Payload files, lookup files and schemas all arrive from the command line or a file dialog; whatever
is wrong with them (missing, a directory, not UTF-8, not JSON) must read as one clear sentence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from postback_studio.core import jsontext
from postback_studio.core.errors import InputError


class UnreadableFileError(InputError):
    """A file that cannot be read or parsed; the message starts with ``FILE[:LINE:COL]:``."""


def read_text_file(path: Path, error: type[ValueError] = UnreadableFileError) -> str:
    """The file's text (UTF-8, a byte-order mark allowed), or ``error`` with a one-line reason."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None


def read_json_file(path: Path, what: str = "the file", error: type[ValueError] = UnreadableFileError) -> Any:
    """Parse a JSON file; a syntax error names its line and column: ``p.json:3:1: the payload is ...``."""
    text = read_text_file(path, error)
    try:
        return jsontext.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}:{exc.lineno}:{exc.colno}: {what} is not valid JSON: {exc.msg}") from None
