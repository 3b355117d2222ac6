"""What an import will change, as a value: told to the user before anything is written, then applied.

Every import in the app (a configuration bundle, a lookup table's CSV, a template file) computes a
plan first: what it adds, changes and removes. The confirmation shows the plan's counts, and the
confirmed plan is the one applied (an apply that would now do something else is refused), so what
the user was told is what happens. This module holds the vocabulary the plans share.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from postback_studio.core.errors import InputError


class PlanChangedError(InputError):
    """What is stored changed since the plan was shown: applying it now would do something else."""


class ImportMode(StrEnum):
    """What an import does to what the target already holds and the import does not."""

    MERGE = "merge"
    """Add and update; keep what the import does not mention."""
    REPLACE = "replace"
    """Make the target hold what the import holds: also remove what it does not."""


class Action(StrEnum):
    """What an import does to one item."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REMOVE = "remove"


@dataclass(frozen=True)
class Counts:
    """How many items (or rows) an import adds, changes, removes and leaves as they are."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> int:
        """Added, changed and removed together."""
        return self.added + self.changed + self.removed

    def describe(self, noun: str, plural: str | None = None) -> str:
        """``3 rows added, 1 changed, 2 removed``; ``no rows change`` when nothing does."""
        plural = plural or f"{noun}s"
        parts = [
            (number, word)
            for number, word in ((self.added, "added"), (self.changed, "changed"), (self.removed, "removed"))
            if number
        ]
        if not parts:
            return f"no {plural} change"
        (number, word), *rest = parts
        head = f"{number} {noun if number == 1 else plural} {word}"
        return ", ".join([head, *(f"{n} {w}" for n, w in rest)])


def count_actions(actions: Iterable[Action]) -> Counts:
    """Tally actions into :class:`Counts`."""
    tally = dict.fromkeys(Action, 0)
    for action in actions:
        tally[action] += 1
    return Counts(tally[Action.CREATE], tally[Action.UPDATE], tally[Action.REMOVE], tally[Action.UNCHANGED])


class NoteKind(StrEnum):
    """What a note on a plan item is about."""

    SECRETS_CLEARED = "secrets_cleared"
    WARNING = "warning"


@dataclass(frozen=True)
class PlanNote:
    """Something the user should know about one item of an import, beyond its action.

    ``SECRETS_CLEARED``: stored secrets of the item were (or, in a dry run, would be) cleared
    because the bundle changes its destination. ``WARNING``: a URL with user info or a
    link-local/metadata address. ``message`` is a whole sentence that names the item.
    """

    kind: NoteKind
    message: str

    @property
    def label(self) -> str:
        """``warning`` or ``note``: the word a plan line and the preview put before the message."""
        return "warning" if self.kind is NoteKind.WARNING else "note"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PlanItem:
    """One line of an import plan: ``update    trigger 'Shipped' (customer 'Acme'): url, headers``.

    ``detail`` says what changes inside the item: the fields of an update, the rows of a lookup table.
    ``notes`` say what else happens to it (secrets cleared by a new destination, URL warnings).
    """

    action: Action
    kind: str
    name: str
    customer: str | None = None
    detail: str = ""
    notes: tuple[PlanNote, ...] = ()

    def __str__(self) -> str:
        owner = f" (customer '{self.customer}')" if self.customer else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.action.value:9} {self.kind} '{self.name}'{owner}{detail}"


#: The kinds of item a configuration bundle holds, in the order a preview lists them.
BUNDLE_KINDS = ("customer", "template", "trigger", "lookup table", "smtp settings")


@dataclass(frozen=True)
class ImportPlan:
    """What applying a bundle does (or did): one item per thing touched, and notes to read first.

    ``notes`` are sentences the user must see before applying: secrets that must be re-entered, and
    anything else the import does besides the items (each part of the import adds its own).
    """

    mode: ImportMode
    items: tuple[PlanItem, ...]
    notes: tuple[str, ...] = ()

    def counts(self, kind: str | None = None) -> Counts:
        """The counts of one kind of item (``customer``, ``trigger``...), or of all items."""
        return count_actions(item.action for item in self.items if kind in (None, item.kind))

    @property
    def changes(self) -> int:
        """How many items are created, updated or removed."""
        return sum(1 for item in self.items if item.action is not Action.UNCHANGED)

    def item_notes(self) -> tuple[PlanNote, ...]:
        """The notes of every item, in the items' order."""
        return tuple(note for item in self.items for note in item.notes)

    def lines(self) -> list[str]:
        """The plan as the command line prints it: each item with its notes indented under it, then
        the plan's own notes."""
        lines: list[str] = []
        for item in self.items:
            lines.append(str(item))
            lines += [f"    {note.label}: {note}" for note in item.notes]
        return lines + [f"note: {note}" for note in self.notes]


#: How a plan names the model's fields where the attribute's name is not the word a user reads.
_FIELD_WORDS = {
    "customer_id": "customer",
    "template_id": "template",
    "text_body": "text part",
    "http_method": "HTTP method",
    "reference_id": "reference id",
    "template_field": "template field",
    "signing_secret": "signing secret",
    "sender_email": "sender email",
    "sender_name": "sender name",
    "tls_mode": "security",
}


def changed_fields(old: Any, new: Any, *, ignore: Iterable[str] = ("id",)) -> tuple[str, ...]:
    """The names of the dataclass fields that differ between ``old`` and ``new`` (same type)."""
    skipped = set(ignore)
    return tuple(
        f.name
        for f in dataclasses.fields(old)
        if f.name not in skipped and getattr(old, f.name) != getattr(new, f.name)
    )


def field_words(fields: Iterable[str]) -> str:
    """``url, HTTP method, headers``: changed fields as a plan line says them."""
    return ", ".join(_FIELD_WORDS.get(name, name) for name in fields)
