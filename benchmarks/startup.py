"""Start-up: from process start to the main window mapped, against a bare PySide6 main window.

Each start is a fresh interpreter (this one, ``sys.executable``) running ``_startup_probe.py``, which
notes the first ``Expose`` event of the main window and quits (see that file). The application runs
its own entry point on a pre-created workspace (a copy of one made at the beginning, fresh for each
start) with ``HOME`` and the ``XDG_*`` folders in a temporary folder, so no user settings, drafts
or workspaces leak in; the baseline shows a ``QMainWindow`` from the same interpreter the same way.
Compiled bytecode is written and used (``PYTHONPYCACHEPREFIX`` in the temporary folder, whatever
``PYTHONDONTWRITEBYTECODE`` says), as an installed application has it.

Display: an ``Xvfb`` X server started here on a free display (``-displayfd``), so "mapped" is a real
X server's map and expose; without Xvfb, or when Qt cannot open it, Qt's offscreen platform, whose
expose event comes as soon as the window is shown, and the figures say so. On Debian:
``apt-get install xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0`` (the last three for Qt's xcb
plugin).

The first start of each is left out (it warms the disk cache and writes the settings); then
baseline and application alternate, and the ratio is the median of the per-pair ratios. Target:
<= 2x. The printout breaks the time down (interpreter start, imports up to the ``QApplication``,
building and showing the window, waiting for the expose) and lists the largest imports of an
application start (``python -X importtime``) and, with ``--profile``, the functions that cost most
(``cProfile``), as the material for cutting the start-up.

Run: ``PYTHONPATH=. python benchmarks/startup.py [--quick] [--json FILE] [--runs N] [--profile]``
(see ``_figures.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from _figures import Figure, common_arguments, figure, report, run_script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROBE = HERE / "_startup_probe.py"
RUNS = 7
QUICK_RUNS = 3
TIMEOUT = 120.0


@contextlib.contextmanager
def xvfb() -> Iterator[str | None]:
    """An Xvfb server on a free display for the block (its ``DISPLAY``), or None without Xvfb."""
    binary = shutil.which("Xvfb")
    if binary is None:
        yield None
        return
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_end), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as chosen:
            number = chosen.readline().strip().decode()
        yield f":{number}" if number else None
    finally:
        server.terminate()
        server.wait(timeout=10)


class Starter:
    """Starts the probe in a clean environment and reads back its marks."""

    def __init__(self, folder: Path, display: str | None) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)
        home = folder / "home"
        runtime = folder / "runtime"
        for path in (home, runtime):
            path.mkdir(mode=0o700)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("XDG_", "QT_", "POSTBACK_STUDIO"))
            and key not in ("DISPLAY", "HOME", "PYTHONDONTWRITEBYTECODE")
        }
        self.env.update(
            # Compiled bytecode is kept (in a folder of our own, not the checkout), as an installed
            # application has it: the start left out writes it.
            PYTHONPYCACHEPREFIX=str(folder / "pycache"),
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            XDG_RUNTIME_DIR=str(runtime),
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        )
        if display is not None:
            self.env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        else:
            self.env.update(QT_QPA_PLATFORM="offscreen")
        self.workspace = folder / "prepared.sqlite"
        self.runs = 0

    def prepare_workspace(self) -> None:
        """Create and seed the workspace every start copies (in a child: no keyring or lock here)."""
        code = (
            "import sys; from pathlib import Path; from postback_studio.storage.workspace import Workspace; "
            "Workspace.open(Path(sys.argv[1])).close()"
        )
        subprocess.run([sys.executable, "-c", code, str(self.workspace)], env=self.env, check=True)

    def start(self, mode: str, *, python_options: Sequence[str] = ()) -> dict[str, float]:
        """One start: the marks relative to the moment the process was started (seconds)."""
        self.runs += 1
        report_path = self.folder / f"marks-{self.runs}.json"
        args: list[str] = []
        if mode == "app":
            copy = self.folder / f"workspace-{self.runs}.sqlite"
            shutil.copyfile(self.workspace, copy)
            args = ["--workspace", str(copy)]
        env = {**self.env, "PS_STARTUP_REPORT": str(report_path)}
        command = [sys.executable, *python_options, str(PROBE), mode, *args]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if not report_path.exists():
            tail = " ".join(done.stderr.strip().splitlines()[-3:])
            raise RuntimeError(f"{mode} start did not show its window (exit {done.returncode}): {tail}")
        marks = json.loads(report_path.read_text(encoding="utf-8"))
        self.last_stderr = done.stderr
        return {key: value - started for key, value in marks.items() if isinstance(value, float)} | {
            "platform": marks.get("platform", "")
        }


def phases(marks: dict[str, float]) -> dict[str, float]:
    """Milliseconds of each phase of one start."""
    return {
        "interpreter": marks["interpreter"] * 1000,
        "imports": (marks["imports"] - marks["interpreter"]) * 1000,
        "QApplication": (marks["application"] - marks["imports"]) * 1000,
        "build and show": (marks["shown"] - marks["application"]) * 1000,
        "until exposed": (marks["exposed"] - marks["shown"]) * 1000,
    } | ({"other pages built": (marks["ready"] - marks["exposed"]) * 1000} if "ready" in marks else {})


def import_summary(starter: Starter, top: int = 15) -> list[str]:
    """The largest imports of one application start, by top-level package (``-X importtime``):
    those before the window was exposed (what the figure pays for), and all of them."""
    from _startup_probe import EXPOSED_LINE

    starter.start("app", python_options=["-X", "importtime"])
    before: dict[str, int] = {}
    every: dict[str, int] = {}
    own = before
    for line in starter.last_stderr.splitlines():
        if line == EXPOSED_LINE:
            own = {}
        if not line.startswith("import time:"):
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        if not self_us.strip().isdigit():
            continue  # the header line
        package = name.strip().split(".")[0]
        own[package] = own.get(package, 0) + int(self_us)
        every[package] = every.get(package, 0) + int(self_us)
    lines = ["imports of one application start (python -X importtime), own time by top-level package,"
             " before the window was exposed | all (the other pages included):"]
    for package, micros in sorted(before.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"  {package:<28} {micros / 1000:7.1f} ms | {every[package] / 1000:7.1f} ms")
    total_before, total = sum(before.values()) / 1000, sum(every.values()) / 1000
    lines.append(f"  {'all':<28} {total_before:7.1f} ms | {total:7.1f} ms")
    return lines


def profile_summary(starter: Starter, top: int = 25) -> list[str]:
    """The application's own functions that cost most in one start (``cProfile``, cumulative)."""
    import pstats

    stats_path = starter.folder / "startup.prof"
    starter.start("app", python_options=["-m", "cProfile", "-o", str(stats_path)])
    table = pstats.Stats(str(stats_path)).stats  # type: ignore[attr-defined]
    rows = [
        (cumulative, f"{filename.split('postback_studio', 1)[1]}:{line} {function}")
        for (filename, line, function), (_, _, _, cumulative, _) in table.items()
        if "postback_studio" in filename
    ]
    lines = ["application functions by cumulative time in one start (cProfile, postback_studio/...):"]
    lines += [f"  {seconds * 1000:7.1f} ms  {where}" for seconds, where in sorted(rows, reverse=True)[:top]]
    return lines


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    parser = common_arguments(__doc__ or "")
    parser.add_argument("--runs", type=int, help=f"measured starts of each ({RUNS}; --quick {QUICK_RUNS})")
    parser.add_argument("--profile", action="store_true", help="also profile one application start")
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    with tempfile.TemporaryDirectory(prefix="ps-startup-") as folder, xvfb() as server:
        display = server
        starter = Starter(Path(folder), display)
        starter.prepare_workspace()
        try:
            starter.start("baseline")
        except RuntimeError as exc:
            if display is None:
                raise
            print(f"Xvfb on {display} could not be used by Qt ({exc}); using the offscreen platform")
            display = None
            starter = Starter(Path(folder) / "offscreen", None)
            starter.prepare_workspace()
        platform = "offscreen platform's expose event" if display is None else f"Xvfb on {display}"
        print(f"display: {platform}; {runs} measured starts of each after one left out")
        starter.start("baseline")
        starter.start("app")
        base: list[dict[str, float]] = []
        app: list[dict[str, float]] = []
        for _ in range(runs):
            base.append(starter.start("baseline"))
            app.append(starter.start("app"))
        details = import_summary(starter)
        if args.profile:
            details += profile_summary(starter)
    base_ms = [marks["exposed"] * 1000 for marks in base]
    app_ms = [marks["exposed"] * 1000 for marks in app]
    ratio = statistics.median(a / b for a, b in zip(app_ms, base_ms, strict=True))
    print(f"platform reported by Qt: {app[0]['platform']}")
    for label, starts in (("baseline (bare QMainWindow)", base), ("application", app)):
        medians = {name: statistics.median(phases(m)[name] for m in starts) for name in phases(starts[0])}
        print(f"{label}: median {statistics.median(m['exposed'] * 1000 for m in starts):.0f} ms; phases "
              + ", ".join(f"{name} {ms:.0f}" for name, ms in medians.items()))
    print(f"ratio (median of paired ratios): {ratio:.2f}x (target <= 2x)")
    print("\n".join(details))
    how = "Xvfb" if display is not None else "offscreen platform's expose event"
    figures = [
        figure(
            f"start-up: process start to main window mapped ({how}, median of {runs}, first start left out)",
            statistics.median(app_ms),
            "ms",
            baseline=statistics.median(base_ms),
            baseline_name="a bare PySide6 QMainWindow, same interpreter, same way",
            target="<= 2",
            ratio=ratio,
        ),
        figure(
            "start-up: process start until every page is built (after the first paint), same starts",
            statistics.median(marks["ready"] * 1000 for marks in app),
            "ms",
            baseline=statistics.median(base_ms),
            baseline_name="a bare PySide6 QMainWindow mapped, same interpreter, same way",
            target=None,
            ratio=statistics.median(a["ready"] * 1000 / b for a, b in zip(app, base_ms, strict=True)),
        ),
    ]
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
