"""A lookup table's rows: checks while they are edited, and what an import or an edit does to them.

A duplicate key is legal (the later row wins, as in GelatoConnect's CSV upload) but almost always a
mistake, so the Lookups page warns instead of refusing; an empty key is refused by validation.

An import of rows (a CSV) is planned before anything changes: :func:`plan_rows` replaces or merges
and says, key by key, what is added, changed and removed; the Lookups page and ``lookups import``
show those counts and apply the very rows the plan holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from postback_studio.core.import_plan import Counts, ImportMode
from postback_studio.core.model import LookupTable


def duplicate_keys(rows: Sequence[tuple[str, str]]) -> dict[str, list[int]]:
    """Keys that appear more than once, each with its 1-based row numbers, in first-seen order."""
    seen: dict[str, list[int]] = {}
    for number, (key, _value) in enumerate(rows, start=1):
        if key.strip():
            seen.setdefault(key, []).append(number)
    return {key: numbers for key, numbers in seen.items() if len(numbers) > 1}


def duplicate_warning(rows: Sequence[tuple[str, str]]) -> str:
    """One sentence per duplicated key, or "" when every key is unique."""
    return " ".join(
        f"Key '{key}' appears on rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}: "
        f"row {numbers[-1]} wins."
        for key, numbers in duplicate_keys(rows).items()
    )


Rows = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RowChanges:
    """The keys whose rows a change adds, changes and removes (by what lookups see: a later
    duplicate key wins), and how many keys keep their value."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def counts(self) -> Counts:
        """The numbers of added, changed, removed and unchanged rows."""
        return Counts(len(self.added), len(self.changed), len(self.removed), self.unchanged)

    def describe(self) -> str:
        """``3 rows added, 1 changed, 2 removed``."""
        return self.counts.describe("row")


def row_changes(before: Sequence[tuple[str, str]], after: Sequence[tuple[str, str]]) -> RowChanges:
    """What turning the rows ``before`` into ``after`` does, key by key."""
    old, new = dict(before), dict(after)
    return RowChanges(
        added=tuple(key for key in new if key not in old),
        changed=tuple(key for key in new if key in old and old[key] != new[key]),
        removed=tuple(key for key in old if key not in new),
        unchanged=sum(1 for key in new if key in old and old[key] == new[key]),
    )


@dataclass(frozen=True)
class RowsPlan:
    """Imported rows applied to a table's rows: the rows that result, and what that changes."""

    mode: ImportMode
    rows: Rows
    changes: RowChanges


def plan_rows(current: Sequence[tuple[str, str]], incoming: Sequence[tuple[str, str]],
              mode: ImportMode) -> RowsPlan:
    """Replace ``current`` by ``incoming``, or merge them (an incoming key's value wins, new keys go
    last, the others stay as they are)."""
    if mode is ImportMode.REPLACE:
        rows: Rows = tuple(dict(incoming).items())
    else:
        merged = dict(current)
        merged.update(incoming)
        rows = tuple(merged.items())
    return RowsPlan(mode, rows, row_changes(current, rows))


@dataclass(frozen=True)
class LookupImportPlan:
    """A CSV imported into the lookup table ``table.name``: the table as applying saves it, the table
    as it was stored when planned (None: it is new), and what happens to its rows."""

    table: LookupTable
    existing: LookupTable | None
    rows: RowsPlan

    def describe(self) -> str:
        """``lookup table 'carriers' (replace): 3 rows added, 1 changed, 2 removed``."""
        if self.existing is None:
            count = len(self.table.rows)
            return f"create lookup table '{self.table.name}' with {count} row{'' if count == 1 else 's'}"
        return f"lookup table '{self.table.name}' ({self.rows.mode.value}): {self.rows.changes.describe()}"


def plan_table_import(
    existing: LookupTable | None,
    incoming: Sequence[tuple[str, str]],
    *,
    name: str,
    template_field: str,
    customer_id: int | None,
    description: str = "",
    mode: ImportMode = ImportMode.REPLACE,
) -> LookupImportPlan:
    """Import ``incoming`` rows into the table ``name`` (``existing``, or a new one)."""
    if existing is None:
        rows = plan_rows((), incoming, mode)
        table = LookupTable(name, template_field, rows.rows, customer_id, description)
        return LookupImportPlan(table, None, rows)
    rows = plan_rows(existing.rows, incoming, mode)
    table = replace(existing, template_field=template_field, customer_id=customer_id,
                    description=description or existing.description, rows=rows.rows)
    return LookupImportPlan(table, existing, rows)
