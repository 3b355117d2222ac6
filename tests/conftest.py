"""Test-wide setup: Qt runs offscreen, and nothing touches the user's real workspace or keyring."""

from __future__ import annotations

import os
import socket

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")



_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "::1", "0.0.0.0", "", None}


@pytest.fixture(autouse=True)
def _loopback_only_name_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk only to servers on 127.0.0.1 they start: refuse to resolve any other name.

    A lookup of ``receiver.invalid`` would otherwise send a DNS query to the machine's resolver,
    which is traffic off this machine. The refusal is what a resolver answers for such a name.
    """
    real = socket.getaddrinfo

    def guarded(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else host
        if name in _LOOPBACK_NAMES or (isinstance(name, str) and name.startswith("127.")):
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {name}")

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
