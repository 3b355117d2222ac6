"""The engine's side of the render worker processes: starting one, talking to it, ending it, and
the pool that lends warm ones to renders.

It exists apart from the engine because process handling has its own concerns: the worker must run
the same code as the engine (its path), large requests should cross the pipe in one write, a
worker's output is read by a thread so a render can wait for it with a time limit, a dead or killed
worker must say why (out of memory or not), and a few warm workers are shared by the threads that
render. The engine decides what to render and reads the answers.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from postback_studio.core.errors import StudioError
from postback_studio.core.render.batch_requests import Held
from postback_studio.core.render.result import Diagnostic, Severity
from postback_studio.core.render.wire import PIPE_BUFFER, decode

#: Seconds a new worker may take to start (imports), outside the render's time limit.
STARTUP_TIMEOUT = 60.0
#: What :meth:`WorkerProcess.receive` gives once the worker's output has ended (it died).
EOF_REPLY = b""


class WorkerStartError(StudioError, RuntimeError):
    """The worker process could not be started (a broken installation, no resources left)."""


class WorkerProcess:
    """One worker process, its pipes, and a reader thread that turns its lines into a queue."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "postback_studio.core.render.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_worker_environment(),
            bufsize=PIPE_BUFFER,
        )
        self.held = Held()
        self.replies: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        stdout = self.process.stdout
        assert stdout is not None
        for pipe in (self.process.stdin, stdout):
            _enlarge(pipe)
        self._reader = threading.Thread(
            target=self._read, args=(stdout,), daemon=True, name="render-worker-reader"
        )
        self._reader.start()
        self.ready = False

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.replies.put(line)
        self.replies.put(EOF_REPLY)

    def wait_ready(self) -> None:
        """Wait for the worker's ``ready`` line (once); kill it and raise if it does not come."""
        if not self.ready:
            line = self.receive(STARTUP_TIMEOUT)
            if line is None or decode(line) != {"ready": True}:
                self.kill()
                raise WorkerStartError("the render worker process did not start")
            self.ready = True

    def send(self, chunks: Sequence[bytes]) -> bool:
        """Write one request, given in pieces: joining a large payload into one line first would
        copy it, and a copy of a few hundred KB costs as much as the write itself."""
        stdin = self.process.stdin
        assert stdin is not None
        try:
            for chunk in chunks:
                stdin.write(chunk)
            stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def receive(self, timeout: float) -> bytes | None:
        """The next reply line, ``b""`` if the worker died, or None on timeout."""
        try:
            return self.replies.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    def kill(self) -> None:
        """Stop the worker at once (a runaway render, a bad state) and wait for it to end."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._release_streams()

    def close(self) -> None:
        """End the worker by closing its input; kill it if it does not end soon."""
        stdin = self.process.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._release_streams()

    def _release_streams(self) -> None:
        """Close the pipes once the reader thread has seen the end of the worker's output."""
        self._reader.join(timeout=2)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def failure(self, message: str) -> Diagnostic:
        """Kill the worker and say why it stopped: out of memory, or how it exited."""
        self.kill()
        code = self.process.returncode
        if code in (-9, -6, 137, 134):
            return Diagnostic(
                Severity.ERROR, "memory-limit", f"memory limit: {message} (it ran out of memory)"
            )
        return Diagnostic(Severity.ERROR, "runtime", f"{message} (exit code {code})")


class WorkerPool:
    """Up to ``size`` warm worker processes, each lent to one render at a time (thread-safe).

    A worker is started when one is needed and none is idle; a render beyond ``size`` waits for a
    free one. A worker that died is dropped on its return.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._idle: list[WorkerProcess] = []
        self._count = 0
        self._closed = False
        self._lock = threading.Condition()

    def close(self) -> None:
        """End the idle workers; those lent out end on their return."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._lock.notify_all()
        for worker in idle:
            worker.close()

    def acquire(self) -> WorkerProcess:
        """An idle worker, or a new one when fewer than ``size`` run; waits for one otherwise.

        Raises:
            RuntimeError: the pool is closed.
            WorkerStartError: a new worker did not start (or ``OSError`` when it could not be run).
        """
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("the render engine is closed")
                if self._idle:
                    worker = self._idle.pop()
                    if worker.process.poll() is None:
                        return worker
                    self._count -= 1
                    continue
                if self._count < self.size:
                    self._count += 1
                    break
                self._lock.wait()
        try:
            worker = WorkerProcess()
            worker.wait_ready()
        except BaseException:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise
        return worker

    def release(self, worker: WorkerProcess) -> None:
        """Take back a lent worker: idle again if alive, ended if the pool closed meanwhile."""
        alive = worker.process.poll() is None
        with self._lock:
            if alive and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
            self._lock.notify()
        if alive and self._closed:
            worker.close()


def reply_failure(error: str) -> Diagnostic:
    """The diagnostic for a worker's ``error`` reply (the request could not be handled)."""
    if error == "memory-limit":
        return Diagnostic(
            Severity.ERROR,
            "memory-limit",
            "memory limit: the template used more memory than allowed and was stopped",
        )
    return Diagnostic(Severity.ERROR, "runtime", f"render worker: {error}")


def _worker_environment() -> dict[str, str]:
    """This process's environment, with the directory our package came from first on the path.

    The worker must run the same code as the engine that starts it, even when this process found
    ``postback_studio`` through a path the child would not inherit (a test runner, an IDE).
    """
    package_root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


def _enlarge(pipe: IO[bytes] | None) -> None:
    """Give a protocol pipe :data:`PIPE_BUFFER` bytes where the system allows it (Linux).

    A 200 KB payload then crosses in one write instead of filling the default 64 KB pipe four times
    over, each time waiting for the other process to drain it.
    """
    if pipe is None or not sys.platform.startswith("linux"):
        return
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BUFFER)
