"""Retries that are due later: they survive a restart, can be listed, claimed, finished and cancelled.

Each row holds a retry's plan (the delivery service's serialized plan, no secret) and the columns
that let the store find, claim and list it without reading the plan.
"""

from __future__ import annotations

import builtins
from dataclasses import replace

from postback_studio.core.records import PendingState, StoredRetry
from postback_studio.storage.repository import Repository, Row


class PendingRepository(Repository):
    """Retries that are due later. They survive a restart; the retry worker polls :meth:`due`."""

    table = "pending_retries"
    what = "pending retry"

    def schedule(self, retry: StoredRetry) -> StoredRetry:
        """Store a retry and return it with its id."""
        row = {
            "delivery_id": retry.delivery_id,
            "trigger_id": retry.trigger_id,
            "due_at": retry.due_at,
            "attempt": retry.attempt,
            "payload": retry.payload,
            "event": retry.event,
            "is_test": int(retry.is_test),
            "state": retry.state.value,
        }
        return replace(retry, id=self._insert(row))

    def get(self, retry_id: int) -> StoredRetry:
        """One retry, or :class:`NotFoundError`."""
        return _pending(self._by_id(retry_id))

    def due(self, now: float, limit: int = 100) -> builtins.list[StoredRetry]:
        """Pending retries whose time has come, earliest first."""
        rows = self._rows(
            "SELECT * FROM pending_retries WHERE state = 'pending' AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?",
            (now, limit),
        )
        return [_pending(r) for r in rows]

    def list(self, state: PendingState | None = PendingState.PENDING) -> builtins.list[StoredRetry]:
        """Retries in a state (all states with None), earliest due first."""
        if state is None:
            return [_pending(r) for r in self._where(order_by="due_at, id")]
        return [_pending(r) for r in self._where("state = ?", (state.value,), order_by="due_at, id")]

    def claim(self, retry_id: int) -> bool:
        """Move a pending retry to running; False when it was cancelled or claimed meanwhile."""
        return self._move(retry_id, PendingState.PENDING, PendingState.RUNNING)

    def finish(self, retry_id: int) -> bool:
        """Mark a running retry done."""
        return self._move(retry_id, PendingState.RUNNING, PendingState.DONE)

    def cancel(self, retry_id: int) -> bool:
        """Cancel a retry that has not started; False when it already ran or was cancelled."""
        return self._move(retry_id, PendingState.PENDING, PendingState.CANCELED)

    def cancel_delivery(self, delivery_id: str) -> int:
        """Cancel every pending retry of one postback; returns how many were cancelled."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "UPDATE pending_retries SET state = 'canceled' WHERE delivery_id = ? AND state = 'pending'",
                (delivery_id,),
            )
        return cursor.rowcount

    def recover(self) -> int:
        """After a crash, put retries left running back to pending so they are tried again."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "UPDATE pending_retries SET state = 'pending' WHERE state = 'running'"
            )
        return cursor.rowcount

    def _move(self, retry_id: int, old: PendingState, new: PendingState) -> bool:
        with self._ws.transaction():
            cursor = self._conn.execute(
                "UPDATE pending_retries SET state = ? WHERE id = ? AND state = ?",
                (new.value, retry_id, old.value),
            )
        return cursor.rowcount == 1


def _pending(row: Row) -> StoredRetry:
    return StoredRetry(
        delivery_id=row["delivery_id"],
        trigger_id=row["trigger_id"],
        due_at=row["due_at"],
        attempt=row["attempt"],
        payload=row["payload"],
        event=row["event"],
        is_test=bool(row["is_test"]),
        state=PendingState(row["state"]),
        id=row["id"],
    )
