"""SQLite storage: the workspace file, its schema and migrations, and the repositories. No Qt.

Only the services (and ``app.py``, the composition root) import this package; the errors it raises
are core's (:mod:`postback_studio.core.errors`).
"""

from postback_studio.storage.secrets import KeyringSecretStore, SecretStore, WorkspaceSecretStore
from postback_studio.storage.workspace import Workspace

__all__ = ["KeyringSecretStore", "SecretStore", "Workspace", "WorkspaceSecretStore"]
