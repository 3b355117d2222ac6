"""One warm render engine for the template doctor's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postback_studio.core.render import RenderEngine


@pytest.fixture(scope="session")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine() as shared:
        yield shared
