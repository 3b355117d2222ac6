"""SQLite storage: the workspace file, its schema and migrations, and the repositories. No Qt."""

from postback_studio.storage.errors import InUseError, NotFoundError, WorkspaceError, WorkspaceVersionError
from postback_studio.storage.log import RequestFilter
from postback_studio.storage.secrets import KeyringSecretStore, SecretStore, WorkspaceSecretStore
from postback_studio.storage.workspace import Workspace

__all__ = [
    "InUseError",
    "KeyringSecretStore",
    "NotFoundError",
    "RequestFilter",
    "SecretStore",
    "Workspace",
    "WorkspaceError",
    "WorkspaceSecretStore",
    "WorkspaceVersionError",
]
