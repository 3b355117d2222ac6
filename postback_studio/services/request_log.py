"""The request log's read side, for the command line and for the Requests page's workers.

:class:`RequestLogService` reads whole entries through one thread's workspace (``log``,
``log show``). :class:`RequestLogReader` is what the Requests page's background queries use: each
job opens one (one connection, on the job's thread), asks for a page, newer rows, a summary or
whole records, and closes it.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from postback_studio.core.requestlog import RequestRecord
from postback_studio.core.requests_view import PageKey, RequestFilter, RequestRow, RequestSummary
from postback_studio.storage.requests_view import WorkspaceRequestSource
from postback_studio.storage.workspace import Workspace


class RequestLogService:
    """Whole entries of the request log, through one thread's workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def get(self, request_id: int) -> RequestRecord:
        """One entry, or :class:`NotFoundError`."""
        return self._ws.requests.get(request_id)

    def query(self, where: RequestFilter | None = None, *, limit: int = 100) -> builtins.list[RequestRecord]:
        """The newest entries matching ``where``, newest first."""
        return self._ws.requests.query(where, limit=limit)

    def count(self, where: RequestFilter | None = None) -> int:
        """How many entries match ``where``."""
        return self._ws.requests.count(where)

    def for_delivery(self, delivery_id: str) -> builtins.list[RequestRecord]:
        """Every attempt of one postback, first attempt first."""
        return self._ws.requests.for_delivery(delivery_id)


@dataclass(frozen=True)
class FilterChoices:
    """What the Requests page's customer and trigger filters offer: ``(id, name)`` pairs by name."""

    customers: tuple[tuple[int, str], ...]
    triggers: tuple[tuple[int, str], ...]


class RequestLogReader:
    """The read side the Requests page's workers use: one connection, opened on the job's thread."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self._source = WorkspaceRequestSource(workspace)

    @classmethod
    def open(cls, path: Path) -> RequestLogReader:
        """Open the existing workspace at ``path`` on the calling thread (never seeds it)."""
        return cls(Workspace.open(path, seed=False))

    def filter_choices(self) -> FilterChoices:
        """The customers and triggers the filters offer."""
        return FilterChoices(
            tuple((c.id, c.name) for c in self._ws.customers.list() if c.id is not None),
            tuple((t.id, t.name) for t in self._ws.triggers.list() if t.id is not None),
        )

    def page(self, filters: RequestFilter, after: PageKey | None, limit: int) -> list[RequestRow]:
        """Up to ``limit`` rows strictly older than ``after`` (from the newest if None), newest first."""
        return self._source.page(filters, after, limit)

    def newer(self, filters: RequestFilter, than: PageKey, limit: int) -> list[RequestRow]:
        """Up to ``limit`` rows strictly newer than ``than``, newest first."""
        return self._source.newer(filters, than, limit)

    def summary(self, filters: RequestFilter, until: float) -> RequestSummary:
        """Counts by outcome and per time bucket; ``until`` closes an open-ended filter."""
        return self._source.summary(filters, until)

    def get(self, request_id: int) -> RequestRecord | None:
        """One whole record, or None when the entry is gone (pruned meanwhile)."""
        return self._source.get(request_id)

    def for_delivery(self, delivery_id: str) -> Sequence[RequestRecord]:
        """Every attempt of one delivery, in attempt order."""
        return self._source.for_delivery(delivery_id)

    def close(self) -> None:
        """Release the connection."""
        self._source.close()
