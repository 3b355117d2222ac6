"""The scaffold tests render through the same warm engine as the render tests."""

from tests.core.render.conftest import engine  # noqa: F401
