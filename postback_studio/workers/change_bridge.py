"""The services' change notices, re-emitted on the GUI thread.

The services publish a :class:`~postback_studio.services.changes.ChangeNotice` on whichever thread
made the change: the GUI thread for a page's save, the log writer's thread for a logged attempt,
an inbox server's thread for a received request. :class:`ChangeBridge` lives on the GUI thread and
subscribes to the bus; it only emits there, so Qt queues each notice to the GUI thread, where every
page, list and combo that shows that kind of entity reloads it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from postback_studio.services.changes import ChangeBus, ChangeNotice


class ChangeBridge(QObject):
    """Re-emits the bus's notices as :attr:`changed`, on the GUI thread, after the current event.

    Delivery is always queued, also for changes made on the GUI thread: a page's save finishes (and
    selects what it saved) before the views reload, so no view reloads in the middle of a write.

    Signals:
        changed(object): a :class:`ChangeNotice`.
    """

    changed = Signal(object)
    _relayed = Signal(object)

    def __init__(self, bus: ChangeBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relayed.connect(self._on_relayed, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(self._hear)

    def _hear(self, notice: ChangeNotice) -> None:
        try:
            self._relayed.emit(notice)
        except RuntimeError:  # the bridge was deleted (the app closed) while a worker still wrote
            return

    def _on_relayed(self, notice: ChangeNotice) -> None:
        self.changed.emit(notice)

    def close(self) -> None:
        """Stop listening to the bus (the app is closing)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
