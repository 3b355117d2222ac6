"""Check Edge Cases in the Templates page: the GUI stays responsive, progress costs little, Cancel is quick.

A Templates page on a fresh workspace file with a user sample of 200 items (the multi-item shipped
sample grown as in ``benchmarks/render.py``) and the real render engine; the corrected shipped
template, checked against the shipped samples and the 200-item one, as the Edge Cases tab runs it
(a job of the app's runner, variants in chunks with progress).

Figures:

* longest GUI stall while the check runs: the largest gap between ticks of a 5 ms ``QTimer``
  heartbeat, minus 5 ms. The check keeps both render workers busy, so the baseline is the same
  heartbeat, as long, while two processes spin on the CPU and no check runs: on a busy machine
  the operating system, not the page, decides most of the stall. The idle heartbeat is printed too.
  Target: <= 2x the busy baseline. Once the page is built the benchmark calls ``gc.freeze()``, as
  the application does after its first paint: without it the check's allocations set off a full
  collection that walks the ~80,000 objects of the loaded libraries, ~70 ms during which a render
  thread holds the GIL and the GUI thread waits (run with ``--no-freeze`` to see it). The printout
  gives the full collections while checking and the worst gap's CPU and run-queue time.
* the check with progress and Cancel (chunks sized to take about 0.3 s, progress after each, polled
  for Cancel) against the same check in one batch (as the command line runs it), both called
  directly, alternating rounds, median of the paired ratios: what progress and Cancel cost.
  Target: <= 1.15x.
* from pressing Cancel to the job's end, on a run stopped half way: at most one chunk. For
  information.

Run: ``QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/doctor_gui.py [--quick] [--json FILE]
[--no-freeze]`` (``--quick``: a 50-item sample instead of 200).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QEventLoop, QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).parent))
from _figures import Figure, common_arguments, figure, report, run_script
from render import make_payload
from ui import IDLE_SECONDS, FullCollections, Heartbeat, run_loop_for

from postback_studio.core.doctor.runs import run_edge_cases
from postback_studio.core.model import Event
from postback_studio.core.records import SamplePayload
from postback_studio.core.render import RenderEngine
from postback_studio.services.session import Session
from postback_studio.ui.templates_page import TemplatesPage
from postback_studio.workers.jobs import JobRunner


def wait_for(signal: object, timeout_s: float = 600) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()


ROUNDS = 3


def busy_heartbeat(seconds: float) -> float:
    """The longest stall of the heartbeat while two processes spin (the render workers' load)."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        heartbeat = Heartbeat()
        heartbeat.start()
        run_loop_for(seconds)
        heartbeat.stop()
        return heartbeat.longest_stall_ms()
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    parser = common_arguments(__doc__ or "")
    parser.add_argument(
        "--no-freeze", action="store_true", help="skip gc.freeze() after start-up, to see its effect"
    )
    args = parser.parse_args(argv)
    items = 50 if args.quick else 200
    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="ps-doctor-gui-bench-"))
    workspace = Session.open(folder / "ws.sqlite")
    engine = RenderEngine()
    engine.warm_up()
    workspace.samples.save(
        SamplePayload(f"{items} items", Event.SHIPPED, json.dumps(make_payload(items, 1), indent=2))
    )
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    jobs = JobRunner(QThreadPool())
    page = TemplatesPage.for_session(workspace, engine=engine, jobs=jobs, settings=settings)
    page.resize(1280, 800)
    page.show()
    shipped = workspace.templates.get_by_name("order-shipped")
    assert shipped is not None and shipped.id is not None
    page.open_template(shipped.id)
    run_loop_for(1.0)
    checker = page.edge_cases
    request = page.requests.edge_cases()
    assert request is not None
    if not args.no_freeze:
        gc.collect()
        gc.freeze()

    heartbeat = Heartbeat()
    heartbeat.start()
    run_loop_for(IDLE_SECONDS)
    heartbeat.stop()
    idle_stall = heartbeat.longest_stall_ms()

    collections = FullCollections()
    heartbeat.start()
    collections.start()
    started = time.perf_counter()
    checker.run()
    wait_for(checker.check_finished)
    watched = time.perf_counter() - started
    collections.stop()
    heartbeat.stop()
    stall, p99 = heartbeat.longest_stall_ms(), heartbeat.p99_ms()
    report_ = checker.report
    assert report_ is not None and report_.passed, "the corrected template gets no finding"

    busy_stall = busy_heartbeat(watched)

    plain_times: list[float] = []
    watched_times: list[float] = []
    for _ in range(ROUNDS):
        for progress, times in ((None, plain_times), (lambda _progress: None, watched_times)):
            started = time.perf_counter()
            result = run_edge_cases(engine, request, progress=progress)
            times.append(time.perf_counter() - started)
            assert result.variant_count == report_.variant_count
    ratio = statistics.median(w / p for p, w in zip(plain_times, watched_times, strict=True))
    unwatched, chunked = statistics.median(plain_times), statistics.median(watched_times)

    half = report_.variant_count // 2
    cancel_at: list[float] = []

    def on_progress(progress: object) -> None:
        if not cancel_at and getattr(progress, "done", 0) >= half:
            cancel_at.append(time.perf_counter())
            checker.results.cancel_requested.emit()

    jobs.job_reported.connect(lambda _job, progress: on_progress(progress))
    checker.run()
    wait_for(jobs.job_failed)
    cancel_ms = (time.perf_counter() - cancel_at[0]) * 1000 if cancel_at else float("nan")

    samples = len(report_.payloads)
    print("Check Edge Cases in the Templates page")
    print(f"  {report_.variant_count:,} variants of {samples} samples (one of {items} items)")
    print(f"  heartbeat idle: longest stall {idle_stall:6.1f} ms")
    print(f"  heartbeat beside two spinning processes: longest stall {busy_stall:6.1f} ms")
    print(f"  while checking ({watched:.2f} s): longest stall {stall:6.1f} ms, p99 {p99:5.1f} ms")
    print(f"    {heartbeat.worst_split()}")
    print(f"    full garbage collections while checking: {collections.line(frozen=not args.no_freeze)}")
    print(f"  check with progress and Cancel: {chunked:6.2f} s; in one batch: {unwatched:6.2f} s")
    print(f"  ratio (median of {ROUNDS} paired rounds): {ratio:.2f}x")
    print(f"  Cancel half way to the job's end: {cancel_ms:6.0f} ms")
    page.close()
    jobs.shutdown()
    engine.close()
    workspace.close()
    del app
    size = f"{report_.variant_count:,} variants, a {items}-item sample among {samples}"
    figures = [
        figure(
            f"doctor GUI: longest GUI stall while Check Edge Cases runs ({size})",
            stall,
            "ms",
            baseline=busy_stall,
            baseline_name=f"same heartbeat beside two spinning processes (idle: {idle_stall:.1f} ms)",
            target="<= 2",
        ),
        figure(
            f"doctor GUI: Check Edge Cases with progress and Cancel, in chunks ({size})",
            chunked * 1000,
            "ms",
            baseline=unwatched * 1000,
            baseline_name="the same check in one batch, as the command line runs it",
            target="<= 1.15",
            ratio=ratio,
        ),
        figure(
            f"doctor GUI: Cancel half way to the end of the job ({size})",
            cancel_ms,
            "ms",
            baseline=watched * 1000,
            baseline_name="the whole check",
            target=None,
        ),
    ]
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
