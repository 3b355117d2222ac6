"""Typing in the Template Mapper: GUI event-loop stalls, and keystroke to preview after the pause.

A Templates page on a fresh workspace file, with a user sample of 200 items (the multi-item shipped
sample grown as in ``benchmarks/render.py``), and the real render engine. A 50-line JSON template
is typed character by character with ``QTest.keyClick`` from a timer, so the event loop runs between
keys as it does for a person; after every line the typist pauses (longer than the page's typing
pause) so renders, their results and autocomplete happen while typing goes on. Then single
keystrokes are made inside a string of the items loop (a space typed there, each time one more, so
every keystroke makes a template text not seen before), each followed by a pause: every item's
output changes, so the whole preview (4,000 lines) is rendered, lexed and shown again.

Figures:

* longest stall: the largest gap between ticks of a 5 ms ``QTimer`` heartbeat, minus 5 ms, while
  typing; the same heartbeat with the page idle is the baseline measured in the same run.
  Target: no stall over 50 ms.
* keystroke to preview, excluding the typing pause: from the moment the typing pause ends (the
  page's debounce timer fires and the render starts) until the preview showing the render of that
  keystroke's text has been painted: the render, the lexing of the output, the display and the
  paint. Median of the keystrokes in the items loop. Target: 25 ms. The typing pause itself
  (keystroke to the timer firing: the page's debounce plus the timer's slack) is published beside
  it, separately. The printout splits the time into its stages (waiting for a pool thread, the
  engine's render, lexing and the hand-over to the GUI thread, the display, the paint).
* the same for the last keystroke of the typed template, for information.
* full garbage collections: how many ran while typing and the longest. After start-up the
  benchmark calls ``gc.freeze()``, as the application should once its window is built: without
  it every full collection walks the ~100,000 objects of the loaded libraries and takes ~50 ms,
  which is the longest stall of the GUI thread (run with ``--no-freeze`` to see it).

The stall and latency targets are absolute (``target_on="value"`` in ``_figures.py``).

Run: ``QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/ui.py [--quick] [--json FILE]
[--no-freeze]`` (see ``_figures.py``; ``--quick`` types a 14-line template and makes 3 keystrokes
instead of 50 lines and 9).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).parent))
from _figures import Figure, common_arguments, figure, report, run_script
from render import make_payload

from postback_studio.core import template_library
from postback_studio.core.model import Event
from postback_studio.core.records import SamplePayload
from postback_studio.core.render import RenderEngine
from postback_studio.core.template_library import user_sample_key
from postback_studio.services.session import Session
from postback_studio.ui.templates_page import TemplatesPage
from postback_studio.workers.jobs import JobRunner

HEARTBEAT_MS = 5
KEY_INTERVAL_MS = 8
LINE_PAUSE_MS = 400
IDLE_SECONDS = 2.0

#: 50 lines, no leading indentation (the editor indents after a newline by itself).
TEMPLATE_LINES = [
    "{",
    '"event": "{{ event }}",',
    '"orderId": "{{ orderId }}",',
    '"orderReferenceId": "{{ orderReferenceId }}",',
    '"storeId": "{{ storeId }}",',
    '"created": "{{ created }}",',
    '"status": "{{ fulfillmentStatus }}",',
    '"customer": {',
    '"email": "{{ customer.email }}",',
    '"name": "{{ customer.firstName }} {{ customer.lastName }}"',
    "},",
    '"address": {',
    '"line1": "{{ shippingAddress.addressLine1 }}",',
    '"city": "{{ shippingAddress.city }}",',
    '"postCode": "{{ shippingAddress.postCode }}",',
    '"country": "{{ shippingAddress.country }}"',
    "},",
    '"items": [',
    "{% for item in items %}",
    "{",
    '"itemReferenceId": "{{ item.itemReferenceId }}",',
    '"status": "{{ item.fulfillmentStatus }}",',
    '"shipments": [',
    "{% for fulfillment in item.fulfillments %}",
    "{",
    '"trackingCode": "{{ fulfillment.trackingCode }}",',
    '"trackingUrl": "{{ fulfillment.trackingUrl }}",',
    '"carrier": "{{ fulfillment.carrierName }}",',
    '"method": "{{ fulfillment.shipmentMethodName }}"',
    "}{% if not loop.last %},{% endif %}",
    "{% endfor %}",
    "],",
    '"quantity": {{ item.quantity | default(1) }},',
    '"sku": "{{ item.sku }}"',
    "}{% if not loop.last %},{% endif %}",
    "{% endfor %}",
    "],",
    '"count": {{ items | length }},',
    '"first": "{{ items[0].itemReferenceId }}",',
    '"last": "{{ items[-1].itemReferenceId }}",',
    '"note": "{{ comment | default("") }}",',
    '"source": "postback-studio",',
    '"version": 1,',
    '"flags": {',
    '"multi": {{ "true" if items | length > 1 else "false" }},',
    '"test": false',
    "},",
    '"id": "{{ id }}",',
    '"type": "{{ eventType }}"',
    "}",
]

#: ``--quick``: the template's first lines and a short items loop, closed so the preview is valid JSON.
QUICK_LINES = [
    *TEMPLATE_LINES[:7],
    '"items": [',
    "{% for item in items %}",
    '{"sku": "{{ item.sku }}"}{% if not loop.last %},{% endif %}',
    "{% endfor %}",
    "],",
    '"count": {{ items | length }}',
    "}",
]
#: Where the edits after typing go: inside a string of the items loop, so every item's output changes.
EDIT_ANCHOR = '"sku": "'
EDITS = 9
QUICK_EDITS = 3
EDIT_PAUSE_MS = 300


def run_queue_seconds() -> float | None:
    """How long this thread has waited for a CPU while runnable (Linux schedstat); None elsewhere."""
    try:
        text = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat").read_text()
        return int(text.split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


class Heartbeat:
    """A fast timer whose tick gaps show how long the event loop was busy elsewhere.

    For the longest gap it also keeps how much of it the GUI thread spent on the CPU
    (``time.thread_time``) and waiting for one (``run_queue_seconds``): a gap mostly in the run
    queue is the machine's load; one neither on the CPU nor in the run queue is a wait (for the
    GIL, a lock); only the CPU part is work done on the GUI thread. ``busiest_cpu_ms`` is the most
    CPU the GUI thread spent within any one gap: the longest stall its own work would cause on an
    idle machine.
    """

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.worst_cpu_ms = 0.0
        self.worst_queue_ms: float | None = None
        self.busiest_cpu_ms = 0.0
        self._last = 0.0
        self._last_cpu = 0.0
        self._last_queue: float | None = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self.worst_cpu_ms, self.worst_queue_ms, self.busiest_cpu_ms = 0.0, None, 0.0
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._last_queue = run_queue_seconds()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now, cpu, queue = time.perf_counter(), time.thread_time(), run_queue_seconds()
        gap = now - self._last
        self.busiest_cpu_ms = max(self.busiest_cpu_ms, (cpu - self._last_cpu) * 1000)
        if not self.gaps or gap > max(self.gaps):
            self.worst_cpu_ms = (cpu - self._last_cpu) * 1000
            waited = None if queue is None or self._last_queue is None else queue - self._last_queue
            self.worst_queue_ms = None if waited is None else waited * 1000
        self.gaps.append(gap)
        self._last, self._last_cpu, self._last_queue = now, cpu, queue

    def worst_split(self) -> str:
        """The longest gap's time on the CPU and in the run queue, for the printout."""
        queue = "n/a" if self.worst_queue_ms is None else f"{self.worst_queue_ms:.1f} ms"
        return (
            f"of it on the CPU {self.worst_cpu_ms:.1f} ms, waiting for a CPU {queue}; "
            f"most CPU in one gap {self.busiest_cpu_ms:.1f} ms"
        )

    def longest_stall_ms(self) -> float:
        return max(0.0, (max(self.gaps) * 1000 - HEARTBEAT_MS)) if self.gaps else 0.0

    def p99_ms(self) -> float:
        if len(self.gaps) < 2:
            return 0.0
        return max(0.0, statistics.quantiles(self.gaps, n=100)[98] * 1000 - HEARTBEAT_MS)


