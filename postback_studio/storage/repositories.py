"""Repositories for the configuration: customers, templates, triggers, lookups, SMTP, samples.

Each takes and returns the frozen dataclasses of :mod:`postback_studio.core.model`, validates with
:mod:`postback_studio.core.validation` before writing (raising ``ValidationError`` that names the
field), and writes in one transaction per call. Secret values go through the workspace's
:class:`~postback_studio.storage.secrets.SecretStore`; the tables only remember that a secret exists.

On save, an empty secret value means "keep the stored one", so a trigger read by :meth:`list`
(which does not fetch secrets) can be saved back without wiping them.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from postback_studio.core.bundle import retry_from_document, retry_to_document
from postback_studio.core.lookup_csv import dump_lookup_csv, parse_lookup_csv
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    LookupSet,
    LookupTable,
    OutputFormat,
    SmtpSettings,
    Template,
    TemplateKind,
    TemplateStatus,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.records import SamplePayload, TemplateVersion
from postback_studio.core.validation import (
    ValidationError,
    ValidationIssue,
    raise_if,
    validate_customer,
    validate_lookup_table,
    validate_name,
    validate_smtp,
    validate_template,
    validate_trigger,
)
from postback_studio.storage.errors import InUseError, NotFoundError

if TYPE_CHECKING:
    from postback_studio.storage.workspace import Workspace

#: A fetched row, by column name.
Row = dict[str, Any]


class _Repository:
    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self._conn: sqlite3.Connection = workspace.conn

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Row]:
        cursor = self._conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    def _row(self, sql: str, params: tuple[Any, ...] = ()) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _by_id(self, table: str, row_id: int, what: str) -> Row:
        """The row with ``row_id`` or :class:`NotFoundError` saying ``no <what> with id N``."""
        row = self._row(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if row is None:
            raise NotFoundError(f"no {what} with id {row_id}")
        return row


def _unique(
    conn: sqlite3.Connection, sql: str, params: tuple[Any, ...], message: str
) -> builtins.list[ValidationIssue]:
    return [ValidationIssue("name", message)] if conn.execute(sql, params).fetchone() else []


class CustomerRepository(_Repository):
    """Customers: who receives notifications."""

    def add(self, customer: Customer) -> Customer:
        """Insert a new customer and return it with its id."""
        return self.save(replace(customer, id=None))

    def update(self, customer: Customer) -> Customer:
        """Change an existing customer (``customer.id`` must be set)."""
        if customer.id is None:
            raise ValueError("update() needs a customer with an id; use add()")
        return self.save(customer)

    def save(self, customer: Customer) -> Customer:
        """Insert (no id) or update (with id) after validation; names are unique."""
        issues = validate_customer(customer)
        issues += _unique(
            self._conn,
            "SELECT 1 FROM customers WHERE name = ? AND id IS NOT ?",
            (customer.name, customer.id),
            f"a customer named '{customer.name}' already exists",
        )
        raise_if(issues, f"customer '{customer.name}'")
        with self._ws.transaction():
            if customer.id is None:
                cursor = self._conn.execute(
                    "INSERT INTO customers(name, reference_id, notes) VALUES (?, ?, ?)",
                    (customer.name, customer.reference_id, customer.notes),
                )
                return replace(customer, id=cursor.lastrowid)
            self.get(customer.id)
            self._conn.execute(
                "UPDATE customers SET name = ?, reference_id = ?, notes = ? WHERE id = ?",
                (customer.name, customer.reference_id, customer.notes, customer.id),
            )
        return customer

    def get(self, customer_id: int) -> Customer:
        """The customer with that id, or :class:`NotFoundError`."""
        row = self._by_id("customers", customer_id, "customer")
        return _customer(row)

    def get_by_name(self, name: str) -> Customer | None:
        """The customer with exactly that name, or None."""
        row = self._row("SELECT * FROM customers WHERE name = ?", (name,))
        return None if row is None else _customer(row)

    def list(self) -> builtins.list[Customer]:
        """Every customer, by name."""
        return [_customer(r) for r in self._rows("SELECT * FROM customers ORDER BY name, id")]

    def delete(self, customer_id: int, *, cascade: bool = False) -> None:
        """Delete a customer; one that owns triggers, templates or lookup tables needs ``cascade=True``.

        With ``cascade`` its triggers (and their secrets), its own templates and its lookup tables go too.
        The request log keeps its entries (they hold the customer's name).
        """
        customer = self.get(customer_id)
        owned = {
            "triggers": self._count("triggers", customer_id),
            "templates": self._count("templates", customer_id),
            "lookup tables": self._count("lookup_tables", customer_id),
        }
        if any(owned.values()) and not cascade:
            what = ", ".join(f"{n} {kind}" for kind, n in owned.items() if n)
            raise InUseError(
                f"customer '{customer.name}' still has {what}; delete those first or delete with "
                "cascade=True to remove them together"
            )
        with self._ws.transaction():
            for trigger in self._ws.triggers.list(customer_id=customer_id):
                assert trigger.id is not None
                self._ws.triggers.delete(trigger.id)
            self._conn.execute(
                "UPDATE triggers SET template_id = NULL WHERE template_id IN "
                "(SELECT id FROM templates WHERE customer_id = ?)",
                (customer_id,),
            )
            self._conn.execute("DELETE FROM templates WHERE customer_id = ?", (customer_id,))
            self._conn.execute("DELETE FROM lookup_tables WHERE customer_id = ?", (customer_id,))
            self._conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,))

    def _count(self, table: str, customer_id: int) -> int:
        return int(
            self._conn.execute(
                f"SELECT count(*) FROM {table} WHERE customer_id = ?", (customer_id,)
            ).fetchone()[0]
        )


def _customer(row: Row) -> Customer:
    return Customer(name=row["name"], reference_id=row["reference_id"], notes=row["notes"], id=row["id"])


_CONTENT = ("kind", "format", "body", "subject", "text_body")


class TemplateRepository(_Repository):
    """Templates, shared or per customer, with every saved version of their content."""

    def save(self, template: Template) -> Template:
        """Insert or update; a change of content adds a version stamped with the clock, no change "
        "adds none."""
        issues = validate_template(template)
        issues += _unique(
            self._conn,
            "SELECT 1 FROM templates WHERE name = ? AND id IS NOT ?",
            (template.name, template.id),
            f"a template named '{template.name}' already exists",
        )
        if template.customer_id is not None and not self._exists("customers", template.customer_id):
            issues.append(ValidationIssue("customer_id", f"no customer with id {template.customer_id}"))
        raise_if(issues, f"template '{template.name}'")
        now = self._ws.clock()
        with self._ws.transaction():
            if template.id is None:
                cursor = self._conn.execute(
                    "INSERT INTO templates(name, kind, format, body, subject, text_body, status, "
                    "customer_id, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        template.name,
                        template.kind.value,
                        template.format.value,
                        template.body,
                        template.subject,
                        template.text_body,
                        template.status.value,
                        template.customer_id,
                        now,
                        now,
                    ),
                )
                assert cursor.lastrowid is not None
                saved = replace(template, id=cursor.lastrowid)
                self._add_version(saved, 1, now)
                return saved
            current = self.get(template.id)
            self._check_users_accept(template)
            changed = any(getattr(current, f) != getattr(template, f) for f in _CONTENT)
            self._conn.execute(
                "UPDATE templates SET name = ?, kind = ?, format = ?, body = ?, subject = ?, text_body = ?, "
                "status = ?, customer_id = ?, updated_at = ? WHERE id = ?",
                (
                    template.name,
                    template.kind.value,
                    template.format.value,
                    template.body,
                    template.subject,
                    template.text_body,
                    template.status.value,
                    template.customer_id,
                    now if changed else self._updated_at(template.id),
                    template.id,
                ),
            )
            if changed:
                self._add_version(template, self._last_version(template.id) + 1, now)
        return template

    def _check_users_accept(self, template: Template) -> None:
        """A template that triggers use may not change kind, format or owner under them."""
        assert template.id is not None
        issues: list[ValidationIssue] = []
        for trigger in self._ws.triggers.list(template_id=template.id):
            for issue in validate_trigger(trigger, template):
                if issue.field in ("template_id", "format"):
                    issues.append(
                        ValidationIssue(issue.field, f"trigger '{trigger.name}' uses it: {issue.message}")
                    )
        raise_if(issues, f"template '{template.name}'")

    def _exists(self, table: str, row_id: int) -> bool:
        return self._conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None

    def _updated_at(self, template_id: int) -> float:
        return float(
            self._conn.execute("SELECT updated_at FROM templates WHERE id = ?", (template_id,)).fetchone()[0]
        )

    def _last_version(self, template_id: int) -> int:
        row = self._conn.execute(
            "SELECT max(number) FROM template_versions WHERE template_id = ?", (template_id,)
        ).fetchone()
        return int(row[0] or 0)

    def _add_version(self, template: Template, number: int, now: float) -> None:
        self._conn.execute(
            "INSERT INTO template_versions(template_id, number, saved_at, kind, format, body, "
            "subject, text_body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                template.id,
                number,
                now,
                template.kind.value,
                template.format.value,
                template.body,
                template.subject,
                template.text_body,
            ),
        )

    def get(self, template_id: int) -> Template:
        """The template with that id (its current content), or :class:`NotFoundError`."""
        row = self._by_id("templates", template_id, "template")
        return _template(row)

    def get_by_name(self, name: str) -> Template | None:
        """The template with that name (names are unique in a workspace), or None."""
        row = self._row("SELECT * FROM templates WHERE name = ?", (name,))
        return None if row is None else _template(row)

    def list(
        self,
        *,
        customer_id: int | None = None,
        include_shared: bool = True,
        kind: TemplateKind | None = None,
        shared_only: bool = False,
    ) -> builtins.list[Template]:
        """Templates by name: all, or a customer's (plus shared ones unless ``include_shared`` is False)."""
        where: list[str] = []
        params: list[Any] = []
        if shared_only:
            where.append("customer_id IS NULL")
        elif customer_id is not None:
            where.append("(customer_id = ? OR customer_id IS NULL)" if include_shared else "customer_id = ?")
            params.append(customer_id)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind.value)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return [
            _template(r)
            for r in self._rows(f"SELECT * FROM templates {clause} ORDER BY name, id", tuple(params))
        ]

    def rename(self, template_id: int, new_name: str) -> Template:
        """Change the name only (no new version: the content is the same)."""
        return self.save(replace(self.get(template_id), name=new_name))

    def duplicate(self, template_id: int, new_name: str | None = None) -> Template:
        """A new draft template with the same content, named ``"<name> copy"`` (numbered if taken)."""
        source = self.get(template_id)
        name = new_name or self._free_name(f"{source.name} copy")
        return self.save(replace(source, id=None, name=name, status=TemplateStatus.DRAFT))

    def _free_name(self, base: str) -> str:
        name, n = base, 2
        while self.get_by_name(name) is not None:
            name, n = f"{base} {n}", n + 1
        return name

    def delete(self, template_id: int) -> None:
        """Delete a template and its history; refused while triggers use it (they are named)."""
        template = self.get(template_id)
        users = self._ws.triggers.list(template_id=template_id)
        if users:
            names = ", ".join(f"'{t.name}'" for t in users)
            raise InUseError(f"template '{template.name}' is used by trigger(s) {names}; change those first")
        with self._ws.transaction():
            self._conn.execute("DELETE FROM templates WHERE id = ?", (template_id,))

    def versions(self, template_id: int) -> builtins.list[TemplateVersion]:
        """Every saved version, oldest first."""
        self.get(template_id)
        rows = self._rows(
            "SELECT * FROM template_versions WHERE template_id = ? ORDER BY number", (template_id,)
        )
        return [_version(r) for r in rows]

    def version(self, template_id: int, number: int) -> TemplateVersion:
        """Version ``number`` (from 1) of a template, or :class:`NotFoundError`."""
        row = self._row(
            "SELECT * FROM template_versions WHERE template_id = ? AND number = ?", (template_id, number)
        )
        if row is None:
            raise NotFoundError(f"template {template_id} has no version {number}")
        return _version(row)

    def restore(self, template_id: int, number: int) -> Template:
        """Make version ``number`` current again; this is a new save, so it becomes the newest version."""
        return self.save(self.version(template_id, number).applied_to(self.get(template_id)))


