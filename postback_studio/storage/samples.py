"""The user's own sample payloads, per event (the built-in samples ship as resources)."""

from __future__ import annotations

import builtins
import json
from dataclasses import replace

from postback_studio.core.errors import ValidationIssue, raise_if
from postback_studio.core.model import Event
from postback_studio.core.records import SamplePayload
from postback_studio.core.validation import validate_name
from postback_studio.storage.repository import Repository, Row, unique_name


class SampleRepository(Repository):
    """The user's own sample payloads, per event (built-in samples ship as resources)."""

    table = "samples"
    what = "sample"

    def save(self, sample: SamplePayload) -> SamplePayload:
        """Insert or update; the payload must be JSON and the name unique within the event."""
        issues = validate_name(sample.name)
        try:
            json.loads(sample.payload)
        except ValueError as exc:
            issues.append(ValidationIssue("payload", f"is not valid JSON: {exc}"))
        issues += unique_name(
            self._conn,
            "SELECT 1 FROM samples WHERE event = ? AND name = ? AND id IS NOT ?",
            (sample.event.value, sample.name, sample.id),
            f"a sample named '{sample.name}' already exists for {sample.event.label}",
        )
        raise_if(issues, f"sample '{sample.name}'")
        row = {"name": sample.name, "event": sample.event.value, "payload": sample.payload}
        if sample.id is None:
            return replace(sample, id=self._insert(row))
        self._update(sample.id, row)
        return sample

    def get(self, sample_id: int) -> SamplePayload:
        """The sample with that id, or :class:`NotFoundError`."""
        return _sample(self._by_id(sample_id))

    def list(self, event: Event | None = None) -> builtins.list[SamplePayload]:
        """Samples by event and name, optionally of one event."""
        if event is None:
            return [_sample(r) for r in self._where(order_by="event, name")]
        return [_sample(r) for r in self._where("event = ?", (event.value,), order_by="name")]

    def delete(self, sample_id: int) -> None:
        """Delete a sample."""
        self.get(sample_id)
        self._delete(sample_id)


def _sample(row: Row) -> SamplePayload:
    return SamplePayload(name=row["name"], event=Event(row["event"]), payload=row["payload"], id=row["id"])
