"""What the pages need from the services, as narrow protocols.

Pages receive these in their constructors from the composition root; they never open a database.
The configuration services (:mod:`postback_studio.services.configuration`: ``session.customers``,
``session.templates``, ``session.triggers``, ``session.lookups``, ``session.samples``,
``session.smtp``) satisfy them structurally. ``get`` raises ``NotFoundError`` for an unknown id;
``save`` raises ``ValidationError`` carrying the issues the pages show under fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from postback_studio.core.destination import DestinationChange
from postback_studio.core.model import (
    Customer,
    Event,
    LookupSet,
    LookupTable,
    SmtpSettings,
    Template,
    Trigger,
)
from postback_studio.core.records import SamplePayload, TemplateVersion


class IssueLike(Protocol):
    """A validation issue: the model field it concerns and a message (``core.errors``)."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


class CustomerStore(Protocol):
    """Customers: list, fetch, save (insert when ``id`` is None) and delete with what they own."""

    def list(self) -> Sequence[Customer]: ...

    def get(self, customer_id: int) -> Customer: ...

    def save(self, customer: Customer) -> Customer: ...

    def delete(self, customer_id: int, *, cascade: bool = False) -> None: ...


class TemplateStore(Protocol):
    """Templates, as far as the trigger form and the Lookups page need them."""

    def list(self, *, customer_id: int | None = None, include_shared: bool = True) -> Sequence[Template]: ...

    def get(self, template_id: int) -> Template: ...

    def save(self, template: Template) -> Template: ...


class TemplateLibraryStore(TemplateStore, Protocol):
    """Templates as the Templates page edits them: renamed, deleted, with their saved versions."""

    def get_by_name(self, name: str) -> Template | None: ...

    def rename(self, template_id: int, new_name: str) -> Template: ...

    def delete(self, template_id: int) -> None: ...

    def check_deletable(self, template_id: int) -> None: ...

    def versions(self, template_id: int) -> Sequence[TemplateVersion]: ...

    def restore(self, template_id: int, number: int) -> Template: ...


class TriggerStore(Protocol):
    """Triggers, optionally of one customer or using one template.

    ``secrets_change`` says which stored secrets a save would move to another destination (None:
    none); ``keep_secrets`` keeps them for the new one instead of clearing them.
    """

    def list(
        self, *, customer_id: int | None = None, template_id: int | None = None
    ) -> Sequence[Trigger]: ...

    def get(self, trigger_id: int) -> Trigger: ...

    def secrets_change(self, trigger: Trigger) -> DestinationChange | None: ...

    def save(self, trigger: Trigger, *, keep_secrets: bool = False) -> Trigger: ...

    def activate(self, trigger: Trigger, *, keep_secrets: bool = False) -> Trigger: ...

    def delete(self, trigger_id: int) -> None: ...


class LookupStore(Protocol):
    """Lookup tables with their rows, and the CSV GelatoConnect's bulk upload uses (an imported CSV is
    read by the page into the table's rows, unsaved: :mod:`postback_studio.core.lookup_csv`)."""

    def list(
        self, *, customer_id: int | None = None, include_global: bool = True
    ) -> Sequence[LookupTable]: ...

    def get(self, table_id: int) -> LookupTable: ...

    def save(self, table: LookupTable) -> LookupTable: ...

    def delete(self, table_id: int) -> None: ...

    def lookup_set_for(self, customer_id: int | None) -> LookupSet: ...

    def export_csv(self, table_id: int) -> str: ...


class SampleStore(Protocol):
    """The user's own sample payloads."""

    def list(self, event: Event | None = None) -> Sequence[SamplePayload]: ...

    def get(self, sample_id: int) -> SamplePayload: ...

    def save(self, sample: SamplePayload) -> SamplePayload: ...

    def delete(self, sample_id: int) -> None: ...


class SmtpStore(Protocol):
    """The one set of SMTP settings; the password lives in the secret store.

    ``password_for`` is the stored password only when it was entered for those settings' server and
    account; ``secrets_change`` and ``keep_secrets`` are :class:`TriggerStore`'s, for the password.
    """

    def get(self) -> SmtpSettings: ...

    def has_password(self) -> bool: ...

    def password_for(self, settings: SmtpSettings) -> str: ...

    def secrets_change(self, settings: SmtpSettings) -> DestinationChange | None: ...

    def set(
        self, settings: SmtpSettings, *, keep_password: bool = True, keep_secrets: bool = False
    ) -> SmtpSettings: ...
