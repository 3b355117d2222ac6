"""The WCAG contrast arithmetic the theme tests rely on, against the specification's known values."""

from __future__ import annotations

import pytest

from postback_studio.core.contrast import contrast_ratio, parse_hex, relative_luminance


def test_black_on_white_is_21_and_a_colour_on_itself_is_1() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [("#767676", "#ffffff", 4.54), ("#777777", "#ffffff", 4.48), ("#0000ff", "#ffffff", 8.59)],
)
def test_known_ratios(foreground: str, background: str, expected: float) -> None:
    assert contrast_ratio(foreground, background) == pytest.approx(expected, abs=0.01)


def test_luminance_and_parsing() -> None:
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#000000") == 0.0
    assert parse_hex("#0a0B0c") == (10, 11, 12)
    with pytest.raises(ValueError, match="not a #rrggbb"):
        parse_hex("blue")
