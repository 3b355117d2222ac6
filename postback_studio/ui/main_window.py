"""The main window: a navigation rail of pages, as in GelatoConnect, a menu bar and a status bar.

The window owns no services. The composition root (app.py) builds each page and hands the window
the pages, the actions pages contribute, and the guards that may veto closing (unsaved work,
deliveries in flight).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QStackedWidget,
    QStatusBar,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.ui.elided_label import ElidedLabel
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


class _RailDelegate(QStyledItemDelegate):
    """Draws a rail entry from the palette at paint time: a rounded highlight when selected.

    Painted rather than styled with a style sheet, which would freeze the rail's palette at the
    theme it was built in.
    """

    _PADDING = QSize(10, 9)
    _MARGIN = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 2 * (self._PADDING.width() + self._MARGIN),
                     max(hint.height(), 20) + 2 * self._PADDING.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect = option.rect.adjusted(self._MARGIN, 1, -self._MARGIN, -1)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.highlight())
            painter.drawRoundedRect(rect, 6, 6)
        icon_size = item.decorationSize
        icon_rect = QRect(rect.left() + self._PADDING.width(), rect.center().y() - icon_size.height() // 2,
                          icon_size.width(), icon_size.height())
        item.icon.paint(painter, icon_rect)
        text_rect = rect.adjusted(icon_rect.right() - rect.left() + 10, 0, 0, 0)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(text_rect, int(align), item.text)
        painter.restore()


@dataclass(frozen=True)
class Page:
    """One page of the navigation rail and the menu actions it contributes."""

    name: str
    widget: QWidget
    actions: tuple[QAction, ...] = ()


class FileSection(StrEnum):
    """The File menu's sections, in menu order (Quit comes last)."""

    WORKSPACE = "workspace"
    CONFIGURATION = "configuration"


def _scope_actions(page: Page) -> None:
    """A page's shortcuts work while focus is inside that page (or its menu is open), so two pages
    can both use Ctrl+F or Ctrl+S without an ambiguous shortcut."""
    for action in page.actions:
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        page.widget.addAction(action)


#: A guard asked before the window closes; returns False to keep the window open.
CloseGuard = Callable[[], bool]


class StatusBar(QStatusBar):
    """The window's status bar; the tooltip that holds an elided message's whole text goes with it.

    The bar clears its own tooltip when its message ends (a timeout, the next message), through a slot
    of its own: the lambda it replaces reached the bar through its window (``window.statusBar()``,
    which makes a new bar when the window has none), and a message timing out while a closed window
    was torn down ran it on a half-destroyed window (a segmentation fault in the full test suite).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messageChanged.connect(self._on_message_changed)

    @Slot(str)
    def _on_message_changed(self, text: str) -> None:
        if not text:
            self.setToolTip("")


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
        self.setMinimumSize(QSize(1024, 640))
        self._pages = list(pages)
        self._close_guards = list(close_guards)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(20, 20))
        self.navigation.setFixedWidth(150)
        self.navigation.setFrameShape(QListWidget.Shape.NoFrame)
        self.navigation.viewport().setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.navigation.setViewportMargins(0, 8, 0, 0)
        self.navigation.setItemDelegate(_RailDelegate(self.navigation))
        self.stack = QStackedWidget()
        for page in self._pages:
            _scope_actions(page)
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

        self.setStatusBar(StatusBar(self))
        self.activity = QProgressBar()
        self.activity.setMaximumWidth(180)
        self.activity.setTextVisible(True)
        self.activity.hide()
        self.statusBar().addPermanentWidget(self.activity)
        # The path shortens in its middle rather than pushing the messages beside it off the bar.
        self.workspace_status = ElidedLabel(workspace_label, mode=Qt.TextElideMode.ElideMiddle)
        self.workspace_status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.workspace_status.setContentsMargins(12, 0, 0, 0)
        self.statusBar().addPermanentWidget(self.workspace_status)
        self.set_workspace(workspace_label)

        self._build_menus(theme)
        if self._pages:
            self.navigation.setCurrentRow(0)

    def _build_menus(self, theme: Theme) -> None:
        # File: the workspace (New, Open, Open Recent), then the configuration (Export, Import),
        # then Quit; each section ends at a separator that add_file_action inserts before.
        self.file_menu = self.menuBar().addMenu("&File")
        self._file_sections = {
            FileSection.WORKSPACE: self.file_menu.addSeparator(),
            FileSection.CONFIGURATION: self.file_menu.addSeparator(),
        }
        self._page_menus: dict[str, QMenu] = {}
        for page in self._pages:
            if page.actions:
                menu = self.menuBar().addMenu(page.name)
                menu.addActions(list(page.actions))
                self._page_menus[page.name] = menu
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.file_menu.addAction(quit_action)

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

    def set_page(self, page: Page) -> None:
        """Put ``page`` where the page of its name stood (built after the first paint, in its place).

        Its actions get a menu of their own before Go, after the menus of the pages already built.
        """
        row = next(row for row, existing in enumerate(self._pages) if existing.name == page.name)
        old = self._pages[row].widget
        self._pages[row] = page
        self.stack.insertWidget(row, page.widget)
        self.stack.removeWidget(old)
        old.deleteLater()
        if page.actions:
            _scope_actions(page)
            menu = QMenu(page.name, self)
            menu.addActions(list(page.actions))
            self._page_menus[page.name] = menu
            go_menu = next(a for a in self.menuBar().actions() if a.text() == "&Go")
            self.menuBar().insertMenu(go_menu, menu)

    def add_file_action(self, action: QAction, section: FileSection = FileSection.CONFIGURATION) -> None:
        """Add ``action`` at the end of a File menu section (Import Configuration goes after Export)."""
        self.file_menu.insertAction(self._file_sections[section], action)

    def set_workspace(self, label: str) -> None:
        """Show the open workspace in the title and the status bar."""
        self.setWindowTitle(f"Postback Studio — {label}")
        self.workspace_status.setText(label)

    def confirm_close(self) -> bool:
        """Ask every close guard (unsaved edits, deliveries in flight); True when all agree."""
        return all(guard() for guard in self._close_guards)

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
        """A transient message in the status bar, shortened with "…" to the room left of the path.

        Qt clips a long message where the permanent widgets start, mid-letter and flush against the
        workspace path. The status bar's tooltip holds the whole message while it is on show.
        """
        bar = self.statusBar()
        taken = sum(w.width() for w in (self.activity, self.workspace_status) if w.isVisible())
        room = max(bar.width() - taken - 32, 120)
        shown = bar.fontMetrics().elidedText(message, Qt.TextElideMode.ElideRight, room)
        bar.showMessage(shown, timeout_ms)
        bar.setToolTip(message if shown != message else "")  # the whole message, while it is on show

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the workspace path to at most 40% of the status bar."""
        super().resizeEvent(event)
        self.workspace_status.setMaximumWidth(max(int(self.width() * 0.4), 160))

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
        if self.confirm_close():
            event.accept()
        else:
            event.ignore()


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
