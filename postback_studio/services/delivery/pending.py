"""Pending retries in the workspace, so they survive a restart and can be shown and cancelled.

A retry is stored as its plan (:class:`~postback_studio.core.dispatch.delivery.PendingRetry`,
whose :meth:`~postback_studio.core.dispatch.delivery.PendingRetry.to_json` and ``from_json`` are the
one serializer and the one parser: the exact body bytes, never a secret) in a row of
``workspace.pending``. A retry this process scheduled carries its delivery on, secrets included, as
read once when the delivery was prepared; only a retry left by an earlier run reads its trigger's
secrets back. Every store call runs on the log writer's thread, behind the log record of the
attempt that scheduled it (see :mod:`.writer`).

A stored plan that cannot be read is not retried forever in silence: its row is cancelled and the
log gets an entry saying which attempt could not be made and why.
"""

from __future__ import annotations

from dataclasses import replace

from postback_studio.core.dispatch.delivery import MemoryPendingStore
from postback_studio.core.dispatch.plan import Delivery, EmailTarget, PendingRetry
from postback_studio.core.errors import NotFoundError
from postback_studio.core.records import PendingState, StoredRetry
from postback_studio.core.redaction import Redaction
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.services.delivery.writer import WorkspaceWriter
from postback_studio.services.secret_policy import secrets_for_url
from postback_studio.storage.workspace import Workspace


def restore_secrets(workspace: Workspace, writer: WorkspaceWriter, pending: PendingRetry) -> PendingRetry:
    """The retry with its trigger's secret header values and signing secret read back from the store.

    Only secrets bound to the destination of the retry's own URL are restored: a trigger that moved
    since the first attempt keeps its new secrets from the old receiver. A retry whose trigger is
    gone, or whose secrets are not bound to its URL, keeps the placeholders, so it is refused
    visibly rather than going out without them. The writer learns what the trigger's attempts must
    not contain.
    """
    trigger_id = pending.delivery.trigger_id
    if trigger_id is None:
        return pending
    try:
        trigger = workspace.triggers.get(trigger_id)
    except NotFoundError:
        return pending
    writer.remember(trigger_id, Redaction.of_trigger(trigger))
    target = pending.delivery.target
    if isinstance(target, EmailTarget):
        return pending
    values, signing = secrets_for_url(workspace, trigger, target.url)
    return replace(pending, delivery=pending.delivery.with_secrets(values, signing))


class WorkspacePendingStore:
    """A :class:`~.delivery.PendingStore` over ``workspace.pending``: retries survive a restart.

    The row keeps :meth:`PendingRetry.to_json` (exact body bytes, no secrets) in its ``payload``
    column; :meth:`due` and :meth:`take` give it back with the trigger's secrets restored. A delivery
    without a trigger (an ad hoc ``send --url``) is not part of the workspace's configuration, so its
    retry stays in memory: the command that made it waits for it anyway.
    """

    def __init__(self, writer: WorkspaceWriter, notices: ChangeBus) -> None:
        self._writer = writer
        self._notices = notices
        self._ad_hoc = MemoryPendingStore()
        # delivery id -> row id of its pending retry, as last seen; only touched in the writer thread.
        self._row_ids: dict[str, int] = {}
        # delivery id -> the delivery this process scheduled a retry of, secrets and all.
        self._carried: dict[str, Delivery] = {}

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
            self._carried[pending.delivery.delivery_id] = pending.delivery

        self._writer.call(put)
        self._notices.publish(ChangeNotice(Entity.PENDING_RETRY))

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
            return self._readable(ws, row, claimed=True)

        def take(ws: Workspace) -> PendingRetry | None:
            known = self._row_ids.pop(delivery_id, None)
            if known is not None:
                try:
                    taken = claim(ws, ws.pending.get(known))
                except NotFoundError:
                    taken = None
                if taken is not None:
                    return taken
            for row in _rows_of(ws, delivery_id):
                taken = claim(ws, row)
                if taken is not None:
                    return taken
            return None

        taken = self._writer.call(take)
        if taken is not None:
            self._notices.publish(ChangeNotice(Entity.PENDING_RETRY))
        return taken

    def due(self, now: float) -> list[PendingRetry]:
        """Retries due at or before ``now``, earliest first, secrets restored."""

        def due(ws: Workspace) -> list[PendingRetry]:
            found = []
            for row in ws.pending.due(now, limit=10_000):
                plan = self._readable(ws, row, claimed=False)
                if plan is not None:
                    found.append(plan)
                    if row.id is not None:
                        self._row_ids[row.delivery_id] = row.id
            return found

        stored = self._writer.call(due)
        return sorted([*stored, *self._ad_hoc.due(now)], key=lambda p: p.due_at)

    def any_due(self, now: float) -> bool:
        """Whether some retry is due at or before ``now`` (one indexed query; nothing is claimed)."""
        if self._ad_hoc.due(now):
            return True
        return bool(self._writer.call(lambda ws: ws.pending.due(now, limit=1)))

    def all(self) -> list[PendingRetry]:
        """Every waiting retry whose plan can be read, earliest first, without secrets (for display)."""

        def read(ws: Workspace) -> list[PendingRetry]:
            found = []
            for row in ws.pending.list(PendingState.PENDING):
                try:
                    found.append(PendingRetry.from_json(row.payload))
                except ValueError:
                    continue
            return found

        return sorted([*self._writer.call(read), *self._ad_hoc.all()], key=lambda p: p.due_at)

    def _readable(self, ws: Workspace, row: StoredRetry, *, claimed: bool) -> PendingRetry | None:
        """The plan of ``row`` ready to run (the carried delivery, or secrets restored); None if unreadable.

        A claimed plan's carried delivery is handed over (and forgotten); a plan only listed as due
        keeps it for the claim that follows. An unreadable plan's row is cancelled and its attempt is
        logged as failed with the reason.
        """
        try:
            plan = PendingRetry.from_json(row.payload)
        except ValueError as exc:
            if row.id is not None:
                ws.pending.cancel(row.id)
            ws.requests.append(_unreadable_retry(row, str(exc)))
            return None
        carried = self._carried.pop(row.delivery_id, None) if claimed else self._carried.get(row.delivery_id)
        if carried is not None:
            return replace(plan, delivery=carried)
        restored = restore_secrets(ws, self._writer, plan)
        if not claimed:  # the claim that follows carries it on instead of reading the trigger again
            self._carried[row.delivery_id] = restored.delivery
        return restored


def _unreadable_retry(row: StoredRetry, reason: str) -> RequestRecord:
    return RequestRecord(
        delivery_id=row.delivery_id,
        attempt=row.attempt,
        channel=Channel.WEBHOOK,
        outcome=Outcome.FAILED,
        started_at=row.due_at,
        event=row.event,
        target="",
        error=f"Attempt {row.attempt} was not made: its stored retry plan cannot be read ({reason}).",
        trigger_id=row.trigger_id,
        is_test=row.is_test,
    )


def _rows_of(ws: Workspace, delivery_id: str) -> list[StoredRetry]:
    return [r for r in ws.pending.list(PendingState.PENDING) if r.delivery_id == delivery_id]
