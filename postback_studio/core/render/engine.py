"""The render engine: a template and a payload in, exactly what production would send out.

Compiling and rendering happen in a warm worker process (:mod:`.worker`), because a runaway template
cannot be interrupted from inside Python; the engine kills a worker that overruns the time limit and
starts a fresh one when it is next needed. While the worker renders, this process parses the same
template (parsing runs nothing) to find the payload fields it reads and resolves them against the
payload; afterwards it validates the output for its format. One JSON round trip per render, which
names rather than sends what the worker holds already: the template of an earlier render, and the
payload of an earlier single render (the preview re-renders one payload after every keystroke).

A batch render (:meth:`RenderEngine.render_batch`, the edge-case check's hundreds of variants) sends
one template and many payloads in one request; the worker answers payload by payload, so the time
limit still applies to each, and a runaway payload is stopped and reported while the rest goes on in
a fresh worker. A long batch is split over the pool's workers, side by side.

The engine is thread-safe: each render borrows an idle worker from a small pool, so the GUI's thread
pool and the dispatcher's threads can render at the same time.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from jinja2 import Environment

from postback_studio.core.errors import StudioError
from postback_studio.core.model import LookupSet, OutputFormat, Template, TemplateKind
from postback_studio.core.render.fields import (
    TemplateAnalysis,
    analyze_template,
    resolve_fields,
    template_lines,
    unresolved_diagnostics,
)
from postback_studio.core.render.result import (
    Diagnostic,
    FieldUse,
    Location,
    LookupUse,
    RenderResult,
    Severity,
    Where,
)
from postback_studio.core.render.validate import Schema, SchemaFileError, load_schema, validate_output
from postback_studio.core.render.wire import PIPE_BUFFER, decode, encode, line_of
from postback_studio.core.textfiles import read_text_file
from postback_studio.core.validation import mail_header_problem

#: Seconds a new worker may take to start (imports), outside the render's time limit.
STARTUP_TIMEOUT = 60.0
#: Payloads sent to the worker in one request by a batch render, at most, and their size in bytes
#: (at least one payload goes, whatever its size).
BATCH_SIZE = 256
BATCH_BYTES = 2_000_000
#: Payloads per worker a batch needs before it is rendered by several workers side by side.
PARALLEL_MINIMUM = 32
#: Renders of one batch that may run past the time limit before the rest of the batch is skipped.
MAX_RUNAWAYS = 3
_ANALYSIS_CACHE = 256
#: What a worker holds for re-renders (payloads and template sources, see :mod:`.worker`): at most
#: this many bytes of their JSON, and no single payload over a quarter of it. A few megabytes of a
#: worker's memory ceiling; the rest stays the template's.
HOLD_BYTES = 8_000_000
HOLD_ITEMS = 256
#: Lookup misses listed one by one (each is located on the template's line); the rest are counted.
MAX_LOOKUP_MISS_WARNINGS = 100
_EOF = b""


class WorkerStartError(StudioError, RuntimeError):
    """The worker process could not be started (a broken installation, no resources left)."""


@dataclass(frozen=True)
class TemplateRendering:
    """A whole template rendered: ``body`` for a webhook; ``subject``, ``html``, ``text`` for an email.

    ``notes`` are diagnostics about the template as a whole (an email without a text part).
    """

    parts: dict[str, RenderResult]
    notes: tuple[Diagnostic, ...] = ()

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The notes, then every part's diagnostics in part order."""
        return self.notes + tuple(d for result in self.parts.values() for d in result.diagnostics)

    @property
    def rendered(self) -> bool:
        """Every part rendered without a template error."""
        return all(result.rendered for result in self.parts.values())

    @property
    def valid(self) -> bool:
        """Every part rendered and is valid for its format (and no note is an error)."""
        return all(result.valid for result in self.parts.values()) and not any(
            d.severity is Severity.ERROR for d in self.notes
        )


@dataclass(frozen=True)
class _Part:
    name: str
    source: str
    fmt: OutputFormat
    key: str = field(default="")


