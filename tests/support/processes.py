"""Second processes for tests about what happens beside a running one: the CLI, a script, the app.

Children import this checkout (the test's ``sys.path``), run offscreen, and use the tests' 'fail'
keyring. :class:`Child` reads a child's output line by line on a thread, so a test can wait for the
line that says the child got somewhere and then act beside it, without sleeping.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

#: How long to wait for a child's next line before giving up on it: a guard against a hung child,
#: far above what any step takes, never a measure of speed.
PATIENCE = 120.0


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child that must import this checkout and never touch real user data."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **extra,
    }


def cli_command(workspace: Path, *args: str) -> list[str]:
    """``postback-studio --workspace WORKSPACE ARGS...`` as a child process runs it."""
    return [sys.executable, "-m", "postback_studio", "--workspace", str(workspace), *args]


def run_cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command to its end in another process; its exit code and output."""
    return subprocess.run(
        cli_command(workspace, *args),
        check=False,
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=PATIENCE,
    )


class Child:
    """A child process whose stdout lines arrive on a queue; stdin stays open for instructions."""

    def __init__(self, command: list[str], cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def expect(self, prefix: str) -> str:
        """The child's next line that starts with ``prefix`` (earlier lines are kept in ``seen``)."""
        while True:
            try:
                line = self.lines.get(timeout=PATIENCE)
            except queue.Empty:
                raise AssertionError(f"no line starting {prefix!r}; got {self.seen}") from None
            if line is None:
                raise AssertionError(
                    f"the child ended before printing {prefix!r}: {self.seen}\n{self.stderr_text()}"
                )
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def tell(self, line: str) -> None:
        """Write one line to the child's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def stderr_text(self) -> str:
        """What the child wrote on stderr (only once it has ended)."""
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()

    def finish(self) -> int:
        """Close stdin and wait for the child to end; its exit code."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        return self.process.wait(timeout=PATIENCE)

    def kill(self) -> None:
        """End the child at once if it still runs, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=PATIENCE)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
