"""The services run on real workspace files and against the loopback servers of the dispatch tests."""

from tests.core.dispatch.conftest import ca, ca_file, closed_port, https_server, inbox, server_context
from tests.storage.conftest import memory_keyring, ws, ws_path

__all__ = [
    "ca",
    "ca_file",
    "closed_port",
    "https_server",
    "inbox",
    "memory_keyring",
    "server_context",
    "ws",
    "ws_path",
]
