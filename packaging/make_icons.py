"""Render the application icon's PNG sizes from its SVG, for the desktop entry and the window icon.

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

writes ``resources/icons/hicolor/<N>x<N>/apps/postback-studio.png`` for every size in :data:`SIZES`
(the hicolor theme's layout, so installing is a copy). Run it after editing
``resources/icons/postback-studio.svg`` and commit the PNGs: the app loads the PNGs at run time, so
neither the app nor its standalone build needs Qt's SVG module. Rendering uses QtSvg's
``QSvgRenderer`` (part of PySide6-Essentials), the same renderer the SVG was drawn for.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

#: The sizes desktops look up (menus 16-48, docks and launchers 64-256, HiDPI 512).
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS_DIR / "postback-studio.svg"


def png_path(size: int, icons_dir: Path = ICONS_DIR) -> Path:
    """Where the PNG of ``size`` pixels lives, in the hicolor layout."""
    return icons_dir / "hicolor" / f"{size}x{size}" / "apps" / "postback-studio.png"


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn antialiased on a transparent square of ``size`` pixels."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def main() -> int:
    """Write every size; print what was written."""
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in SIZES:
        target = png_path(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(SVG, size).save(str(target), "PNG"):
            print(f"cannot write {target}", file=sys.stderr)
            return 1
        print(f"{target.relative_to(ICONS_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
