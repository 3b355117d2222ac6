"""In-memory stores with the page protocols' shape, for UI tests until the workspace lands."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any, Generic, TypeVar

from postback_studio.core.model import Customer, LookupTable, SmtpSettings, Template, Trigger

T = TypeVar("T", Customer, Template, Trigger, LookupTable)


class _Store(Generic[T]):
    def __init__(self) -> None:
        self.items: dict[int, T] = {}
        self._next = 1

    def list(self, customer_id: int | None = None) -> list[T]:
        items = list(self.items.values())
        if customer_id is not None:
            items = [i for i in items if getattr(i, "customer_id", None) == customer_id]
        return items

    def get(self, item_id: int) -> T | None:
        return self.items.get(item_id)

    def save(self, item: T) -> T:
        if item.id is None:
            item = dataclasses.replace(item, id=self._next)
            self._next += 1
        assert item.id is not None
        self.items[item.id] = item
        return item

    def delete(self, item_id: int) -> None:
        self.items.pop(item_id, None)


class Customers(_Store[Customer]):
    pass


class Templates(_Store[Template]):
    pass


class Triggers(_Store[Trigger]):
    pass


class Lookups(_Store[LookupTable]):
    def import_csv(self, table_id: int, text: str) -> LookupTable:
        rows = []
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if len(row) != 2 or not row[0].strip():
                raise ValueError(f"line {number}: expected key,value with a non-empty key")
            rows.append((row[0], row[1]))
        return self.save(dataclasses.replace(self.items[table_id], rows=tuple(rows)))

    def export_csv(self, table_id: int) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.items[table_id].rows)
        return out.getvalue()


class Smtp:
    def __init__(self) -> None:
        self.settings = SmtpSettings()

    def get(self) -> SmtpSettings:
        return self.settings

    def save(self, settings: SmtpSettings) -> SmtpSettings:
        self.settings = settings
        return settings


@dataclasses.dataclass(frozen=True)
class Issue:
    field: str
    message: str


def no_issues(*_args: Any) -> list[Issue]:
    return []
