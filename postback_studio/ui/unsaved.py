"""Unsaved changes, derived: a form has them when what it shows differs from what is stored.

Never a flag that an edit signal sets. Qt emits ``textChanged`` for more than typing (a
re-highlight after a theme switch, a programmatic fill, a format change), and a flag set by such a
signal prompts "unsaved changes" about nothing; a flag that loading must remember to clear is the
same bug waiting. So each form says how to read its fields into a value (what Save would store),
:meth:`UnsavedChanges.set_stored` takes that value as the clean one whenever the form shows what is
stored (loaded, saved, reverted), and :attr:`UnsavedChanges.dirty` compares, every time it is asked.
An edit and its undo are clean again, and loading can never make a form dirty.

The same object asks Save / Discard / Cancel before the edits would be lost (another record chosen,
the app closing), through an injected question, so tests answer without a modal dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from postback_studio.ui.prompts import UnsavedChoice

#: Asks Save / Discard / Cancel about the unsaved changes of the named thing (``Prompter.unsaved_changes``).
AskUnsaved = Callable[[str], UnsavedChoice]

_FROM_FORM = object()  # set_stored's default: take the clean value from the form
_NOT_LOADED = object()  # nothing shown yet: nothing to lose
_NEW = object()  # what is shown is not stored at all: all of it would be lost


class UnsavedChanges(QObject):
    """Whether a form differs from what is stored, and the question before its edits are lost.

    Args:
        read: The form's fields as a value (what Save would store); compared with ``==``.
        ask: Asks Save / Discard / Cancel, given the name of what has the changes.
        name: The name the question uses (``trigger 'Shipped'``), read when asking.
        save: Saves the form; True when saved (False: refused, the edits stay).
        revert: Shows what is stored again (the user chose Discard).
        parent: The form.

    Signals:
        changed(bool): the form became dirty (True) or clean again (False).
    """

    changed = Signal(bool)

    def __init__(
        self,
        read: Callable[[], Any],
        *,
        ask: AskUnsaved,
        name: Callable[[], str],
        save: Callable[[], bool],
        revert: Callable[[], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._read = read
        self._ask = ask
        self._name = name
        self._save = save
        self._revert = revert
        self._stored: Any = _NOT_LOADED
        self._announced = False
        self._loading = False

    @contextmanager
    def loading(self, stored: Any = _FROM_FORM) -> Iterator[None]:
        """Fill the form with what is stored inside this block: no comparisons while the fields change
        one by one, then :meth:`set_stored` (``stored``, or the filled form)."""
        self._loading = True
        try:
            yield
        finally:
            self._loading = False
        self.set_stored(stored)

    def set_stored(self, value: Any = _FROM_FORM) -> None:
        """The form now shows what is stored: ``value``, or (by default) what the form reads now.

        Reading the form right after filling it makes the clean value the stored one as the form
        sees it, so a value the form normalises (spaces trimmed, a format an email cannot have) is not
        an edit.
        """
        self._stored = self._read() if value is _FROM_FORM else value
        self.check()

    def nothing_stored(self) -> None:
        """The form shows something not stored yet (a new record from an import): any value is unsaved."""
        self._stored = _NEW
        self.check()

    @property
    def dirty(self) -> bool:
        """Whether the form's value differs from the stored one (always compared, never remembered)."""
        if self._stored is _NOT_LOADED or self._loading:
            return False
        return self._stored is _NEW or self._read() != self._stored

    def check(self, *_args: object) -> bool:
        """Compare now and announce a change of state; connect edit signals here (any arguments)."""
        if self._loading:
            return False
        dirty = self.dirty
        if dirty != self._announced:
            self._announced = dirty
            self.changed.emit(dirty)
        return dirty

    def watch(self, *signals: SignalInstance) -> None:
        """Compare whenever one of ``signals`` fires (the fields' change signals)."""
        for signal in signals:
            signal.connect(self.check)

    def confirm_discard(self) -> bool:
        """Before the edits would be lost: ask Save / Discard / Cancel when there are any.

        Returns:
            True when it is fine to go on (nothing unsaved, saved, or discarded and reverted).
        """
        if not self.dirty:
            return True
        choice = self._ask(self._name())
        if choice is UnsavedChoice.CANCEL:
            return False
        if choice is UnsavedChoice.SAVE:
            return self._save() and not self.check()
        self._revert()
        return True
