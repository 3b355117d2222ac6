"""One family of errors: every failure a person may read derives from :class:`StudioError`.

A message of this family is fit to show as it is, in a dialog, under a field or on the command
line: it says what is wrong and where (file, line, field or JSON pointer) and never holds SQL, a
traceback or a secret. Code that reports errors catches :class:`StudioError` once instead of a list
of unrelated types; anything else that escapes is a bug and is reported as one.

The family lives in core because every layer raises or shows these errors: storage raises
:class:`NotFoundError` and :class:`InUseError`, services raise :class:`DeliveryError`, the pages and
the command line show them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class StudioError(Exception):
    """A failure whose message says what is wrong and where, fit to show a user as it is."""


class InputError(StudioError, ValueError):
    """Input that cannot be used: a file, an argument, a value typed into a form, a bundle."""


class NotFoundError(StudioError, KeyError):
    """No row with that id or name; ``str()`` gives the message rather than KeyError's quoted repr."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class WorkspaceError(StudioError):
    """A workspace file cannot be opened or used (not a workspace, unreadable, locked)."""


class WorkspaceVersionError(WorkspaceError):
    """The file was written by a newer Postback Studio; opening it could lose data, so we refuse."""


class InUseError(WorkspaceError):
    """A delete that would break other rows (a customer with triggers, a template a trigger uses)."""


class DeliveryError(InputError):
    """A send the delivery service cannot act on (no such trigger, customer or request)."""


@dataclass(frozen=True)
class ValidationIssue:
    """One problem with one place of an input, and what is wrong there.

    ``field`` names the place the way its source does: a model attribute for values
    (``url``, ``recipients[1]``, ``headers[0].name``), an RFC 6901 JSON pointer for a bundle
    (``/triggers/3/url``; ``""`` is the whole file).
    """

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(InputError):
    """A value that breaks a rule; carries every issue, not just the first.

    Raised by the repositories (and so the services) before anything is written; the pages show
    each issue under the field it names.
    """

    def __init__(self, issues: Iterable[ValidationIssue], subject: str = "") -> None:
        self.issues: tuple[ValidationIssue, ...] = tuple(issues)
        self.subject = subject
        super().__init__(self._message())

    def _message(self) -> str:
        prefix = f"{self.subject}: " if self.subject else ""
        return prefix + "; ".join(str(issue) for issue in self.issues)


def raise_if(issues: list[ValidationIssue], subject: str = "") -> None:
    """Raise :class:`ValidationError` when ``issues`` is not empty."""
    if issues:
        raise ValidationError(issues, subject)
