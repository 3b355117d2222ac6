"""Themes that hold (issue 13, section 2): every page readable after Light -> Dark -> Light, live.

Switching Light -> Dark left the sidebar white, titles and the retry timeline black on dark grey and
hints invisible; switching back made titles near-invisible until a restart. The cause was a class:
widgets with a style sheet keep the palette they were polished with. These tests measure the
colours the widgets actually paint with (palette roles, the background behind them) against WCAG AA
on every page, in both directions, and check the class itself: no widget has a style sheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.contrast import AA_TEXT, contrast_ratio
from postback_studio.core.requestlog import Outcome
from postback_studio.ui.editor.code_editor import CodeEditor
from postback_studio.ui.main_window import PAGE_NAMES
from postback_studio.ui.theme import DARK_THEME, LIGHT_THEME, Theme, ThemeColors
from postback_studio.ui.tones import Tone, tone_color
from tests.support.readability import background_of, contrast_of, texts_below, visible_widgets
from tests.ui.conftest import shown_app


def _pairs(colors: ThemeColors) -> Iterator[tuple[str, str, str]]:
    """(what, foreground, background) for every text colour of a theme on every background it is used on."""
    for name in ("text", "muted", "ok", "error", "warning", "info", "link"):
        for background in ("window", "base", "alternate_base"):
            yield f"{name} on {background}", getattr(colors, name), getattr(colors, background)
    yield "selected text", colors.highlighted_text, colors.highlight
    yield "tooltip", colors.tooltip_text, colors.tooltip_base
    for outcome, colour in colors.outcomes.items():
        for background in ("base", "alternate_base"):
            yield f"{outcome.value} on {background}", colour, getattr(colors, background)
    editor = colors.editor
    yield "editor text", editor.foreground, editor.background
    yield "editor line numbers", editor.gutter_foreground, editor.gutter_background
    for category, (colour, _bold, _italic) in editor.styles.items():
        for background in (editor.background, editor.current_line):
            yield f"editor {category}", colour, background
    for key, shade in colors.diff.items():
        yield f"diff {key}", colors.text, shade
    yield "find bar without a match", colors.text, colors.error_background


@pytest.mark.parametrize("colors", [LIGHT_THEME, DARK_THEME], ids=["light", "dark"])
def test_every_text_colour_of_a_theme_passes_aa_on_its_backgrounds(colors: ThemeColors) -> None:
    low = [f"{what}: {fg} on {bg} = {contrast_ratio(fg, bg):.2f}"
           for what, fg, bg in _pairs(colors) if contrast_ratio(fg, bg) < AA_TEXT]
    assert low == []


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    """The app at 1280x800, light, with a message, a hint and a problem on show."""
    with shown_app(qtbot, tmp_path, theme="light") as application:
        yield application
    QApplication.instance().setPalette(QApplication.style().standardPalette())  # type: ignore[union-attr]


def _show_messages(app: Application) -> None:
    """Put the coloured texts on show: a field error, a saved note, a render status."""
    customers = app.pages["Customers"]
    customers.name_edit.setText("")  # type: ignore[attr-defined]
    customers.save()  # type: ignore[attr-defined]
    lookups = app.pages["Lookups"]
    lookups.save()  # type: ignore[attr-defined]


def _choose(app: Application, qtbot: QtBot, theme: Theme) -> None:
    app.window.theme_chosen.emit(theme.value)
    dark = theme is Theme.DARK
    editor = app.pages["Templates"].view.editor  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: (editor.palette().color(QPalette.ColorRole.Base).lightness() < 128) == dark)


def _unreadable(app: Application, qtbot: QtBot, theme: Theme) -> list[str]:
    """Everything on every page that is below AA in ``theme``, by page."""
    colors = DARK_THEME if theme is Theme.DARK else LIGHT_THEME
    found: list[str] = []
    navigation = app.window.navigation
    rail = navigation.viewport().palette()
    rail_text = contrast_ratio(rail.color(QPalette.ColorRole.Text).name(),
                               rail.color(navigation.viewport().backgroundRole()).name())
    if navigation.viewport().palette().color(navigation.viewport().backgroundRole()) != \
            QColor(colors.alternate_base) or rail_text < AA_TEXT:
        found.append(f"sidebar: {rail_text:.2f}")
    for name in PAGE_NAMES:
        app.window.show_page(name)
        qtbot.waitUntil(lambda n=name: app.window.stack.currentWidget() is app.pages[n])
        page = app.pages[name]
        found += [f"{name}: {line}" for line in texts_below(page, AA_TEXT)]
        for view in visible_widgets(page, QAbstractItemView):
            assert isinstance(view, QAbstractItemView)
            if not view.isEnabled():  # inactive components are exempt from AA
                continue
            palette = view.palette()
            text = palette.color(QPalette.ColorRole.Text).name()
            for background in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
                ratio = contrast_ratio(text, palette.color(background).name())
                if ratio < AA_TEXT:
                    found.append(f"{name}: {type(view).__name__} rows {ratio:.2f}")
        for editor in visible_widgets(page, CodeEditor):
            assert isinstance(editor, CodeEditor)
            if editor._palette is not colors.editor:
                found.append(f"{name}: an editor kept the {editor._palette.name} highlighting")
            ratio = contrast_ratio(editor.palette().color(QPalette.ColorRole.Text).name(),
                                   editor.palette().color(QPalette.ColorRole.Base).name())
            if ratio < AA_TEXT:
                found.append(f"{name}: editor text {ratio:.2f}")
    return found


def test_light_dark_light_leaves_every_page_readable(app: Application, qtbot: QtBot) -> None:
    _show_messages(app)
    for theme in (Theme.LIGHT, Theme.DARK, Theme.LIGHT, Theme.DARK):
        _choose(app, qtbot, theme)
        assert _unreadable(app, qtbot, theme) == [], theme


def test_titles_hints_timeline_and_messages_follow_the_theme(app: Application, qtbot: QtBot) -> None:
    """The named victims of the old switch: a page title, a hint, the retry timeline, an error."""
    _show_messages(app)
    customers, triggers = app.pages["Customers"], app.pages["Triggers"]
    title: QLabel = customers.title  # type: ignore[attr-defined]
    form = triggers.trigger_form  # type: ignore[attr-defined]
    timeline: QLabel = form.timeline_label
    error: QLabel = customers.errors.label_for("name")  # type: ignore[attr-defined]
    hint = next(w for w in form.findChildren(QLabel) if w.text().startswith("Separate addresses"))
    triggers.table.selectRow(0)  # type: ignore[attr-defined]  # a form with no trigger open is disabled
    assert form.scroll.isEnabled()
    for theme, colors in ((Theme.DARK, DARK_THEME), (Theme.LIGHT, LIGHT_THEME), (Theme.DARK, DARK_THEME)):
        _choose(app, qtbot, theme)
        for label in (title, timeline):
            assert label.palette().color(label.foregroundRole()) == QColor(colors.text), label.text()
        assert hint.palette().color(hint.foregroundRole()) == QColor(colors.muted)
        assert error.palette().color(error.foregroundRole()) == tone_color(colors, Tone.ERROR)
        app.window.show_page("Customers")
        assert contrast_of(title) >= AA_TEXT and contrast_of(error) >= AA_TEXT


def test_the_chart_and_outcome_colours_follow_the_theme(app: Application, qtbot: QtBot) -> None:
    requests = app.pages["Requests"]
    chart = requests.summary.chart  # type: ignore[attr-defined]
    for theme, colors in ((Theme.DARK, DARK_THEME), (Theme.LIGHT, LIGHT_THEME)):
        _choose(app, qtbot, theme)
        qtbot.waitUntil(lambda c=colors: chart.palette().color(QPalette.ColorRole.Window) == QColor(c.window))
        image = chart.grab().toImage()
        assert image.pixelColor(2, 2) == QColor(colors.base), "the chart's plot area is the theme's"
        legend = requests.summary.counts[Outcome.DELIVERED].text()  # type: ignore[attr-defined]
        assert colors.outcomes[Outcome.DELIVERED] in legend


def test_the_email_preview_stays_white_in_the_dark_theme(app: Application, qtbot: QtBot) -> None:
    _choose(app, qtbot, Theme.DARK)
    canvas = app.pages["Templates"].email_preview.canvas  # type: ignore[attr-defined]
    assert canvas.viewport().palette().color(QPalette.ColorRole.Base) == QColor("#ffffff")
    assert background_of(canvas.viewport()) == QColor("#ffffff")


def test_no_widget_carries_a_style_sheet(app: Application) -> None:
    """The class of the bug: a widget with a style sheet keeps the palette it was built in."""
    styled = [f"{type(w).__name__} {w.objectName()!r}: {w.styleSheet()!r}"
              for w in app.window.findChildren(QWidget) if w.styleSheet()]
    assert styled == []
    assert QApplication.instance().styleSheet() == ""  # type: ignore[union-attr]


def test_following_the_system_scheme_switches_live(app: Application, qtbot: QtBot) -> None:
    hints = QApplication.styleHints()
    app.window.theme_chosen.emit(Theme.SYSTEM.value)
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert QApplication.palette().color(QPalette.ColorRole.Window) == QColor(DARK_THEME.window)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert QApplication.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT_THEME.window)
        app.window.theme_chosen.emit(Theme.LIGHT.value)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert QApplication.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT_THEME.window), \
            "a chosen theme is not overridden by the desktop"
    finally:
        hints.colorSchemeChanged.emit(hints.colorScheme())


def test_new_from_example_follows_the_theme_too(app: Application, qtbot: QtBot) -> None:
    """The dialog and the comparison view came from another branch with their own style sheets."""
    dialog = app.pages["Templates"].new_from_example()  # type: ignore[attr-defined]
    assert dialog is not None
    qtbot.waitExposed(dialog)
    try:
        for theme, colors in ((Theme.DARK, DARK_THEME), (Theme.LIGHT, LIGHT_THEME)):
            _choose(app, qtbot, theme)
            qtbot.waitUntil(lambda c=colors: dialog.example_editor._palette is c.editor)
            assert [w for w in dialog.findChildren(QWidget) if w.styleSheet()] == []
            assert texts_below(dialog, AA_TEXT) == []
        diff_view = app.pages["Templates"].from_example.comparison.diff_view  # type: ignore[attr-defined]
        lines = diff_view.lines.palette()
        assert lines.color(QPalette.ColorRole.Base) == QColor(LIGHT_THEME.editor.background)
    finally:
        dialog.reject()


def _diff_backgrounds(pane: QPlainTextEdit) -> set[str]:
    return {s.format.background().color().name() for s in pane.extraSelections()}


def test_the_template_doctor_follows_the_theme(app: Application, qtbot: QtBot) -> None:
    """Edge Cases, a variant's output, the comparison of two versions and History, in both themes.

    The comparison's changed lines used tints of its own, not the theme's diff colours.
    """
    page = app.pages["Templates"]
    app.window.show_page("Templates")
    article = app.session.templates.get_by_name("order-shipped-article")
    assert article is not None and article.id is not None
    page.open_template(article.id)  # type: ignore[attr-defined]
    checker = page.edge_cases  # type: ignore[attr-defined]
    with qtbot.waitSignal(checker.check_finished, timeout=30_000):
        checker.run()
    results = checker.results
    results.output_button.click()
    qtbot.waitUntil(lambda: results.output_view.toPlainText() != "", timeout=10_000)
    editor = page.view.editor  # type: ignore[attr-defined]
    editor.setPlainText(editor.toPlainText().replace('"event": "Order Shipped"', '"event": "Shipped"'))
    with qtbot.waitSignal(page.what_changes.comparison_finished, timeout=60_000):  # type: ignore[attr-defined]
        page.compare_with_saved()  # type: ignore[attr-defined]
    compare = page.what_changes.dialog  # type: ignore[attr-defined]
    history = page.open_history()  # type: ignore[attr-defined]
    assert compare is not None and history is not None
    qtbot.waitExposed(history)
    try:
        for theme, colors in ((Theme.DARK, DARK_THEME), (Theme.LIGHT, LIGHT_THEME), (Theme.DARK, DARK_THEME)):
            _choose(app, qtbot, theme)
            qtbot.waitUntil(lambda c=colors: results.output_view._palette is c.editor)
            assert [w for w in compare.findChildren(QWidget) if w.styleSheet()] == []
            for root in (page, compare, history):
                assert texts_below(root, AA_TEXT) == [], (theme, type(root).__name__)
            diff = compare.view.diff
            assert _diff_backgrounds(diff.new_pane) == {colors.diff["changed"]}
            assert _diff_backgrounds(history.new_pane) <= set(colors.diff.values())
    finally:
        history.reject()
        compare.close()