class FullCollections:
    """The durations of the full (generation 2) garbage collections, in any thread, from
    :meth:`start` to :meth:`stop`."""

    def __init__(self) -> None:
        self.durations_ms: list[float] = []
        self._started: list[float] = []

    def start(self) -> None:
        self.durations_ms.clear()
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started.append(time.perf_counter())
        elif self._started:
            self.durations_ms.append((time.perf_counter() - self._started.pop()) * 1000)

    def line(self, *, frozen: bool) -> str:
        """How many ran and the longest, for the printout."""
        longest = max(self.durations_ms, default=0.0)
        return (f"{len(self.durations_ms)}, longest {longest:.1f} ms "
                f"(gc.freeze() after start-up: {'yes' if frozen else 'no'})")


def run_loop_for(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class TimedEngine:
    """The real engine, noting when each ``render_template`` call (the preview's render) ran."""

    def __init__(self, engine: RenderEngine) -> None:
        self._engine = engine
        self.renders: list[tuple[float, float]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def render_template(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._engine.render_template(*args, **kwargs)
        finally:
            self.renders.append((started, time.perf_counter()))


class PreviewClock:
    """When the page's stages happened for one keystroke: the pause ended, the engine rendered, the
    output was lexed, the result reached the view, the preview was updated."""

    def __init__(self, page: TemplatesPage, engine: TimedEngine) -> None:
        self.page = page
        self.engine = engine
        self.started: list[float] = []
        self.shown: list[float] = []
        self.lexed: list[tuple[float, float]] = []
        line_spans = template_library.line_spans

        def timed_line_spans(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return line_spans(*args, **kwargs)
            finally:
                self.lexed.append((started, time.perf_counter()))

        template_library.line_spans = timed_line_spans  # type: ignore[assignment]
        page.render_worker.render_started.connect(lambda _sequence: self.started.append(time.perf_counter()))
        view = page.view
        show_result = view.show_result

        def timed_show_result(*args: Any, **kwargs: Any) -> None:
            self.shown.append(time.perf_counter())
            show_result(*args, **kwargs)

        view.show_result = timed_show_result  # type: ignore[method-assign]

        self.painted: list[float] = []
        self._paint_watch = PaintWatch(page.view.output_view.viewport(), self.painted)

    def wait_for_paint(self, preview_at: float) -> float:
        """When the preview was next painted after ``preview_at`` (``preview_at`` itself if nothing
        on screen changed, so no paint came within 200 ms)."""
        deadline = time.perf_counter() + 0.2
        while time.perf_counter() < deadline and not any(t > preview_at for t in self.painted):
            run_loop_for(0.002)
        return min((t for t in self.painted if t > preview_at), default=preview_at)

    def stages(self, key_at: float, preview_at: float, painted_at: float) -> dict[str, float]:
        """Milliseconds of each stage of the last render before ``preview_at``."""
        started = max(t for t in self.started if t <= preview_at)
        render_start, render_end = max(r for r in self.engine.renders if r[0] <= preview_at)
        lex_start, lex_end = max(r for r in self.lexed if r[0] <= preview_at)
        shown = max(t for t in self.shown if t <= preview_at)
        return {
            "pause": (started - key_at) * 1000,
            "after pause": (painted_at - started) * 1000,
            "pool": (render_start - started) * 1000,
            "render": (render_end - render_start) * 1000,
            "lex": (lex_end - lex_start) * 1000,
            "hand-over": (shown - lex_end) * 1000,
            "display": (preview_at - shown) * 1000,
            "paint": (painted_at - preview_at) * 1000,
        }


class PaintWatch(QObject):
    """Notes when the preview's viewport has been painted (just after each paint event)."""

    def __init__(self, viewport: QObject, painted: list[float]) -> None:
        super().__init__()
        self._painted = painted
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, lambda: self._painted.append(time.perf_counter()))
        return False


def stage_line(stages: list[dict[str, float]]) -> str:
    """Median of each stage, in milliseconds."""
    return ", ".join(f"{name} {statistics.median(s[name] for s in stages):.1f}" for name in stages[0])


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    parser = common_arguments(__doc__ or "")
    parser.add_argument(
        "--no-freeze", action="store_true", help="skip gc.freeze() after start-up, to see its effect"
    )
    args = parser.parse_args(argv)
    lines = QUICK_LINES if args.quick else TEMPLATE_LINES
    edits = QUICK_EDITS if args.quick else EDITS
    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="ps-ui-bench-"))
    workspace = Session.open(folder / "ws.sqlite")
    real_engine = RenderEngine()
    real_engine.warm_up()
    engine = TimedEngine(real_engine)
    payload = make_payload(200, 1)
    sample = workspace.samples.save(SamplePayload("200 items", Event.SHIPPED, json.dumps(payload, indent=2)))
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    jobs = JobRunner(QThreadPool())
    page = TemplatesPage.for_session(
        workspace, engine=engine, jobs=jobs, settings=settings  # type: ignore[arg-type]
    )
    page.resize(1280, 800)
    page.show()
    clock = PreviewClock(page, engine)
    assert sample.id is not None
    page.select_sample(user_sample_key(sample.id))
    editor = page.view.editor
    editor.setFocus()
    editor.selectAll()
    editor.textCursor().removeSelectedText()
    run_loop_for(1.0)
    freeze = not args.no_freeze
    if freeze:
        gc.collect()
        gc.freeze()
    collections = FullCollections()
    collections.start()

    heartbeat = Heartbeat()
    heartbeat.start()
    run_loop_for(IDLE_SECONDS)
    heartbeat.stop()
    idle_stall, idle_p99 = heartbeat.longest_stall_ms(), heartbeat.p99_ms()
    idle_split = heartbeat.worst_split()

    keys: list[str] = []
    for line in lines:
        keys.extend(line)
        keys.append("\n")
    keys.pop()
    renders = 0

    def count_render() -> None:
        nonlocal renders
        renders += 1

    page.preview_updated.connect(count_render)
    loop = QEventLoop()
    last_key_at = 0.0
    preview_at = 0.0

    def type_next() -> None:
        nonlocal last_key_at
        if not keys:
            return
        key = keys.pop(0)
        if key == "\n":
            QTest.keyClick(editor, Qt.Key.Key_Escape)
            QTest.keyClick(editor, Qt.Key.Key_Return)
            delay = LINE_PAUSE_MS
        else:
            QTest.keyClicks(editor, key)
            delay = KEY_INTERVAL_MS
        last_key_at = time.perf_counter()
        if keys:
            QTimer.singleShot(delay, type_next)
        else:
            QTest.keyClick(editor, Qt.Key.Key_Escape)

    def on_preview() -> None:
        nonlocal preview_at
        render = page.last_render()
        if (
            not keys
            and render is not None
            and render.request.template.body == editor.toPlainText()
        ):
            preview_at = time.perf_counter()
            loop.quit()

    page.preview_updated.connect(on_preview)
    collections.durations_ms.clear()
    heartbeat.start()
    started = time.perf_counter()
    QTimer.singleShot(0, type_next)
    loop.exec()
    heartbeat.stop()
    typing_seconds = time.perf_counter() - started
    typing_stall, typing_p99 = heartbeat.longest_stall_ms(), heartbeat.p99_ms()
    typing_split = heartbeat.worst_split()
    last_key_stages = clock.stages(last_key_at, preview_at, clock.wait_for_paint(preview_at))
    output_lines = page.view.output_view.toPlainText().count("\n") + 1
    status = page.view.status_label.text()

    edit_stages: list[dict[str, float]] = []
    for _ in range(edits):
        run_loop_for(EDIT_PAUSE_MS / 1000)
        cursor = editor.textCursor()
        cursor.setPosition(editor.toPlainText().index(EDIT_ANCHOR) + len(EDIT_ANCHOR))
        editor.setTextCursor(cursor)
        QTest.keyClick(editor, Qt.Key.Key_Space)
        last_key_at = time.perf_counter()
        loop.exec()
        edit_stages.append(clock.stages(last_key_at, preview_at, clock.wait_for_paint(preview_at)))
    edit_lines = page.view.output_view.toPlainText().count("\n") + 1

    debounce_ms = float(page.render_worker.debounce_ms)
    after_pause = statistics.median(s["after pause"] for s in edit_stages)
    pause = statistics.median(s["pause"] for s in edit_stages)
    print("Template Mapper typing benchmark")
    print(f"  template: {len(lines)} lines typed key by key in {typing_seconds:.1f} s; "
          f"payload: 200 items; {renders} previews shown while typing")
    print(f"  final preview: {output_lines} output lines, status: {status}")
    print(f"  typing pause (debounce): {debounce_ms:.0f} ms")
    print(f"  idle baseline:  longest stall {idle_stall:6.1f} ms, p99 {idle_p99:5.1f} ms ({idle_split})")
    print(f"  while typing:   longest stall {typing_stall:6.1f} ms, p99 {typing_p99:5.1f} ms   "
          f"(target <= 50 ms) {'OK' if typing_stall <= 50 else 'MISSED'} ({typing_split})")
    print(f"  full garbage collections while typing: {collections.line(frozen=freeze)}")
    latency_ms = last_key_stages["pause"] + last_key_stages["after pause"]
    print(f"  last keystroke of the template -> preview painted: {latency_ms:6.1f} ms in all; "
          f"stages (ms): {stage_line([last_key_stages])}")
    print(f"  {edits} keystrokes in the items loop ({edit_lines} output lines each), medians (ms): "
          f"{stage_line(edit_stages)}")
    print(f"  keystroke -> preview after the typing pause: {after_pause:6.1f} ms   "
          f"(target <= 25 ms) {'OK' if after_pause <= 25 else 'MISSED'}; "
          f"worst {max(s['after pause'] for s in edit_stages):.1f} ms")
    collections.stop()
    page.close()
    real_engine.close()
    workspace.close()
    del app
    size = f"{len(lines)} lines typed, 200-item payload"
    pause_name = "the typing pause (keystroke to the debounce timer firing), not included"
    figures = [
        figure(
            f"ui: Template Mapper typing, longest GUI stall ({size})",
            typing_stall,
            "ms",
            baseline=idle_stall,
            baseline_name=f"idle event loop, {IDLE_SECONDS:.0f} s, same heartbeat",
            target="<= 50",
            target_on="value",
        ),
        figure(
            f"ui: keystroke to preview, excluding the typing pause, keystroke in the items loop "
            f"({edit_lines:,} output lines, 200-item payload, median of {edits})",
            after_pause,
            "ms",
            baseline=pause,
            baseline_name=pause_name,
            target="<= 25",
            target_on="value",
        ),
        figure(
            f"ui: keystroke to preview, excluding the typing pause, last keystroke of the typed "
            f"template ({size})",
            last_key_stages["after pause"],
            "ms",
            baseline=last_key_stages["pause"],
            baseline_name=pause_name,
            target=None,
        ),
        figure(
            f"ui: the typing pause before the preview renders (median of {edits} keystrokes)",
            pause,
            "ms",
            baseline=debounce_ms,
            baseline_name="the page's debounce interval",
            target=None,
        ),
    ]
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
