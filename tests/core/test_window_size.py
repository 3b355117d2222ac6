"""The first window fits the screen: a comfortable size on a large one, maximised on a small one."""

from __future__ import annotations

import pytest

from postback_studio.core.window_size import PREFERRED, WindowPlacement, first_window


@pytest.mark.parametrize(("screen", "expected"), [
    ((1920, 1050), WindowPlacement(*PREFERRED, maximised=False)),
    ((2560, 1400), WindowPlacement(*PREFERRED, maximised=False)),
    ((1366, 738), WindowPlacement(1366, 738, maximised=True)),
    ((1280, 770), WindowPlacement(1280, 770, maximised=True)),
    ((1440, 870), WindowPlacement(1440, 870, maximised=True)),
])
def test_first_window_fits_the_screen(screen: tuple[int, int], expected: WindowPlacement) -> None:
    assert first_window(*screen) == expected
