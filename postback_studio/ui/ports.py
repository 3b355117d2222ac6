"""What the pages need from the workspace, as narrow protocols.

Pages receive these in their constructors from the composition root; they never open a database.
The workspace's repositories (``ws.customers``, ``ws.templates``, ``ws.triggers``, ``ws.lookups``,
``ws.smtp``) satisfy them structurally. ``get`` raises ``NotFoundError`` (a ``KeyError``) for an
unknown id; ``save`` raises ``ValidationError`` carrying the issues the pages show under fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from postback_studio.core.model import Customer, LookupSet, LookupTable, SmtpSettings, Template, Trigger


class IssueLike(Protocol):
    """A validation issue: the model field it concerns and a message (``core.validation``)."""

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


class TriggerStore(Protocol):
    """Triggers, optionally of one customer."""

    def list(self, *, customer_id: int | None = None) -> Sequence[Trigger]: ...

    def get(self, trigger_id: int) -> Trigger: ...

    def save(self, trigger: Trigger) -> Trigger: ...

    def delete(self, trigger_id: int) -> None: ...


class LookupStore(Protocol):
    """Lookup tables with their rows, and the CSV round trip GelatoConnect's bulk upload uses."""

    def list(self, *, customer_id: int | None = None,
             include_global: bool = True) -> Sequence[LookupTable]: ...

    def get(self, table_id: int) -> LookupTable: ...

    def save(self, table: LookupTable) -> LookupTable: ...

    def delete(self, table_id: int) -> None: ...

    def lookup_set_for(self, customer_id: int | None) -> LookupSet: ...

    def import_csv(self, data: bytes | str, *, name: str, template_field: str, customer_id: int | None = None,
                   description: str = "", source: str = "<csv>") -> LookupTable: ...

    def export_csv(self, table_id: int) -> str: ...


class SmtpStore(Protocol):
    """The one set of SMTP settings; the password lives in the secret store."""

    def get(self) -> SmtpSettings: ...

    def has_password(self) -> bool: ...

    def set(self, settings: SmtpSettings, *, keep_password: bool = True) -> SmtpSettings: ...