@dataclass
class _Batch:
    """The state of one batch render: what to render, the results so far, and where to go on."""

    parts: list[_Part]
    payloads: Sequence[Any]
    lookups: LookupSet | None
    strict: bool
    schema: Schema | None
    trace: bool
    rows: list[dict[str, RenderResult] | None] = field(default_factory=list)
    next: int = 0
    runaways: int = 0

    def __post_init__(self) -> None:
        self.rows = [None] * len(self.payloads)

    def fail(self, engine: RenderEngine, index: int, failure: Diagnostic | None) -> None:
        """Payload ``index`` did not render: its result carries ``failure``."""
        payload = self.payloads[index]
        self.rows[index] = {
            p.name: engine._failed(p, engine.analyze(p.source), failure, payload, self.strict)
            for p in self.parts
        }
        self.next = index + 1

    def fail_rest(self, engine: RenderEngine, failure: Diagnostic) -> None:
        """Every payload not rendered yet fails with ``failure``."""
        for index in range(self.next, len(self.payloads)):
            self.fail(engine, index, failure)


class _Held:
    """What one worker holds (payloads and sources, by key), as the parent asked it to.

    The parent decides and the worker follows (``hold``, ``forget`` and sources sent in a request),
    so this mirror is exact: a key found here is held by the worker. Least recently used entries go
    first once the worker holds more than :data:`HOLD_BYTES` or :data:`HOLD_ITEMS`.
    """

    def __init__(self) -> None:
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._bytes = 0

    def has(self, key: str) -> bool:
        """True when the worker holds ``key`` (which then counts as just used)."""
        if key in self._sizes:
            self._sizes.move_to_end(key)
            return True
        return False

    def add(self, key: str, size: int) -> None:
        """The worker holds ``key`` from this request on."""
        self._sizes[key] = size
        self._bytes += size

    def evict(self, keep: set[str]) -> list[str]:
        """Drop the oldest entries beyond the bounds, except ``keep``; the keys the worker must forget."""
        forgotten: list[str] = []
        for key in list(self._sizes):
            if self._bytes <= HOLD_BYTES and len(self._sizes) <= HOLD_ITEMS:
                break
            if key not in keep:
                self._bytes -= self._sizes.pop(key)
                forgotten.append(key)
        return forgotten


class _WorkerProcess:
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
        self.held = _Held()
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
        self.replies.put(_EOF)

    def wait_ready(self) -> None:
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
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._release_streams()

    def close(self) -> None:
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


