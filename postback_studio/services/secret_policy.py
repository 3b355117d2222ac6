"""The secret policy: a stored secret goes only to the destination it was entered for.

A webhook secret (a header marked secret, the signing secret) is bound to the scheme, host and port
of its trigger's URL; the SMTP password to the server's host, port and username
(:mod:`postback_studio.core.destination` computes the fingerprint, the storage layer keeps it beside
each secret). This module is the one place that decides what follows from that, for every path:

* **Saving** a trigger or the SMTP settings with another destination (a form, an import, the command
  line): the secrets bound to the old destination are cleared, unless the caller kept them for the
  new one (the app asks the user). A value entered with the save itself was entered for the new
  destination and is bound to it. The caller gets a :class:`~postback_studio.core.destination.
  DestinationChange` to say so ("secrets cleared for trigger 'X' because its destination changed").
* **Sending**: a secret is used only for a request to the destination it is bound to; any other is
  left out, and the dispatcher refuses a delivery that lacks a secret it needs, saying what to enter
  again and where (:meth:`~postback_studio.core.dispatch.plan.Delivery.missing_secrets`,
  :func:`~postback_studio.core.dispatch.email.password_missing`). A retry made after the trigger
  moved checks its own URL, so secrets kept for the new destination never reach the old one.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from postback_studio.core.destination import DestinationChange, fingerprint, webhook_destination
from postback_studio.core.errors import InputError, NotFoundError
from postback_studio.core.model import DeliveryMethod, Header, SmtpSettings, Trigger
from postback_studio.core.validation import http_header_issues
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.storage.secrets import trigger_secret_slot
from postback_studio.storage.smtp import destination_of as smtp_destination_of
from postback_studio.storage.triggers import SIGNING_SLOT, destination_of, secret_slots
from postback_studio.storage.workspace import Workspace


def trigger_owner(ws: Workspace, trigger: Trigger) -> str:
    """``trigger 'Shipped' of customer 'Acme'``: how messages name a trigger's secrets."""
    try:
        customer = ws.customers.get(trigger.customer_id).name
    except NotFoundError:
        return f"trigger '{trigger.name}'"
    return f"trigger '{trigger.name}' of customer '{customer}'"


def _values(trigger: Trigger) -> dict[str, str]:
    """Slot -> the secret value ``trigger`` carries (secret headers, the signing secret), when any."""
    values = {trigger_secret_slot(h.name): h.value for h in trigger.headers if h.secret and h.value}
    if trigger.signing and trigger.signing_secret:
        values[SIGNING_SLOT] = trigger.signing_secret
    return values


def trigger_change(ws: Workspace, trigger: Trigger) -> DestinationChange | None:
    """What saving ``trigger`` would do to its stored secrets: None when none is bound elsewhere.

    A stored secret is at stake when it is bound to another destination than ``trigger``'s and the
    save does not enter a new value for it: a blank value keeps the stored one, and a value equal to
    the stored one is the old secret carried along (a form shows what it loaded). A trigger whose
    URL names no destination is refused by the save, so nothing is at stake.
    """
    if trigger.id is None:
        return None
    try:
        stored = ws.triggers.get(trigger.id)
    except NotFoundError:
        return None
    after = destination_of(trigger)
    if trigger.method is DeliveryMethod.URL and not after:
        return None
    old_values, new_values = _values(stored), _values(trigger)
    wanted = {slot for slot, _label in secret_slots(trigger)}
    at_stake = [
        secret
        for secret in ws.triggers.stored_secrets(stored)
        if secret.stored
        and secret.slot in wanted
        and secret.bound_to != after
        and new_values.get(secret.slot, old_values.get(secret.slot)) == old_values.get(secret.slot)
    ]
    if not at_stake:
        return None
    return DestinationChange(
        trigger_owner(ws, trigger),
        tuple(s.label for s in at_stake),
        at_stake[0].bound_to,
        after,
        tuple(s.slot for s in at_stake),
    )


def save_trigger(
    ws: Workspace,
    trigger: Trigger,
    *,
    keep: bool = False,
    save: Callable[[Trigger], Trigger] | None = None,
) -> tuple[Trigger, DestinationChange | None]:
    """Save ``trigger`` (through ``save``, the repository's by default) and apply the policy, together.

    Secrets bound to another destination (:func:`trigger_change`) are cleared, or with ``keep``
    rebound to the new one. Returns the saved trigger (cleared values blank) and the change.
    """
    save = save or ws.triggers.save
    with ws.transaction():
        change = trigger_change(ws, trigger)
        if change is not None and not keep:
            trigger = without_secrets(trigger, change.slots)
        saved = save(trigger)
        if change is not None:
            assert saved.id is not None
            if keep:
                ws.triggers.bind_secrets(saved.id, change.slots, change.after)
            else:
                ws.triggers.clear_secrets(saved.id, change.slots)
    return saved, change


