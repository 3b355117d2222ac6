"""The dispatcher's sinks backed by the workspace: request log, pending retries, and the local inbox.

SQLite connections cannot cross threads, and the dispatcher calls its sinks from many pool threads.
Rather than one :class:`~postback_studio.storage.workspace.Workspace` per pool thread (connections
that could only be closed from threads that are gone by then), one *writer thread* owns one
workspace and does every write in arrival order:

* log records are queued and written in batches, each batch in one transaction. With
  ``synchronous=FULL`` a commit per record would cost one disk flush per attempt; a batch costs one,
  so a burst of 1,000 attempts is written in a handful of commits and none is lost or reordered;
* pending-store calls (which must answer) are queued behind the records and waited for, so a retry
  never overtakes the log entry of the attempt that scheduled it.

The workspace is only reached through the injected factory; this module imports storage for types
only, so core keeps no runtime dependency on storage.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from postback_studio.core.dispatch.delivery import MemoryPendingStore, PendingRetry, redact_headers
from postback_studio.core.dispatch.inbox import ReceivedMessage, ReceivedRequest
from postback_studio.core.records import InboxEmail, InboxHttpRequest, PendingState
from postback_studio.core.records import PendingRetry as StoredRetry
from postback_studio.core.requestlog import RequestRecord

if TYPE_CHECKING:
    from postback_studio.storage.workspace import Workspace

_logger = logging.getLogger(__name__)
T = TypeVar("T")
WorkspaceFactory = Callable[[], "Workspace"]
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


class LogWriteError(RuntimeError):
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
                stored = [replace(r, id=workspace.requests.append(r)) for r in batch]
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


def restore_secrets(workspace: Workspace, pending: PendingRetry) -> PendingRetry:
    """The retry with its trigger's secret header values and signing secret read back from the store.

    A retry whose trigger is gone keeps the placeholders, so a signed one fails visibly rather than
    going out unsigned.
    """
    trigger_id = pending.delivery.trigger_id
    if trigger_id is None:
        return pending
    try:
        trigger = workspace.triggers.get(trigger_id)
    except KeyError:  # the workspace's NotFoundError
        return pending
    values = {h.name: h.value for h in trigger.headers if h.secret}
    return replace(pending, delivery=pending.delivery.with_secrets(values, trigger.signing_secret))


class WorkspacePendingStore:
    """A :class:`~.delivery.PendingStore` over ``workspace.pending``: retries survive a restart.

    The row keeps :meth:`PendingRetry.to_json` (exact body bytes, no secrets) in its ``payload``
    column; :meth:`due` and :meth:`take` give it back with the trigger's secrets restored. A delivery
    without a trigger (an ad hoc ``send --url``) is not part of the workspace's configuration, so its
    retry stays in memory: the command that made it waits for it anyway.
    """

    def __init__(self, writer: WorkspaceWriter) -> None:
        self._writer = writer
        self._ad_hoc = MemoryPendingStore()
        # delivery id -> row id of its pending retry, as last seen; only touched in the writer thread.
        self._row_ids: dict[str, int] = {}

    def put(self, pending: PendingRetry) -> None:
        """Store (or replace) the delivery's pending retry with its due time."""
        if pending.delivery.trigger_id is None:
            self._ad_hoc.put(pending)
            return
        trigger_id = pending.delivery.trigger_id

        def put(ws: Workspace) -> None:
            with ws.transaction():
                ws.pending.cancel_delivery(pending.delivery.delivery_id)
                stored = ws.pending.schedule(
                    StoredRetry(
                        delivery_id=pending.delivery.delivery_id,
                        trigger_id=trigger_id,
                        due_at=pending.due_at,
                        attempt=pending.attempt,
                        payload=pending.to_json(),
                        event=pending.delivery.event,
                        is_test=pending.delivery.is_test,
                    )
                )
            if stored.id is not None:
                self._row_ids[pending.delivery.delivery_id] = stored.id

        self._writer.call(put)

    def take(self, delivery_id: str) -> PendingRetry | None:
        """Claim the delivery's pending retry (secrets restored); None when there is none (cancelled)."""
        taken = self._ad_hoc.take(delivery_id)
        if taken is not None:
            return taken

        def claim(ws: Workspace, row: StoredRetry) -> PendingRetry | None:
            if row.id is None or row.state is not PendingState.PENDING:
                return None
            with ws.transaction():
                if not ws.pending.claim(row.id):
                    return None
                ws.pending.finish(row.id)
            return restore_secrets(ws, PendingRetry.from_json(row.payload))

        def take(ws: Workspace) -> PendingRetry | None:
            known = self._row_ids.pop(delivery_id, None)
            if known is not None:
                try:
                    taken = claim(ws, ws.pending.get(known))
                except KeyError:  # the workspace's NotFoundError
                    taken = None
                if taken is not None:
                    return taken
            for row in _rows_of(ws, delivery_id):
                taken = claim(ws, row)
                if taken is not None:
                    return taken
            return None

        return self._writer.call(take)

    def due(self, now: float) -> list[PendingRetry]:
        """Retries due at or before ``now``, earliest first, secrets restored. Unreadable rows are skipped."""

        def due(ws: Workspace) -> list[PendingRetry]:
            found = []
            for row in ws.pending.due(now, limit=10_000):
                try:
                    found.append(restore_secrets(ws, PendingRetry.from_json(row.payload)))
                except ValueError:
                    continue
                if row.id is not None:
                    self._row_ids[row.delivery_id] = row.id
            return found

        stored = self._writer.call(due)
        return sorted([*stored, *self._ad_hoc.due(now)], key=lambda p: p.due_at)

    def all(self) -> list[PendingRetry]:
        """Every waiting retry, earliest first, without secrets (for display)."""

        def read(ws: Workspace) -> list[PendingRetry]:
            found = []
            for row in ws.pending.list(PendingState.PENDING):
                try:
                    found.append(PendingRetry.from_json(row.payload))
                except ValueError:
                    continue
            return found

        return sorted([*self._writer.call(read), *self._ad_hoc.all()], key=lambda p: p.due_at)