class RenderEngine:
    """Renders templates in a sandboxed worker process under a time and an output-size limit.

    Args:
        time_limit: seconds a render may run before its worker is killed (``time-limit`` error).
        size_limit: characters a part's output may have (``size-limit`` error).
        max_workers: worker processes kept warm; renders beyond that wait for a free one.

    Use as a context manager, or call :meth:`close`, so the worker processes end with the engine.
    """

    def __init__(self, time_limit: float = 2.0, size_limit: int = 5_000_000, *, max_workers: int = 2) -> None:
        self.time_limit = time_limit
        self.size_limit = size_limit
        self._max_workers = max(1, max_workers)
        self._idle: list[_WorkerProcess] = []
        self._count = 0
        self._closed = False
        self._pool_lock = threading.Condition()
        self._analysis_lock = threading.Lock()
        self._analyses: OrderedDict[str, TemplateAnalysis] = OrderedDict()
        self._schemas: dict[tuple[str, OutputFormat], Schema] = {}
        self._parse_environment = Environment()

    def __enter__(self) -> RenderEngine:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the worker processes; renders already running finish or fail first."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._pool_lock.notify_all()
        for worker in idle:
            worker.close()

    def warm_up(self) -> None:
        """Start one worker now, so the first render does not pay for the start-up."""
        self._release(self._acquire())

    # -- public rendering API -------------------------------------------------------------------

    def render(
        self,
        source: str,
        payload: Any,
        *,
        fmt: OutputFormat,
        lookups: LookupSet | None = None,
        strict: bool = False,
        schema: str | Path | None = None,
        part: str = "body",
    ) -> RenderResult:
        """Render one template text against a payload and validate the output as ``fmt``.

        Args:
            source: the template text.
            payload: the event payload (parsed JSON); its top-level keys are the template's variables.
            fmt: the output format to validate as.
            lookups: tables ``lookups()`` can see, by template field.
            strict: unresolved fields are errors instead of warnings.
            schema: a JSON Schema (JSON) or XSD (XML): a ``Path`` is read from disk, a ``str`` is the
                schema's text.
            part: the part name locations carry (``body``, ``subject``, ``html``, ``text``).

        Raises:
            SchemaFileError: the schema cannot be read or is not a valid schema.
        """
        return self.render_batch(
            source, [payload], fmt=fmt, lookups=lookups, strict=strict, schema=schema, part=part
        )[0]

    def render_batch(
        self,
        source: str,
        payloads: Sequence[Any],
        *,
        fmt: OutputFormat,
        lookups: LookupSet | None = None,
        strict: bool = False,
        schema: str | Path | None = None,
        part: str = "body",
        trace: bool = False,
    ) -> list[RenderResult]:
        """Render one template text against many payloads, in one request to the worker per batch.

        Each payload gets exactly what :meth:`render` would give it; the time limit applies to each
        payload on its own, so a runaway payload is stopped and reported while the others render.
        ``trace`` fills each result's ``line_map`` (which template line wrote which output text).

        Raises:
            SchemaFileError: the schema cannot be read or is not a valid schema.
        """
        compiled_schema = self._schema(schema, fmt)
        rows = self._render_batch(
            [_Part(part, source, fmt)],
            payloads,
            lookups=lookups,
            strict=strict,
            schema=compiled_schema,
            trace=trace,
        )
        return [row[part] for row in rows]

    def render_template(
        self, template: Template, payload: Any, *, lookups: LookupSet | None = None, strict: bool = False
    ) -> TemplateRendering:
        """Render every part of a stored template in one round trip to the worker."""
        return self.render_template_batch(template, [payload], lookups=lookups, strict=strict)[0]

    def render_template_batch(
        self,
        template: Template,
        payloads: Sequence[Any],
        *,
        lookups: LookupSet | None = None,
        strict: bool = False,
        schema: str | Path | None = None,
        trace: bool = False,
    ) -> list[TemplateRendering]:
        """Render every part of a stored template against many payloads (see :meth:`render_batch`).

        ``schema`` (a webhook's JSON Schema or XSD) validates the body as :meth:`render` does.

        Raises:
            SchemaFileError: the schema cannot be read, is not a valid schema, or the template is an
                email (schemas apply to webhook bodies).
        """
        compiled_schema = None
        if schema is not None:
            if template.kind is TemplateKind.EMAIL:
                raise SchemaFileError("schemas apply to JSON or XML webhook templates, not email templates")
            compiled_schema = self._schema(schema, template.format)
        if template.kind is TemplateKind.EMAIL:
            parts = [_Part("subject", template.subject, OutputFormat.TEXT)]
            if template.body.strip():
                parts.append(_Part("html", template.body, OutputFormat.HTML))
            if template.text_body.strip():
                parts.append(_Part("text", template.text_body, OutputFormat.TEXT))
        else:
            parts = [_Part("body", template.body, template.format)]
        rows = self._render_batch(
            parts, payloads, lookups=lookups, strict=strict, schema=compiled_schema, trace=trace
        )
        return [_template_rendering(template, results) for results in rows]

    def analyze(self, source: str) -> TemplateAnalysis:
        """The parse-only analysis of a template (fields, aliases, refusals), cached by source."""
        key = _source_key(source)
        with self._analysis_lock:
            cached = self._analyses.get(key)
            if cached is not None:
                self._analyses.move_to_end(key)
                return cached
        analysis = analyze_template(source, self._parse_environment)
        with self._analysis_lock:
            self._analyses[key] = analysis
            if len(self._analyses) > _ANALYSIS_CACHE:
                self._analyses.popitem(last=False)
        return analysis

    # -- internals ------------------------------------------------------------------------------

    def _schema(self, schema: str | Path | None, fmt: OutputFormat) -> Schema | None:
        if schema is None:
            return None
        if isinstance(schema, Path):
            text, name = read_text_file(schema, SchemaFileError), str(schema)
        else:
            text, name = schema, "<schema>"
        key = (_source_key(text), fmt)
        with self._analysis_lock:
            cached = self._schemas.get(key)
        if cached is None:
            cached = load_schema(text, fmt, name)
            with self._analysis_lock:
                self._schemas[key] = cached
        return cached

    def _render_batch(
        self,
        parts: Sequence[_Part],
        payloads: Sequence[Any],
        *,
        lookups: LookupSet | None,
        strict: bool,
        schema: Schema | None,
        trace: bool,
    ) -> list[dict[str, RenderResult]]:
        keyed = [_Part(p.name, p.source, p.fmt, _source_key(p.source)) for p in parts]
        # A long batch is cut in one slice per worker, rendered side by side: the worker's render is
        # what a batch waits for. Slices are rendered in requests of a bounded size, so a render
        # from elsewhere (the preview) gets a worker between two requests.
        lanes = min(self._max_workers, len(payloads) // PARALLEL_MINIMUM) or 1
        bounds = [len(payloads) * lane // lanes for lane in range(lanes + 1)]
        batches = [
            _Batch(keyed, payloads[start:end], lookups, strict, schema, trace)
            for start, end in itertools.pairwise(bounds)
        ]

        def run(batch: _Batch) -> None:
            while batch.next < len(batch.payloads):
                self._render_requests(batch)

        if len(batches) == 1:
            run(batches[0])
        else:
            threads = [
                threading.Thread(target=run, args=(batch,), name="render-batch", daemon=True)
                for batch in batches[1:]
            ]
            for thread in threads:
                thread.start()
            run(batches[0])
            for thread in threads:
                thread.join()
        rows = [row for batch in batches for row in batch.rows if row is not None]
        assert len(rows) == len(payloads), "every payload of a batch gets a result"
        return rows

    def _render_requests(self, batch: _Batch) -> None:
        """Render from ``batch.next`` on in one worker, until the batch is done or the worker is lost.

        A worker that overruns the time limit or runs out of memory is killed; the payload it was
        rendering is reported, and the caller carries on with the next payload in a fresh worker.
        """
        first = batch.next
        if batch.runaways >= MAX_RUNAWAYS:
            skipped = Diagnostic(
                Severity.ERROR,
                "skipped",
                f"not rendered: {batch.runaways} renders of this batch ran past the time limit, "
                "so the rest were skipped",
            )
            batch.fail_rest(self, skipped)
            return
        try:
            worker = self._acquire()
        except (WorkerStartError, OSError) as exc:
            batch.fail_rest(self, Diagnostic(Severity.ERROR, "runtime", f"cannot render: {exc}"))
            return
        chunk, request = self._request(batch, first, worker.held)
        try:
            started = time.perf_counter()
            if not worker.send(request):
                batch.fail_rest(
                    self, _worker_failure(worker, "the render worker stopped before the render started")
                )
                return
            analyses = {p.name: self.analyze(p.source) for p in batch.parts}
            for offset, payload in enumerate(chunk):
                field_started = time.perf_counter()
                uses = {name: resolve_fields(a.fields, payload) for name, a in analyses.items()}
                field_time = time.perf_counter() - field_started
                failure, reply = self._receive(worker, started)
                roundtrip = time.perf_counter() - started
                started = time.perf_counter()
                index = first + offset
                if failure is not None or reply is None:
                    batch.fail(self, index, failure)
                    if failure is not None and failure.code == "time-limit":
                        batch.runaways += 1
                    return
                batch.rows[index] = {
                    part.name: self._result(
                        part,
                        answer=answer,
                        analysis=analyses[part.name],
                        uses=uses[part.name],
                        strict=batch.strict,
                        schema=batch.schema,
                        timings={"fields": field_time, "roundtrip": roundtrip},
                    )
                    for part, answer in zip(batch.parts, reply["parts"], strict=True)
                }
                batch.next = index + 1
                if any(answer.get("code") == "memory-limit" for answer in reply["parts"]):
                    # A process that ran out of memory may be left in a bad state: start afresh.
                    worker.kill()
                    return
        finally:
            self._release(worker)

    def _request(self, batch: _Batch, first: int, held: _Held) -> tuple[Sequence[Any], list[bytes]]:
        """The payloads from ``first`` on that go in one request (up to a count and a size), and the
        request line in pieces (see :meth:`_WorkerProcess.send`). Each payload is encoded once, on
        its own, to measure it.

        What the worker holds already is named by its key instead of sent again (see :mod:`.worker`):
        the sources of the parts, and a single payload rendered before (the preview's, on each
        keystroke). A single payload is held from now on, unless it is large.
        """
        encoded: list[bytes] = []
        size = 0
        for payload in batch.payloads[first : first + BATCH_SIZE]:
            data = encode(payload)
            if encoded and size + len(data) > BATCH_BYTES:
                break
            encoded.append(data)
            size += len(data)
        used: set[str] = set()
        parts: list[dict[str, str]] = []
        for p in batch.parts:
            part = {"name": p.name, "key": p.key}
            if not held.has(p.key):
                part["source"] = p.source
                held.add(p.key, len(p.source))
            used.add(p.key)
            parts.append(part)
        head: dict[str, Any] = {"lookups": batch.lookups or {}, "size_limit": self.size_limit, "parts": parts}
        tail: list[bytes]
        if len(encoded) == 1 and not batch.trace:
            key = _payload_key(encoded[0])
            used.add(key)
            if held.has(key):
                tail = [b',"payload_key":"', key.encode(), b'"}\n']
            elif len(encoded[0]) <= HOLD_BYTES // 4:
                held.add(key, len(encoded[0]))
                name = b'"' + key.encode() + b'"'
                tail = [b',"payload_key":', name, b',"hold":{', name, b":", encoded[0], b"}}\n"]
            else:
                tail = [b',"payload":', encoded[0], b"}\n"]
        else:
            head["trace"] = batch.trace
            tail = [b',"payloads":[', *_separated(encoded), b"]}\n"]
        forget = held.evict(used)
        if forget:
            head["forget"] = forget
        # ``head`` encodes as a JSON object: its closing brace gives way to the payloads.
        return batch.payloads[first : first + len(encoded)], line_of([encode(head)[:-1], *tail])

    def _receive(
        self, worker: _WorkerProcess, started: float
    ) -> tuple[Diagnostic | None, dict[str, Any] | None]:
        """The worker's next reply, or why there is none (the worker is killed then)."""
        line = worker.receive(started + self.time_limit - time.perf_counter())
        if line is None:
            worker.kill()
            return (
                Diagnostic(
                    Severity.ERROR,
                    "time-limit",
                    f"time limit: the render ran longer than {self.time_limit:g} s and was stopped",
                ),
                None,
            )
        if line == _EOF:
            return _worker_failure(worker, "the render worker stopped unexpectedly"), None
        reply: dict[str, Any] = decode(line)
        if "error" in reply:
            worker.kill()
            return _reply_failure(str(reply["error"])), None
        return None, reply

    def _failed(
        self, part: _Part, analysis: TemplateAnalysis, failure: Diagnostic | None, payload: Any, strict: bool
    ) -> RenderResult:
        located = failure or Diagnostic(Severity.ERROR, "runtime", "the render failed")
        uses = resolve_fields(analysis.fields, payload)
        diagnostics = (
            Diagnostic(located.severity, located.code, located.message, located.location),
            *unresolved_diagnostics(analysis.fields, uses, strict=strict, part=part.name),
            *((analysis.skipped,) if analysis.skipped else ()),
        )
        return RenderResult(None, part.fmt, diagnostics, uses)

    def _result(
        self,
        part: _Part,
        *,
        answer: dict[str, Any],
        analysis: TemplateAnalysis,
        uses: tuple[FieldUse, ...],
        strict: bool,
        schema: Schema | None,
        timings: dict[str, float],
    ) -> RenderResult:
        lookup_uses = tuple(LookupUse(str(f), str(k), bool(h), str(v)) for f, k, h, v, _ in answer["lookups"])
        diagnostics: list[Diagnostic] = []
        strict_miss = answer.get("code") == "lookup-miss"
        misses = [] if strict_miss else [use for use in answer["lookups"] if not use[2]]
        for field_name, key, _hit, value, line in misses[:MAX_LOOKUP_MISS_WARNINGS]:
            diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    "lookup-miss",
                    f"lookup miss: no row for field '{field_name}' with key '{key}'; default '{value}' used",
                    _lookup_location(part, line, key),
                )
            )
        if len(misses) > MAX_LOOKUP_MISS_WARNINGS:
            diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    "lookup-miss",
                    f"{len(misses) - MAX_LOOKUP_MISS_WARNINGS:,} more lookup misses not listed",
                )
            )
        output: str | None = None
        stage = {"compile": float(answer.get("compile", 0.0)), "render": float(answer.get("render", 0.0))}
        if answer["ok"]:
            output = answer["output"]
        else:
            diagnostics.insert(0, self._worker_error(part, answer, analysis))
        diagnostics.extend(unresolved_diagnostics(analysis.fields, uses, strict=strict, part=part.name))
        if analysis.skipped is not None:
            diagnostics.append(analysis.skipped)
        validate_started = time.perf_counter()
        if output is not None:
            diagnostics.extend(validate_output(output, part.fmt, schema=schema, part=part.name))
        stage["validate"] = time.perf_counter() - validate_started
        stage.update(timings)
        line_map = tuple((int(offset), int(line)) for offset, line in answer.get("trace", ()))
        return RenderResult(output, part.fmt, tuple(diagnostics), uses, lookup_uses, stage, line_map)

    @staticmethod
    def _worker_error(part: _Part, answer: dict[str, Any], analysis: TemplateAnalysis) -> Diagnostic:
        code = str(answer["code"])
        if code == "syntax" and analysis.syntax_error is not None:
            located = analysis.syntax_error
            return Diagnostic(located.severity, code, located.message, _in_part(located.location, part.name))
        if code == "lookup-miss" and answer.get("line"):
            return Diagnostic(
                Severity.ERROR,
                code,
                str(answer["message"]),
                _lookup_location(part, int(answer["line"]), _missed_key(answer)),
            )
        if code == "security" and analysis.security:
            first = analysis.security[0]
            return Diagnostic(first.severity, code, first.message, _in_part(first.location, part.name))
        line = answer.get("line")
        message = str(answer["message"])
        location = None
        if line:
            location = Location(
                Where.TEMPLATE, int(line), _error_column(part.source, int(line), message), part.name
            )
        return Diagnostic(Severity.ERROR, code, message, location)

    def _acquire(self) -> _WorkerProcess:
        with self._pool_lock:
            while True:
                if self._closed:
                    raise RuntimeError("the render engine is closed")
                if self._idle:
                    worker = self._idle.pop()
                    if worker.process.poll() is None:
                        return worker
                    self._count -= 1
                    continue
                if self._count < self._max_workers:
                    self._count += 1
                    break
                self._pool_lock.wait()
        try:
            worker = _WorkerProcess()
            worker.wait_ready()
        except BaseException:
            with self._pool_lock:
                self._count -= 1
                self._pool_lock.notify()
            raise
        return worker

    def _release(self, worker: _WorkerProcess) -> None:
        alive = worker.process.poll() is None
        with self._pool_lock:
            if alive and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
            self._pool_lock.notify()
        if alive and self._closed:
            worker.close()


