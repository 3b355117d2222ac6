"""A session: one thread's connection to a workspace, and the services that work through it.

A SQLite connection belongs to the thread that opened it, so each thread that reads or writes the
configuration opens its own session: the GUI thread one for the app's life, a command one for its
run. Background work (sends, the request log's queries) opens its own connections through the
delivery service and :mod:`.request_log`. All sessions and services of one workspace publish on
the same :class:`~.changes.ChangeBus`.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from postback_studio.services.changes import ChangeBus
from postback_studio.services.configuration import (
    CustomerService,
    InboxService,
    LookupService,
    SampleService,
    SmtpService,
    TemplateService,
    TriggerService,
)
from postback_studio.services.files import UserFiles
from postback_studio.services.request_log import RequestLogService
from postback_studio.services.secret_policy import SecretService
from postback_studio.services.transfer import TransferService
from postback_studio.storage.ownership import APP_HOLDER, Access, WorkspaceInUseError
from postback_studio.storage.workspace import Workspace

#: How a session holds the workspace file against other processes (the owner lock), and the error
#: a conflicting holder raises: re-exported so callers above the services need not reach storage.
__all__ = ["APP_HOLDER", "Access", "Session", "WorkspaceInUseError"]


class Session:
    """The workspace at :attr:`path`, opened on this thread, and its services.

    Use :meth:`open` (a context manager). Hand each page or command the services it needs
    (``session.customers``, ``session.triggers``...), not the session.
    """

    def __init__(self, workspace: Workspace, notices: ChangeBus | None = None) -> None:
        self._workspace = workspace
        self.notices = notices or ChangeBus()
        self.customers = CustomerService(workspace, self.notices)
        self.templates = TemplateService(workspace, self.notices)
        self.triggers = TriggerService(workspace, self.notices)
        self.lookups = LookupService(workspace, self.notices)
        self.samples = SampleService(workspace, self.notices)
        self.smtp = SmtpService(workspace, self.notices)
        self.inbox = InboxService(workspace, self.notices)
        self.requests = RequestLogService(workspace)
        self.transfer = TransferService(workspace, self.notices)
        self.files = UserFiles(workspace.path)
        self.secrets = SecretService(workspace, self.notices)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        seed: bool = True,
        notices: ChangeBus | None = None,
        access: Access | None = None,
        holder: str | None = None,
    ) -> Session:
        """Open (creating, upgrading or, with ``seed``, seeding) the workspace at ``path``.

        ``access`` and ``holder`` go to the owner lock (see :mod:`postback_studio.storage.ownership`):
        the desktop app holds the file exclusive, commands shared; by default this process's hold is
        joined, else the file is held exclusive.

        Raises:
            WorkspaceInUseError: Another process holds the file in a way that excludes this one.
            WorkspaceError: The file is not a workspace or is newer than this version.
        """
        return cls(Workspace.open(path, seed=seed, access=access, holder=holder), notices)

    @property
    def path(self) -> Path:
        """The workspace file."""
        return self._workspace.path

    @property
    def secrets_location(self) -> str:
        """Where secrets are kept, in words the app shows in Settings."""
        return self._workspace.secrets_backend_description

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self._workspace.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
