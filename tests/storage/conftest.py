"""Storage fixtures: real workspace files in tmp dirs, and an in-memory keyring when a test wants one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from postback_studio.storage.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in a dict, so tests can see what went to the keyring."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring as the process keyring for one test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    """Where a test's workspace file goes."""
    return tmp_path / "workspace.sqlite"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    """An empty (unseeded) workspace with the default (file) secret store, tests' keyring being 'fail'."""
    with Workspace.open(ws_path, seed=False) as workspace:
        yield workspace


def make_v1_workspace(path: Path) -> None:
    """Build a version-1 file from the frozen SQL fixture."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "workspace_v1.sql").read_text(encoding="utf-8"))
    conn.close()
