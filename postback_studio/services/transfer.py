"""Bundle export and import: a workspace to a bundle document, and a checked bundle to a workspace.

Import runs in ONE transaction: either everything in the bundle is applied, or (an invalid value, a
conflict with what the workspace holds) nothing is, and the error names the JSON pointer of the item
that failed. A dry run performs the same writes and rolls them back, so its plan is exactly what a
real import would do. Secret-store writes are held back until the transaction commits, so a failed
or dry-run import never touches the keyring.

A bundle carries no secrets, but it can move a trigger or the SMTP settings to another destination;
the secrets stored for the old one are then cleared (:mod:`.secret_policy`), and the plan item says
so in a note ("secrets cleared for trigger 'X' of customer 'Y' because its destination changed").
A trigger URL's user info, which exports leave out, is kept when the destination stays the same.
Trigger URLs with user info or a cloud-metadata address get a warning note.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from postback_studio.core.bundle import (
    Bundle,
    BundleError,
    build_document,
    dump_document,
    field_pointer,
)
from postback_studio.core.destination import DestinationChange
from postback_studio.core.errors import (
    InputError,
    InUseError,
    NotFoundError,
    ValidationError,
    ValidationIssue,
)
from postback_studio.core.files import write_text_atomically
from postback_studio.core.model import Customer, DeliveryMethod, LookupTable, Template, Trigger
from postback_studio.core.url_safety import url_warnings, userinfo, with_userinfo
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.services.secret_policy import save_trigger, set_smtp, trigger_owner
from postback_studio.storage.secrets import SecretStore
from postback_studio.storage.triggers import destination_of
from postback_studio.storage.workspace import Workspace


class Action(StrEnum):
    """What an import does to one item."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


class NoteKind(StrEnum):
    """What a note on a plan item is about."""

    SECRETS_CLEARED = "secrets_cleared"
    WARNING = "warning"


@dataclass(frozen=True)
class PlanNote:
    """Something the user should know about one item of an import, beyond its action.

    ``SECRETS_CLEARED``: stored secrets of the item were (or, in a dry run, would be) cleared
    because the bundle changes its destination. ``WARNING``: a URL with user info or a
    link-local/metadata address. ``message`` is a whole sentence that names the item.
    """

    kind: NoteKind
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PlanItem:
    """One line of an import plan: ``create trigger 'Shipped' (customer 'Acme')``, with its notes."""

    action: Action
    kind: str
    name: str
    customer: str | None = None
    notes: tuple[PlanNote, ...] = ()

    def __str__(self) -> str:
        owner = f" (customer '{self.customer}')" if self.customer else ""
        return f"{self.action.value:9} {self.kind} '{self.name}'{owner}"


def export_document(workspace: Workspace, customer: str | None = None) -> dict[str, Any]:
    """The bundle document of the workspace, or of one customer (with the shared templates its triggers
    use and the global lookup tables, which its renders see)."""
    customers = workspace.customers.list()
    templates = workspace.templates.list()
    triggers = workspace.triggers.list()
    lookups = workspace.lookups.list()
    if customer is not None:
        chosen = workspace.customers.get_by_name(customer)
        if chosen is None:
            raise NotFoundError(f"no customer named '{customer}'")
        customers = [chosen]
        triggers = [t for t in triggers if t.customer_id == chosen.id]
        used = {t.template_id for t in triggers}
        templates = [t for t in templates if t.customer_id == chosen.id or t.id in used]
        lookups = [t for t in lookups if t.customer_id in (None, chosen.id)]
    smtp = workspace.smtp.get()
    configured = workspace.smtp.is_configured()
    return build_document(
        customers,
        templates,
        triggers,
        lookups,
        replace(smtp, password="") if configured else None,
    )


