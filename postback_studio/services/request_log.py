"""The request log's read side, for the command line and for the Requests page's workers.

:class:`RequestLogService` reads whole entries through one thread's workspace (``log``,
``log show``). :class:`RequestLogReader` is what the Requests page's background queries use: each
job opens one (one connection, on the job's thread), asks for a page, newer rows, a summary or
whole records, and closes it.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from pathlib import Path

from postback_studio.core.errors import NotFoundError
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


class RequestLogReader:
    """The read side the Requests page's workers use: one connection, opened on the job's thread."""

    def __init__(self, source: WorkspaceRequestSource) -> None:
        self._source = source

    @classmethod
    def open(cls, path: Path) -> RequestLogReader:
        """Open the existing workspace at ``path`` on the calling thread (never seeds it)."""
        return cls(WorkspaceRequestSource.open(path))

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
        try:
            return self._source.get(request_id)
        except NotFoundError:
            return None

    def for_delivery(self, delivery_id: str) -> Sequence[RequestRecord]:
        """Every attempt of one delivery, in attempt order."""
        return self._source.for_delivery(delivery_id)

    def close(self) -> None:
        """Release the connection."""
        self._source.close()
