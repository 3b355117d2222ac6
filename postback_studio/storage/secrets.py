"""Where secrets live: the OS keyring when one is usable, otherwise the workspace file.

Secrets are the SMTP password, header values marked secret and signing secrets. The workspace tables
hold only a flag that a secret exists; the value is read through a :class:`SecretStore` under a key
such as ``<workspace id>/trigger/12/signing``. The workspace id keeps two workspaces on one machine
from sharing keyring entries.

Every stored secret is bound to the destination it was entered for: :class:`SecretBindings` keeps,
in the workspace file whichever store holds the value, the destination's fingerprint
(:mod:`postback_studio.core.destination`) under the secret's key.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

#: The keyring "service" all Postback Studio entries are filed under.
KEYRING_SERVICE = "postback-studio"


def trigger_secret_slot(header_name: str) -> str:
    """The slot of a trigger's secret header (``header/x-api-key``); the signing secret's is ``signing``."""
    return f"header/{header_name.lower()}"


def trigger_secret_key(workspace_id: str, trigger_id: int, slot: str) -> str:
    """The store key of one secret of a trigger: ``<workspace id>/trigger/12/header/x-api-key``."""
    return f"{workspace_id}/trigger/{trigger_id}/{slot}"


def smtp_password_key(workspace_id: str) -> str:
    """The store key of the SMTP password."""
    return f"{workspace_id}/smtp/password"


class _KeyedText:
    """One ``key -> text`` table of the workspace file, written in the caller's transaction.

    Setting an empty text deletes the row. ``table`` and ``column`` are this module's constants.
    """

    def __init__(self, connection: sqlite3.Connection, table: str, column: str) -> None:
        self._conn = connection
        self._get = f"SELECT {column} FROM {table} WHERE key = ?"
        self._set = (
            f"INSERT INTO {table}(key, {column}) VALUES (?, ?) "
            f"ON CONFLICT(key) DO UPDATE SET {column} = excluded.{column}"
        )
        self._delete = f"DELETE FROM {table} WHERE key = ?"

    def get(self, key: str) -> str | None:
        row = self._conn.execute(self._get, (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, text: str) -> None:
        if not text:
            self.delete(key)
            return
        self._conn.execute(self._set, (key, text))

    def delete(self, key: str) -> None:
        self._conn.execute(self._delete, (key,))


class SecretBindings:
    """Which destination each stored secret is bound to, by the secret's key (the workspace file).

    Bindings are written in the caller's transaction, so an import that rolls back leaves them as
    they were. A secret without a binding is bound to nothing and never sent.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._table = _KeyedText(connection, "secret_bindings", "destination")

    def get(self, key: str) -> str:
        """The destination fingerprint ``key`` is bound to, or "" when it is bound to none."""
        return self._table.get(key) or ""

    def set(self, key: str, destination: str) -> None:
        """Bind ``key`` to ``destination`` (a fingerprint; "" unbinds)."""
        self._table.set(key, destination)

    def delete(self, key: str) -> None:
        """Forget the binding of ``key``."""
        self._table.delete(key)


class SecretStore(Protocol):
    """Get, set and delete secret strings by key. Implementations never log or repr values."""

    @property
    def description(self) -> str:
        """One sentence for the app to show: where secrets are kept and what that means."""
        ...

    @property
    def location(self) -> str:
        """One word for listings: ``keyring`` or ``workspace`` (the file itself)."""
        ...

    def get(self, key: str) -> str | None:
        """The secret under ``key``, or None when there is none."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``; an empty value deletes the entry."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key``; forgetting a missing key is not an error."""
        ...