class _DeferredSecrets:
    """Reads go through; writes wait for :meth:`flush` (after commit) or vanish (rollback, dry run)."""

    def __init__(self, inner: SecretStore) -> None:
        self._inner = inner
        self._pending: dict[str, str] = {}

    @property
    def description(self) -> str:
        return self._inner.description

    @property
    def location(self) -> str:
        return self._inner.location

    def get(self, key: str) -> str | None:
        if key in self._pending:
            return self._pending[key] or None
        return self._inner.get(key)

    def set(self, key: str, value: str) -> None:
        self._pending[key] = value

    def delete(self, key: str) -> None:
        self._pending[key] = ""

    def flush(self) -> None:
        for key, value in self._pending.items():
            if value:
                self._inner.set(key, value)
            else:
                self._inner.delete(key)

    def __repr__(self) -> str:
        return f"_DeferredSecrets({self._inner!r})"


class _DryRunError(Exception):
    """Raised inside the transaction to roll a dry run back."""


def apply_bundle(workspace: Workspace, bundle: Bundle, *, dry_run: bool = False) -> list[PlanItem]:
    """Apply ``bundle`` in one transaction and return what was (or, with ``dry_run``, would be) done.

    Raises :class:`BundleError` (with the JSON pointer of the failing item) and changes nothing when a
    value is invalid for this workspace or conflicts with what it holds.
    """
    original = workspace.secrets
    deferred = _DeferredSecrets(original)
    workspace.secrets = deferred
    plan: list[PlanItem] = []
    try:
        with workspace.transaction():
            _apply(workspace, bundle, plan)
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        return plan
    finally:
        workspace.secrets = original
    deferred.flush()
    return plan


def _apply(workspace: Workspace, bundle: Bundle, plan: list[PlanItem]) -> None:
    customer_ids: dict[str, int] = {}
    for index, customer in enumerate(bundle.customers):
        with _pointing(f"/customers/{index}"):
            existing = workspace.customers.get_by_name(customer.name)
            wanted = replace(customer, id=existing.id if existing else None)
            saved = _save(plan, "customer", customer.name, existing, wanted, save=workspace.customers.save)
            assert saved.id is not None
            customer_ids[customer.name] = saved.id
    before = _detach_bundle_triggers(workspace, bundle, customer_ids)
    template_ids: dict[str, int] = {}
    for index, item in enumerate(bundle.templates):
        with _pointing(f"/templates/{index}"):
            template_existing = workspace.templates.get_by_name(item.template.name)
            template = replace(
                item.template,
                id=template_existing.id if template_existing else None,
                customer_id=_owner(workspace, customer_ids, item.customer),
            )
            saved_template = _save(
                plan, "template", template.name, template_existing, template, save=workspace.templates.save
            )
            assert saved_template.id is not None
            template_ids[template.name] = saved_template.id
    for index, named in enumerate(bundle.triggers):
        with _pointing(f"/triggers/{index}"):
            owner = _owner(workspace, customer_ids, named.customer)
            assert owner is not None
            stored = before.get((owner, named.trigger.name))
            trigger = replace(
                named.trigger,
                customer_id=owner,
                template_id=None if named.template is None else template_ids[named.template],
                id=stored.id if stored else None,
            )
            trigger, dropped = _with_stored_userinfo(stored, trigger)
            trigger_existing = None if stored is None else _as_bundle_sees(stored, trigger)
            changes: list[DestinationChange] = []

            def save(wanted: Trigger, changes: list[DestinationChange] = changes) -> Trigger:
                saved, change = save_trigger(workspace, wanted)
                changes += [change] if change is not None else []
                return saved

            _save(
                plan, "trigger", trigger.name, trigger_existing, trigger, save=save, customer=named.customer
            )
            if trigger_existing == trigger:
                save(trigger)  # re-attach the template detached above
            plan[-1] = replace(plan[-1], notes=_trigger_notes(workspace, stored, trigger, changes, dropped))
    for index, lookup in enumerate(bundle.lookups):
        with _pointing(f"/lookupTables/{index}"):
            table_existing = workspace.lookups.get_by_name(lookup.table.name)
            table = replace(
                lookup.table,
                customer_id=_owner(workspace, customer_ids, lookup.customer),
                id=table_existing.id if table_existing else None,
            )
            normalised = replace(table, rows=tuple(table.as_dict().items()))
            _save(plan, "lookup table", table.name, table_existing, normalised, save=workspace.lookups.save)
    if bundle.smtp is not None:
        with _pointing("/smtp"):
            current = workspace.smtp.get()
            wanted_smtp = replace(bundle.smtp, password="")
            if workspace.smtp.is_configured() and replace(current, password="") == wanted_smtp:
                plan.append(PlanItem(Action.UNCHANGED, "smtp settings", wanted_smtp.host))
            else:
                action = Action.UPDATE if workspace.smtp.is_configured() else Action.CREATE
                _saved, change = set_smtp(workspace, wanted_smtp)
                notes = () if change is None else (PlanNote(NoteKind.SECRETS_CLEARED, change.cleared()),)
                plan.append(PlanItem(action, "smtp settings", wanted_smtp.host, notes=notes))


