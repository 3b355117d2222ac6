"""The log writer: one thread and one workspace connection write every attempt and retry, in order.

SQLite connections cannot cross threads, and the dispatcher calls its sinks from many pool threads.
Rather than one :class:`~postback_studio.storage.workspace.Workspace` per pool thread (connections
that could only be closed from threads that are gone by then), one *writer thread* owns one
workspace and does every write in arrival order:

* log records are queued and written in batches, each batch in one transaction. With
  ``synchronous=FULL`` a commit per record would cost one disk flush per attempt; a batch costs one,
  so a burst of 1,000 attempts is written in a handful of commits and none is lost or reordered;
* store calls (which must answer: the pending-retry store, the inbox) are queued behind the records
  and waited for, so a retry never overtakes the log entry of the attempt that scheduled it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TypeVar

from postback_studio.core.errors import StudioError
from postback_studio.core.redaction import Redaction
from postback_studio.core.requestlog import RequestRecord
from postback_studio.storage.workspace import Workspace

_logger = logging.getLogger(__name__)
T = TypeVar("T")
WorkspaceFactory = Callable[[], Workspace]
AttemptCallback = Callable[[RequestRecord], None]
#: How many queued log records one transaction writes at most.
_BATCH = 500
#: How long the writer waits for more records before committing a batch (seconds): a burst of
#: attempts becomes a few transactions instead of one each, at the cost of this delay on the log.
_LINGER = 0.02
#: How long the writer waits for the retry that an attempt's record announces (seconds). The
#: dispatcher queues it right behind the record, but a busy machine may pause that thread for longer
#: than ``_LINGER``; the bound only keeps a record without one from waiting forever.
_RETRY_WAIT = 5.0


class LogWriteError(StudioError, RuntimeError):
    """Records could not be written to the workspace; they are kept in memory (:attr:`unsaved`)."""

    def __init__(self, message: str, unsaved: list[RequestRecord]) -> None:
        super().__init__(message)
        self.unsaved = unsaved


@dataclass(frozen=True)
class _Call:
    function: Callable[[Workspace], object]
    future: Future[object]


class _Stop:
    pass


class WorkspaceWriter:
    """One thread, one workspace connection: writes log records in batches and runs store calls in order.

    Args:
        factory: Opens the workspace; called once, inside the writer thread.
        on_stored: Called from the writer thread with every record once it is stored (``id`` set), in
            order. Keep it short and never call back into the dispatcher or the service from it (emit a
            Qt signal, print a line): the writer waits for nothing else while it runs.
    """

    def __init__(self, factory: WorkspaceFactory, on_stored: AttemptCallback | None = None) -> None:
        self._factory = factory
        self._on_stored = on_stored
        self._queue: queue.Queue[RequestRecord | _Call | _Stop] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._unsaved: list[RequestRecord] = []
        self._error: str = ""
        self._closed = False
        # trigger id -> what its deliveries must not leave in the log, from the one read of the trigger.
        self._redactions: dict[int, Redaction] = {}

    def remember(self, trigger_id: int, redaction: Redaction) -> None:
        """Redact the attempts of ``trigger_id`` with ``redaction`` (so logging reads no trigger again)."""
        self._redactions[trigger_id] = redaction

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._closed:
                raise RuntimeError("the workspace writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="workspace-writer", daemon=True)
                self._thread.start()

    def append(self, record: RequestRecord) -> None:
        """Queue a record for the request log (a :class:`~.delivery.RequestLogSink`)."""
        self._ensure_started()
        self._queue.put(record)

    def call(self, function: Callable[[Workspace], T]) -> T:
        """Run ``function(workspace)`` in the writer thread after everything queued so far; its result.

        Raises:
            Exception: Whatever ``function`` raised.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("WorkspaceWriter.call from the writer thread would wait for itself")
        self._ensure_started()
        future: Future[object] = Future()
        self._queue.put(_Call(function, future))
        return future.result()  # type: ignore[return-value]

    def flush(self) -> None:
        """Wait until every record queued so far is stored and its callback has run.

        Raises:
            LogWriteError: Some records could not be written (they stay in :attr:`unsaved`).
        """
        if self._thread is None:
            return
        self.call(lambda _ws: None)
        if self._error:
            raise LogWriteError(self._error, list(self._unsaved))

    @property
    def unsaved(self) -> list[RequestRecord]:
        """Records that failed to be written (a full disk, a locked file): shown, never dropped."""
        return list(self._unsaved)

    def close(self) -> None:
        """Write what is queued, close the connection and end the thread."""
        with self._start_lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_Stop())
            thread.join()

    def _run(self) -> None:
        try:
            workspace = self._factory()
        except Exception as exc:  # reported to every caller instead of killing the thread silently
            self._fail_all(exc)
            return
        try:
            pending: RequestRecord | _Call | _Stop | None = None
            while True:
                item = pending if pending is not None else self._queue.get()
                pending = None
                if isinstance(item, _Stop):
                    return
                if isinstance(item, _Call):
                    self._run_call(workspace, item)
                    continue
                batch = [item]
                while len(batch) < _BATCH or _retry_follows(batch[-1]):
                    try:
                        wait = _RETRY_WAIT if _retry_follows(batch[-1]) else _LINGER
                        following = self._queue.get(timeout=wait)
                    except queue.Empty:
                        break
                    if not isinstance(following, RequestRecord):
                        pending = following
                        break
                    batch.append(following)
                then = pending if isinstance(pending, _Call) else None
                pending = None if then is not None else pending
                self._write(workspace, batch, then)
        finally:
            workspace.close()

    def _run_call(self, workspace: Workspace, call: _Call) -> None:
        try:
            call.future.set_result(call.function(workspace))
        except Exception as exc:
            call.future.set_exception(exc)

    def _write(self, workspace: Workspace, batch: list[RequestRecord], then: _Call | None = None) -> None:
        """Store a batch in one transaction; earlier records that failed are tried again first.

        ``then``, the store call queued right behind the batch, runs in the same transaction: it is
        typically the retry that the batch's last attempt scheduled, and committing the two apart
        would let a kill in between leave a "retrying" log entry whose retry is lost. The call runs in
        a savepoint, so its failure does not undo the records; its caller is answered only after the
        commit.
        """
        batch = [*self._unsaved, *batch]
        result: Future[object] = Future()
        try:
            with workspace.transaction():
                ids = workspace.requests.append_all([(r, self._redaction(r)) for r in batch])
                stored = [replace(r, id=i) for r, i in zip(batch, ids, strict=True)]
                if then is not None:
                    try:
                        with workspace.transaction():  # a savepoint: a failing call undoes only itself
                            result.set_result(then.function(workspace))
                    except Exception as exc:
                        result.set_exception(exc)
        except Exception as exc:
            self._unsaved = batch
            self._error = f"{len(batch)} request-log entries could not be written (kept in memory): {exc}"
            if then is not None:
                self._run_call(workspace, then)
            return
        self._unsaved, self._error = [], ""
        self._notify(stored)
        if then is not None:
            if (error := result.exception()) is not None:
                then.future.set_exception(error)
            else:
                then.future.set_result(result.result())

    def _redaction(self, record: RequestRecord) -> Redaction | None:
        return None if record.trigger_id is None else self._redactions.get(record.trigger_id)

    def _notify(self, stored: list[RequestRecord]) -> None:
        if self._on_stored is not None:
            for record in stored:
                try:
                    self._on_stored(record)
                except Exception:  # a failing listener must not stop the log; the record is stored
                    _logger.exception("on_attempt callback failed for %s", record.delivery_id)

    def _fail_all(self, exc: Exception) -> None:
        self._error = f"cannot open the workspace for the request log: {exc}"
        while True:
            item = self._queue.get()
            if isinstance(item, _Stop):
                return
            if isinstance(item, _Call):
                item.future.set_exception(RuntimeError(self._error))
            else:
                self._unsaved.append(item)


def _retry_follows(record: RequestRecord) -> bool:
    """Whether the dispatcher stores a retry through this writer right after ``record``.

    An attempt that scheduled a retry says when (``next_attempt_at``); a trigger's retry is stored in
    the workspace (:class:`WorkspacePendingStore`), an ad hoc one in memory. The writer commits the
    two together (see :meth:`WorkspaceWriter._write`), so it waits for the retry rather than
    committing the record alone.
    """
    return record.next_attempt_at is not None and record.trigger_id is not None
