"""One warm render engine per test session: starting a worker process costs a few hundred ms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postback_studio.core.render import RenderEngine


@pytest.fixture(scope="session")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine() as shared:
        yield shared


@pytest.fixture(scope="session")
def fast_engine() -> Iterator[RenderEngine]:
    """A short time limit, for runaway templates."""
    with RenderEngine(time_limit=1.0, size_limit=1_000_000) as short:
        yield short
