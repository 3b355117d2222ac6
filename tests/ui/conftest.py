"""UI fixtures: pages run on a real (unseeded) SQLite workspace in the test's tmp dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postback_studio.storage.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """An empty workspace file; secrets go to its own table (the tests' keyring is the 'fail' one)."""
    with Workspace.open(tmp_path / "workspace.sqlite", seed=False) as workspace:
        yield workspace