def _template_rendering(template: Template, results: dict[str, RenderResult]) -> TemplateRendering:
    """The parts of one render of ``template``, with the notes about the template as a whole."""
    notes: list[Diagnostic] = []
    if template.kind is TemplateKind.EMAIL:
        if "text" not in results:
            notes.append(
                Diagnostic(
                    Severity.WARNING,
                    "email",
                    "the email has no text part: mail clients that do not show HTML display nothing",
                )
            )
        subject = results["subject"].output
        problem = "" if subject is None else mail_header_problem(subject.strip())
        if problem:
            notes.append(
                Diagnostic(
                    Severity.ERROR,
                    "email-header",
                    f"the subject {problem}: the email would be refused when sent",
                    Location(Where.OUTPUT, 1, 1, "subject"),
                )
            )
    return TemplateRendering(results, tuple(notes))


def _lookup_location(part: _Part, line: int | None, key: str = "") -> Location | None:
    """Point at the ``lookups(`` call on that line, preferring the one that names the key."""
    if not line:
        return None
    lines = template_lines(part.source)
    text = lines[line - 1] if line <= len(lines) else ""
    starts = [m.start() for m in re.finditer(r"\blookups\s*\(", text)]
    column = starts[0] + 1 if starts else 1
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        if key and (f'"{key}"' in text[start:end] or f"'{key}'" in text[start:end]):
            column = start + 1
            break
    return Location(Where.TEMPLATE, line, column, part.name)


