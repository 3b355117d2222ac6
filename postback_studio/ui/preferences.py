"""The app's own settings (not the workspace's): theme, window geometry, the local inbox's ports and
limit, the recently opened workspaces, and what each workspace had on show.

Kept in ``QSettings`` per user; typed here so no page reads a settings key directly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from postback_studio.core.defaults import INBOX_BODY_MB, LOCAL_HTTP_PORT, LOCAL_SMTP_PORT
from postback_studio.core.recent import forget, remember
from postback_studio.ui.theme import Theme


class Preferences:
    """Typed access to the user's settings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    @property
    def theme(self) -> Theme:
        """Light, dark or follow the system (system for anything unknown)."""
        try:
            return Theme(str(self.settings.value("theme", Theme.SYSTEM.value)))
        except ValueError:
            return Theme.SYSTEM

    def set_theme(self, value: str) -> None:
        """Remember the theme ``value`` (a :class:`Theme` value)."""
        self.settings.setValue("theme", value)

    @property
    def inbox_ports(self) -> tuple[int, int]:
        """The HTTP and SMTP ports of the local inbox."""
        return (
            int(self.settings.value("inbox/http_port", LOCAL_HTTP_PORT)),
            int(self.settings.value("inbox/smtp_port", LOCAL_SMTP_PORT)),
        )

    def set_inbox_ports(self, http_port: int, smtp_port: int) -> None:
        """Remember the local inbox's ports."""
        self.settings.setValue("inbox/http_port", http_port)
        self.settings.setValue("inbox/smtp_port", smtp_port)

    @property
    def inbox_body_mb(self) -> int:
        """How many megabytes of a request body the local inbox keeps."""
        return int(self.settings.value("inbox/max_body_mb", INBOX_BODY_MB))

    def set_inbox_body_mb(self, megabytes: int) -> None:
        """Remember the local inbox's body limit."""
        self.settings.setValue("inbox/max_body_mb", megabytes)

    @property
    def geometry(self) -> QByteArray | None:
        """The main window's last geometry, or None on the first start."""
        value = self.settings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.settings.setValue("window/geometry", value)

    @property
    def recent_workspaces(self) -> list[str]:
        """The workspaces opened lately, most recent first."""
        value = self.settings.value("workspaces/recent", [])
        if isinstance(value, str):  # QSettings hands back a one-element list as a plain string
            value = [value]
        return [str(v) for v in value or [] if str(v)]

    def remember_workspace(self, path: Path) -> None:
        """Put ``path`` first in the recent workspaces."""
        self.settings.setValue("workspaces/recent", remember(self.recent_workspaces, path))

    def forget_workspace(self, path: Path | str) -> None:
        """Take ``path`` off the recent workspaces."""
        self.settings.setValue("workspaces/recent", forget(self.recent_workspaces, path))

    def clear_recent_workspaces(self) -> None:
        """Forget every recent workspace."""
        self.settings.setValue("workspaces/recent", [])

    def sync(self) -> None:
        """Write everything to disk now."""
        self.settings.sync()


def workspace_key(path: Path) -> str:
    """A settings group name for the workspace file at ``path`` (the same file, however it was named)."""
    resolved = str(Path(path).expanduser().resolve())
    return hashlib.sha256(resolved.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class WorkspaceMemory:
    """What the Templates page had on show in one workspace: its last template and sample.

    Template ids are rows of one workspace file, so they are kept per file (under
    :func:`workspace_key`): switching workspaces never reopens another file's template id.
    """

    def __init__(self, settings: QSettings, workspace: Path) -> None:
        self.settings = settings
        self._group = f"workspaces/{workspace_key(workspace)}"

    @property
    def last_template(self) -> int | None:
        """The id of the template last on show, or None."""
        value = self.settings.value(f"{self._group}/last_template")
        try:
            return None if value is None else int(str(value))
        except ValueError:
            return None

    def set_last_template(self, template_id: int) -> None:
        """Remember the template on show."""
        self.settings.setValue(f"{self._group}/last_template", template_id)

    @property
    def last_sample(self) -> str:
        """The key of the sample last on show ("" when none was)."""
        return str(self.settings.value(f"{self._group}/last_sample", "") or "")

    def set_last_sample(self, key: str) -> None:
        """Remember the sample on show."""
        self.settings.setValue(f"{self._group}/last_sample", key)
