"""Triggers, with their secret header values and signing secret kept in the secret store.

On save, an empty secret value means "keep the stored one", so a trigger read by :meth:`list`
(which does not fetch secrets) can be saved back without wiping them. A value that is written is
bound to the trigger's destination as saved (the scheme, host and port of its URL): the user entered
it for that receiver. Whether secrets follow a changed destination is decided above this layer
(:mod:`postback_studio.services.secret_policy`), through :meth:`TriggerRepository.bind_secrets` and
:meth:`TriggerRepository.clear_secrets`.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from postback_studio.core.bundle import retry_from_document, retry_to_document
from postback_studio.core.destination import fingerprint, webhook_destination
from postback_studio.core.errors import NotFoundError, ValidationIssue, raise_if
from postback_studio.core.model import (
    DeliveryMethod,
    Event,
    Header,
    OutputFormat,
    Template,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.records import StoredSecret
from postback_studio.core.validation import validate_trigger
from postback_studio.storage.repository import Repository, Row, unique_name
from postback_studio.storage.secrets import trigger_secret_key, trigger_secret_slot

SIGNING_SLOT = "signing"


def destination_of(trigger: Trigger) -> str:
    """The fingerprint of the destination ``trigger``'s secrets go to ("" for an email trigger)."""
    if trigger.method is not DeliveryMethod.URL:
        return ""
    return fingerprint(webhook_destination(trigger.url))


def secret_slots(trigger: Trigger) -> list[tuple[str, str]]:
    """The secrets ``trigger`` is configured to hold, as (slot, label): secret headers, then signing."""
    slots = [(trigger_secret_slot(h.name), f"header '{h.name}'") for h in trigger.headers if h.secret]
    if trigger.signing:
        slots.append((SIGNING_SLOT, "signing secret"))
    return slots


