"""The render worker process: compiles and renders templates, one JSON line in, one JSON line out.

Jinja2 evaluates constant expressions while compiling and a tight template loop never returns to
Python code that could check a clock, so a runaway template can only be stopped from outside. The
parent (:class:`~postback_studio.core.render.engine.RenderEngine`) runs this module as a separate
process, kills it when it overruns the time limit and starts a new one. On POSIX the address space
is capped, so a memory bomb ends as a ``MemoryError`` here instead of swapping the machine.

Only JSON crosses the pipe, in both directions: the parent never unpickles what a template produced.

Request (one line)::

    {"payload": ..., "lookups": {"field": {"key": "value"}}, "size_limit": 5000000,
     "parts": [{"name": "body", "key": "<source hash>", "source": "..."}]}

The worker holds what the parent asks it to, so a re-render (the preview after each keystroke, on
the same payload) does not send and decode the same data again. ``"hold": {"<key>": payload}``
keeps a payload under its content hash, ``"payload_key": "<key>"`` renders a held payload in place
of ``"payload"``, a part without ``"source"`` uses the source held under its ``"key"`` (every source
sent is held), and ``"forget": ["<key>", ...]`` drops held payloads and sources. The parent decides
what is held and for how long, and mirrors it, so a request never names something the worker lacks
(if one did, it would be refused as a bad request and the worker replaced). A held payload is safe
to render again: the sandbox refuses every change to the payload (see :mod:`.sandbox`).

Response (one line)::

    {"parts": [{"name": "body", "ok": true, "output": "...", "compile": 0.001, "render": 0.002,
                "lookups": [["field", "key", true, "value", 3]]},
               {"name": "subject", "ok": false, "code": "security", "message": "...", "line": 2}]}

A batch request carries ``"payloads": [...]`` instead of ``"payload"``: the same parts render against
each payload in turn, and the worker answers with one response line per payload, written as soon as
that payload is done, so the parent applies the time limit to each payload and a runaway one costs
only itself. ``"trace": true`` adds to each rendered part a line map of its output,
``"trace": [[output offset, template line], ...]`` (a new entry where the template line changes),
which tells the parent which template line wrote the text an output error points at.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import OrderedDict
from collections.abc import Iterator
from itertools import islice
from typing import Any, BinaryIO

from jinja2 import Template
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from postback_studio.core.render.sandbox import (
    LookupBook,
    LookupMissError,
    SizeLimitError,
    StudioEnvironment,
)
from postback_studio.core.render.static_checks import find_violations
from postback_studio.core.render.wire import PIPE_BUFFER, decode, encode

#: Compiled templates kept per worker, keyed by the hash of their source.
CACHE_SIZE = 256
#: Address-space ceiling on POSIX, in bytes.
MEMORY_LIMIT = 1536 * 1024 * 1024
_BATCH = 512


class _RefusedError(Exception):
    def __init__(self, code: str, message: str, line: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


class RenderWorker:
    """Compiles (with a cache) and renders; the loop around it is :func:`main`."""

    def __init__(self) -> None:
        self._environments: dict[int, tuple[StudioEnvironment, LookupBook]] = {}
        self._cache: OrderedDict[tuple[str, int], Template] = OrderedDict()
        self._payloads: dict[str, Any] = {}
        self._sources: dict[str, str] = {}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Render every part of one request against its payload (held or sent)."""
        for key in request.get("forget", ()):
            self._payloads.pop(key, None)
            self._sources.pop(key, None)
        self._payloads.update(request.get("hold") or {})
        size_limit = int(request["size_limit"])
        env, book = self._environment(size_limit)
        book.tables = request.get("lookups") or {}
        key = request.get("payload_key")
        payload = request.get("payload") if key is None else self._payloads[key]
        context = payload if isinstance(payload, dict) else {}
        trace = bool(request.get("trace"))
        sources = [self._source(part) for part in request["parts"]]
        return {
            "parts": [
                self._render_part(env, book, part, context, size_limit, source=source, trace=trace)
                for part, source in zip(request["parts"], sources, strict=True)
            ]
        }

    def handle_batch(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Render every part against each of the request's ``payloads``: one response per payload."""
        single = {key: value for key, value in request.items() if key != "payloads"}
        for payload in request["payloads"]:
            single["payload"] = payload
            yield self.handle(single)
            single.pop("forget", None)

    def _environment(self, size_limit: int) -> tuple[StudioEnvironment, LookupBook]:
        if size_limit not in self._environments:
            book = LookupBook()
            self._environments[size_limit] = (StudioEnvironment(size_limit, book), book)
        return self._environments[size_limit]

    def _render_part(
        self,
        env: StudioEnvironment,
        book: LookupBook,
        part: dict[str, Any],
        context: dict[str, Any],
        size_limit: int,
        *,
        source: str,
        trace: bool = False,
    ) -> dict[str, Any]:
        name = part["name"]
        book.uses = {}
        started = time.perf_counter()
        lines: list[tuple[int, int]] = []
        try:
            template = self._compile(env, part["key"], source, size_limit)
            compiled = time.perf_counter()
            book.template = template
            if trace:
                output = _generate_traced(template, context, size_limit, lines)
            else:
                output = _generate(template, context, size_limit)
        except _RefusedError as refused:
            return {
                "name": name,
                "ok": False,
                "code": refused.code,
                "message": refused.message,
                "line": refused.line,
                "lookups": _uses(book),
            }
        except Exception as exc:
            code, message = _classify(exc)
            return {
                "name": name,
                "ok": False,
                "code": code,
                "message": message,
                "line": _template_line(exc),
                "lookups": _uses(book),
            }
        finally:
            book.template = None
        done = time.perf_counter()
        reply = {
            "name": name,
            "ok": True,
            "output": output,
            "compile": compiled - started,
            "render": done - compiled,
            "lookups": _uses(book),
        }
        if trace:
            reply["trace"] = lines
        return reply

    def _source(self, part: dict[str, Any]) -> str:
        """The part's source: sent with it (and held from now on), or held from before.

        A key held by neither raises ``KeyError``: the request is refused as a bad one, and the
        parent, which mirrors what is held, replaces this worker.
        """
        source = part.get("source")
        if source is None:
            return self._sources[part["key"]]
        self._sources[part["key"]] = source
        return str(source)

    def _compile(self, env: StudioEnvironment, key: str, source: str, size_limit: int) -> Template:
        cache_key = (key, size_limit)
        template = self._cache.get(cache_key)
        if template is not None:
            self._cache.move_to_end(cache_key)
            return template
        try:
            ast = env.parse(source)
        except TemplateSyntaxError as exc:
            raise _RefusedError("syntax", f"syntax error: {exc.message}", exc.lineno) from None
        violations = find_violations(ast)
        if violations:
            line, _, message = violations[0]
            raise _RefusedError("security", message, line)
        template = env.template_class.from_code(env, env.compile(ast), env.make_globals(None), None)
        self._cache[cache_key] = template
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return template


def _uses(book: LookupBook) -> list[tuple[str, str, bool, str, int | None]]:
    return [(name, key, hit, value, line) for (name, key, hit), (value, line) in book.uses.items()]


def _generate(template: Template, context: dict[str, Any], size_limit: int) -> str:
    """Render through ``generate()`` and stop as soon as the output passes the size limit."""
    chunks: list[str] = []
    total = 0
    stream = template.generate(context)
    while batch := list(islice(stream, _BATCH)):
        total += sum(map(len, batch))
        if total > size_limit:
            stream.close()  # type: ignore[attr-defined]
            raise SizeLimitError(f"the output passed the size limit of {size_limit} characters")
        chunks.extend(batch)
    return "".join(chunks)


def _generate_traced(
    template: Template, context: dict[str, Any], size_limit: int, lines: list[tuple[int, int]]
) -> str:
    """Render chunk by chunk, noting the template line that wrote each chunk (see the module doc).

    A suspended generator's frame says which line of the compiled code yielded the chunk; Jinja maps
    that back to the template line. Blocks render in generators of their own (``yield from``), so
    the innermost generator of the chain is the one that wrote the chunk.
    """
    chunks: list[str] = []
    total = 0
    stream = template.generate(context)
    for chunk in stream:
        frame_owner: Any = stream
        while getattr(frame_owner, "gi_yieldfrom", None) is not None:
            frame_owner = frame_owner.gi_yieldfrom
        frame = getattr(frame_owner, "gi_frame", None)
        if frame is not None and frame.f_code.co_filename == "<template>":
            line = template.get_corresponding_lineno(frame.f_lineno)
            if not lines or lines[-1][1] != line:
                lines.append((total, line))
        total += len(chunk)
        if total > size_limit:
            stream.close()  # type: ignore[attr-defined]
            raise SizeLimitError(f"the output passed the size limit of {size_limit} characters")
        chunks.append(chunk)
    return "".join(chunks)


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, SecurityError):
        text = str(exc)
        if not text.startswith("security restriction"):
            text = f"security restriction: {text}"
        return "security", text
    if isinstance(exc, SizeLimitError):
        return "size-limit", f"size limit: {exc}"
    if isinstance(exc, LookupMissError):
        return "lookup-miss", str(exc)
    if isinstance(exc, MemoryError):
        return "memory-limit", "memory limit: the template used more memory than allowed and was stopped"
    if isinstance(exc, RecursionError):
        return (
            "recursion-limit",
            "recursion limit: the template recursed too deeply (a macro calling itself?)",
        )
    if isinstance(exc, UndefinedError):
        return "runtime", f"undefined value: {exc}"
    if isinstance(exc, TemplateSyntaxError):
        return "syntax", f"syntax error: {exc.message}"
    if isinstance(exc, OverflowError) and "Range too big" in str(exc):
        return "size-limit", f"size limit: {exc}"
    return "runtime", f"{type(exc).__name__}: {exc}"


