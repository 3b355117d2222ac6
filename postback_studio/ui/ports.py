"""What the pages need from the workspace, as narrow protocols.

Pages receive these in their constructors from the composition root; they never open a database.
The workspace's repositories satisfy them structurally, and tests can hand in the real workspace on a
temporary file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from postback_studio.core.model import Customer, LookupTable, SmtpSettings, Template, Trigger


class IssueLike(Protocol):
    """A validation issue: the model field it concerns and a message (``core.validation``)."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


class CustomerStore(Protocol):
    """Customers: list, fetch, save (insert when ``id`` is None) and delete with what they own."""

    def list(self) -> Sequence[Customer]: ...

    def get(self, customer_id: int) -> Customer | None: ...

    def save(self, customer: Customer) -> Customer: ...

    def delete(self, customer_id: int) -> None: ...


class TemplateStore(Protocol):
    """Templates, as far as the trigger form and the Lookups page need them."""

    def list(self) -> Sequence[Template]: ...

    def get(self, template_id: int) -> Template | None: ...

    def save(self, template: Template) -> Template: ...


class TriggerStore(Protocol):
    """Triggers, optionally of one customer."""

    def list(self, customer_id: int | None = None) -> Sequence[Trigger]: ...

    def get(self, trigger_id: int) -> Trigger | None: ...

    def save(self, trigger: Trigger) -> Trigger: ...

    def delete(self, trigger_id: int) -> None: ...


class LookupStore(Protocol):
    """Lookup tables with their rows, and the CSV round trip GelatoConnect's bulk upload uses."""

    def list(self, customer_id: int | None = None) -> Sequence[LookupTable]: ...

    def get(self, table_id: int) -> LookupTable | None: ...

    def save(self, table: LookupTable) -> LookupTable: ...

    def delete(self, table_id: int) -> None: ...

    def import_csv(self, table_id: int, text: str) -> LookupTable: ...

    def export_csv(self, table_id: int) -> str: ...


class SmtpStore(Protocol):
    """The one set of SMTP settings."""

    def get(self) -> SmtpSettings: ...

    def save(self, settings: SmtpSettings) -> SmtpSettings: ...
