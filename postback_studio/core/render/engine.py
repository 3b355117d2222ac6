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

This module holds the public API and the course of a render; the parts with rules of their own are
beside it: the worker processes and their pool (:mod:`.worker_process`), the request lines and what
a worker holds between them (:mod:`.batch_requests`), and the worker's answer read into a result
with located diagnostics (:mod:`.answers`).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import Environment

from postback_studio.core.model import LookupSet, OutputFormat, Template, TemplateKind
from postback_studio.core.render.answers import answer_result, failed_result
from postback_studio.core.render.batch_requests import Part, request_line, source_key
from postback_studio.core.render.fields import TemplateAnalysis, analyze_template
from postback_studio.core.render.resolve import resolve_fields
from postback_studio.core.render.result import Diagnostic, Location, RenderResult, Severity, Where
from postback_studio.core.render.validate import Schema, SchemaFileError, load_schema
from postback_studio.core.render.wire import decode
from postback_studio.core.render.worker_process import (
    EOF_REPLY,
    WorkerPool,
    WorkerProcess,
    WorkerStartError,
    reply_failure,
)
from postback_studio.core.textfiles import read_text_file
from postback_studio.core.validation import mail_header_problem

#: Payloads per worker a batch needs before it is rendered by several workers side by side.
PARALLEL_MINIMUM = 32
#: Renders of one batch that may run past the time limit before the rest of the batch is skipped.
MAX_RUNAWAYS = 3
_ANALYSIS_CACHE = 256


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


@dataclass
class _Batch:
    """The state of one batch render: what to render, the results so far, and where to go on."""

    parts: list[Part]
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
            p.name: failed_result(p, engine.analyze(p.source), failure, payload, self.strict)
            for p in self.parts
        }
        self.next = index + 1

    def fail_rest(self, engine: RenderEngine, failure: Diagnostic) -> None:
        """Every payload not rendered yet fails with ``failure``."""
        for index in range(self.next, len(self.payloads)):
            self.fail(engine, index, failure)


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
        self._pool = WorkerPool(max_workers)
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
        self._pool.close()

    def warm_up(self) -> None:
        """Start one worker now, so the first render does not pay for the start-up."""
        self._pool.release(self._pool.acquire())

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
            [Part(part, source, fmt)],
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
            parts = [Part("subject", template.subject, OutputFormat.TEXT)]
            if template.body.strip():
                parts.append(Part("html", template.body, OutputFormat.HTML))
            if template.text_body.strip():
                parts.append(Part("text", template.text_body, OutputFormat.TEXT))
        else:
            parts = [Part("body", template.body, template.format)]
        rows = self._render_batch(
            parts, payloads, lookups=lookups, strict=strict, schema=compiled_schema, trace=trace
        )
        return [_template_rendering(template, results) for results in rows]

    def analyze(self, source: str) -> TemplateAnalysis:
        """The parse-only analysis of a template (fields, aliases, refusals), cached by source."""
        key = source_key(source)
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
        key = (source_key(text), fmt)
        with self._analysis_lock:
            cached = self._schemas.get(key)
        if cached is None:
            cached = load_schema(text, fmt, name)
            with self._analysis_lock:
                self._schemas[key] = cached
        return cached

    def _render_batch(
        self,
        parts: Sequence[Part],
        payloads: Sequence[Any],
        *,
        lookups: LookupSet | None,
        strict: bool,
        schema: Schema | None,
        trace: bool,
    ) -> list[dict[str, RenderResult]]:
        keyed = [Part(p.name, p.source, p.fmt, source_key(p.source)) for p in parts]
        # A long batch is cut in one slice per worker, rendered side by side: the worker's render is
        # what a batch waits for. Slices are rendered in requests of a bounded size, so a render
        # from elsewhere (the preview) gets a worker between two requests.
        lanes = min(self._pool.size, len(payloads) // PARALLEL_MINIMUM) or 1
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
            worker = self._pool.acquire()
        except (WorkerStartError, OSError) as exc:
            batch.fail_rest(self, Diagnostic(Severity.ERROR, "runtime", f"cannot render: {exc}"))
            return
        chunk, request = request_line(
            batch.parts,
            batch.payloads,
            first,
            lookups=batch.lookups,
            trace=batch.trace,
            size_limit=self.size_limit,
            held=worker.held,
        )
        try:
            started = time.perf_counter()
            if not worker.send(request):
                batch.fail_rest(self, worker.failure("the render worker stopped before the render started"))
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
                    part.name: answer_result(
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
            self._pool.release(worker)

    def _receive(
        self, worker: WorkerProcess, started: float
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
        if line == EOF_REPLY:
            return worker.failure("the render worker stopped unexpectedly"), None
        reply: dict[str, Any] = decode(line)
        if "error" in reply:
            worker.kill()
            return reply_failure(str(reply["error"])), None
        return None, reply

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
