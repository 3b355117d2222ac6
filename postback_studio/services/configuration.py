"""The configuration services: customers, templates, triggers, lookup tables, samples, SMTP, inbox.

Each service works on one thread's workspace connection (see :mod:`.session`) and takes and returns
the frozen values of :mod:`postback_studio.core.model`. Writes are validated by the repositories
(raising :class:`~postback_studio.core.errors.ValidationError` that names the field) and announce
what changed on the bus once committed. Reads return what is stored now; nothing is cached here.
"""

from __future__ import annotations

import builtins
from dataclasses import replace

from postback_studio.core.destination import DestinationChange
from postback_studio.core.errors import InputError, NotFoundError
from postback_studio.core.import_plan import Action, ImportMode, PlanChangedError
from postback_studio.core.lookup_csv import parse_lookup_csv
from postback_studio.core.lookup_rows import LookupImportPlan, plan_table_import
from postback_studio.core.model import (
    Customer,
    Event,
    LookupSet,
    LookupTable,
    SmtpSettings,
    Template,
    TemplateKind,
    TemplateStatus,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.records import InboxEmail, InboxHttpRequest, SamplePayload, TemplateVersion
from postback_studio.core.template_files import TemplateImportPlan, plan_template_import
from postback_studio.services import secret_policy
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.storage.workspace import Workspace


class _Service:
    def __init__(self, workspace: Workspace, notices: ChangeBus) -> None:
        self._ws = workspace
        self._notices = notices

    def _announce(self, entity: Entity, row_id: int | None = None) -> None:
        self._notices.publish(ChangeNotice(entity, row_id))


class CustomerService(_Service):
    """Customers: who receives notifications."""

    def list(self) -> builtins.list[Customer]:
        """Every customer, by name."""
        return self._ws.customers.list()

    def get(self, customer_id: int) -> Customer:
        """The customer with that id, or :class:`NotFoundError`."""
        return self._ws.customers.get(customer_id)

    def get_by_name(self, name: str) -> Customer | None:
        """The customer with exactly that name, or None."""
        return self._ws.customers.get_by_name(name)

    def named(self, name: str) -> Customer:
        """The customer called ``name``, or :class:`NotFoundError` saying so."""
        customer = self._ws.customers.get_by_name(name)
        if customer is None:
            raise NotFoundError(f"no customer named '{name}'")
        return customer

    def save(self, customer: Customer) -> Customer:
        """Insert (no id) or update (with id); names are unique."""
        saved = self._ws.customers.save(customer)
        self._announce(Entity.CUSTOMER, saved.id)
        return saved

    def delete(self, customer_id: int, *, cascade: bool = False) -> None:
        """Delete a customer; with ``cascade`` its triggers, own templates and lookup tables go too."""
        self._ws.customers.delete(customer_id, cascade=cascade)
        self._announce(Entity.CUSTOMER, customer_id)
        if cascade:
            for entity in (Entity.TRIGGER, Entity.TEMPLATE, Entity.LOOKUP_TABLE):
                self._announce(entity)


class TemplateService(_Service):
    """Templates, shared or per customer, with every saved version of their content."""

    def list(
        self,
        *,
        customer_id: int | None = None,
        include_shared: bool = True,
        kind: TemplateKind | None = None,
        shared_only: bool = False,
    ) -> builtins.list[Template]:
        """Templates by name: all, or a customer's (plus shared ones unless ``include_shared`` is False)."""
        return self._ws.templates.list(
            customer_id=customer_id, include_shared=include_shared, kind=kind, shared_only=shared_only
        )

    def get(self, template_id: int) -> Template:
        """The template with that id (its current content), or :class:`NotFoundError`."""
        return self._ws.templates.get(template_id)

    def get_by_name(self, name: str) -> Template | None:
        """The template with that name (names are unique in a workspace), or None."""
        return self._ws.templates.get_by_name(name)

    def save(self, template: Template) -> Template:
        """Insert or update; a change of content adds a version."""
        saved = self._ws.templates.save(template)
        self._announce(Entity.TEMPLATE, saved.id)
        return saved

    def plan_import(self, template: Template, *, customer_id: int | None) -> TemplateImportPlan:
        """What importing ``template`` (read from a file) would do: create it, or save its content as the
        next version of the template with its name (which keeps its status). Nothing is written."""
        return plan_template_import(
            template, self._ws.templates.get_by_name(template.name), customer_id=customer_id
        )

    def apply_import(self, plan: TemplateImportPlan) -> Template:
        """Save what ``plan`` says (nothing when it changes nothing), in one transaction.

        Raises:
            PlanChangedError: The template is no longer what it was when planned (nothing is written).
            ValidationError: The workspace refuses the template (nothing is written).
        """
        with self._ws.transaction():
            _refuse_if_changed(self._ws.templates.get_by_name(plan.template.name), plan.existing,
                               f"template '{plan.template.name}'")
            if plan.action is Action.UNCHANGED and plan.existing is not None:
                return plan.existing
            saved = self._ws.templates.save(plan.template)
        self._announce(Entity.TEMPLATE, saved.id)
        return saved

    def rename(self, template_id: int, new_name: str) -> Template:
        """Change the name only (no new version: the content is the same)."""
        renamed = self._ws.templates.rename(template_id, new_name)
        self._announce(Entity.TEMPLATE, template_id)
        return renamed

    def delete(self, template_id: int) -> None:
        """Delete a template and its history; refused while triggers use it (they are named)."""
        self._ws.templates.delete(template_id)
        self._announce(Entity.TEMPLATE, template_id)

    def check_deletable(self, template_id: int) -> None:
        """Raise ``InUseError`` naming the triggers that use the template, so a page can say so before
        it asks to confirm a delete that would be refused."""
        self._ws.templates.check_deletable(template_id)

    def versions(self, template_id: int) -> builtins.list[TemplateVersion]:
        """Every saved version, oldest first."""
        return self._ws.templates.versions(template_id)

    def version(self, template_id: int, number: int) -> TemplateVersion:
        """Version ``number`` of the template (``NotFoundError`` when it has no such version)."""
        return self._ws.templates.version(template_id, number)

    def restore(self, template_id: int, number: int) -> Template:
        """Make version ``number`` current again (a new save, so the newest version)."""
        restored = self._ws.templates.restore(template_id, number)
        self._announce(Entity.TEMPLATE, template_id)
        return restored


class TriggerService(_Service):
    """Triggers, with their secret header values and signing secret kept in the secret store."""

    def list(
        self,
        *,
        customer_id: int | None = None,
        event: Event | None = None,
        status: TriggerStatus | None = None,
        template_id: int | None = None,
    ) -> builtins.list[Trigger]:
        """Triggers by customer and name, filtered; secret values are left empty (use :meth:`get`)."""
        return self._ws.triggers.list(
            customer_id=customer_id, event=event, status=status, template_id=template_id
        )

    def get(self, trigger_id: int, *, with_secrets: bool = True) -> Trigger:
        """The trigger with that id, secrets filled in unless ``with_secrets`` is False."""
        return self._ws.triggers.get(trigger_id, with_secrets=with_secrets)

    def named(self, name: str, customer: str | None = None) -> Trigger:
        """The trigger called ``name`` (of the customer called ``customer`` when given).

        Raises:
            NotFoundError: No such trigger, or no such customer.
            InputError: Several customers have a trigger with that name and none was named.
        """
        owner = None
        if customer is not None:
            found = self._ws.customers.get_by_name(customer)
            if found is None:
                raise NotFoundError(f"no customer named '{customer}'")
            owner = found.id
        matches = [t for t in self._ws.triggers.list(customer_id=owner) if t.name == name]
        if not matches:
            raise NotFoundError(
                f"no trigger named '{name}'" + (f" for customer '{customer}'" if customer else "")
            )
        if len(matches) > 1:
            names = {c.id: c.name for c in self._ws.customers.list()}
            owners = ", ".join(sorted(names.get(t.customer_id, "?") for t in matches))
            raise InputError(f"several customers have a trigger named '{name}' ({owners}): add --customer")
        trigger_id = matches[0].id
        assert trigger_id is not None
        return self._ws.triggers.get(trigger_id, with_secrets=False)

    def secrets_change(self, trigger: Trigger) -> DestinationChange | None:
        """Stored secrets that saving ``trigger`` would move to another destination; None when none.

        Ask before :meth:`save`: the answer is its ``keep_secrets``.
        """
        return secret_policy.trigger_change(self._ws, trigger)

    def save(self, trigger: Trigger, *, keep_secrets: bool = False) -> Trigger:
        """Insert or update after validation (required fields, template kind/format, unique name).

        Stored secrets bound to another destination than the trigger's (its URL changed) are
        cleared, or with ``keep_secrets`` bound to the new one (see :mod:`.secret_policy`).
        """
        saved, _change = secret_policy.save_trigger(self._ws, trigger, keep=keep_secrets)
        self._announce(Entity.TRIGGER, saved.id)
        return saved

    def activate(self, trigger: Trigger, *, keep_secrets: bool = False) -> Trigger:
        """Save ``trigger`` as active and make its template active too when it is a draft, together.

        Either both are saved or neither is (a template the workspace refuses leaves the trigger as
        it was). Raises :class:`~postback_studio.core.errors.ValidationError` naming the field.
        ``keep_secrets`` is :meth:`save`'s.
        """
        with self._ws.transaction():
            saved, _change = secret_policy.save_trigger(
                self._ws, replace(trigger, status=TriggerStatus.ACTIVE), keep=keep_secrets
            )
            template = None if saved.template_id is None else self._ws.templates.get(saved.template_id)
            if template is not None and template.status is TemplateStatus.DRAFT:
                self._ws.templates.save(replace(template, status=TemplateStatus.ACTIVE))
        self._announce(Entity.TRIGGER, saved.id)
        if template is not None:
            self._announce(Entity.TEMPLATE, template.id)
        return saved

    def delete(self, trigger_id: int) -> None:
        """Delete a trigger and its secrets; pending retries of it are cancelled."""
        self._ws.triggers.delete(trigger_id)
        self._announce(Entity.TRIGGER, trigger_id)
        self._announce(Entity.PENDING_RETRY)


class LookupService(_Service):
    """Lookup tables (global or per customer) and their key -> value rows."""

    def list(
        self, *, customer_id: int | None = None, include_global: bool = True
    ) -> builtins.list[LookupTable]:
        """Tables by name: all, or a customer's plus (unless ``include_global`` is False) the global ones."""
        return self._ws.lookups.list(customer_id=customer_id, include_global=include_global)

    def get(self, table_id: int) -> LookupTable:
        """The table with its rows, or :class:`NotFoundError`."""
        return self._ws.lookups.get(table_id)

    def get_by_name(self, name: str) -> LookupTable | None:
        """The table with that name (unique in a workspace), or None."""
        return self._ws.lookups.get_by_name(name)

    def save(self, table: LookupTable) -> LookupTable:
        """Insert or update a table, replacing its rows."""
        saved = self._ws.lookups.save(table)
        self._announce(Entity.LOOKUP_TABLE, saved.id)
        return saved

    def delete(self, table_id: int) -> None:
        """Delete a table and its rows."""
        self._ws.lookups.delete(table_id)
        self._announce(Entity.LOOKUP_TABLE, table_id)

    def lookup_set_for(self, customer_id: int | None) -> LookupSet:
        """What ``lookups()`` sees when rendering for a customer: global tables, the customer's on top."""
        return self._ws.lookups.lookup_set_for(customer_id)

    def plan_csv_import(
        self,
        data: bytes | str,
        *,
        name: str,
        template_field: str,
        customer_id: int | None = None,
        description: str = "",
        source: str = "<csv>",
        mode: ImportMode = ImportMode.REPLACE,
    ) -> LookupImportPlan:
        """What importing a key,value CSV into the table ``name`` would do; nothing is written.

        Raises:
            LookupCsvError: Bad rows, every one named with its line (``source:line: why``).
        """
        rows = parse_lookup_csv(data, source)
        return plan_table_import(
            self._ws.lookups.get_by_name(name),
            rows,
            name=name,
            template_field=template_field,
            customer_id=customer_id,
            description=description,
            mode=mode,
        )

    def apply_import(self, plan: LookupImportPlan) -> LookupTable:
        """Save what ``plan`` says, in one transaction.

        Raises:
            PlanChangedError: The table is no longer what it was when planned (nothing is written).
            ValidationError: The workspace refuses the table (nothing is written).
        """
        with self._ws.transaction():
            _refuse_if_changed(self._ws.lookups.get_by_name(plan.table.name), plan.existing,
                               f"lookup table '{plan.table.name}'")
            saved = self._ws.lookups.save(plan.table)
        self._announce(Entity.LOOKUP_TABLE, saved.id)
        return saved

    def export_csv(self, table_id: int) -> str:
        """The table as GelatoConnect bulk-upload CSV (``key,value`` header, CRLF)."""
        return self._ws.lookups.export_csv(table_id)


class SampleService(_Service):
    """The user's own sample payloads, per event (built-in samples ship as resources)."""

    def list(self, event: Event | None = None) -> builtins.list[SamplePayload]:
        """Samples by event and name, optionally of one event."""
        return self._ws.samples.list(event)

    def get(self, sample_id: int) -> SamplePayload:
        """The sample with that id, or :class:`NotFoundError`."""
        return self._ws.samples.get(sample_id)

    def save(self, sample: SamplePayload) -> SamplePayload:
        """Insert or update; the payload must be JSON and the name unique within the event."""
        saved = self._ws.samples.save(sample)
        self._announce(Entity.SAMPLE, saved.id)
        return saved

    def delete(self, sample_id: int) -> None:
        """Delete a sample."""
        self._ws.samples.delete(sample_id)
        self._announce(Entity.SAMPLE, sample_id)


class SmtpService(_Service):
    """The one set of outgoing-mail settings; the password lives in the secret store."""

    def get(self) -> SmtpSettings:
        """The settings (defaults when never set), password filled in from the secret store."""
        return self._ws.smtp.get()

    def has_password(self) -> bool:
        """Whether a password is stored (without reading it into memory for display)."""
        return self._ws.smtp.has_password()

    def password_for(self, settings: SmtpSettings) -> str:
        """The stored password if it was entered for ``settings``' server and account, else "".

        A connection test of settings as typed uses this, so a changed server never gets the
        password of the old one.
        """
        return secret_policy.password_for(self._ws, settings)

    def secrets_change(self, settings: SmtpSettings) -> DestinationChange | None:
        """Whether saving ``settings`` would move the stored password to another server; None if not."""
        return secret_policy.smtp_change(self._ws, settings)

    def set(
        self, settings: SmtpSettings, *, keep_password: bool = True, keep_secrets: bool = False
    ) -> SmtpSettings:
        """Save after validation; an empty password keeps the stored one unless ``keep_password`` is False.

        A stored password entered for another server, port or username is cleared, or with
        ``keep_secrets`` bound to the new ones (see :mod:`.secret_policy`).
        """
        saved, _change = secret_policy.set_smtp(
            self._ws, settings, keep_password=keep_password, keep=keep_secrets
        )
        self._announce(Entity.SMTP)
        return saved

    def is_configured(self) -> bool:
        """True once settings were saved (an email trigger can then send)."""
        return self._ws.smtp.is_configured()


class InboxService(_Service):
    """What the local webhook and SMTP inboxes received and kept, newest first."""

    def list_http(self, *, limit: int = 100) -> builtins.list[InboxHttpRequest]:
        """Received HTTP requests, newest first."""
        return self._ws.inbox.list_http(limit=limit)

    def list_email(self, *, limit: int = 100) -> builtins.list[InboxEmail]:
        """Received emails, newest first."""
        return self._ws.inbox.list_email(limit=limit)

    def clear(self) -> None:
        """Empty both inboxes."""
        self._ws.inbox.clear()
        self._announce(Entity.INBOX)


def _refuse_if_changed(stored: object, planned: object, what: str) -> None:
    """Raise :class:`PlanChangedError` when ``what`` is stored otherwise than when the import was
    planned: the plan the user confirmed would no longer be what happens."""
    if stored != planned:
        raise PlanChangedError(
            f"{what} changed since the import was planned; nothing was imported. Import again"
        )