class TriggerRepository(Repository):
    """Triggers, with their secret header values and signing secret kept in the secret store."""

    table = "triggers"
    what = "trigger"

    def _key(self, trigger_id: int, slot: str) -> str:
        return trigger_secret_key(self._ws.workspace_id, trigger_id, slot)

    def _set_secret(self, trigger_id: int, slot: str, value: str, destination: str) -> None:
        key = self._key(trigger_id, slot)
        self._ws.secrets.set(key, value)
        self._ws.bindings.set(key, destination)

    def _delete_secret(self, trigger_id: int, slot: str) -> None:
        key = self._key(trigger_id, slot)
        self._ws.secrets.delete(key)
        self._ws.bindings.delete(key)

    def save(self, trigger: Trigger) -> Trigger:
        """Insert or update after validation (required fields, template kind and format, unique name)."""
        template: Template | None = None
        issues: list[ValidationIssue] = []
        if trigger.template_id is not None:
            try:
                template = self._ws.templates.get(trigger.template_id)
            except NotFoundError:
                issues.append(ValidationIssue("template_id", f"no template with id {trigger.template_id}"))
        issues += validate_trigger(trigger, template)
        if not self._exists("customers", trigger.customer_id):
            issues.append(ValidationIssue("customer_id", f"no customer with id {trigger.customer_id}"))
        issues += unique_name(
            self._conn,
            "SELECT 1 FROM triggers WHERE customer_id = ? AND name = ? AND id IS NOT ?",
            (trigger.customer_id, trigger.name, trigger.id),
            f"this customer already has a trigger named '{trigger.name}'",
        )
        raise_if(issues, f"trigger '{trigger.name}'")
        with self._ws.transaction():
            if trigger.id is None:
                saved = replace(trigger, id=self._insert(_row(trigger)))
                previous: Trigger | None = None
            else:
                previous = self.get(trigger.id, with_secrets=False)
                self._update(trigger.id, _row(trigger))
                saved = trigger
            self._store_secrets(saved, previous)
        return saved

    def _store_secrets(self, trigger: Trigger, previous: Trigger | None) -> None:
        assert trigger.id is not None
        keep = {slot for slot, _label in secret_slots(trigger)}
        if previous is not None:
            for slot, _label in secret_slots(previous):
                if slot not in keep:
                    self._delete_secret(trigger.id, slot)
        destination = destination_of(trigger)
        for header in trigger.headers:
            if header.secret and header.value:
                self._set_secret(trigger.id, trigger_secret_slot(header.name), header.value, destination)
        if not trigger.signing:
            self._delete_secret(trigger.id, SIGNING_SLOT)
        elif trigger.signing_secret:
            self._set_secret(trigger.id, SIGNING_SLOT, trigger.signing_secret, destination)

    def stored_secrets(self, trigger: Trigger) -> builtins.list[StoredSecret]:
        """Each secret the stored trigger ``trigger`` is configured to hold: stored or not, bound to what.

        ``trigger`` is the trigger as stored (its id, headers and signing switch say which secrets
        it has); values are read only to learn whether one exists.
        """
        assert trigger.id is not None
        found = []
        for slot, label in secret_slots(trigger):
            key = self._key(trigger.id, slot)
            stored = bool(self._ws.secrets.get(key))
            found.append(StoredSecret(slot, label, stored, self._ws.bindings.get(key)))
        return found

    def bindings(self, trigger: Trigger) -> dict[str, str]:
        """Slot -> the destination each configured secret of ``trigger`` is bound to (no value read)."""
        assert trigger.id is not None
        return {slot: self._ws.bindings.get(self._key(trigger.id, slot)) for slot, _ in secret_slots(trigger)}

    def store_secret(self, trigger: Trigger, slot: str, value: str) -> None:
        """Store ``value`` in ``slot`` of the saved ``trigger``, bound to the trigger's destination."""
        assert trigger.id is not None
        with self._ws.transaction():
            self._set_secret(trigger.id, slot, value, destination_of(trigger))

    def bind_secrets(self, trigger_id: int, slots: Iterable[str], destination: str) -> None:
        """Bind the stored secrets ``slots`` of the trigger to ``destination`` (the user kept them)."""
        with self._ws.transaction():
            for slot in slots:
                self._ws.bindings.set(self._key(trigger_id, slot), destination)

    def clear_secrets(self, trigger_id: int, slots: Iterable[str]) -> None:
        """Delete the stored values (and bindings) of ``slots``; the headers stay marked secret."""
        with self._ws.transaction():
            for slot in slots:
                self._delete_secret(trigger_id, slot)

    def get(self, trigger_id: int, *, with_secrets: bool = True) -> Trigger:
        """The trigger with that id, secrets filled in unless ``with_secrets`` is False."""
        trigger = _trigger(self._by_id(trigger_id))
        return self._with_secrets(trigger) if with_secrets else trigger

    def _with_secrets(self, trigger: Trigger) -> Trigger:
        assert trigger.id is not None
        trigger_id = trigger.id
        headers = tuple(
            replace(h, value=self._ws.secrets.get(self._key(trigger_id, trigger_secret_slot(h.name))) or "")
            if h.secret
            else h
            for h in trigger.headers
        )
        secret = (self._ws.secrets.get(self._key(trigger_id, SIGNING_SLOT)) or "") if trigger.signing else ""
        return replace(trigger, headers=headers, signing_secret=secret)

    def get_by_name(self, customer_id: int, name: str) -> Trigger | None:
        """A customer's trigger by name (with secrets), or None."""
        row = self._first("customer_id = ? AND name = ?", (customer_id, name))
        return None if row is None else self.get(row["id"])

    def list(
        self,
        *,
        customer_id: int | None = None,
        event: Event | None = None,
        status: TriggerStatus | None = None,
        template_id: int | None = None,
    ) -> builtins.list[Trigger]:
        """Triggers by customer and name, filtered; secret values are left empty (use :meth:`get`)."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("customer_id", customer_id),
            ("event", event.value if event else None),
            ("status", status.value if status else None),
            ("template_id", template_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = self._where(" AND ".join(where) or None, tuple(params), order_by="customer_id, name, id")
        return [_trigger(r) for r in rows]

    def set_status(self, trigger_id: int, status: TriggerStatus) -> Trigger:
        """Activate, deactivate or return a trigger to draft (validated like a save)."""
        return self.save(replace(self.get(trigger_id, with_secrets=False), status=status))

    def delete(self, trigger_id: int) -> None:
        """Delete a trigger and its secrets; pending retries of it are cancelled."""
        trigger = self.get(trigger_id, with_secrets=False)
        with self._ws.transaction():
            for header in trigger.headers:
                if header.secret:
                    self._delete_secret(trigger_id, trigger_secret_slot(header.name))
            self._delete_secret(trigger_id, SIGNING_SLOT)
            self._conn.execute(
                "UPDATE pending_retries SET state = 'canceled' WHERE trigger_id = ? AND state = 'pending'",
                (trigger_id,),
            )
            self._delete(trigger_id)

    def detach_template(self, trigger_id: int) -> None:
        """Unhook a trigger from its template without validating (a bundle re-attaches it later)."""
        self._update(trigger_id, {"template_id": None})


def _row(trigger: Trigger) -> Row:
    """The columns of ``trigger`` as stored; secret values stay out (the secret store has them)."""
    return {
        "name": trigger.name,
        "customer_id": trigger.customer_id,
        "event": trigger.event.value,
        "method": trigger.method.value,
        "url": trigger.url,
        "http_method": trigger.http_method,
        "format": trigger.format.value,
        "headers": json.dumps(
            [
                {"name": h.name, "secret": h.secret, "value": "" if h.secret else h.value}
                for h in trigger.headers
            ]
        ),
        "retry": json.dumps(retry_to_document(trigger.retry), sort_keys=True),
        "signing": int(trigger.signing),
        "recipients": json.dumps(list(trigger.recipients)),
        "template_id": trigger.template_id,
        "status": trigger.status.value,
    }


def _trigger(row: Row) -> Trigger:
    return Trigger(
        name=row["name"],
        customer_id=row["customer_id"],
        event=Event(row["event"]),
        method=DeliveryMethod(row["method"]),
        url=row["url"],
        http_method=row["http_method"],
        format=OutputFormat(row["format"]),
        headers=tuple(Header(h["name"], h["value"], bool(h["secret"])) for h in json.loads(row["headers"])),
        retry=retry_from_document(json.loads(row["retry"])),
        signing=bool(row["signing"]),
        recipients=tuple(json.loads(row["recipients"])),
        template_id=row["template_id"],
        status=TriggerStatus(row["status"]),
        id=row["id"],
    )
