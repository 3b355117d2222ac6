"""The main window: a navigation rail of pages, as in GelatoConnect, a menu bar and a status bar.

The window owns no services. The composition root (app.py) builds each page and hands the window
the pages, the actions pages contribute, and the guards that may veto closing (unsaved work,
deliveries in flight).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.ui.theme import Theme

PAGE_NAMES = ("Templates", "Triggers", "Customers", "Lookups", "Requests", "Inbox", "Settings")

_PAGE_ICONS = {
    "Templates": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "Triggers": QStyle.StandardPixmap.SP_MediaPlay,
    "Customers": QStyle.StandardPixmap.SP_DirHomeIcon,
    "Lookups": QStyle.StandardPixmap.SP_FileDialogListView,
    "Requests": QStyle.StandardPixmap.SP_BrowserReload,
    "Inbox": QStyle.StandardPixmap.SP_DriveNetIcon,
    "Settings": QStyle.StandardPixmap.SP_FileDialogInfoView,
}


@dataclass(frozen=True)
class Page:
    """One page of the navigation rail and the menu actions it contributes."""

    name: str
    widget: QWidget
    actions: tuple[QAction, ...] = ()


#: A guard asked before the window closes; returns False to keep the window open.
CloseGuard = Callable[[], bool]


class MainWindow(QMainWindow):
    """The application shell.

    Signals:
        theme_chosen(str): the user picked a theme in View > Theme (a ``Theme`` value).
        page_changed(str): the visible page changed (its name).
        about_requested(): the user chose Help > About.
    """

    theme_chosen = Signal(str)
    page_changed = Signal(str)
    about_requested = Signal()

    def __init__(
        self,
        pages: Sequence[Page],
        *,
        workspace_label: str,
        close_guards: Sequence[CloseGuard] = (),
        theme: Theme = Theme.SYSTEM,
    ) -> None:
        super().__init__()
        self.setWindowTitle(f"Postback Studio — {workspace_label}")
        self.setMinimumSize(QSize(1024, 640))
        self._pages = list(pages)
        self._close_guards = list(close_guards)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(20, 20))
        self.navigation.setFixedWidth(150)
        self.navigation.setFrameShape(QListWidget.Shape.NoFrame)
        self.navigation.setStyleSheet(
            "#navigation { background: palette(alternate-base); padding-top: 8px; }"
            "#navigation::item { padding: 9px 10px; border-radius: 6px; margin: 1px 6px; }"
            "#navigation::item:selected { background: palette(highlight); color: palette(highlighted-text); }"
        )
        self.stack = QStackedWidget()
        for page in self._pages:
            # A page's shortcuts work while focus is inside that page (or its menu is open), so two
            # pages can both use Ctrl+F or Ctrl+S without an ambiguous shortcut.
            for action in page.actions:
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                page.widget.addAction(action)
            item = QListWidgetItem(self.style().standardIcon(_PAGE_ICONS.get(page.name,
                                   QStyle.StandardPixmap.SP_FileIcon)), page.name)
            self.navigation.addItem(item)
            self.stack.addWidget(page.widget)
        self.navigation.currentRowChanged.connect(self._on_navigation_row_changed)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.activity = QProgressBar()
        self.activity.setMaximumWidth(180)
        self.activity.setTextVisible(True)
        self.activity.hide()
        self.statusBar().addPermanentWidget(self.activity)
        self.workspace_status = QLabel(workspace_label)
        self.statusBar().addPermanentWidget(self.workspace_status)

        self._build_menus(theme)
        if self._pages:
            self.navigation.setCurrentRow(0)

    def _build_menus(self, theme: Theme) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._page_menus: dict[str, QMenu] = {}
        for page in self._pages:
            if page.actions:
                menu = self.menuBar().addMenu(page.name)
                menu.addActions(list(page.actions))
                self._page_menus[page.name] = menu
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        go_menu = self.menuBar().addMenu("&Go")
        for index, page in enumerate(self._pages):
            action = QAction(page.name, self, shortcut=QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self._go_to(i))
            go_menu.addAction(action)

        view_menu = self.menuBar().addMenu("&View")
        theme_menu = view_menu.addMenu("Theme")
        group = QActionGroup(self)
        for choice in Theme:
            action = QAction(choice.value.capitalize(), self, checkable=True)
            action.setChecked(choice is theme)
            action.triggered.connect(lambda _=False, c=choice: self.theme_chosen.emit(c.value))
            group.addAction(action)
            theme_menu.addAction(action)

        help_menu = self.menuBar().addMenu("&Help")
        shortcuts = QAction("Keyboard &Shortcuts", self, shortcut=QKeySequence("F1"))
        shortcuts.triggered.connect(self.show_shortcuts)
        help_menu.addAction(shortcuts)
        about = QAction("&About Postback Studio", self, menuRole=QAction.MenuRole.AboutRole)
        about.triggered.connect(self.about_requested)
        help_menu.addAction(about)

    def _go_to(self, row: int) -> None:
        """Show a page from the keyboard and put focus in it, so its own shortcuts work at once."""
        self.navigation.setCurrentRow(row)
        self.stack.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_navigation_row_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        if 0 <= row < len(self._pages):
            self.page_changed.emit(self._pages[row].name)

    def add_menu_action(self, menu_title: str, action: QAction) -> None:
        """Add an action to a top-level menu, creating the menu before Help when it is new."""
        plain = menu_title.replace("&", "")
        for existing in self.menuBar().actions():
            menu = existing.menu()
            if isinstance(menu, QMenu) and existing.text().replace("&", "") == plain:
                menu.addAction(action)
                return
        menu = QMenu(menu_title, self)
        menu.addAction(action)
        help_action = self.menuBar().actions()[-1]
        self.menuBar().insertMenu(help_action, menu)

    def add_close_guard(self, guard: CloseGuard) -> None:
        """Ask ``guard`` too before the window closes."""
        self._close_guards.append(guard)

    def show_page(self, name: str) -> QWidget:
        """Bring a page to the front by name and return its widget."""
        for row, page in enumerate(self._pages):
            if page.name == name:
                self.navigation.setCurrentRow(row)
                return page.widget
        raise KeyError(name)

    def show_background_error(self, _job_id: int, error: object) -> None:
        """A background task failed and nothing else showed it: say so, with the details on demand."""
        message = getattr(error, "message", str(error))
        self.show_status(f"Background task failed: {message}", 15_000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Background task failed", message,
                          QMessageBox.StandardButton.Ok, self)
        details = getattr(error, "details", "")
        if details:
            box.setDetailedText(details)
        box.open()

    def show_status(self, message: str, timeout_ms: int = 6000) -> None:
        """A transient message in the status bar."""
        self.statusBar().showMessage(message, timeout_ms)

    def show_activity(self, done: int, total: int, label: str) -> None:
        """Progress of background work; hidden when ``done >= total``."""
        if total <= 0 or done >= total:
            self.activity.hide()
            return
        self.activity.setRange(0, total)
        self.activity.setValue(done)
        self.activity.setFormat(f"{label} {done}/{total}")
        self.activity.show()

    def all_shortcuts(self) -> list[tuple[str, str]]:
        """Every action with a shortcut in this window and its pages: (shortcut, description)."""
        seen: dict[str, str] = {}
        for action in self.findChildren(QAction):
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            text = action.text().replace("&", "")
            if key and text and key not in seen:
                seen[key] = text
        return sorted(seen.items(), key=lambda kv: kv[1].lower())

    def show_shortcuts(self) -> None:
        """Help > Keyboard Shortcuts."""
        ShortcutsDialog(self.all_shortcuts(), self).exec()

    def close_without_asking(self) -> None:
        """Close now, skipping the guards: the caller has already decided (shutdown, tests)."""
        self._close_guards.clear()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        for guard in self._close_guards:
            if not guard():
                event.ignore()
                return
        event.accept()


class ShortcutsDialog(QDialog):
    """A read-only table of the keyboard shortcuts."""

    def __init__(self, shortcuts: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.table = QTableWidget(len(shortcuts), 2)
        self.table.setHorizontalHeaderLabels(["Shortcut", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (key, text) in enumerate(shortcuts):
            self.table.setItem(row, 0, QTableWidgetItem(key))
            self.table.setItem(row, 1, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons, alignment=Qt.AlignmentFlag.AlignRight)
        self.resize(460, 480)
