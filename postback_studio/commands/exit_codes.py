"""The command line's exit codes: one set for every command (the contract scripts rely on).

0 success; 1 the work failed (a template error, a postback not delivered, an invalid bundle);
2 usage error or unreadable input (a missing file, an unknown name, bad arguments);
3 rendered, but the output is not valid for its format.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means."""

    OK = 0
    FAILED = 1
    USAGE = 2
    INVALID_OUTPUT = 3
