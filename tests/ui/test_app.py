"""The composition root: the whole app builds on a fresh workspace, wires its pages, closes cleanly."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, build_application
from postback_studio.ui.about_dialog import AboutDialog
from postback_studio.ui.main_window import PAGE_NAMES


def test_every_page_of_the_rail_is_there(app: Application) -> None:
    names = [app.window.navigation.item(i).text() for i in range(app.window.navigation.count())]
    assert names == list(PAGE_NAMES)
    assert app.session.customers.get_by_name("Demo Print Co") is not None, "first run seeds the demo"


def test_theme_choice_is_applied_and_remembered(app: Application, qtbot: QtBot) -> None:
    app.window.theme_chosen.emit("dark")
    palette = QApplication.palette()
    assert palette.window().color().lightness() < 100
    assert app.settings.value("theme") == "dark"
    editor = app.pages["Templates"].view.editor  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: editor.palette().base().color().lightness() < 100)  # the editors follow
    app.window.theme_chosen.emit("light")
    assert QApplication.palette().window().color().lightness() > 150


def test_customer_lookup_link_opens_the_lookups_page(app: Application, qtbot: QtBot) -> None:
    table = app.session.lookups.list()[0]
    assert table.id is not None
    with qtbot.waitSignal(app.window.page_changed) as blocker:
        app.pages["Customers"].lookup_table_requested.emit(table.id)  # type: ignore[attr-defined]
    assert blocker.args == ["Lookups"]


def test_window_geometry_is_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = build_application(tmp_path / "workspace.sqlite", settings=settings)
    first.window.show()
    first.window.resize(1100, 660)
    qtbot.waitUntil(lambda: first.window.height() == 660)
    first.close()
    second = build_application(tmp_path / "workspace.sqlite", settings=settings)
    try:
        # The offscreen screen is 800 px wide, so Qt fits the width to it; the height is kept.
        assert second.window.height() == 660
    finally:
        second.close()


def test_a_template_created_from_a_trigger_opens_in_the_mapper(app: Application, qtbot: QtBot) -> None:
    template = app.session.templates.get_by_name("order-shipped-xml")
    assert template is not None and template.id is not None
    form = app.pages["Customers"].trigger_form  # type: ignore[attr-defined]
    app.window.show_page("Customers")
    with qtbot.waitSignal(app.window.page_changed) as changed:
        form.template_created.emit(template.id)
    assert changed.args == ["Templates"]
    current = app.pages["Templates"].current_template()  # type: ignore[attr-defined]
    assert current is not None and current.id == template.id


def test_about_from_the_app_names_its_workspace_secrets_and_settings(
    app: Application, qtbot: QtBot, tmp_path: Path
) -> None:
    app.window.show()
    about = next(a for a in app.window.findChildren(QAction) if a.text() == "&About Postback Studio")
    about.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, AboutDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AboutDialog))
    assert dialog.values["Workspace"].text() == str(tmp_path / "workspace.sqlite")
    assert dialog.values["Secrets"].text() == app.session.secrets_location
    assert dialog.values["Settings"].text() == str(tmp_path / "settings.ini")
    dialog.close()


# -- start-up: the first page shows first, the rest is built after the first paint (issue 16) --------


def _menu_titles(app: Application) -> list[str]:
    return [action.text() for action in app.window.menuBar().actions()]


def test_a_deferred_start_builds_the_first_page_now_and_the_rest_to_the_same_app(
    qtbot: QtBot, tmp_path: Path
) -> None:
    eager = build_application(tmp_path / "eager.sqlite",
                              settings=QSettings(str(tmp_path / "eager.ini"), QSettings.Format.IniFormat))
    try:
        eager_menus = _menu_titles(eager)
        eager_pages = [type(eager.window.stack.widget(row)) for row in range(eager.window.stack.count())]
        eager_guards = len(eager.window._close_guards)
    finally:
        eager.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    app = build_application(tmp_path / "workspace.sqlite", settings=settings, defer_pages=True)
    try:
        assert list(app.pages) == ["Templates"]
        assert app.delivery is None and app.controller is None and app.workspace_menu is None
        built: list[str] = []
        app.when_built(lambda: built.append("after"))
        assert built == []
        app.finish()
        assert built == ["after"]
        assert sorted(app.pages) == sorted(PAGE_NAMES)
        assert [type(app.window.stack.widget(row)) for row in range(app.window.stack.count())] == eager_pages
        assert _menu_titles(app) == eager_menus
        assert len(app.window._close_guards) == eager_guards
        assert app.window.show_page("Requests") is app.pages["Requests"]
        app.finish()  # a second call builds nothing more
        assert app.window.stack.count() == len(PAGE_NAMES)
    finally:
        app.close()


def test_a_deferred_start_closed_before_its_pages_were_built_closes_cleanly(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    app = build_application(tmp_path / "workspace.sqlite", settings=settings, defer_pages=True)
    app.close()
    again = build_application(tmp_path / "workspace.sqlite", settings=settings)  # the file was let go
    again.close()
