"""The committed icon PNGs are every size a desktop needs, rendered from the current SVG."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from tests.packaging.conftest import load_script

make_icons = load_script("make_icons")


@pytest.mark.parametrize("size", make_icons.SIZES)
def test_png_is_a_fresh_render_of_the_svg(qapp: object, size: int) -> None:
    committed = QImage(str(make_icons.png_path(size))).convertToFormat(QImage.Format.Format_ARGB32)
    assert (committed.width(), committed.height()) == (size, size)
    fresh = make_icons.render(make_icons.SVG, size)
    differences = [
        abs(committed.pixelColor(x, y).rgba() - fresh.pixelColor(x, y).rgba()) != 0
        for x in range(size) for y in range(0, size, max(1, size // 64))
    ]
    # Antialiasing may differ by a shade between Qt versions; an edited SVG changes far more.
    assert sum(differences) / len(differences) < 0.02, "run packaging/make_icons.py and commit the PNGs"


def test_icon_has_transparent_corners_and_an_opaque_centre(qapp: object) -> None:
    image = QImage(str(make_icons.png_path(256)))
    assert image.pixelColor(1, 1).alpha() == 0
    assert image.pixelColor(128, 128).alpha() == 255
