"""Unsaved template edits written aside every few seconds, and offered back after a crash.

A crash (or a kill) loses at most the seconds since the last write. On the next start, each draft
left behind is offered back: restored into the editor as unsaved edits, or discarded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from postback_studio.core.model import Template
from postback_studio.core.recovery import RecoveryDraft, RecoveryStore, key_for
from postback_studio.core.template_library import content_of
from postback_studio.ui.prompts import Prompter


class DraftRecovery(QObject):
    """Writes the editor's unsaved template to the recovery folder and offers left-over drafts back.

    Args:
        store: The recovery folder of the workspace.
        unsaved: The template with the editor's edits, or None when nothing is unsaved.
        interval_ms: How often unsaved edits are written.

    Signals:
        draft_autosaved(str): unsaved edits were written; carries the draft's key.
    """

    draft_autosaved = Signal(str)

    def __init__(
        self,
        store: RecoveryStore,
        unsaved: Callable[[], Template | None],
        *,
        interval_ms: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._unsaved = unsaved
        self._left_over = store.pending()
        self._last: tuple[str, str, str] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.write)
        self._timer.start()

    def write(self) -> str | None:
        """Write the unsaved edits (when they changed since the last write); the draft's key."""
        edited = self._unsaved()
        if edited is None:
            return None
        content = content_of(edited)
        if content == self._last:
            return None
        key = key_for(edited.id)
        self._store.write(
            RecoveryDraft(key, edited.id, edited.name, edited.body, edited.subject, edited.text_body)
        )
        self._last = content
        self.draft_autosaved.emit(key)
        return key

    def forget_written(self) -> None:
        """Another template is in the editor: its first edit is written whatever the last one was."""
        self._last = None

    def discard(self, template_id: int | None) -> None:
        """The template was saved, its edits discarded or it was deleted: its draft goes."""
        self._store.discard(key_for(template_id))

    def discard_key(self, key: str) -> None:
        """Forget the draft ``key`` (it was restored as a new template)."""
        self._store.discard(key)

    def left_over(self) -> list[RecoveryDraft]:
        """Drafts left by a run that did not end normally (found when the page was built)."""
        return list(self._left_over)

    def offer(self, prompter: Prompter, restore: Callable[[RecoveryDraft], bool]) -> int:
        """Ask, for each left-over draft, to restore it or discard it; returns how many were restored."""
        restored = 0
        for draft in self.left_over():
            when = dt.datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M")
            if prompter.restore_draft(draft.name, when) and restore(draft):
                restored += 1
            else:
                self._store.discard(draft.key)
        self._left_over = []
        return restored
