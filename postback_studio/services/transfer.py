"""Bundle export and import: a workspace to a bundle document, and a checked bundle to a workspace.

Import runs in ONE transaction: either everything in the bundle is applied, or (an invalid value, a
conflict with what the workspace holds) nothing is, and the error names the JSON pointer of the item
that failed. A dry run performs the same writes and rolls them back, so its plan is exactly what a
real import would do; an apply given the plan its preview showed (``expect``) is refused, with
nothing written, when it would now do anything else. Secret-store writes are held back until the
transaction commits, so a failed or dry-run import never touches the keyring.

Two modes (:class:`~postback_studio.core.import_plan.ImportMode`): *merge* adds and updates and keeps
what the bundle does not hold; *replace* also removes the customers, templates, triggers and lookup
tables the bundle does not hold (SMTP settings are only ever set, never removed).

A bundle carries no secrets, but it can move a trigger or the SMTP settings to another destination;
the secrets stored for the old one are then cleared (:mod:`.secret_policy`), and the plan item says
so in a note ("secrets cleared for trigger 'X' of customer 'Y' because its destination changed").
A trigger URL's user info, which exports leave out, is kept when the destination stays the same.
Trigger URLs with user info or a cloud-metadata address get a warning note.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    InUseError,
    NotFoundError,
    ValidationError,
    ValidationIssue,
)
from postback_studio.core.import_plan import (
    BUNDLE_KINDS,
    Action,
    ImportMode,
    ImportPlan,
    NoteKind,
    PlanChangedError,
    PlanItem,
    PlanNote,
    changed_fields,
    field_words,
)
from postback_studio.core.lookup_rows import row_changes
from postback_studio.core.model import Customer, DeliveryMethod, LookupTable, Template, Trigger
from postback_studio.core.url_safety import url_warnings, userinfo, with_userinfo
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.services.files import UserFiles
from postback_studio.services.secret_policy import save_trigger, set_smtp, trigger_owner
from postback_studio.storage.secrets import SecretStore
from postback_studio.storage.triggers import destination_of
from postback_studio.storage.workspace import Workspace

__all__ = [
    "Action",
    "ExportSummary",
    "ImportMode",
    "ImportPlan",
    "NoteKind",
    "PlanChangedError",
    "PlanItem",
    "PlanNote",
    "TransferService",
    "apply_bundle",
    "export_document",
]


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


@dataclass
class _Plan:
    """The plan as the import builds it, item by item."""

    mode: ImportMode
    items: list[PlanItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(  # noqa: PLR0917 - the fields of a PlanItem, in its order
        self,
        action: Action,
        kind: str,
        name: str,
        customer: str | None = None,
        detail: str = "",
        notes: tuple[PlanNote, ...] = (),
    ) -> None:
        self.items.append(PlanItem(action, kind, name, customer, detail, notes))

    def note(self, text: str) -> None:
        """A sentence the user must read before applying (shown under the items, in order)."""
        self.notes.append(text)

    def freeze(self) -> ImportPlan:
        ordered = sorted(self.items, key=lambda item: BUNDLE_KINDS.index(item.kind))
        return ImportPlan(self.mode, tuple(ordered), tuple(self.notes))


def apply_bundle(
    workspace: Workspace,
    bundle: Bundle,
    *,
    mode: ImportMode = ImportMode.MERGE,
    dry_run: bool = False,
    expect: ImportPlan | None = None,
) -> ImportPlan:
    """Apply ``bundle`` in one transaction and return what was (or, with ``dry_run``, would be) done.

    Raises :class:`BundleError` (with the JSON pointer of the failing item) and changes nothing when a
    value is invalid for this workspace or conflicts with what it holds; raises
    :class:`PlanChangedError` and changes nothing when ``expect`` (the plan a preview showed) is not
    what applying does now.
    """
    original = workspace.secrets
    deferred = _DeferredSecrets(original)
    workspace.secrets = deferred
    building = _Plan(mode)
    try:
        with workspace.transaction():
            _apply(workspace, bundle, building)
            plan = building.freeze()
            if expect is not None and plan != expect:
                raise PlanChangedError(
                    "the workspace changed since the import was previewed; nothing was imported. "
                    "Preview the import again"
                )
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        return plan
    finally:
        workspace.secrets = original
    deferred.flush()
    return plan


def _apply(workspace: Workspace, bundle: Bundle, plan: _Plan) -> None:
    customer_ids: dict[str, int] = {}
    for index, customer in enumerate(bundle.customers):
        with _pointing(f"/customers/{index}"):
            existing = workspace.customers.get_by_name(customer.name)
            wanted = replace(customer, id=existing.id if existing else None)
            saved = _save(plan, "customer", customer.name, existing, wanted, save=workspace.customers.save)
            assert saved.id is not None
            customer_ids[customer.name] = saved.id
    before = _detach_bundle_triggers(workspace, bundle, customer_ids)
    if plan.mode is ImportMode.REPLACE:
        _remove_absent_items(workspace, bundle, plan)
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
            plan.items[-1] = replace(
                plan.items[-1], notes=_trigger_notes(workspace, stored, trigger, changes, dropped)
            )
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
                plan.add(Action.UNCHANGED, "smtp settings", wanted_smtp.host)
            else:
                configured = workspace.smtp.is_configured()
                changed = changed_fields(replace(current, password=""), wanted_smtp) if configured else ()
                detail = field_words(changed)
                _saved, change = set_smtp(workspace, wanted_smtp)
                notes = () if change is None else (PlanNote(NoteKind.SECRETS_CLEARED, change.cleared()),)
                action = Action.UPDATE if configured else Action.CREATE
                plan.add(action, "smtp settings", wanted_smtp.host, detail=detail, notes=notes)
    if plan.mode is ImportMode.REPLACE:
        _remove_absent_customers(workspace, bundle, plan)
    _note_secrets_to_reenter(workspace, bundle, customer_ids, plan)


def _remove_absent_items(workspace: Workspace, bundle: Bundle, plan: _Plan) -> None:
    """Replace mode: delete the triggers, lookup tables and templates the bundle does not hold.

    Runs after the bundle's own triggers were detached from their templates, so every template left
    without a place in the bundle is used by nothing that stays.
    """
    names = {c.id: c.name for c in workspace.customers.list()}
    kept_triggers = {(t.customer, t.trigger.name) for t in bundle.triggers}
    for trigger in workspace.triggers.list():
        owner = names.get(trigger.customer_id, "")
        if (owner, trigger.name) not in kept_triggers and trigger.id is not None:
            plan.add(Action.REMOVE, "trigger", trigger.name, owner)
            workspace.triggers.delete(trigger.id)
    kept_tables = {t.table.name for t in bundle.lookups}
    for table in workspace.lookups.list():
        if table.name not in kept_tables and table.id is not None:
            plan.add(Action.REMOVE, "lookup table", table.name, detail=f"{len(table.rows)} rows")
            workspace.lookups.delete(table.id)
    kept_templates = {t.template.name for t in bundle.templates}
    for template in workspace.templates.list():
        if template.name not in kept_templates and template.id is not None:
            plan.add(Action.REMOVE, "template", template.name)
            workspace.templates.delete(template.id)


def _remove_absent_customers(workspace: Workspace, bundle: Bundle, plan: _Plan) -> None:
    """Replace mode, last: delete the customers the bundle does not hold (what they owned is gone or
    has moved to a customer of the bundle by now)."""
    kept = {c.name for c in bundle.customers}
    for customer in workspace.customers.list():
        if customer.name not in kept and customer.id is not None:
            plan.add(Action.REMOVE, "customer", customer.name)
            workspace.customers.delete(customer.id, cascade=True)


def _note_secrets_to_reenter(
    workspace: Workspace, bundle: Bundle, customer_ids: dict[str, int], plan: _Plan
) -> None:
    """Note every secret the imported configuration needs and this workspace does not hold.

    A bundle never carries secrets; a secret the workspace already held for the same trigger is kept,
    so only the ones still empty after the import must be typed in again.
    """
    for named in bundle.triggers:
        stored = workspace.triggers.get_by_name(customer_ids[named.customer], named.trigger.name)
        if stored is None or stored.id is None:
            continue
        stored = workspace.triggers.get(stored.id)
        where = f"trigger '{stored.name}' of customer '{named.customer}'"
        for header in stored.headers:
            if header.secret and not header.value:
                plan.note(f"secret to re-enter: {where}: header '{header.name}'")
        if stored.signing and not stored.signing_secret:
            plan.note(f"secret to re-enter: {where}: signing secret")
    if bundle.smtp is not None and bundle.smtp.username and not workspace.smtp.has_password():
        plan.note("secret to re-enter: SMTP password (Settings)")


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
    plan: _Plan,
    kind: str,
    name: str,
    existing: T | None,
    wanted: T,
    *,
    save: Any,
    customer: str | None = None,
) -> T:
    if existing is None:
        plan.add(Action.CREATE, kind, name, customer, _created_detail(wanted))
        saved: T = save(wanted)
        return saved
    if existing == wanted:
        plan.add(Action.UNCHANGED, kind, name, customer)
        return existing
    plan.add(Action.UPDATE, kind, name, customer, _update_detail(existing, wanted))
    updated: T = save(wanted)
    return updated


def _created_detail(wanted: Any) -> str:
    if isinstance(wanted, LookupTable):
        return f"{len(wanted.rows)} rows"
    return ""


def _update_detail(existing: Any, wanted: Any) -> str:
    """The fields an update changes; for a lookup table, what happens to its rows."""
    fields = changed_fields(existing, wanted)
    if isinstance(existing, LookupTable) and "rows" in fields:
        rows = row_changes(existing.rows, wanted.rows).describe()
        return field_words((*(f for f in fields if f != "rows"), rows))
    return field_words(fields)


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


#: The change notice each kind of plan item stands for.
_ENTITIES = {
    "customer": Entity.CUSTOMER,
    "template": Entity.TEMPLATE,
    "trigger": Entity.TRIGGER,
    "lookup table": Entity.LOOKUP_TABLE,
    "smtp settings": Entity.SMTP,
}


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
    """Export and import for one thread's workspace; an applied import announces what it changed."""

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
            WorkspaceFileError: ``path`` is the workspace, one of its sidecars or another database:
                writing there would destroy it, so nothing is written.
            InputError: ``path`` cannot be written; the message names it and why.
        """
        document = self.export(customer)
        target = path.expanduser()
        UserFiles(self._ws.path).write_text(target, dump_document(document))
        return ExportSummary.of(target, document)

    def preview(self, bundle: Bundle, mode: ImportMode = ImportMode.MERGE) -> ImportPlan:
        """What applying ``bundle`` in ``mode`` would do (a dry run: nothing is written)."""
        return apply_bundle(self._ws, bundle, mode=mode, dry_run=True)

    def apply(
        self,
        bundle: Bundle,
        *,
        mode: ImportMode = ImportMode.MERGE,
        dry_run: bool = False,
        expect: ImportPlan | None = None,
    ) -> ImportPlan:
        """Apply ``bundle`` in one transaction (or, with ``dry_run``, only say what it would do).

        With ``expect`` (the plan a preview showed) the import happens only if it does exactly that.
        """
        plan = apply_bundle(self._ws, bundle, mode=mode, dry_run=dry_run, expect=expect)
        if not dry_run:
            changed = {item.kind for item in plan.items if item.action is not Action.UNCHANGED}
            for kind in BUNDLE_KINDS:
                if kind in changed:
                    self._notices.publish(ChangeNotice(_ENTITIES[kind]))
        return plan
