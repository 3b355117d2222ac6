"""Running the command line in-process for the security tests: exit code, stdout and stderr."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from postback_studio import cli


def run_cli(*args: str) -> tuple[int, str, str]:
    """``postback-studio ARGS...`` in this process; what it returned and printed."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()
