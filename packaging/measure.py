"""Measure the standalone build: folder size, command times, and start-up to the window shown.

    python packaging/measure.py                                   # dist/postback-studio/postback-studio
    python packaging/measure.py --program ".venv/bin/python packaging/entry.py"   # the same, unfrozen

Every run uses a throwaway HOME, XDG folders and workspace, and Qt's offscreen platform, so nothing
touches the user's settings, data or keyring. The build's smoke test uses the same helpers.
"""

from __future__ import annotations

import argparse
import os
import queue
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROGRAM = ROOT / "dist" / "postback-studio" / "postback-studio"
SHOWN = "window shown "


@dataclass(frozen=True)
class GuiRun:
    """One start of the desktop app: seconds from process start to window shown, exit, stderr."""

    shown_after: float | None
    returncode: int
    stderr: str


def isolated_env(home: Path) -> dict[str, str]:
    """An environment with its own HOME and XDG folders under ``home``, offscreen Qt, UTF-8."""
    runtime = home / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_RUNTIME_DIR": str(runtime),
        "QT_QPA_PLATFORM": "offscreen",
    }
    if "SYSTEMROOT" in os.environ:
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    return env


def start_gui(program: list[str], workspace: Path, env: dict[str, str], seconds: float = 2.0,
              timeout: float = 120.0) -> GuiRun:
    """Open the app on ``workspace``, wait for its window, let it run ``seconds``, then close it.

    ``program`` must honour ``POSTBACK_STUDIO_SMOKE_SECONDS`` (packaging/entry.py, frozen or not).
    A program that shows no window within ``timeout`` is killed.
    """
    started = time.perf_counter()
    with subprocess.Popen(
        [*program, "--workspace", str(workspace)],
        env={**env, "POSTBACK_STUDIO_SMOKE_SECONDS": str(seconds)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        errors: list[str] = []
        readers = [
            threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True),
            threading.Thread(target=_read_all, args=(process.stderr, errors), daemon=True),
        ]
        for reader in readers:
            reader.start()
        shown_after = None
        deadline = started + timeout
        while shown_after is None and (remaining := deadline - time.perf_counter()) > 0:
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith(SHOWN):
                shown_after = time.perf_counter() - started
        try:
            process.wait(timeout=max(1.0, deadline - time.perf_counter()) + seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for reader in readers:
            reader.join()
    return GuiRun(shown_after, process.returncode, "".join(errors))


def _read_all(stream: IO[str], sink: list[str]) -> None:
    sink.append(stream.read())


def _read_lines(stream: IO[str], lines: queue.SimpleQueue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def time_command(command: list[str], env: dict[str, str], runs: int = 5) -> float:
    """Median wall-clock seconds of ``command`` (which must succeed)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def folder_size_mb(folder: Path) -> float:
    """Megabytes (10^6 bytes) of the files under ``folder``, symlinks counted once."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def main(argv: list[str] | None = None) -> int:
    """Print the figures the README quotes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--program", default=str(DEFAULT_PROGRAM),
                        help="the command that starts the app (default: the standalone build)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    program = shlex.split(args.program)
    template = ROOT / "resources" / "templates" / "order-shipped-article.json.j2"
    with tempfile.TemporaryDirectory(prefix="pbs-measure-") as tmp:
        env = isolated_env(Path(tmp))
        workspace = Path(tmp) / "workspace.sqlite"
        if len(program) == 1 and Path(program[0]).is_file():
            print(f"size: {folder_size_mb(Path(program[0]).parent):.0f} MB")
        print(f"samples shipped: {time_command([*program, 'samples', 'shipped'], env, args.runs):.2f} s")
        render = [*program, "render", str(template), "--event", "shipped"]
        print(f"render --event shipped: {time_command(render, env, args.runs):.2f} s")
        first = start_gui(program, workspace, env, seconds=0.5)
        if first.shown_after is None or first.returncode != 0:
            print(f"the app did not start: exit {first.returncode}\n{first.stderr}", file=sys.stderr)
            return 1
        print(f"window shown, first run (creates and seeds the workspace): {first.shown_after:.2f} s")
        again = [start_gui(program, workspace, env, seconds=0.5).shown_after for _ in range(args.runs)]
        shown = [s for s in again if s is not None]
        print(f"window shown, existing workspace (median of {len(shown)}): {statistics.median(shown):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
