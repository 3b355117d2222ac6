"""The one change notification: what changed (the kind of entity and its id), from the services.

Every service write publishes a :class:`ChangeNotice` on the workspace's :class:`ChangeBus` once the
change is committed: a saved customer, a deleted template, an attempt stored in the request log, a
retry scheduled or cancelled. Views never cache what they do not refresh: each page, list and combo
subscribes (through the Qt bridge in :mod:`postback_studio.workers.change_bridge`, which re-emits
notices on the GUI thread) and reloads what shows that kind of entity.

Notices are deliberately coarse: ``id`` None means "several or unknown rows of this kind" (a
customer deleted with what it owned, an imported bundle). A listener that shows a kind reloads it;
it never needs to know which service wrote.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

_logger = logging.getLogger(__name__)


class Entity(StrEnum):
    """The kinds of things a notice can be about."""

    CUSTOMER = "customer"
    TEMPLATE = "template"
    TRIGGER = "trigger"
    LOOKUP_TABLE = "lookup_table"
    SAMPLE = "sample"
    SMTP = "smtp"
    REQUEST = "request"
    PENDING_RETRY = "pending_retry"
    INBOX = "inbox"


@dataclass(frozen=True)
class ChangeNotice:
    """``entity`` rows changed; ``id`` is the row, or None for several or unknown rows."""

    entity: Entity
    id: int | None = None

    def concerns(self, *entities: Entity) -> bool:
        """Whether a view that shows ``entities`` must reload."""
        return self.entity in entities


#: Receives notices; runs on the thread that published (emit a Qt signal from it, nothing slow).
Listener = Callable[[ChangeNotice], None]


class ChangeBus:
    """Publish notices from any thread; every subscriber hears every notice, in publishing order.

    Listeners run on the publishing thread, one after the other; a failing listener is logged and
    does not keep the others (or the write that published) from going on.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Hear every notice from now on; returns a function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, notice: ChangeNotice) -> None:
        """Tell every listener."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(notice)
            except Exception:  # a listener's bug must not undo or hide the write that published
                _logger.exception("change listener failed for %s", notice)

    def publish_all(self, notices: Iterable[ChangeNotice]) -> None:
        """Publish several notices in order."""
        for notice in notices:
            self.publish(notice)