_NAMED_IN_ERROR = re.compile(r"'(\w+)' is undefined|has no attribute '(\w+)'|attribute '(\w+)'")


def _error_column(source: str, line: int, message: str) -> int:
    """Where on its line a runtime error happened: at the name the message names, else the first tag."""
    lines = template_lines(source)
    if not 1 <= line <= len(lines):
        return 1
    text = lines[line - 1]
    match = _NAMED_IN_ERROR.search(message)
    if match:
        name = next(group for group in match.groups() if group)
        found = re.search(rf"(?<![\w'\"]){re.escape(name)}\b", text)
        if found:
            return found.start() + 1
    tag = re.search(r"\{[{%]", text)
    return tag.start() + 1 if tag else 1


def _missed_key(answer: dict[str, Any]) -> str:
    misses = [key for _, key, hit, _, _ in answer.get("lookups", []) if not hit]
    return str(misses[-1]) if misses else ""


def _worker_environment() -> dict[str, str]:
    """This process's environment, with the directory our package came from first on the path.

    The worker must run the same code as the engine that starts it, even when this process found
    ``postback_studio`` through a path the child would not inherit (a test runner, an IDE).
    """
    package_root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


def _in_part(location: Location | None, part: str) -> Location | None:
    if location is None:
        return None
    return Location(location.where, location.line, location.column, part)


def _source_key(source: str) -> str:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _separated(encoded: Sequence[bytes]) -> list[bytes]:
    """``encoded`` with commas between, as pieces of a line (see :func:`.wire.line_of`)."""
    pieces = [b","] * (2 * len(encoded) - 1)
    pieces[::2] = encoded
    return pieces


def _payload_key(encoded: bytes) -> str:
    """A payload's key in the worker: the hash of its JSON, marked so it never equals a source key."""
    return "p" + hashlib.sha256(encoded).hexdigest()[:32]


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


def _worker_failure(worker: _WorkerProcess, message: str) -> Diagnostic:
    worker.kill()
    code = worker.process.returncode
    if code in (-9, -6, 137, 134):
        return Diagnostic(Severity.ERROR, "memory-limit", f"memory limit: {message} (it ran out of memory)")
    return Diagnostic(Severity.ERROR, "runtime", f"{message} (exit code {code})")


def _reply_failure(error: str) -> Diagnostic:
    if error == "memory-limit":
        return Diagnostic(
            Severity.ERROR,
            "memory-limit",
            "memory limit: the template used more memory than allowed and was stopped",
        )
    return Diagnostic(Severity.ERROR, "runtime", f"render worker: {error}")
