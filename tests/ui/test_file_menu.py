"""File menu, issue 13 section 3: export the configuration, new, open and recent workspaces, as a user.

The app is the real one (``app.Studio`` over ``build_application``) on real workspace files; only
the file dialogs are replaced by a scripted chooser. Workspaces held by another process are held by
a real second process, and whether the app let go of a file is asked of a real command.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, Studio
from postback_studio.core.bundle import read_bundle_file
from postback_studio.core.model import Header, SmtpSettings
from postback_studio.services.session import Session
from postback_studio.ui.about_dialog import AboutDialog
from postback_studio.ui.customers_page import CustomersPage
from postback_studio.ui.prompts import UnsavedChoice
from postback_studio.ui.templates_page import TemplatesPage
from postback_studio.ui.workspace_menu import ExportChoice
from tests.support.processes import Child, cli_command, run_cli
from tests.support.prompter import ScriptedPrompter

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="the owner lock is flock(2), POSIX only")


@dataclass
class ScriptedChooser:
    """Answers the File menu's questions from lists the test fills; records the errors it was shown."""

    new_paths: list[Path | None] = field(default_factory=list)
    open_paths: list[Path | None] = field(default_factory=list)
    exports: list[ExportChoice | None] = field(default_factory=list)
    offered_customers: list[list[str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    replace_answers: list[bool] = field(default_factory=list)
    asked_to_replace: list[Path] = field(default_factory=list)

    def new_workspace_path(self) -> Path | None:
        return self.new_paths.pop(0)

    def open_workspace_path(self) -> Path | None:
        return self.open_paths.pop(0)

    def export_choice(self, customers: Sequence[str]) -> ExportChoice | None:
        self.offered_customers.append(list(customers))
        return self.exports.pop(0)

    def confirm_replace(self, path: Path) -> bool:
        self.asked_to_replace.append(path)
        return self.replace_answers.pop(0)

    def error(self, title: str, text: str) -> None:
        self.errors.append(f"{title}: {text}")


@dataclass
class Desk:
    """The running app and what the test scripts it with."""

    studio: Studio
    chooser: ScriptedChooser
    first: Path
    prompter: ScriptedPrompter

    @property
    def app(self) -> Application:
        assert self.studio.app is not None
        return self.studio.app


@pytest.fixture
def desk(qtbot: QtBot, tmp_path: Path) -> Iterator[Desk]:
    chooser = ScriptedChooser()
    prompter = ScriptedPrompter()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    studio = Studio(settings, chooser_factory=lambda _window: chooser, prompter=prompter)
    first = tmp_path / "first.sqlite"
    studio.start(first)
    assert studio.app is not None
    studio.app.window.show()
    yield Desk(studio, chooser, first, prompter)
    studio.close()


def file_action(app: Application, text: str) -> QAction:
    """The File menu's action (or submenu) called ``text`` (without the ``&`` and ``…``)."""
    for action in app.window.file_menu.actions():
        if action.text().replace("&", "").rstrip("…") == text:
            return action
    raise AssertionError(f"no File > {text}: {[a.text() for a in app.window.file_menu.actions()]}")


def file_menu_texts(app: Application) -> list[str]:
    return [a.text().replace("&", "") for a in app.window.file_menu.actions() if not a.isSeparator()]


def recent_actions(app: Application) -> list[QAction]:
    menu = file_action(app, "Open Recent").menu()
    assert isinstance(menu, QMenu)
    menu.aboutToShow.emit()
    return [a for a in menu.actions() if not a.isSeparator()]


def customer_names(app: Application) -> list[str]:
    page = app.pages["Customers"]
    assert isinstance(page, CustomersPage)
    return [page.customer_list.item(i).text() for i in range(page.customer_list.count())]


def add_customer(app: Application, qtbot: QtBot, name: str) -> None:
    """Create a customer the way a user does: Customers page, New Customer, a name, Save."""
    page = app.pages["Customers"]
    assert isinstance(page, CustomersPage)
    app.window.show_page("Customers")
    page.new_button.click()
    page.name_edit.setText(name)
    with qtbot.waitSignal(page.customer_saved):
        page.save_button.click()


def about_workspace(app: Application, qtbot: QtBot) -> str:
    """The workspace Help > About names."""
    next(a for a in app.window.findChildren(QAction) if a.text() == "&About Postback Studio").trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, AboutDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AboutDialog) and w.isVisible())
    text = dialog.values["Workspace"].text()
    dialog.close()
    return text


