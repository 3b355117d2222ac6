"""Templates, shared or per customer, with every saved version of their content."""

from __future__ import annotations

import builtins
from dataclasses import replace
from typing import Any

from postback_studio.core.errors import InUseError, NotFoundError, ValidationIssue, raise_if
from postback_studio.core.model import OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.records import TemplateVersion
from postback_studio.core.validation import validate_template, validate_trigger
from postback_studio.storage.repository import Repository, Row

_CONTENT = ("kind", "format", "body", "subject", "text_body")


class TemplateRepository(Repository):
    """Templates, shared or per customer, with every saved version of their content."""

    table = "templates"
    what = "template"

    def save(self, template: Template) -> Template:
        """Insert or update; a change of content adds a version stamped with the clock (no change, none)."""
        issues = validate_template(template)
        issues += self._owned_name_issues(template.name, template.id, template.customer_id)
        raise_if(issues, f"template '{template.name}'")
        now = self._ws.clock()
        with self._ws.transaction():
            if template.id is None:
                saved = replace(template, id=self._insert(_row(template, created_at=now, updated_at=now)))
                self._add_version(saved, 1, now)
                return saved
            current = self.get(template.id)
            self._check_users_accept(template)
            changed = any(getattr(current, f) != getattr(template, f) for f in _CONTENT)
            self._update(template.id, _row(template, **({"updated_at": now} if changed else {})))
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

    def _last_version(self, template_id: int) -> int:
        row = self._conn.execute(
            "SELECT max(number) FROM template_versions WHERE template_id = ?", (template_id,)
        ).fetchone()
        return int(row[0] or 0)

    def _add_version(self, template: Template, number: int, now: float) -> None:
        content = {f: v for f, v in _row(template).items() if f in _CONTENT}
        self._ws.db.table("template_versions").insert(
            {"template_id": template.id, "number": number, "saved_at": now, **content}
        )

    def get(self, template_id: int) -> Template:
        """The template with that id (its current content), or :class:`NotFoundError`."""
        return _template(self._by_id(template_id))

    def get_by_name(self, name: str) -> Template | None:
        """The template with that name (names are unique in a workspace), or None."""
        row = self._first("name = ?", (name,))
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
        rows = self._where(" AND ".join(where) or None, tuple(params), order_by="name, id")
        return [_template(r) for r in rows]

    def rename(self, template_id: int, new_name: str) -> Template:
        """Change the name only (no new version: the content is the same)."""
        return self.save(replace(self.get(template_id), name=new_name))

    def duplicate(self, template_id: int, new_name: str | None = None) -> Template:
        """A new draft template with the same content, named ``"<name> copy"`` (numbered if taken)."""
        source = self.get(template_id)
        name, n = new_name or f"{source.name} copy", 2
        while new_name is None and self.get_by_name(name) is not None:
            name, n = f"{source.name} copy {n}", n + 1
        return self.save(replace(source, id=None, name=name, status=TemplateStatus.DRAFT))

    def delete(self, template_id: int) -> None:
        """Delete a template and its history; refused while triggers use it (they are named)."""
        self.check_deletable(template_id)
        self._delete(template_id)

    def check_deletable(self, template_id: int) -> None:
        """Raise :class:`InUseError` naming the triggers that use the template (None use it: nothing)."""
        template = self.get(template_id)
        users = self._ws.triggers.list(template_id=template_id)
        if users:
            names = ", ".join(f"'{t.name}'" for t in users)
            raise InUseError(f"template '{template.name}' is used by trigger(s) {names}; change those first")

    def versions(self, template_id: int) -> builtins.list[TemplateVersion]:
        """Every saved version, oldest first."""
        self.get(template_id)
        rows = self._ws.db.table("template_versions").rows_where(
            "template_id = ?", [template_id], order_by="number"
        )
        return [_version(r) for r in rows]

    def version(self, template_id: int, number: int) -> TemplateVersion:
        """Version ``number`` (from 1) of a template, or :class:`NotFoundError`."""
        rows = list(
            self._ws.db.table("template_versions").rows_where(
                "template_id = ? AND number = ?", [template_id, number]
            )
        )
        if not rows:
            raise NotFoundError(f"template {template_id} has no version {number}")
        return _version(rows[0])

    def restore(self, template_id: int, number: int) -> Template:
        """Make version ``number`` current again; this is a new save, so it becomes the newest version."""
        return self.save(self.version(template_id, number).applied_to(self.get(template_id)))


def _row(template: Template, **times: float) -> Row:
    """The columns of ``template`` (and the times given), as stored."""
    return {
        "name": template.name,
        "kind": template.kind.value,
        "format": template.format.value,
        "body": template.body,
        "subject": template.subject,
        "text_body": template.text_body,
        "status": template.status.value,
        "customer_id": template.customer_id,
        **times,
    }


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