def _with_stored_userinfo(stored: Trigger | None, wanted: Trigger) -> tuple[Trigger, bool]:
    """``wanted`` with the stored URL's user info put back when the bundle's URL has none.

    Exports leave user info out, so a bundle URL without it means "keep the stored one", as a blank
    secret does; but only for the same destination. Returns the trigger and whether stored user
    info was dropped because the destination changed.
    """
    if stored is None or not userinfo(stored.url) or userinfo(wanted.url):
        return wanted, False
    if destination_of(stored) != destination_of(wanted):
        return wanted, True
    return replace(wanted, url=with_userinfo(wanted.url, userinfo(stored.url))), False


def _trigger_notes(
    workspace: Workspace,
    stored: Trigger | None,
    trigger: Trigger,
    changes: list[DestinationChange],
    dropped_userinfo: bool,
) -> tuple[PlanNote, ...]:
    """The notes of one imported trigger: secrets cleared by a new destination, URL warnings."""
    owner = trigger_owner(workspace, trigger)
    notes: list[PlanNote] = []
    cleared = tuple(s for change in changes for s in change.secrets)
    if dropped_userinfo:
        cleared += ("user info of the URL",)
    if cleared:
        before = changes[0].before if changes else destination_of(stored) if stored else ""
        change = DestinationChange(owner, cleared, before, destination_of(trigger))
        notes.append(PlanNote(NoteKind.SECRETS_CLEARED, change.cleared()))
    if trigger.method is DeliveryMethod.URL:
        notes += [PlanNote(NoteKind.WARNING, f"{owner}: {w}") for w in url_warnings(trigger.url)]
    return tuple(notes)


def _detach_bundle_triggers(
    workspace: Workspace, bundle: Bundle, customer_ids: dict[str, int]
) -> dict[tuple[int, str], Trigger]:
    """Unhook the bundle's existing triggers from their templates until they are saved again.

    A bundle may change a template's format together with the trigger that uses it; saved one after
    the other, the template's save would be refused because the (old) trigger still expects the old
    format. Returns the triggers as they were (with their secrets), keyed by (customer id, name).
    """
    before: dict[tuple[int, str], Trigger] = {}
    for named in bundle.triggers:
        owner = customer_ids.get(named.customer)
        found = None if owner is None else workspace.triggers.get_by_name(owner, named.trigger.name)
        if found is not None and owner is not None and found.id is not None:
            before[(owner, found.name)] = found
            workspace.triggers.detach_template(found.id)
    return before


def _as_bundle_sees(stored: Trigger, wanted: Trigger) -> Trigger:
    """The stored trigger with the secrets ``wanted`` leaves blank blanked too, for the unchanged test.

    A blank secret in a bundle means "keep the stored one" (exports never carry secrets); a secret a
    hand-written bundle does carry is compared, so re-importing it reports unchanged, not update.
    """
    given = {h.name.lower() for h in wanted.headers if h.secret and h.value}
    return replace(
        stored,
        signing_secret=stored.signing_secret if wanted.signing_secret else "",
        headers=tuple(
            replace(h, value="") if h.secret and h.name.lower() not in given else h for h in stored.headers
        ),
    )


T = TypeVar("T", Customer, Template, Trigger, LookupTable)


