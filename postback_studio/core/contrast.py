"""WCAG contrast between two colours: what "readable" means when the app checks its own themes.

WCAG 2.x defines the relative luminance of an sRGB colour and the contrast ratio of two of them;
AA asks 4.5:1 for body text and 3:1 for large text and graphics. The themes' tests measure the
colours the widgets actually paint with against these numbers.
"""

from __future__ import annotations

from typing import Final

#: WCAG AA: normal text.
AA_TEXT: Final = 4.5
#: WCAG AA: large text (18 pt, or 14 pt bold) and graphical objects.
AA_LARGE: Final = 3.0


def parse_hex(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``#rgb``) as three 0-255 channels.

    Raises:
        ValueError: not a hex colour.
    """
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    value = int(text, 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of ``colour``, 0.0 (black) to 1.0 (white)."""
    r, g, b = (_linear(c) for c in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two colours, 1.0 (same) to 21.0 (black on white); order does not matter."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