def without_secrets(trigger: Trigger, slots: tuple[str, ...] | frozenset[str]) -> Trigger:
    """``trigger`` with the values of ``slots`` blank (the headers stay, marked secret)."""
    headers = tuple(
        replace(h, value="") if h.secret and trigger_secret_slot(h.name) in slots else h
        for h in trigger.headers
    )
    signing_secret = "" if SIGNING_SLOT in slots else trigger.signing_secret
    return replace(trigger, headers=headers, signing_secret=signing_secret)


def smtp_change(ws: Workspace, settings: SmtpSettings) -> DestinationChange | None:
    """What saving ``settings`` would do to the stored password: None when it stays bound where it is.

    A password typed with the save (other than the stored one) is entered for the new destination.
    """
    stored = ws.smtp.stored_password()
    after = smtp_destination_of(settings)
    if not stored.stored or stored.bound_to == after:
        return None
    if settings.password and settings.password != ws.smtp.get().password:
        return None
    return DestinationChange("the SMTP settings", (stored.label,), stored.bound_to, after, (stored.slot,))


def set_smtp(
    ws: Workspace, settings: SmtpSettings, *, keep_password: bool = True, keep: bool = False
) -> tuple[SmtpSettings, DestinationChange | None]:
    """Save the SMTP settings and apply the policy to the stored password, together.

    ``keep_password`` is the repository's (a blank password keeps the stored one); ``keep`` keeps a
    password bound to another server for the new one instead of clearing it.
    """
    with ws.transaction():
        change = smtp_change(ws, settings)
        if change is not None and not keep:
            settings = replace(settings, password="")
        saved = ws.smtp.set(settings, keep_password=keep_password)
        if change is not None:
            if keep:
                ws.smtp.bind_password(change.after)
            else:
                ws.smtp.clear_password()
                saved = replace(saved, password="")
    return saved, change


# -- sending -----------------------------------------------------------------------------------------


def _bound(bindings: Mapping[str, str], slot: str, destination: str) -> bool:
    return bool(destination) and bindings.get(slot) == destination


def secrets_for_url(ws: Workspace, trigger: Trigger, url: str) -> tuple[dict[str, str], str]:
    """The trigger's secret header values (by name) and signing secret that may go to ``url``.

    ``trigger`` is read with its secrets; only those bound to ``url``'s destination are returned.
    """
    destination = fingerprint(webhook_destination(url))
    bindings = ws.triggers.bindings(trigger)
    headers = {
        h.name: h.value
        for h in trigger.headers
        if h.secret and h.value and _bound(bindings, trigger_secret_slot(h.name), destination)
    }
    signing = trigger.signing_secret if _bound(bindings, SIGNING_SLOT, destination) else ""
    return headers, signing


def sendable_trigger(ws: Workspace, trigger: Trigger) -> Trigger:
    """``trigger`` (read with its secrets) keeping only the secrets bound to its current destination."""
    if trigger.id is None or trigger.method is not DeliveryMethod.URL:
        return trigger
    headers, signing = secrets_for_url(ws, trigger, trigger.url)
    return replace(
        trigger,
        headers=tuple(replace(h, value=headers.get(h.name, "")) if h.secret else h for h in trigger.headers),
        signing_secret=signing,
    )


def password_for(ws: Workspace, settings: SmtpSettings) -> str:
    """The stored SMTP password if it is bound to ``settings``' server and account, else ""."""
    destination = smtp_destination_of(settings)
    if not destination or ws.smtp.password_binding() != destination:
        return ""
    return ws.smtp.get().password


def sendable_smtp(ws: Workspace) -> SmtpSettings:
    """The stored SMTP settings, the password only when it is bound to them."""
    settings = ws.smtp.get()
    return replace(settings, password=password_for(ws, settings) if settings.password else "")


# -- the secrets command ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretEntry:
    """One configured secret for ``secrets list``: whose, which, where stored, bound to what; no value."""

    kind: str
    owner: str
    customer: str | None
    trigger: str | None
    secret: str
    header: str | None
    stored: bool
    location: str
    bound_to: str
    destination: str

    @property
    def state(self) -> str:
        """``set``, ``not set``, or ``stale`` (bound elsewhere: not sent)."""
        if not self.stored:
            return "not set"
        return "set" if self.bound_to and self.bound_to == self.destination else "stale"