def _template(row: Row) -> Template:
    return Template(
        name=row["name"],
        kind=TemplateKind(row["kind"]),
        format=OutputFormat(row["format"]),
        body=row["body"],
        subject=row["subject"],
        text_body=row["text_body"],
        status=TemplateStatus(row["status"]),
        customer_id=row["customer_id"],
        id=row["id"],
    )


def _version(row: Row) -> TemplateVersion:
    return TemplateVersion(
        template_id=row["template_id"],
        number=row["number"],
        saved_at=row["saved_at"],
        kind=TemplateKind(row["kind"]),
        format=OutputFormat(row["format"]),
        body=row["body"],
        subject=row["subject"],
        text_body=row["text_body"],
    )


class TriggerRepository(_Repository):
    """Triggers, with their secret header values and signing secret kept in the secret store."""

    def _key(self, trigger_id: int, what: str) -> str:
        return f"{self._ws.workspace_id}/trigger/{trigger_id}/{what}"

    def save(self, trigger: Trigger) -> Trigger:
        """Insert or update after validation (required fields, template kind/format, unique name per "
        "customer)."""
        template: Template | None = None
        issues: list[ValidationIssue] = []
        if trigger.template_id is not None:
            try:
                template = self._ws.templates.get(trigger.template_id)
            except NotFoundError:
                issues.append(ValidationIssue("template_id", f"no template with id {trigger.template_id}"))
        issues += validate_trigger(trigger, template)
        if (
            self._conn.execute("SELECT 1 FROM customers WHERE id = ?", (trigger.customer_id,)).fetchone()
            is None
        ):
            issues.append(ValidationIssue("customer_id", f"no customer with id {trigger.customer_id}"))
        issues += _unique(
            self._conn,
            "SELECT 1 FROM triggers WHERE customer_id = ? AND name = ? AND id IS NOT ?",
            (trigger.customer_id, trigger.name, trigger.id),
            f"this customer already has a trigger named '{trigger.name}'",
        )
        raise_if(issues, f"trigger '{trigger.name}'")
        headers = json.dumps(
            [
                {"name": h.name, "secret": h.secret, "value": "" if h.secret else h.value}
                for h in trigger.headers
            ]
        )
        retry = json.dumps(retry_to_document(trigger.retry), sort_keys=True)
        values = (
            trigger.name,
            trigger.customer_id,
            trigger.event.value,
            trigger.method.value,
            trigger.url,
            trigger.http_method,
            trigger.format.value,
            headers,
            retry,
            int(trigger.signing),
            json.dumps(list(trigger.recipients)),
            trigger.template_id,
            trigger.status.value,
        )
        with self._ws.transaction():
            if trigger.id is None:
                cursor = self._conn.execute(
                    "INSERT INTO triggers(name, customer_id, event, method, url, http_method, "
                    "format, headers, "
                    "retry, signing, recipients, template_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?)",
                    values,
                )
                assert cursor.lastrowid is not None
                saved = replace(trigger, id=cursor.lastrowid)
                previous: Trigger | None = None
            else:
                previous = self.get(trigger.id, with_secrets=False)
                self._conn.execute(
                    "UPDATE triggers SET name = ?, customer_id = ?, event = ?, method = ?, url = ?, "
                    "http_method = ?, "
                    "format = ?, headers = ?, retry = ?, signing = ?, recipients = ?, template_id = "
                    "?, status = ? "
                    "WHERE id = ?",
                    (*values, trigger.id),
                )
                saved = trigger
            self._store_secrets(saved, previous)
        return saved

    def _store_secrets(self, trigger: Trigger, previous: Trigger | None) -> None:
        assert trigger.id is not None
        keep = {h.name.lower() for h in trigger.headers if h.secret}
        if previous is not None:
            for header in previous.headers:
                if header.secret and header.name.lower() not in keep:
                    self._ws.secrets.delete(self._key(trigger.id, f"header/{header.name.lower()}"))
        for header in trigger.headers:
            if header.secret and header.value:
                self._ws.secrets.set(self._key(trigger.id, f"header/{header.name.lower()}"), header.value)
        if not trigger.signing:
            self._ws.secrets.delete(self._key(trigger.id, "signing"))
        elif trigger.signing_secret:
            self._ws.secrets.set(self._key(trigger.id, "signing"), trigger.signing_secret)

    def get(self, trigger_id: int, *, with_secrets: bool = True) -> Trigger:
        """The trigger with that id, secrets filled in unless ``with_secrets`` is False."""
        row = self._by_id("triggers", trigger_id, "trigger")
        trigger = _trigger(row)
        return self._with_secrets(trigger) if with_secrets else trigger

    def _with_secrets(self, trigger: Trigger) -> Trigger:
        assert trigger.id is not None
        headers = tuple(
            replace(h, value=self._ws.secrets.get(self._key(trigger.id, f"header/{h.name.lower()}")) or "")
            if h.secret
            else h
            for h in trigger.headers
        )
        secret = (self._ws.secrets.get(self._key(trigger.id, "signing")) or "") if trigger.signing else ""
        return replace(trigger, headers=headers, signing_secret=secret)

    def get_by_name(self, customer_id: int, name: str) -> Trigger | None:
        """A customer's trigger by name (with secrets), or None."""
        row = self._row("SELECT id FROM triggers WHERE customer_id = ? AND name = ?", (customer_id, name))
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
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(f"SELECT * FROM triggers {clause} ORDER BY customer_id, name, id", tuple(params))
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
                    self._ws.secrets.delete(self._key(trigger_id, f"header/{header.name.lower()}"))
            self._ws.secrets.delete(self._key(trigger_id, "signing"))
            self._conn.execute(
                "UPDATE pending_retries SET state = 'canceled' WHERE trigger_id = ? AND state = 'pending'",
                (trigger_id,),
            )
            self._conn.execute("DELETE FROM triggers WHERE id = ?", (trigger_id,))

    def secret_values(self, trigger_id: int) -> builtins.list[str]:
        """The secret values of a trigger, so the request log can redact them wherever they appear."""
        trigger = self.get(trigger_id)
        values = [h.value for h in trigger.headers if h.secret and h.value]
        if trigger.signing_secret:
            values.append(trigger.signing_secret)
        return values


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


