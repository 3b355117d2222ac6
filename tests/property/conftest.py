"""The fixed hypothesis profile for the property-based tests, and the engine they share.

``derandomize=True`` makes every run (CI and a developer's) explore the same examples, so a failure
is reproducible from the commit alone; ``max_examples`` keeps the whole property layer under half a
minute on a 2-core machine. ``deadline=None`` because one example may start a render worker
process or open a workspace file, whose first-time cost varies with the machine's load, which says
nothing about correctness. Set ``HYPOTHESIS_PROFILE=thorough`` to explore more examples locally.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from postback_studio.core.render import RenderEngine

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def property_engine() -> Iterator[RenderEngine]:
    """One warm engine for every generated template: starting a worker costs a few hundred ms."""
    with RenderEngine(time_limit=5.0, size_limit=200_000) as engine:
        yield engine