def there_and_back(desk: Desk, other: Path) -> None:
    """File > New Workspace at ``other``, then File > Open Workspace back to the first one."""
    desk.chooser.new_paths.append(other)
    file_action(desk.app, "New Workspace").trigger()
    desk.chooser.open_paths.append(desk.first)
    file_action(desk.app, "Open Workspace").trigger()
    assert desk.app.session.path == desk.first


def test_the_file_menu_holds_workspaces_then_the_configuration_then_quit(desk: Desk) -> None:
    assert file_menu_texts(desk.app) == [
        "New Workspace…", "Open Workspace…", "Open Recent", "Export Configuration…",
        "Import Configuration…", "Quit",
    ]


# -- Export Configuration ---------------------------------------------------------------------------


def test_export_configuration_writes_the_whole_workspace_without_secrets(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    app = desk.app
    session = app.session
    session.smtp.set(SmtpSettings(sender_email="ops@psp.example", host="127.0.0.1", port=2525,
                                  username="ops", password="smtp-password-never-exported"))
    trigger = next(t for t in session.triggers.list() if t.name == "Order shipped to local inbox")
    session.triggers.save(replace(trigger, headers=(
        Header("Authorization", "Bearer header-secret-never-exported", secret=True),)))
    target = tmp_path / "out" / "bundle.json"
    target.parent.mkdir()
    desk.chooser.exports.append(ExportChoice(target))
    with qtbot.waitSignal(app.workspace_menu.status_message) as said:  # type: ignore[union-attr]
        file_action(app, "Export Configuration").trigger()
    assert desk.chooser.offered_customers == [["Demo Print Co"]]
    text = target.read_text(encoding="utf-8")
    assert "smtp-password-never-exported" not in text and "header-secret-never-exported" not in text
    bundle = read_bundle_file(target)
    assert [c.name for c in bundle.customers] == ["Demo Print Co"]
    assert {t.template.name for t in bundle.templates} >= {"order-shipped", "order-shipped-email"}
    assert text == session.transfer.export_text(), "the same bundle as postback-studio export"
    document = json.loads(text)
    assert "SMTP password" in document["secretsToReenter"]
    message = said.args[0]
    assert message.startswith("Exported 1 customer, ") and str(target) in message
    assert "re-enter after import: " in message
    bar = app.window.statusBar()
    shown = bar.currentMessage()
    assert shown == message or (
        shown.endswith("…") and message.startswith(shown[:-1]) and bar.toolTip() == message
    ), (
        "a message too long for the bar is shortened, and its tooltip holds the whole"
    )


def test_export_configuration_of_one_customer(desk: Desk, qtbot: QtBot, tmp_path: Path) -> None:
    add_customer(desk.app, qtbot, "Beta Corp")
    target = tmp_path / "beta.json"
    desk.chooser.exports.append(ExportChoice(target, "Beta Corp"))
    file_action(desk.app, "Export Configuration").trigger()
    assert desk.chooser.offered_customers == [["Beta Corp", "Demo Print Co"]]
    document = json.loads(target.read_text(encoding="utf-8"))
    assert [c["name"] for c in document["customers"]] == ["Beta Corp"]
    assert document["triggers"] == []


def test_an_export_that_cannot_be_written_says_where_and_writes_nothing(desk: Desk, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "bundle.json"
    desk.chooser.exports.append(ExportChoice(target))
    file_action(desk.app, "Export Configuration").trigger()
    assert desk.chooser.errors == [
        f"Export Configuration: Nothing was exported: {target}: cannot write: No such file or directory"
    ]
    assert not target.parent.exists()
    desk.chooser.exports.append(None)
    file_action(desk.app, "Export Configuration").trigger()
    assert len(desk.chooser.errors) == 1, "cancelling says nothing"


def test_export_configuration_refuses_the_workspace_and_its_files(desk: Desk, tmp_path: Path) -> None:
    """Issue 10: an export over the open workspace (or its -wal file, or another workspace) would
    replace a database with JSON; it is refused, with the reason, and the workspace stays intact."""
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"SQLite format 3\x00" + bytes(100))
    before = desk.first.read_bytes()
    for target in (desk.first, Path(f"{desk.first}-wal"), other):
        desk.chooser.exports.append(ExportChoice(target))
        file_action(desk.app, "Export Configuration").trigger()
    assert desk.chooser.errors == [
        f"Export Configuration: Nothing was exported: {desk.first}: this is the workspace file itself; "
        "writing there would destroy the workspace. Choose another file",
        f"Export Configuration: Nothing was exported: {desk.first}-wal: this is the workspace's -wal "
        "file; writing there would destroy the workspace. Choose another file",
        f"Export Configuration: Nothing was exported: {other}: this is an SQLite database (a "
        "workspace?); writing there would destroy it. Choose another file",
    ]
    assert desk.chooser.asked_to_replace == [], "refused before 'Replace it?' is asked"
    assert desk.first.read_bytes()[:16] == before[:16] == b"SQLite format 3\x00"
    assert customer_names(desk.app) == ["Demo Print Co"]


def test_an_existing_file_is_replaced_only_when_the_user_says_so(desk: Desk, tmp_path: Path) -> None:
    target = tmp_path / "postback-configuration.json"
    target.write_text("the colleague's bundle", encoding="utf-8")
    desk.chooser.exports.append(ExportChoice(target))
    desk.chooser.replace_answers.append(False)
    assert not desk.app.workspace_menu.export_configuration()  # type: ignore[union-attr]
    assert desk.chooser.asked_to_replace == [target]
    assert target.read_text(encoding="utf-8") == "the colleague's bundle", "No keeps the file as it was"
    desk.chooser.exports.append(ExportChoice(target))
    desk.chooser.replace_answers.append(True)
    assert desk.app.workspace_menu.export_configuration()  # type: ignore[union-attr]
    assert json.loads(target.read_text(encoding="utf-8"))["customers"], "Yes writes the bundle"
    fresh = tmp_path / "new.json"
    desk.chooser.exports.append(ExportChoice(fresh))
    assert desk.app.workspace_menu.export_configuration()  # type: ignore[union-attr]
    assert desk.chooser.asked_to_replace == [target, target], "a new file is written without a question"


# -- New, Open, Open Recent ---------------------------------------------------------------------------


@POSIX_ONLY
def test_new_workspace_opens_an_empty_one_releases_the_old_file_and_names_the_new(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    first_app = desk.app
    second = tmp_path / "second.sqlite"
    desk.chooser.new_paths.append(second)
    file_action(desk.app, "New Workspace").trigger()
    app = desk.app
    assert app is not first_app and not first_app.window.isVisible()
    assert app.session.path == second and app.window.isVisible()
    assert app.window.windowTitle() == f"Postback Studio — {second}"
    assert app.window.workspace_status.text() == str(second)
    assert customer_names(app) == [], "a new workspace starts empty"
    assert about_workspace(app, qtbot) == str(second)
    assert run_cli(desk.first, "customers").returncode == 0, "the old file's owner lock was released"
    held = run_cli(second, "customers")
    assert held.returncode == 2 and f"is open in the Postback Studio app (pid {os.getpid()})" in held.stderr
    assert [a.text() for a in recent_actions(app)][:2] == [f"{second}  (open)", str(desk.first)]


def test_new_workspace_refuses_an_existing_file(desk: Desk, tmp_path: Path) -> None:
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"not a workspace")
    desk.chooser.new_paths.append(existing)
    file_action(desk.app, "New Workspace").trigger()
    assert desk.app.session.path == desk.first
    assert desk.chooser.errors == [
        f"New Workspace: {existing} already exists: open it with File > Open Workspace…, "
        "or choose a new name."
    ]
    assert existing.read_bytes() == b"not a workspace"


def test_a_customer_made_in_another_workspace_stays_there(desk: Desk, qtbot: QtBot, tmp_path: Path) -> None:
    """The journey: open another workspace, create a customer, switch back, see the first one's data."""
    second = tmp_path / "second.sqlite"
    desk.chooser.new_paths.append(second)
    file_action(desk.app, "New Workspace").trigger()
    add_customer(desk.app, qtbot, "Beta Corp")
    assert customer_names(desk.app) == ["Beta Corp"]

    back = next(a for a in recent_actions(desk.app) if a.text() == str(desk.first))
    back.trigger()
    assert desk.app.session.path == desk.first
    assert customer_names(desk.app) == ["Demo Print Co"]
    assert desk.app.window.windowTitle() == f"Postback Studio — {desk.first}"

    desk.chooser.open_paths.append(second)
    file_action(desk.app, "Open Workspace").trigger()
    assert desk.app.session.path == second
    assert customer_names(desk.app) == ["Beta Corp"]
    assert about_workspace(desk.app, qtbot) == str(second)


@POSIX_ONLY
@pytest.mark.slow
def test_a_workspace_another_process_holds_is_refused_and_the_old_one_stays(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    held = tmp_path / "held.sqlite"
    inbox = Child(cli_command(held, "inbox", "--http-port", "0", "--smtp-port", "0"))
    try:
        inbox.expect("inbox: webhooks to")
        first_app = desk.app
        desk.chooser.open_paths.append(held)
        file_action(first_app, "Open Workspace").trigger()
    finally:
        inbox.kill()
    assert desk.app is first_app and first_app.window.isVisible()
    assert desk.chooser.errors == [
        f"Open Workspace: {held} is open in postback-studio inbox (pid {inbox.pid}); stop it or let it "
        f"finish. {desk.first} stays open."
    ]
    add_customer(first_app, qtbot, "Still working here")
    assert "Still working here" in customer_names(first_app)


def test_a_file_that_is_not_a_workspace_is_refused_with_its_message(desk: Desk, tmp_path: Path) -> None:
    notes = tmp_path / "notes.sqlite"
    notes.write_text("these are my notes\n" * 200, encoding="utf-8")
    desk.chooser.open_paths.append(notes)
    file_action(desk.app, "Open Workspace").trigger()
    assert desk.app.session.path == desk.first
    assert len(desk.chooser.errors) == 1
    assert desk.chooser.errors[0].startswith(f"Open Workspace: {notes}: ")
    assert desk.chooser.errors[0].endswith(f"{desk.first} stays open.")
    assert notes.read_text(encoding="utf-8") == "these are my notes\n" * 200


def test_unsaved_edits_asked_about_can_keep_the_old_workspace(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite"
    there_and_back(desk, other)
    templates = desk.app.pages["Templates"]
    desk.prompter.unsaved = [UnsavedChoice.CANCEL]
    templates.view.editor.insert_at_cursor(" ")  # type: ignore[attr-defined]
    desk.chooser.open_paths.append(other)
    file_action(desk.app, "Open Workspace").trigger()
    assert desk.prompter.asked_unsaved == 1, "the edit is asked about"
    assert desk.app.session.path == desk.first, "Cancel keeps the workspace and the edit"
    assert templates.has_unsaved_changes()  # type: ignore[attr-defined]
    if sys.platform != "win32":
        assert run_cli(other, "customers").returncode == 0, "the file taken for the switch is let go"


def test_a_recent_workspace_that_is_gone_is_greyed_and_removed_with_a_message(
    desk: Desk, tmp_path: Path
) -> None:
    gone = tmp_path / "gone.sqlite"
    there_and_back(desk, gone)
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{gone}{suffix}").unlink(missing_ok=True)
    entry = next(a for a in recent_actions(desk.app) if a.text().startswith(str(gone)))
    assert entry.text() == f"{gone}  (not found)" and not entry.isEnabled()
    desk.app.workspace_menu.open_recent(str(gone))  # type: ignore[union-attr]
    assert desk.chooser.errors == [f"Open Recent: {gone} is no longer there; it was removed from the list."]
    assert all(not a.text().startswith(str(gone)) for a in recent_actions(desk.app))
    assert desk.app.session.path == desk.first


def test_the_closed_workspace_window_no_longer_follows_the_desktop(desk: Desk, tmp_path: Path) -> None:
    """The old window's theme switcher (following the system) must not repaint the new app."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPalette

    from postback_studio.ui.theme import LIGHT_THEME

    desk.app.window.theme_chosen.emit("system")
    desk.chooser.new_paths.append(tmp_path / "second.sqlite")
    file_action(desk.app, "New Workspace").trigger()
    desk.app.window.theme_chosen.emit("light")
    hints = QApplication.styleHints()
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert QApplication.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT_THEME.window)
    finally:
        hints.colorSchemeChanged.emit(hints.colorScheme())


def test_each_workspace_reopens_its_own_last_template_and_sample(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    """Template ids are rows of one file: the last template is remembered per workspace, not app-wide."""
    second = tmp_path / "second.sqlite"
    Session.open(second).close()  # seeded like the first: the same ids, other meanings for the user

    def show(name: str, sample: str) -> None:
        page = desk.app.pages["Templates"]
        assert isinstance(page, TemplatesPage)
        template = desk.app.session.templates.get_by_name(name)
        assert template is not None and template.id is not None
        assert page.open_template(template.id)
        assert page.select_sample(sample)

    def shown() -> tuple[str, str]:
        page = desk.app.pages["Templates"]
        assert isinstance(page, TemplatesPage)
        current = page.current_template()
        assert current is not None
        return current.name, page.samples.key

    def switch_to(path: Path) -> None:
        desk.chooser.open_paths.append(path)
        file_action(desk.app, "Open Workspace").trigger()
        assert desk.app.session.path == path

    show("order-shipped-xml", "shipped.multi-item")
    switch_to(second)
    show("order-failed", "failed")
    switch_to(desk.first)
    assert shown() == ("order-shipped-xml", "shipped.multi-item")
    switch_to(second)
    assert shown() == ("order-failed", "failed")