def _rows_of(ws: Workspace, delivery_id: str) -> list[StoredRetry]:
    return [r for r in ws.pending.list(PendingState.PENDING) if r.delivery_id == delivery_id]


class InboxRecorder:
    """Sinks for :class:`~.inbox.HttpInbox` and :class:`~.inbox.SmtpCatcher` that store into ``ws.inbox``.

    The servers call their sink from their own threads; the writes go through one writer thread.

    Args:
        writer: The writer (and connection) to store through.
        on_http: Also called with each stored request (the CLI prints a line).
        on_email: Also called with each stored message.
    """

    def __init__(
        self,
        writer: WorkspaceWriter,
        *,
        on_http: Callable[[InboxHttpRequest], None] | None = None,
        on_email: Callable[[InboxEmail], None] | None = None,
    ) -> None:
        self._writer = writer
        self._on_http = on_http
        self._on_email = on_email

    def http(self, request: ReceivedRequest) -> None:
        """Store one received HTTP request (pass as ``HttpInbox(sink=recorder.http)``).

        Header values are stored redacted like the request log's: the credential headers, and every
        header some trigger of the workspace marks secret.
        """

        def store(ws: Workspace) -> InboxHttpRequest:
            secret = [h.name for trigger in ws.triggers.list() for h in trigger.headers if h.secret]
            item = InboxHttpRequest(
                received_at=request.received_at,
                method=request.method,
                path=request.path,
                headers=redact_headers(request.headers, secret),
                body=request.body,
                remote=request.client,
            )
            return replace(item, id=ws.inbox.add_http(item))

        stored = self._writer.call(store)
        if self._on_http is not None:
            self._on_http(stored)

    def email(self, message: ReceivedMessage) -> None:
        """Store one received message (pass as ``SmtpCatcher(sink=recorder.email)``)."""
        item = InboxEmail(
            received_at=message.received_at,
            mail_from=message.mail_from,
            rcpt_tos=message.rcpt_tos,
            raw=message.data,
            remote=message.client,
        )
        stored = replace(item, id=self._writer.call(lambda ws: ws.inbox.add_email(item)))
        if self._on_email is not None:
            self._on_email(stored)
