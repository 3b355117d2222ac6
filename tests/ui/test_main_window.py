"""The application shell: navigation, shortcuts listing, and close guards."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableWidget
from pytestqt.qtbot import QtBot

from postback_studio.ui.main_window import PAGE_NAMES, MainWindow, Page, ShortcutsDialog


def _window(qtbot: QtBot, guards: list = []) -> MainWindow:  # noqa: B006 - read-only default
    window = MainWindow([Page(n, QLabel(n)) for n in PAGE_NAMES], workspace_label="w.sqlite",
                        close_guards=guards)
    qtbot.addWidget(window)
    return window


def test_navigation_switches_pages_and_says_so(qtbot: QtBot) -> None:
    window = _window(qtbot)
    with qtbot.waitSignal(window.page_changed) as blocker:
        window.navigation.setCurrentRow(4)
    assert blocker.args == ["Requests"]
    current = window.stack.currentWidget()
    assert isinstance(current, QLabel) and current.text() == "Requests"
    assert window.show_page("Inbox") is window.stack.currentWidget()


def test_shortcuts_dialog_lists_page_shortcuts(qtbot: QtBot) -> None:
    window = _window(qtbot)
    shortcuts = dict(window.all_shortcuts())
    assert shortcuts["Ctrl+5"] == "Requests"
    assert shortcuts["F1"] == "Keyboard Shortcuts"
    dialog = ShortcutsDialog(window.all_shortcuts(), window)
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget)
    assert table is not None and table.rowCount() == len(shortcuts)


def test_close_guard_can_keep_the_window_open(qtbot: QtBot) -> None:
    answers = [False, True]
    window = _window(qtbot, [lambda: answers.pop(0)])
    window.show()
    window.close()
    assert window.isVisible()
    window.close()
    assert not window.isVisible()


def test_activity_shows_progress_and_hides_when_done(qtbot: QtBot) -> None:
    window = _window(qtbot)
    window.show()
    window.show_activity(2, 5, "Sending")
    assert window.activity.isVisible() and window.activity.text().startswith("Sending 2/5")
    window.show_activity(5, 5, "Sending")
    assert not window.activity.isVisible()


def test_a_long_status_message_is_shortened_before_the_workspace_path(qtbot: QtBot) -> None:
    window = _window(qtbot)
    path = "/home/integrator/projects/customers/acme/" + "nested/" * 12 + "workspace.sqlite"
    window.set_workspace(path)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    message = "Exported 3 customers to /tmp/bundle.json; secrets are not exported, re-enter: " + "x, " * 80
    window.show_status(message)
    bar = window.statusBar()
    shown = bar.currentMessage()
    assert shown.endswith("…") and message.startswith(shown[:-1]) and bar.toolTip() == message
    painted = bar.fontMetrics().horizontalAdvance(shown)
    assert painted + window.workspace_status.width() < bar.width(), "the message ends before the path"
    assert window.workspace_status.width() <= 0.4 * window.width() + 1
    assert window.workspace_status.toolTip() == path, "the shortened path is whole in its tooltip"
    window.show_status("Saved customer 'Acme'")
    assert bar.currentMessage() == "Saved customer 'Acme'" and bar.toolTip() == ""
    window.show_status(message, timeout_ms=50)
    assert bar.toolTip() == message
    qtbot.waitUntil(lambda: bar.currentMessage() == "" and bar.toolTip() == "", timeout=2_000)

