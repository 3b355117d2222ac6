"""Read the request log off the GUI thread, one fresh connection per job.

A main-thread :class:`RequestsLoader` owns the signals; each query is a quiet job of the app's
:class:`~postback_studio.workers.jobs.JobRunner` that opens its own :class:`RequestLogSource`
(SQLite connections are never shared across threads), runs one query and answers with the
*generation* the caller gave it. The caller bumps its generation when the filter changes and drops
any result that carries an older one, so a slow count for an old filter never overwrites the
figures of the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from postback_studio.core.requestlog import RequestRecord
from postback_studio.core.requests_view import PageKey, RequestFilter, RequestRow, RequestSummary
from postback_studio.services.request_log import FilterChoices
from postback_studio.workers.jobs import JobRunner


class RequestLogSource(Protocol):
    """The read side of the request log the Requests page needs (``WorkspaceRequestSource``).

    One source is one database connection, used by one job on one thread and then closed.
    """

    def page(self, filters: RequestFilter, after: PageKey | None, limit: int) -> Sequence[RequestRow]:
        """Up to ``limit`` rows strictly older than ``after`` (from the newest if None), newest first."""
        ...

    def newer(self, filters: RequestFilter, than: PageKey, limit: int) -> Sequence[RequestRow]:
        """Up to ``limit`` rows strictly newer than ``than``, newest first."""
        ...

    def summary(self, filters: RequestFilter, until: float) -> RequestSummary:
        """Counts by outcome and per time bucket; ``until`` closes an open-ended filter."""
        ...

    def get(self, request_id: int) -> RequestRecord | None:
        """One whole record, or None."""
        ...

    def for_delivery(self, delivery_id: str) -> Sequence[RequestRecord]:
        """Every attempt of one delivery, first attempt first."""
        ...

    def filter_choices(self) -> FilterChoices:
        """The customers and triggers the filters offer."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


#: Opens a new source (a new connection) for one job; called on the worker thread.
SourceFactory = Callable[[], RequestLogSource]


class RequestsLoader(QObject):
    """Runs request-log queries on a thread pool and reports by signal on the GUI thread.

    Signals:
        page_loaded(int, object): generation, list of ``RequestRow`` (newest first).
        newer_loaded(int, object): generation, list of ``RequestRow`` newer than the given key.
        summary_loaded(int, object): generation, ``RequestSummary``.
        records_loaded(int, object): generation, list of ``RequestRecord`` (detail, export).
        choices_loaded(int, object): generation, ``FilterChoices`` for the customer and trigger filters.
        failed(int, str, str): generation, a one-line message, the traceback for the log.
    """

    page_loaded = Signal(int, object)
    newer_loaded = Signal(int, object)
    summary_loaded = Signal(int, object)
    records_loaded = Signal(int, object)
    choices_loaded = Signal(int, object)
    failed = Signal(int, str, str)

    def __init__(self, open_source: SourceFactory, jobs: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_source = open_source
        self._jobs = jobs
        self._generation = 0

    def new_generation(self) -> int:
        """A number no earlier request carried: tag a request with it and compare on arrival."""
        self._generation += 1
        return self._generation

    def _start(self, work: Callable[[RequestLogSource], Any], done: SignalInstance, generation: int) -> None:
        open_source = self._open_source

        def query(_report: object, _cancelled: object) -> Any:
            source = open_source()
            try:
                return work(source)
            finally:
                source.close()

        self._jobs.submit(
            "Reading the request log",
            query,
            on_done=lambda result: done.emit(generation, result),
            on_error=lambda error: self.failed.emit(generation, error.message, error.details),
            quiet=True,
        )

    def load_page(self, generation: int, filters: RequestFilter, after: PageKey | None, limit: int) -> None:
        """Fetch the next page below ``after``; answers with ``page_loaded``."""
        self._start(lambda s: list(s.page(filters, after, limit)), self.page_loaded, generation)

    def load_newer(self, generation: int, filters: RequestFilter, than: PageKey, limit: int) -> None:
        """Fetch rows logged above ``than``; answers with ``newer_loaded``."""
        self._start(lambda s: list(s.newer(filters, than, limit)), self.newer_loaded, generation)

    def load_summary(self, generation: int, filters: RequestFilter, until: float) -> None:
        """Count by outcome and time bucket; answers with ``summary_loaded``."""
        self._start(lambda s: s.summary(filters, until), self.summary_loaded, generation)

    def load_records(self, generation: int, ids: Sequence[int], *, with_delivery: bool = False) -> None:
        """Fetch whole records by id; with ``with_delivery`` (one id) every attempt of its delivery.

        Answers with ``records_loaded``: for ``with_delivery`` the first record is the asked one,
        followed by all attempts of its delivery in attempt order.
        """
        wanted = list(ids)

        def work(source: RequestLogSource) -> list[RequestRecord]:
            records = [r for r in (source.get(i) for i in wanted) if r is not None]
            if with_delivery and records:
                return [records[0], *source.for_delivery(records[0].delivery_id)]
            return records

        self._start(work, self.records_loaded, generation)

    def load_choices(self, generation: int) -> None:
        """Fetch the filters' customers and triggers; answers with ``choices_loaded``."""
        self._start(lambda s: s.filter_choices(), self.choices_loaded, generation)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued jobs finish (closing the page, tests); True when all did."""
        return self._jobs.wait(msecs)