class LookupRepository(_Repository):
    """Lookup tables (global or per customer) and their key -> value rows."""

    def save(self, table: LookupTable) -> LookupTable:
        """Insert or update a table, replacing its rows; a later duplicate key wins, as in an upload."""
        issues = validate_lookup_table(table)
        issues += _unique(
            self._conn,
            "SELECT 1 FROM lookup_tables WHERE name = ? AND id IS NOT ?",
            (table.name, table.id),
            f"a lookup table named '{table.name}' already exists",
        )
        if (
            table.customer_id is not None
            and self._ws.conn.execute("SELECT 1 FROM customers WHERE id = ?", (table.customer_id,)).fetchone()
            is None
        ):
            issues.append(ValidationIssue("customer_id", f"no customer with id {table.customer_id}"))
        raise_if(issues, f"lookup table '{table.name}'")
        rows = tuple(table.as_dict().items())
        with self._ws.transaction():
            if table.id is None:
                cursor = self._conn.execute(
                    "INSERT INTO lookup_tables(name, customer_id, description, template_field) "
                    "VALUES (?, ?, ?, ?)",
                    (table.name, table.customer_id, table.description, table.template_field),
                )
                table = replace(table, id=cursor.lastrowid)
            else:
                self.get(table.id)
                self._conn.execute(
                    "UPDATE lookup_tables SET name = ?, customer_id = ?, description = ?, template_field = ? "
                    "WHERE id = ?",
                    (table.name, table.customer_id, table.description, table.template_field, table.id),
                )
                self._conn.execute("DELETE FROM lookup_rows WHERE table_id = ?", (table.id,))
            self._conn.executemany(
                "INSERT INTO lookup_rows(table_id, position, key, value) VALUES (?, ?, ?, ?)",
                [(table.id, index, key, value) for index, (key, value) in enumerate(rows)],
            )
        return replace(table, rows=rows)

    def get(self, table_id: int) -> LookupTable:
        """The table with its rows, or :class:`NotFoundError`."""
        row = self._by_id("lookup_tables", table_id, "lookup table")
        return self._table(row)

    def get_by_name(self, name: str) -> LookupTable | None:
        """The table with that name (unique in a workspace), or None."""
        row = self._row("SELECT * FROM lookup_tables WHERE name = ?", (name,))
        return None if row is None else self._table(row)

    def _table(self, row: Row) -> LookupTable:
        rows = self._conn.execute(
            "SELECT key, value FROM lookup_rows WHERE table_id = ? ORDER BY position", (row["id"],)
        ).fetchall()
        return LookupTable(
            name=row["name"],
            template_field=row["template_field"],
            rows=tuple((str(k), str(v)) for k, v in rows),
            customer_id=row["customer_id"],
            description=row["description"],
            id=row["id"],
        )

    def list(
        self, *, customer_id: int | None = None, include_global: bool = True
    ) -> builtins.list[LookupTable]:
        """Tables by name: all, or a customer's plus (unless ``include_global`` is False) the global ones."""
        if customer_id is None:
            rows = self._rows("SELECT * FROM lookup_tables ORDER BY name, id")
        elif include_global:
            rows = self._rows(
                "SELECT * FROM lookup_tables WHERE customer_id = ? OR customer_id IS NULL ORDER BY name, id",
                (customer_id,),
            )
        else:
            rows = self._rows(
                "SELECT * FROM lookup_tables WHERE customer_id = ? ORDER BY name, id", (customer_id,)
            )
        return [self._table(r) for r in rows]

    def delete(self, table_id: int) -> None:
        """Delete a table and its rows."""
        self.get(table_id)
        with self._ws.transaction():
            self._conn.execute("DELETE FROM lookup_tables WHERE id = ?", (table_id,))

    def lookup_set_for(self, customer_id: int | None) -> LookupSet:
        """What ``lookups()`` sees when rendering for a customer: global tables, then the customer's on top.

        Tables are merged per template field and per key, so a customer table overrides single keys of
        a global table with the same template field and inherits the rest.
        """
        merged: LookupSet = {}
        tables = self.list(customer_id=customer_id) if customer_id is not None else self._global()
        for table in sorted(tables, key=lambda t: (t.customer_id is not None, t.name)):
            merged.setdefault(table.template_field, {}).update(table.as_dict())
        return merged

    def _global(self) -> builtins.list[LookupTable]:
        return [self._table(r) for r in self._rows("SELECT * FROM lookup_tables WHERE customer_id IS NULL")]

    def import_csv(
        self,
        data: bytes | str,
        *,
        name: str,
        template_field: str,
        customer_id: int | None = None,
        description: str = "",
        source: str = "<csv>",
    ) -> LookupTable:
        """Create or replace the table ``name`` from a key,value CSV (raises ``LookupCsvError`` with "
        "line numbers)."""
        rows = parse_lookup_csv(data, source)
        existing = self.get_by_name(name)
        if existing is not None:
            return self.save(
                replace(
                    existing,
                    rows=rows,
                    template_field=template_field,
                    customer_id=customer_id,
                    description=description or existing.description,
                )
            )
        return self.save(
            LookupTable(
                name=name,
                template_field=template_field,
                rows=rows,
                customer_id=customer_id,
                description=description,
            )
        )

    def export_csv(self, table_id: int) -> str:
        """The table as GelatoConnect bulk-upload CSV (``key,value`` header, CRLF)."""
        return dump_lookup_csv(self.get(table_id).rows)


