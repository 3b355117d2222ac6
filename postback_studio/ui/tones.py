"""Coloured and emphasised text that follows the theme: tones for messages, fonts for titles.

A message shown as an error, a hint in a muted colour, an outcome in its colour: each is a *tone*,
resolved against the palette the widget is painted with (:func:`~.theme.colors_for`) when it is set
and again whenever that palette changes, so a switch from light to dark recolours it. Titles and
headings get their weight and size from the font, not from a style sheet (a style sheet freezes the
palette of its widget). Items in lists, trees and tables carry their tone in :data:`TONE_ROLE`, and
:class:`ToneDelegate` paints it in the current theme.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from postback_studio.core.requestlog import Outcome
from postback_studio.ui.theme import ThemeColors, colors_for


class Tone(StrEnum):
    """What a text's colour says."""

    MUTED = "muted"
    OK = "ok"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    #: An input field whose content is wrong (the find bar with no match): its background.
    FIELD_ERROR = "field-error"


#: The item data role that carries a :class:`Tone` value or an :class:`Outcome` value.
TONE_ROLE = Qt.ItemDataRole.UserRole + 77

_TONE_PROPERTY = "postbackStudioTone"
_TEXT_ROLES = (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text)


def tone_color(colors: ThemeColors, tone: Tone | Outcome | str) -> QColor:
    """The colour of ``tone`` (a :class:`Tone` or an :class:`Outcome` value) in ``colors``."""
    if tone in {o.value for o in Outcome}:
        return QColor(colors.outcomes[Outcome(tone)])
    return QColor({
        Tone.MUTED: colors.muted,
        Tone.OK: colors.ok,
        Tone.ERROR: colors.error,
        Tone.WARNING: colors.warning,
        Tone.INFO: colors.info,
        Tone.FIELD_ERROR: colors.error_background,
    }[Tone(tone)])


class _ToneKeeper(QObject):
    """Re-applies a widget's tone after its palette changed (a theme switch)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange and isinstance(watched, QWidget):
            _apply(watched)
        return False


def set_tone(widget: QWidget, tone: Tone | Outcome | None) -> None:
    """Colour ``widget``'s text (or, for :attr:`Tone.FIELD_ERROR`, its field) as ``tone``; None: plain.

    The colour follows the theme from now on.
    """
    had_tone = bool(tone_of(widget))
    widget.setProperty(_TONE_PROPERTY, "" if tone is None else str(tone.value))
    if tone is None:
        if had_tone:
            widget.setPalette(QPalette())
        return
    if widget.findChild(_ToneKeeper, options=Qt.FindChildOption.FindDirectChildrenOnly) is None:
        widget.installEventFilter(_ToneKeeper(widget))
    _apply(widget)


def tone_of(widget: QWidget) -> str:
    """The tone ``widget`` shows ("" for plain text)."""
    return str(widget.property(_TONE_PROPERTY) or "")


def _apply(widget: QWidget) -> None:
    tone = tone_of(widget)
    if not tone:
        return
    palette = widget.palette()
    colour = tone_color(colors_for(palette), tone)
    roles = (QPalette.ColorRole.Base,) if tone == Tone.FIELD_ERROR else _TEXT_ROLES
    if all(palette.color(role) == colour for role in roles):
        return
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role in roles:
            palette.setColor(group, role, colour)
    widget.setPalette(palette)


class ToneDelegate(QStyledItemDelegate):
    """Paints an item's text in the tone its :data:`TONE_ROLE` names, in the view's current theme."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        tone = index.data(TONE_ROLE)
        if tone:
            colour = tone_color(colors_for(option.palette), str(tone))
            option.palette.setColor(QPalette.ColorRole.Text, colour)


def emphasize(widget: QWidget, *, scale: float = 1.0, weight: QFont.Weight = QFont.Weight.Bold) -> QWidget:
    """Make ``widget``'s font ``weight`` and ``scale`` times as large; returns the widget."""
    font = QFont(widget.font())
    font.setWeight(weight)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    widget.setFont(font)
    return widget


def page_title(text: str = "") -> QLabel:
    """A page's title (the customer, the trigger, the lookup table on show)."""
    label = QLabel(text)
    emphasize(label, scale=1.3, weight=QFont.Weight.DemiBold)
    return label


def heading(text: str = "") -> QLabel:
    """A pane's heading ("Sample payload", "Preview", "Problems")."""
    label = QLabel(text)
    emphasize(label)
    return label


def hint(text: str = "", *, wrap: bool = True) -> QLabel:
    """A muted line that explains a field or a pane."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    set_tone(label, Tone.MUTED)
    return label
