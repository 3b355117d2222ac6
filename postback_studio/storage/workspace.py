"""The workspace: one SQLite file holding a user's whole configuration and request log.

Threading: a :class:`Workspace` owns one connection and must be used from the thread that opened it
(sqlite3 enforces this). Another thread (a worker writing the request log, the inbox server) opens
its own ``Workspace.open(same_path, seed=False)``; WAL mode lets readers run beside the one writer, and
the busy timeout makes a second writer wait for the first instead of failing.

Durability: every write runs in a transaction (``BEGIN IMMEDIATE``), the journal is WAL with
``synchronous=FULL``, so a committed write survives the process being killed at any point.

Ownership: every open workspace holds the file's owner lock (:mod:`postback_studio.storage.ownership`)
until it is closed, so no other process can checkpoint and delete the write-ahead log under it, even
after something in this process opened and closed the file and so dropped SQLite's own locks.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import sqlite_utils

from postback_studio.core.errors import WorkspaceError, WorkspaceVersionError
from postback_studio.storage.ownership import Access, Ownership, claim
from postback_studio.storage.schema import SCHEMA_VERSION, current_version, migrate
from postback_studio.storage.secrets import SecretBindings, SecretStore, SystemSecretStore

Clock = Callable[[], float]

#: How long a writer waits for another connection's write transaction before giving up.
BUSY_TIMEOUT_MS = 10_000


class Workspace:
    """An open workspace file and its repositories.

    Open with :meth:`open` (a context manager); the repositories are attributes: ``customers``,
    ``templates``, ``triggers``, ``lookups``, ``smtp``, ``samples``, ``requests``, ``pending``,
    ``inbox``. ``secrets`` holds the secret values, ``bindings`` the destination each is bound to.
    """

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        secrets: SecretStore,
        clock: Clock,
        ownership: Ownership | None = None,
    ) -> None:
        from postback_studio.storage.customers import CustomerRepository
        from postback_studio.storage.inbox import InboxRepository
        from postback_studio.storage.lookups import LookupRepository
        from postback_studio.storage.pending import PendingRepository
        from postback_studio.storage.requests import RequestLog
        from postback_studio.storage.samples import SampleRepository
        from postback_studio.storage.smtp import SmtpRepository
        from postback_studio.storage.templates import TemplateRepository
        from postback_studio.storage.triggers import TriggerRepository

        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.secrets = secrets
        self.bindings = SecretBindings(conn)
        self.clock = clock
        self._ownership = ownership
        self._depth = 0
        row = conn.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()
        self.workspace_id: str = str(row[0])
        self.customers = CustomerRepository(self)
        self.templates = TemplateRepository(self)
        self.triggers = TriggerRepository(self)
        self.lookups = LookupRepository(self)
        self.smtp = SmtpRepository(self)
        self.samples = SampleRepository(self)
        self.requests = RequestLog(self)
        self.pending = PendingRepository(self)
        self.inbox = InboxRepository(self)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        secrets: SecretStore | None = None,
        clock: Clock = time.time,
        seed: bool = True,
        access: Access | None = None,
        holder: str | None = None,
    ) -> Workspace:
        """Open (creating, upgrading or seeding as needed) the workspace file at ``path``.

        A new file is created owner-only (0600) and, with ``seed``, filled with the demo customer,
        templates, triggers and lookup table. An older file is copied to ``<file>.v<N>.bak`` and then
        upgraded; a newer one raises :class:`WorkspaceVersionError`. ``secrets`` defaults to the
        system keyring when a usable one exists, else to a table in the workspace file.

        The workspace holds the file's owner lock until closed: ``access`` and ``holder`` are passed
        to :func:`~postback_studio.storage.ownership.claim` (by default this process's existing hold
        is joined, else the file is held exclusive). Another process's conflicting hold raises
        :class:`~postback_studio.storage.ownership.WorkspaceInUseError`.
        """
        path = Path(path)
        _create_folder(path)
        ownership = claim(path, access, holder=holder)
        try:
            conn, new = _connect(path)
        except BaseException:
            ownership.release()
            raise
        store = secrets if secrets is not None else SystemSecretStore(conn)
        workspace = cls(path, conn, store, clock, ownership)
        if new and seed:
            from postback_studio.storage.seed import seed_workspace

            try:
                seed_workspace(workspace)
            except BaseException:
                workspace.close()
                raise
        return workspace

    @property
    def secrets_backend_description(self) -> str:
        """Where secrets are kept, in words the app shows in its status bar or settings."""
        return self.secrets.description

    @property
    def schema_version(self) -> int:
        """The schema version of the open file (always :data:`SCHEMA_VERSION` after open)."""
        return current_version(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: everything inside commits together or not at all. Nesting uses savepoints."""
        if self._depth == 0:
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth -= 1
            return
        name = f"sp{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``"ok"`` for a sound file, else SQLite's list of problems."""
        rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(row[0]) for row in rows)

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL into the main file) and release the lock."""
        self.conn.close()
        if self._ownership is not None:
            self._ownership.release()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"


def _create_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot create the folder: {exc.strerror}") from None


def _create_private_file(path: Path) -> None:
    """Create the file owner-only before SQLite does, so it never exists with wider permissions."""
    if path.exists():
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot create the workspace: {exc.strerror}") from None
    os.close(fd)


def _connect(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A configured connection to the upgraded file, and whether the file was new."""
    _create_private_file(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"{path}: cannot open the workspace: {exc}") from None
    try:
        _configure(conn, path)
        return conn, _upgrade(conn, path)
    except BaseException:
        conn.close()
        raise


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path}: not a Postback Studio workspace ({exc})") from None
    if mode is None or str(mode[0]).lower() != "wal":
        raise WorkspaceError(f"{path}: cannot switch the workspace to WAL mode (read-only location?)")


def _upgrade(conn: sqlite3.Connection, path: Path) -> bool:
    """Bring the file to the current schema; return True when it was new (empty).

    The backup is taken before the write transaction (SQLite's backup API cannot copy a database
    its own connection holds a write lock on); the version is read again under the lock, so two
    processes opening the same old file upgrade it once.
    """
    try:
        before = current_version(conn)
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path}: not a Postback Studio workspace ({exc})") from None
    if 0 < before < SCHEMA_VERSION:
        _backup(conn, path, before)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise WorkspaceError(f"{path}: the workspace is locked by another program ({exc})") from None
    try:
        version = current_version(conn)
        if version > SCHEMA_VERSION:
            raise WorkspaceVersionError(
                f"{path} has workspace schema version {version}, written by a newer Postback Studio; "
                f"this version understands schema version {SCHEMA_VERSION} and older. "
                "Update Postback Studio to open it."
            )
        if version == 0:
            others = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if others:
                raise WorkspaceError(f"{path}: an SQLite file, but not a Postback Studio workspace")
        if version < SCHEMA_VERSION:
            migrate(conn, version)
        if version == 0:
            conn.execute("INSERT INTO meta(key, value) VALUES ('workspace_id', ?)", (uuid.uuid4().hex,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return version == 0


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Copy the file as it is (consistent, through SQLite's backup API) before migrating it."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    if target.exists():
        target = path.with_name(f"{path.name}.v{version}.{uuid.uuid4().hex[:8]}.bak")
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    backup = sqlite3.connect(target)
    try:
        conn.backup(backup)
    finally:
        backup.close()
