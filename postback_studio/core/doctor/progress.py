"""Progress and cancellation for the doctor's long runs, and the chunked rendering that carries them.

An edge-case check or a version comparison of a large order renders thousands of variants and takes
seconds. Whoever waits (the GUI's job, a script) may want to see how far it got and to stop it. The
runs accept two optional callables: ``progress`` receives a :class:`Progress` after every chunk, and
``cancelled`` is polled before every chunk; when it answers True the run raises :class:`CancelledError`.
Without either, variants render in one batch, exactly as before; with one of them they render in
chunks, each chunk still one batch for the render worker, so a stop takes effect within one chunk
and the variants' payloads exist one chunk at a time. The first chunk has :data:`CHUNK` payloads;
the next ones are sized to take about :data:`CHUNK_SECONDS` each, so small payloads go in large
chunks (few round trips to the worker) and a large order's in small ones (Cancel stays quick);
each sample's variants start again with a small chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from postback_studio.core.doctor.variants import Variant
from postback_studio.core.errors import StudioError

#: Payloads in the first chunk when progress is watched, and the least in any: two lanes of the
#: render engine's parallel minimum, so a chunk still renders on both workers.
CHUNK = 64
#: The most payloads in a chunk (a few requests of the engine's batch size).
MAX_CHUNK = 1024
#: How long a chunk should take: how long a stop waits at most, and how often progress is told.
CHUNK_SECONDS = 0.3

Result = TypeVar("Result")
ProgressCallback = Callable[["Progress"], None]
CancelledCallback = Callable[[], bool]


class CancelledError(StudioError):
    """The run was stopped by whoever started it (the user pressed Cancel)."""


@dataclass(frozen=True)
class Progress:
    """How far a run got: ``done`` of ``total`` renders of its current ``stage``."""

    stage: str
    done: int
    total: int

    def text(self) -> str:
        """``Rendering variants: 640 of 1,434``, or the stage alone while its size is unknown."""
        if self.total <= 0:
            return self.stage
        return f"{self.stage}: {self.done:,} of {self.total:,}"

    @property
    def fraction(self) -> float:
        """0.0 to 1.0 (0.0 while the size is unknown)."""
        return min(self.done / self.total, 1.0) if self.total > 0 else 0.0


@dataclass(frozen=True)
class Watch:
    """The two optional callables of a run, with the chunked rendering that serves them."""

    progress: ProgressCallback | None = None
    cancelled: CancelledCallback | None = None
    clock: Callable[[], float] = time.perf_counter

    @property
    def watched(self) -> bool:
        """Someone follows the run: render in chunks."""
        return self.progress is not None or self.cancelled is not None

    def check(self) -> None:
        """Raise :class:`CancelledError` when the run should stop."""
        if self.cancelled is not None and self.cancelled():
            raise CancelledError("stopped before it finished")

    def report(self, stage: str, done: int, total: int) -> None:
        """Tell the watcher how far the run got."""
        if self.progress is not None:
            self.progress(Progress(stage, done, total))

    def render(
        self,
        stage: str,
        items: Sequence[Any],
        payload: Callable[[Any], Any],
        render: Callable[[list[Any]], list[Result]],
        group: Callable[[Any], Hashable] | None = None,
    ) -> list[Result]:
        """Render ``payload(item)`` for every item: in one batch, or in chunks when watched.

        The payloads are made chunk by chunk, so a large order's variants never all exist at once.
        Items of one ``group`` (the variants of one sample) take about as long each; a chunk never
        spans two groups, and a group's first chunk is small again, because a large order's
        variants take far longer than those of the small sample before it.

        Raises:
            CancelledError: ``cancelled`` answered True before a chunk.
        """
        if not self.watched:
            return render([payload(item) for item in items])
        results: list[Result] = []
        self.report(stage, 0, len(items))
        size = CHUNK
        while len(results) < len(items):
            self.check()
            chunk = list(items[len(results) : len(results) + size])
            if group is not None:
                chunk = _one_group(chunk, group)
            started = self.clock()
            results.extend(render([payload(item) for item in chunk]))
            each = (self.clock() - started) / len(chunk)
            size = MAX_CHUNK if each <= 0 else max(CHUNK, min(MAX_CHUNK, round(CHUNK_SECONDS / each)))
            following = items[len(results)] if len(results) < len(items) else None
            if group is not None and following is not None and group(following) != group(chunk[0]):
                size = CHUNK
            self.report(stage, len(results), len(items))
        return results

    def render_variants(
        self,
        stage: str,
        variants: Sequence[Variant],
        payloads: Mapping[str, Any],
        render: Callable[[list[Any]], list[Result]],
    ) -> list[Result]:
        """:meth:`render` for variants of ``payloads``, a sample's variants in chunks of their own."""
        return self.render(
            stage,
            variants,
            lambda variant: variant.payload(payloads[variant.sample]),
            render,
            group=lambda variant: variant.sample,
        )


def _one_group(chunk: list[Any], group: Callable[[Any], Hashable]) -> list[Any]:
    """The items of ``chunk`` up to the first of another group than the first item's."""
    first = group(chunk[0])
    for index, item in enumerate(chunk):
        if group(item) != first:
            return chunk[:index]
    return chunk
