"""Validation messages shown under the field they concern, as small red labels.

Core validation names fields the way the model does (``url``, ``recipients[1]``,
``headers[0].name``, ``retry.max_attempts``); a form registers one label per top-level field and
:class:`FieldErrors` routes each issue to it. An issue for a field the form has no label for goes to
the form's general label, so no message is ever dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from postback_studio.core.errors import StudioError
from postback_studio.ui.ports import IssueLike
from postback_studio.ui.tones import Tone, emphasize, set_tone

T = TypeVar("T")

_FIELD = re.compile(r"^(?P<base>[A-Za-z_]+)(?:\[(?P<index>\d+)\])?")
_PREDICATE_STARTS = ("is ", "must ", "has ", "needs ", "appears ")

@dataclass(frozen=True)
class PlainIssue:
    """An issue made up by the UI, e.g. for a storage error that carries no field."""

    field: str
    message: str


class RefusalNote(Protocol):
    """Where a form confirms its saves (:class:`~postback_studio.ui.save_feedback.SavedNote`)."""

    def refuse(self, reason: str) -> None: ...


def caption_for(field: str) -> str:
    """A model field's name as a user reads it: ``customer_id`` -> "Customer", ``retry.x`` -> "Retry"."""
    base = field.split("[", 1)[0].split(".", 1)[0].removesuffix("_id").replace("_", " ").strip()
    return base[:1].upper() + base[1:]


def issues_from_error(exc: Exception) -> list[IssueLike]:
    """The issues a ``ValidationError`` carries, or the error's text as a general issue."""
    carried: Iterable[IssueLike] = getattr(exc, "issues", ())
    return list(carried) or [PlainIssue("", str(exc))]


def error_label() -> QLabel:
    """A hidden red label that wraps, for one field's messages."""
    label = QLabel()
    label.setObjectName("fieldError")
    emphasize(label, scale=0.92, weight=QFont.Weight.Normal)
    label.setWordWrap(True)
    label.hide()
    return label


def stacked(*widgets: QWidget) -> QWidget:
    """Widgets stacked tightly, as one cell of a form layout (a field and its messages)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def with_error(field: QWidget, label: QLabel) -> QWidget:
    """``field`` with ``label`` stacked under it, as one cell of a form layout."""
    return stacked(field, label)


def issue_text(issue: IssueLike, caption: str, row_word: str = "Row") -> str:
    """A readable sentence: "URL must start with http://", "Row 2: 'X Y' is not a valid header name"."""
    match = _FIELD.match(issue.field)
    message = issue.message
    if match and match.group("index") is not None:
        return f"{row_word} {int(match.group('index')) + 1}: {message}"
    if message.startswith(_PREDICATE_STARTS):
        return f"{caption} {message}"
    return message[:1].upper() + message[1:]


def general_text(issue: IssueLike) -> str:
    """A sentence for an issue no field of the form shows: it names the field when it has one."""
    caption = caption_for(issue.field)
    text = issue_text(issue, caption)
    if not caption or text.startswith(caption):
        return text
    return f"{caption}: {issue.message}"


class FieldErrors:
    """Routes validation issues to per-field labels and clears them again."""

    def __init__(self, general: QLabel) -> None:
        self._general = general
        self._labels: dict[str, tuple[QLabel, str, str]] = {}

    def register(self, field: str, caption: str, row_word: str = "Row") -> QLabel:
        """Create and return the label for ``field`` (its top-level name, e.g. ``headers``)."""
        label = error_label()
        self._labels[field] = (label, caption, row_word)
        return label

    def label_for(self, field: str) -> QLabel:
        """The label an issue about ``field`` goes to (the general one when none is registered)."""
        match = _FIELD.match(field)
        base = match.group("base") if match else field
        entry = self._labels.get(base)
        return entry[0] if entry else self._general

    def clear(self) -> None:
        """Hide every message."""
        for label, _, _ in self._labels.values():
            label.clear()
            label.hide()
        self._general.clear()
        self._general.hide()

    def show(self, issues: Iterable[IssueLike]) -> None:
        """Replace the shown messages with ``issues``."""
        self.clear()
        texts: dict[int, tuple[QLabel, list[str]]] = {}
        for issue in issues:
            label = self.label_for(issue.field)
            match = _FIELD.match(issue.field)
            entry = self._labels.get(match.group("base") if match else issue.field)
            text = issue_text(issue, entry[1], entry[2]) if entry else general_text(issue)
            texts.setdefault(id(label), (label, []))[1].append(text)
        for label, lines in texts.values():
            label.setText("\n".join(lines))
            set_tone(label, Tone.ERROR)
            label.show()

    def messages(self) -> dict[str, str]:
        """What each registered field shows now ("" when nothing), for tests and screenshots."""
        return {field: "" if label.isHidden() else label.text()
                for field, (label, _, _) in self._labels.items()}

    def summary(self) -> str:
        """The first message on show, for the status bar ("" when none)."""
        shown = [label.text() for label, _, _ in self._labels.values() if not label.isHidden()]
        shown.append(self.general_message())
        return next((text.splitlines()[0] for text in shown if text), "")

    def general_message(self) -> str:
        """What the general label shows now ("" when nothing)."""
        return "" if self._general.isHidden() else self._general.text()


def validated_save(value: T, save: Callable[[T], T], errors: FieldErrors,
                   note: RefusalNote | None = None) -> T | None:
    """Save ``value``; when the workspace refuses it, show why under the fields and return None.

    A refused save also takes back an earlier "✓ Saved" on ``note`` and says in the status bar
    that nothing was saved, so neither claims a save that did not happen.

    The services validate with ``core.validation`` (and know more than a form: unique names, the
    template a trigger points at), so their ``ValidationError`` is the one source of messages. Other
    refusals (a row deleted meanwhile, a locked file) go to the form's general label.
    """
    try:
        saved = save(value)
    except StudioError as exc:
        errors.show(issues_from_error(exc))
        if note is not None:
            note.refuse(errors.summary())
        return None
    errors.clear()
    return saved