def usable_keyring() -> KeyringBackend | None:
    """The active keyring backend, unless it is one that cannot keep anything (fail, null, chainer "
    "of none)."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not stop the app from opening
        return None
    module = type(backend).__module__
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return None
    if module == "keyring.backends.chainer" and not getattr(backend, "backends", ()):
        return None
    priority = getattr(backend, "priority", 1)
    if isinstance(priority, (int, float)) and priority <= 0:
        return None
    return backend


class KeyringSecretStore:
    """Secrets in the operating system's keyring (Keychain, Secret Service, Windows Credential Locker)."""

    #: How long a read is reused. The request log reads a trigger's secrets for every entry it
    #: redacts, and a system keyring answers over IPC (milliseconds each); a change made through
    #: another store is seen after at most this long.
    CACHE_SECONDS = 5.0

    def __init__(
        self, backend: KeyringBackend | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self._backend = backend
        self._clock = clock
        self._cache: dict[str, tuple[float, str | None]] = {}

    @property
    def description(self) -> str:
        """Names the backend so the user knows which keyring holds the secrets."""
        name = getattr(self._backend, "name", type(self._backend).__name__)
        return f"Secrets are kept in the system keyring ({name}), not in the workspace file."

    @property
    def location(self) -> str:
        """``keyring``."""
        return "keyring"

    def get(self, key: str) -> str | None:
        """Read from the keyring (or from a read of the last few seconds)."""
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self.CACHE_SECONDS:
            return cached[1]
        raw = self._backend.get_password(KEYRING_SERVICE, key)
        value = None if raw is None else str(raw)
        self._cache[key] = (now, value)
        return value

    def set(self, key: str, value: str) -> None:
        """Write to the keyring; an empty value removes the entry."""
        if not value:
            self.delete(key)
            return
        self._backend.set_password(KEYRING_SERVICE, key, value)
        self._cache[key] = (self._clock(), value)

    def delete(self, key: str) -> None:
        """Remove from the keyring, ignoring entries that are already gone."""
        from keyring.errors import PasswordDeleteError

        self._cache.pop(key, None)
        with contextlib.suppress(PasswordDeleteError):
            self._backend.delete_password(KEYRING_SERVICE, key)

    def __repr__(self) -> str:
        return f"KeyringSecretStore({type(self._backend).__name__})"


class WorkspaceSecretStore:
    """The fallback: secrets in a table of the workspace file itself, readable by anyone who has it.

    Used only when no usable keyring exists (headless Linux without Secret Service, CI). The app shows
    :attr:`description` so the user knows the file must be protected like a password file.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._table = _KeyedText(connection, "secrets", "value")

    @property
    def description(self) -> str:
        """Says plainly that the file itself holds the secrets."""
        return (
            "No system keyring is available, so secrets (SMTP password, secret headers, signing secrets) "
            "are stored in the workspace file itself. Protect that file like a password file."
        )

    @property
    def location(self) -> str:
        """``workspace``: the workspace file holds the values."""
        return "workspace"

    def get(self, key: str) -> str | None:
        """Read from the ``secrets`` table."""
        return self._table.get(key)

    def set(self, key: str, value: str) -> None:
        """Write to the ``secrets`` table inside the caller's transaction, if any; empty deletes."""
        self._table.set(key, value)

    def delete(self, key: str) -> None:
        """Delete from the ``secrets`` table."""
        self._table.delete(key)

    def __repr__(self) -> str:
        return "WorkspaceSecretStore()"


class SystemSecretStore:
    """The keyring when a usable one exists, else the workspace file's table: chosen on first use.

    Finding the keyring loads every keyring backend (a tenth of a second, and on Linux the macOS
    backend's library search starts processes), which the app's start-up does not need: nothing on
    the first page reads a secret. The choice is made once, by the first caller, on any thread.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._store: SecretStore | None = None
        self._lock = threading.Lock()

    @property
    def chosen(self) -> SecretStore:
        """The store that holds the values (choosing it on the first call)."""
        with self._lock:
            if self._store is None:
                backend = usable_keyring()
                self._store = (
                    WorkspaceSecretStore(self._connection) if backend is None else KeyringSecretStore(backend)
                )
            return self._store

    @property
    def description(self) -> str:
        """The chosen store's description."""
        return self.chosen.description

    @property
    def location(self) -> str:
        """The chosen store's location word."""
        return self.chosen.location

    def get(self, key: str) -> str | None:
        """Read from the chosen store."""
        return self.chosen.get(key)

    def set(self, key: str, value: str) -> None:
        """Write to the chosen store."""
        self.chosen.set(key, value)

    def delete(self, key: str) -> None:
        """Delete from the chosen store."""
        self.chosen.delete(key)

    def __repr__(self) -> str:
        return f"SystemSecretStore({self._store!r})"
