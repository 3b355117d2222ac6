"""What a person can read and reach on screen, measured from the widgets themselves.

Contrast is taken from the colours the widgets paint with: a widget's text colour is its palette's
foreground role, and the background under it is the nearest widget up the tree that fills its
background (a scroll area's viewport, a window). Clipping is taken from geometry: a button narrower
than it asks to be shows elided text, and a widget its parents cut off is only partly visible.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QWidget,
)

from postback_studio.core.contrast import contrast_ratio
from postback_studio.ui.elided_label import ElidedLabel


def background_of(widget: QWidget) -> QColor:
    """The colour behind ``widget``'s text: its own fill, else the nearest filling ancestor's."""
    current: QWidget | None = widget
    while current is not None:
        parent = current.parentWidget()
        is_viewport = isinstance(parent, QAbstractScrollArea) and parent.viewport() is current
        role = current.backgroundRole()
        if (current.autoFillBackground() or is_viewport) and role != QPalette.ColorRole.NoRole:
            return current.palette().color(role)
        if current.isWindow():
            return current.palette().color(QPalette.ColorRole.Window)
        current = parent
    return widget.palette().color(QPalette.ColorRole.Window)


def text_colour(widget: QWidget) -> QColor:
    """The colour ``widget`` draws its text with."""
    return widget.palette().color(widget.foregroundRole())


def contrast_of(widget: QWidget) -> float:
    """WCAG contrast of ``widget``'s text against what is behind it."""
    return contrast_ratio(text_colour(widget).name(), background_of(widget).name())


def visible_widgets(root: QWidget, kind: type[QWidget] = QWidget) -> Iterator[QWidget]:
    """Every widget of type ``kind`` under ``root`` that is on screen (shown, enabled or not)."""
    for widget in root.findChildren(kind):
        if widget.isVisible() and widget.window() is root.window():
            yield widget


def texts_below(root: QWidget, minimum: float) -> list[str]:
    """Every visible, enabled label and button under ``root`` whose text contrast is below ``minimum``.

    Disabled controls are exempt (WCAG exempts inactive components); so is text on the email
    preview's paper, which shows the author's colours.
    """
    found = []
    for widget in visible_widgets(root):
        if not isinstance(widget, QLabel | QAbstractButton) or not widget.isEnabled():
            continue
        if not widget.text().strip():
            continue
        ratio = contrast_of(widget)
        if ratio < minimum:
            found.append(f"{type(widget).__name__} {widget.text()[:40]!r}: {text_colour(widget).name()} on "
                         f"{background_of(widget).name()} = {ratio:.2f}")
    return found


def scrolling_ancestor(widget: QWidget) -> QWidget | None:
    """The viewport of the scroll area ``widget`` sits in, if any (content there may scroll out of view)."""
    current = widget.parentWidget()
    while current is not None:
        parent = current.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and parent.viewport() is current:
            return current
        current = parent
    return None


def clipped(root: QWidget) -> list[str]:
    """Visible buttons and labels under ``root`` that are cut off or squeezed past their text.

    A button narrower than its size hint shows its text elided ("Im…t…"): never allowed (elided
    labels are, with the whole text as their tooltip). A button or a one-line label must be whole
    inside its window, and inside the ancestors that clip it;
    inside a scroll area it may be scrolled out of view downwards, never cut at the sides.
    """
    found = []
    for widget in visible_widgets(root):
        if not isinstance(widget, QAbstractButton | QLabel) or not widget.text().strip():
            continue
        name = f"{type(widget).__name__} {widget.text()[:40]!r}"
        for other in _siblings(widget):
            if other.geometry().intersects(widget.geometry()) and id(other) < id(widget):
                found.append(f"{name}: overlaps {type(other).__name__} {other.text()[:40]!r}")
        if isinstance(widget, QAbstractButton) and widget.width() < widget.sizeHint().width():
            found.append(f"{name}: {widget.width()} px wide, needs {widget.sizeHint().width()}")
        if isinstance(widget, QLabel) and (widget.wordWrap() or isinstance(widget, ElidedLabel)):
            continue
        viewport = scrolling_ancestor(widget)
        if viewport is not None:
            left = widget.mapTo(viewport, QPoint(0, 0)).x()
            if left < 0 or left + widget.width() > viewport.width():
                found.append(f"{name}: cut at the side of a scroll area")
            continue
        shown = widget.visibleRegion().boundingRect()
        if shown != QRect(QPoint(0, 0), widget.size()):
            whole = f"{widget.width()}x{widget.height()}"
            found.append(f"{name}: {shown.width()}x{shown.height()} of {whole} shown")
    return found


def _siblings(widget: QWidget) -> list[QLabel | QAbstractButton]:
    """The visible widgets beside ``widget`` in its parent that show text (a label, a button)."""
    parent = widget.parentWidget()
    if parent is None:
        return []
    children = parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [w for w in children if w is not widget and w.isVisible()
            and isinstance(w, QAbstractButton | QLabel) and w.text().strip()]
