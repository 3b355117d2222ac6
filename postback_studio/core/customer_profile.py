"""What a customer's profile says about it, and what deleting it takes along.

Deleting a customer deletes its triggers, its own templates and its lookup tables with it (they
cannot exist without their owner; the request log keeps its entries), so the confirmation must name
them: an integrator who sees "and 3 triggers" stops and
thinks; one who sees only "Delete Acme?" does not.
"""

from __future__ import annotations

from collections.abc import Sequence

from postback_studio.core.model import Customer, DeliveryMethod, LookupTable, Template, Trigger

_LISTED = 5


def deletion_message(customer: Customer, triggers: Sequence[Trigger], templates: Sequence[Template],
                     tables: Sequence[LookupTable]) -> str:
    """The confirmation question for deleting ``customer`` with everything it owns."""
    owned = ((triggers, "trigger"), (templates, "template"), (tables, "lookup table"))
    parts = [_count_with_names(len(items), noun, [i.name for i in items]) for items, noun in owned if items]
    question = f"Delete customer '{customer.name}'?"
    if not parts:
        return f"{question} It owns no triggers, templates or lookup tables."
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (f"{question} This also deletes its {listed}. The request log keeps its entries. "
            "This cannot be undone.")


def trigger_line(trigger: Trigger) -> str:
    """One line of the profile's trigger list: name, event, where it goes, status."""
    if trigger.method is DeliveryMethod.URL:
        target = trigger.url or "no URL"
    else:
        target = ", ".join(trigger.recipients) or "no recipients"
    return f"{trigger.name} — {trigger.event.label} → {target} [{trigger.status.value}]"


def table_line(table: LookupTable) -> str:
    """One line of the profile's lookup list: name, template field, size."""
    rows = len(table.rows)
    return f"{table.name} — lookups({{\"{table.template_field}\": …}}), {rows} row{'s' if rows != 1 else ''}"


def _count_with_names(count: int, noun: str, names: list[str]) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:_LISTED])
    more = f" and {count - _LISTED} more" if count > _LISTED else ""
    return f"{count} {noun}{'s' if count != 1 else ''} ({shown}{more})"