def _template_line(exc: BaseException) -> int | None:
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # Windows: no address-space limit, the time limit still applies
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return


def serve(requests: BinaryIO, responses: BinaryIO) -> None:
    """Answer requests until the parent closes the pipe."""
    worker = RenderWorker()
    responses.write(b'{"ready": true}\n')
    responses.flush()
    for line in requests:
        try:
            request = decode(line)
            if "payloads" in request:
                for reply in worker.handle_batch(request):
                    _respond(responses, reply)
                continue
            reply = worker.handle(request)
        except MemoryError:
            reply = {"error": "memory-limit"}
        except Exception as exc:
            reply = {"error": f"bad request: {type(exc).__name__}: {exc}"}
        _respond(responses, reply)


def _respond(responses: BinaryIO, reply: dict[str, Any]) -> None:
    try:
        data = encode(reply)
    except MemoryError:
        data = b'{"error": "memory-limit"}'
    responses.write(data + b"\n")
    responses.flush()


def main() -> None:
    """Process entry point: keep stdout for the protocol, cap memory, serve.

    The pipes are read and written through large buffers: a request with a big payload then
    arrives in a few reads instead of one per 8 KB (see :data:`.wire.PIPE_BUFFER`).
    """
    protocol_in = open(sys.stdin.fileno(), "rb", buffering=PIPE_BUFFER, closefd=False)  # noqa: SIM115
    protocol_out = open(sys.stdout.fileno(), "wb", buffering=PIPE_BUFFER, closefd=False)  # noqa: SIM115
    sys.stdout = sys.stderr
    sys.setrecursionlimit(1000)
    _limit_memory()
    serve(protocol_in, protocol_out)


if __name__ == "__main__":
    main()