class SmtpRepository(_Repository):
    """The one set of outgoing-mail settings; the password lives in the secret store."""

    def _key(self) -> str:
        return f"{self._ws.workspace_id}/smtp/password"

    def get(self) -> SmtpSettings:
        """The settings (defaults when never set), password filled in from the secret store."""
        row = self._row("SELECT * FROM smtp WHERE id = 1")
        password = self._ws.secrets.get(self._key()) or ""
        if row is None:
            return SmtpSettings(password=password)
        return SmtpSettings(
            sender_email=row["sender_email"],
            sender_name=row["sender_name"],
            host=row["host"],
            port=row["port"],
            username=row["username"],
            password=password,
            tls_mode=TlsMode(row["tls_mode"]),
        )

    def has_password(self) -> bool:
        """Whether a password is stored (without reading it into memory for display)."""
        return bool(self._ws.secrets.get(self._key()))

    def set(self, settings: SmtpSettings, *, keep_password: bool = True) -> SmtpSettings:
        """Save after validation; an empty password keeps the stored one unless ``keep_password`` is False."""
        raise_if(validate_smtp(settings), "SMTP settings")
        with self._ws.transaction():
            self._conn.execute(
                "INSERT INTO smtp(id, sender_email, sender_name, host, port, username, tls_mode) "
                "VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET sender_email = "
                "excluded.sender_email, "
                "sender_name = excluded.sender_name, host = excluded.host, port = excluded.port, "
                "username = excluded.username, tls_mode = excluded.tls_mode",
                (
                    settings.sender_email,
                    settings.sender_name,
                    settings.host,
                    settings.port,
                    settings.username,
                    settings.tls_mode.value,
                ),
            )
            if settings.password:
                self._ws.secrets.set(self._key(), settings.password)
            elif not keep_password:
                self._ws.secrets.delete(self._key())
        return self.get()

    def is_configured(self) -> bool:
        """True once settings were saved (an email trigger can then send)."""
        return self._row("SELECT 1 AS one FROM smtp WHERE id = 1 AND host != ''") is not None


