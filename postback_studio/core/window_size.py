"""How big the main window opens the first time, before the user has sized it.

On a screen with room for it the window opens at a comfortable working size; on a small screen (a
laptop's 1366x768, 1280x800) it opens maximised, so nothing starts cut off or hidden behind the edge.
Afterwards the window opens as the user left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The size the window opens at on a screen with room for it.
PREFERRED: Final = (1440, 900)
#: How much of the screen the preferred size may take before the window is maximised instead.
_MOST_OF_SCREEN: Final = 0.95


@dataclass(frozen=True)
class WindowPlacement:
    """The first window's size, and whether to show it maximised."""

    width: int
    height: int
    maximised: bool


def first_window(available_width: int, available_height: int) -> WindowPlacement:
    """Where the first window goes on a screen with this much free room (pixels)."""
    width, height = PREFERRED
    if width > available_width * _MOST_OF_SCREEN or height > available_height * _MOST_OF_SCREEN:
        return WindowPlacement(available_width, available_height, maximised=True)
    return WindowPlacement(width, height, maximised=False)


def fitted_dialog(
    preferred: tuple[int, int], available_width: int, available_height: int
) -> tuple[int, int]:
    """A dialog's opening size: ``preferred`` where the screen has room, else as much as fits.

    The dialog keeps a margin of the screen free (its frame and title bar, the desktop's panels),
    so a 1024x700 screen gets a dialog that fits on it whole.
    """
    width, height = preferred
    return (
        min(width, int(available_width * _MOST_OF_SCREEN)),
        min(height, int(available_height * _MOST_OF_SCREEN)),
    )
