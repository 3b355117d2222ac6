"""Crash recovery for unsaved template edits: drafts written atomically next to the workspace.

The Templates page writes the editor's unsaved content here every few seconds and clears it on
save or discard. If the app is killed, the next start finds the drafts and offers them back. Each
draft is one small JSON file written to a temporary name, flushed to disk and renamed over the old
one, so a kill at any moment leaves either the previous draft or the new one, never half a file.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Clock = Callable[[], float]

_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class RecoveryDraft:
    """Unsaved content of one template.

    Attributes:
        key: The file stem: ``template-<id>`` for a stored template, ``new-<n>`` otherwise.
        template_id: The stored template the draft belongs to, or None.
        name: The template's name when the draft was written (for the offer dialog).
        body: The template text (an email's HTML part).
        subject: An email's subject template.
        text_body: An email's text part.
        saved_at: When the draft was written (seconds since the epoch).
    """

    key: str
    template_id: int | None
    name: str
    body: str
    subject: str = ""
    text_body: str = ""
    saved_at: float = 0.0


def folder_for_workspace(workspace: Path) -> Path:
    """``<workspace>.recovery``: beside the workspace file, so each workspace has its own drafts."""
    return workspace.with_name(workspace.name + ".recovery")


def key_for(template_id: int | None, new_number: int = 1) -> str:
    """The draft key of a stored template, or of the ``new_number``-th unsaved one."""
    return f"template-{template_id}" if template_id is not None else f"new-{new_number}"


class RecoveryStore:
    """The drafts of one workspace in a folder; safe against being killed mid-write.

    Args:
        folder: Where the drafts live (created on the first write, owner-only).
        clock: The time stamped on each draft (injected so tests are deterministic).
    """

    def __init__(self, folder: Path, clock: Clock = time.time) -> None:
        self.folder = folder
        self._clock = clock

    def _path(self, key: str) -> Path:
        if not _SAFE_KEY.match(key):
            raise ValueError(f"not a usable draft key: {key!r}")
        return self.folder / f"{key}.json"

    def write(self, draft: RecoveryDraft) -> RecoveryDraft:
        """Store ``draft`` (replacing an older one with its key), stamped with the clock."""
        stamped = RecoveryDraft(
            draft.key,
            draft.template_id,
            draft.name,
            draft.body,
            draft.subject,
            draft.text_body,
            self._clock(),
        )
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self._path(draft.key)
        temporary = target.with_suffix(".tmp")
        data = json.dumps(
            {
                "key": stamped.key,
                "template_id": stamped.template_id,
                "name": stamped.name,
                "body": stamped.body,
                "subject": stamped.subject,
                "text_body": stamped.text_body,
                "saved_at": stamped.saved_at,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        fd = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(target)
        return stamped

    def discard(self, key: str) -> None:
        """Forget the draft ``key`` (after a save, or when the user discards it)."""
        self._path(key).unlink(missing_ok=True)

    def pending(self) -> list[RecoveryDraft]:
        """Every readable draft, oldest first. Unreadable files (not ours) are left alone."""
        if not self.folder.is_dir():
            return []
        drafts: list[RecoveryDraft] = []
        for path in sorted(self.folder.glob("*.json")):
            draft = _read(path)
            if draft is not None:
                drafts.append(draft)
        return sorted(drafts, key=lambda d: d.saved_at)


def _read(path: Path) -> RecoveryDraft | None:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        template_id = data.get("template_id")
        return RecoveryDraft(
            key=str(data["key"]),
            template_id=int(template_id) if template_id is not None else None,
            name=str(data.get("name", "")),
            body=str(data.get("body", "")),
            subject=str(data.get("subject", "")),
            text_body=str(data.get("text_body", "")),
            saved_at=float(data.get("saved_at", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