def _save(
    plan: list[PlanItem],
    kind: str,
    name: str,
    existing: T | None,
    wanted: T,
    *,
    save: Any,
    customer: str | None = None,
) -> T:
    if existing is None:
        plan.append(PlanItem(Action.CREATE, kind, name, customer))
        saved: T = save(wanted)
        return saved
    if existing == wanted:
        plan.append(PlanItem(Action.UNCHANGED, kind, name, customer))
        return existing
    plan.append(PlanItem(Action.UPDATE, kind, name, customer))
    updated: T = save(wanted)
    return updated


def _owner(workspace: Workspace, customer_ids: dict[str, int], name: str | None) -> int | None:
    if name is None:
        return None
    if name in customer_ids:
        return customer_ids[name]
    found = workspace.customers.get_by_name(name)
    if found is None:
        raise NotFoundError(f"no customer named '{name}'")
    assert found.id is not None
    return found.id


class _pointing:  # noqa: N801 - used as a context manager, reads as a phrase
    """Turn a repository error inside an item into a :class:`BundleError` pointing at that item."""

    def __init__(self, pointer: str) -> None:
        self.pointer = pointer

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, ValidationError):
            raise BundleError(
                [
                    ValidationIssue(
                        field_pointer(self.pointer, i.field), f"conflicts with the workspace: {i.message}"
                    )
                    for i in exc.issues
                ]
            ) from None
        if isinstance(exc, (InUseError, NotFoundError)):
            raise BundleError(
                [ValidationIssue(self.pointer, f"conflicts with the workspace: {exc}")]
            ) from None


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: the file, how many of each kind, and the secrets left out."""

    path: Path
    counts: dict[str, int]
    secrets_to_reenter: tuple[str, ...]

    @classmethod
    def of(cls, path: Path, document: dict[str, Any]) -> ExportSummary:
        """The summary of ``document`` written to ``path``."""
        kinds = {"customers": "customer", "templates": "template", "triggers": "trigger",
                 "lookupTables": "lookup table"}
        counts = {word: len(document.get(key) or []) for key, word in kinds.items()}
        return cls(path, counts, tuple(document.get("secretsToReenter") or ()))

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for word, n in self.counts.items())
        secrets = (f"; secrets are not exported, re-enter after import: {', '.join(self.secrets_to_reenter)}"
                   if self.secrets_to_reenter else "; no secrets are exported")
        return f"Exported {parts} to {self.path}{secrets}"


class TransferService:
    """Export and import for one thread's workspace; an applied import announces every kind it may touch."""

    def __init__(self, workspace: Workspace, notices: ChangeBus) -> None:
        self._ws = workspace
        self._notices = notices

    def export(self, customer: str | None = None) -> dict[str, Any]:
        """The bundle document of the workspace, or of the customer called ``customer``."""
        return export_document(self._ws, customer)

    def export_text(self, customer: str | None = None) -> str:
        """The bundle as the file holds it (deterministic JSON; what ``export`` prints)."""
        return dump_document(self.export(customer))

    def export_to_file(self, path: Path, customer: str | None = None) -> ExportSummary:
        """Write the bundle to ``path`` atomically (a temporary file renamed over it).

        Raises:
            NotFoundError: no customer called ``customer``.
            InputError: ``path`` cannot be written; the message names it and why.
        """
        document = self.export(customer)
        text = dump_document(document)
        target = path.expanduser()
        try:
            write_text_atomically(target, text)
        except OSError as exc:
            raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
        return ExportSummary.of(target, document)

    def apply(self, bundle: Bundle, *, dry_run: bool = False) -> list[PlanItem]:
        """Apply ``bundle`` in one transaction (or, with ``dry_run``, only say what it would do)."""
        plan = apply_bundle(self._ws, bundle, dry_run=dry_run)
        if not dry_run:
            for entity in (
                Entity.CUSTOMER,
                Entity.TEMPLATE,
                Entity.TRIGGER,
                Entity.LOOKUP_TABLE,
                Entity.SMTP,
            ):
                self._notices.publish(ChangeNotice(entity))
        return plan