class SampleRepository(_Repository):
    """The user's own sample payloads, per event (built-in samples ship as resources)."""

    def save(self, sample: SamplePayload) -> SamplePayload:
        """Insert or update; the payload must be JSON and the name unique within the event."""
        issues = validate_name(sample.name)
        try:
            json.loads(sample.payload)
        except ValueError as exc:
            issues.append(ValidationIssue("payload", f"is not valid JSON: {exc}"))
        issues += _unique(
            self._conn,
            "SELECT 1 FROM samples WHERE event = ? AND name = ? AND id IS NOT ?",
            (sample.event.value, sample.name, sample.id),
            f"a sample named '{sample.name}' already exists for {sample.event.label}",
        )
        raise_if(issues, f"sample '{sample.name}'")
        with self._ws.transaction():
            if sample.id is None:
                cursor = self._conn.execute(
                    "INSERT INTO samples(name, event, payload) VALUES (?, ?, ?)",
                    (sample.name, sample.event.value, sample.payload),
                )
                return replace(sample, id=cursor.lastrowid)
            self.get(sample.id)
            self._conn.execute(
                "UPDATE samples SET name = ?, event = ?, payload = ? WHERE id = ?",
                (sample.name, sample.event.value, sample.payload, sample.id),
            )
        return sample

    def get(self, sample_id: int) -> SamplePayload:
        """The sample with that id, or :class:`NotFoundError`."""
        row = self._by_id("samples", sample_id, "sample")
        return _sample(row)

    def list(self, event: Event | None = None) -> builtins.list[SamplePayload]:
        """Samples by event and name, optionally of one event."""
        if event is None:
            rows = self._rows("SELECT * FROM samples ORDER BY event, name")
        else:
            rows = self._rows("SELECT * FROM samples WHERE event = ? ORDER BY name", (event.value,))
        return [_sample(r) for r in rows]

    def delete(self, sample_id: int) -> None:
        """Delete a sample."""
        self.get(sample_id)
        with self._ws.transaction():
            self._conn.execute("DELETE FROM samples WHERE id = ?", (sample_id,))


def _sample(row: Row) -> SamplePayload:
    return SamplePayload(name=row["name"], event=Event(row["event"]), payload=row["payload"], id=row["id"])


__all__ = [
    "CustomerRepository",
    "LookupRepository",
    "SampleRepository",
    "SmtpRepository",
    "TemplateRepository",
    "TriggerRepository",
    "ValidationError",
]
