"""Errors the workspace raises; each message is fit to show a user as-is (no SQL, no secrets)."""

from __future__ import annotations


class WorkspaceError(Exception):
    """A workspace file cannot be opened or used (not a workspace, unreadable, locked)."""


class WorkspaceVersionError(WorkspaceError):
    """The file was written by a newer Postback Studio; opening it could lose data, so we refuse."""


class NotFoundError(KeyError):
    """No row with that id; ``str()`` gives the message rather than KeyError's quoted repr."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class InUseError(WorkspaceError):
    """A delete that would break other rows (a customer with triggers, a template a trigger uses)."""