class SecretService:
    """Secrets as the ``secrets`` command sets, lists and clears them (values go in, never out)."""

    def __init__(self, workspace: Workspace, notices: ChangeBus) -> None:
        self._ws = workspace
        self._notices = notices

    @property
    def location(self) -> str:
        """Where values are kept: ``keyring`` or ``workspace`` (the file itself)."""
        return self._ws.secrets.location

    def owner(self, trigger: Trigger) -> str:
        """``trigger 'Shipped' of customer 'Acme'``."""
        return trigger_owner(self._ws, trigger)

    def destination(self, trigger: Trigger) -> str:
        """The destination the trigger's secrets are bound to when set now."""
        return destination_of(trigger) or "(none: not a webhook)"

    def list(self) -> builtins.list[SecretEntry]:
        """Every secret the triggers and SMTP settings are configured to hold, by customer and trigger."""
        ws = self._ws
        location = ws.secrets.location
        customers = {c.id: c.name for c in ws.customers.list()}
        entries: list[SecretEntry] = []
        for trigger in ws.triggers.list():
            headers = {trigger_secret_slot(h.name): h.name for h in trigger.headers if h.secret}
            for secret in ws.triggers.stored_secrets(trigger):
                entries.append(
                    SecretEntry(
                        "trigger",
                        trigger_owner(ws, trigger),
                        customers.get(trigger.customer_id),
                        trigger.name,
                        "signing" if secret.slot == SIGNING_SLOT else "header",
                        headers.get(secret.slot),
                        secret.stored,
                        location,
                        secret.bound_to,
                        destination_of(trigger),
                    )
                )
        if ws.smtp.is_configured():
            password = ws.smtp.stored_password()
            destination = smtp_destination_of(ws.smtp.get())
            entries.append(
                SecretEntry(
                    "smtp", "the SMTP settings", None, None, "password", None, password.stored, location,
                    password.bound_to, destination,
                )
            )
        return entries

    def set_header(self, trigger: Trigger, header: str, value: str) -> Trigger:
        """Add or replace the header ``header``, marked secret, with ``value``, bound to the trigger's
        current destination.

        Raises:
            InputError: The name or value breaks the header rules, or the trigger is not a webhook.
        """
        _check_value(value, "the value")
        issues = http_header_issues(header, value, "--header")
        if issues:
            raise InputError(f"--header {header}: {issues[0].message}")
        if trigger.method is not DeliveryMethod.URL:
            raise InputError(f"trigger '{trigger.name}' sends email: only webhook triggers have headers")
        headers = list(trigger.headers)
        found = [i for i, h in enumerate(headers) if h.name.lower() == header.lower()]
        if found:
            headers[found[0]] = Header(headers[found[0]].name, value, secret=True)
        else:
            headers.append(Header(header, value, secret=True))
        return self._save(replace(trigger, headers=tuple(headers)), trigger_secret_slot(header), value)

    def set_signing(self, trigger: Trigger, value: str) -> Trigger:
        """Turn signing on with the secret ``value``, bound to the trigger's current destination.

        Raises:
            InputError: Not a Standard Webhooks secret, or the trigger is not a webhook.
        """
        _check_value(value, "the signing secret")
        from postback_studio.core.dispatch.webhook import signing_secret_problem  # imports requests

        problem = signing_secret_problem(value)
        if problem:
            raise InputError(f"--signing: {problem}")
        if trigger.method is not DeliveryMethod.URL:
            raise InputError(f"trigger '{trigger.name}' sends email: only webhook triggers are signed")
        return self._save(replace(trigger, signing=True, signing_secret=value), SIGNING_SLOT, value)

    def clear_trigger(self, trigger: Trigger) -> builtins.list[str]:
        """Delete every stored secret of ``trigger`` (headers stay marked secret); what was cleared."""
        stored = [s for s in self._ws.triggers.stored_secrets(trigger) if s.stored or s.bound_to]
        assert trigger.id is not None
        self._ws.triggers.clear_secrets(trigger.id, [s.slot for s in stored])
        self._notices.publish(ChangeNotice(Entity.TRIGGER, trigger.id))
        return [s.label for s in stored if s.stored]

    def clear_smtp(self) -> bool:
        """Delete the stored SMTP password; whether there was one."""
        had = self._ws.smtp.stored_password().stored
        self._ws.smtp.clear_password()
        self._notices.publish(ChangeNotice(Entity.SMTP))
        return had

    def _save(self, trigger: Trigger, slot: str, value: str) -> Trigger:
        """Save ``trigger`` with ``value`` in ``slot``, bound to its current destination.

        The value is entered for that destination even when it equals a stale one; the trigger's
        other secrets follow the policy (those bound elsewhere are cleared).
        """
        with self._ws.transaction():
            saved, _change = save_trigger(self._ws, trigger)
            assert saved.id is not None
            self._ws.triggers.store_secret(saved, slot, value)
        self._notices.publish(ChangeNotice(Entity.TRIGGER, saved.id))
        return saved


def _check_value(value: str, what: str) -> None:
    if not value:
        raise InputError(f"{what} is empty")
    if "\r" in value or "\n" in value:
        raise InputError(f"{what} contains a line break: a secret is one line")
