"""The File menu's workspace and configuration actions: New, Open, Open Recent, Export Configuration.

The menu asks an injected :class:`WorkspaceChooser` for files and answers (a dialog-based one in the
app, a scripted one in tests) and says what the user wants by signals: which workspace to create or
open. Opening is not the menu's business: the composition root (``app.Studio``) closes the old
workspace and builds the app on the new one. Export is done here, through the export the command
line uses (``services.transfer``); the bundle never holds a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.errors import StudioError
from postback_studio.core.recent import recent_entries
from postback_studio.ui.preferences import Preferences
from postback_studio.ui.tones import hint

#: Where a workspace file is looked for and saved, in the file dialogs.
WORKSPACE_FILTER = "Postback Studio workspaces (*.sqlite *.db);;All files (*)"
BUNDLE_FILTER = "Configuration bundles (*.json);;All files (*)"


@dataclass(frozen=True)
class ExportChoice:
    """What Export Configuration writes: the file, and one customer's part or everything (None)."""

    path: Path
    customer: str | None = None


class WorkspaceChooser(Protocol):
    """The questions the File menu asks."""

    def new_workspace_path(self) -> Path | None:
        """A file to create a workspace in, or None."""

    def open_workspace_path(self) -> Path | None:
        """A workspace file to open, or None."""

    def export_choice(self, customers: Sequence[str]) -> ExportChoice | None:
        """What to export and where, or None."""

    def confirm_replace(self, path: Path) -> bool:
        """Whether ``path``, which exists, may be replaced."""

    def error(self, title: str, text: str) -> None:
        """Say what went wrong."""


#: Writes the configuration bundle (``session.transfer.export_to_file``); returns what was written.
Export = Callable[[Path, str | None], object]


class WorkspaceMenu(QObject):
    """Builds the File menu's workspace actions and the Export Configuration action.

    Signals:
        open_requested(object): the user chose a workspace file to open (a ``Path``).
        new_requested(object): the user chose a file to create a new workspace in (a ``Path``).
        status_message(str): a short notice for the status bar (an export went through).
    """

    open_requested = Signal(object)
    new_requested = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        preferences: Preferences,
        chooser: WorkspaceChooser,
        *,
        current: Path,
        customers: Callable[[], Sequence[str]],
        export: Export,
        check_output: Callable[[Path], None] = lambda _path: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._preferences = preferences
        self.chooser = chooser
        self._current = current
        self._customers = customers
        self._export = export
        self._check_output = check_output
        self.new_action = QAction("&New Workspace…", self)
        self.new_action.setToolTip("Create an empty workspace file and open it")
        self.new_action.triggered.connect(self.new_workspace)
        self.open_action = QAction("&Open Workspace…", self, shortcut=QKeySequence("Ctrl+Shift+O"))
        self.open_action.triggered.connect(self.open_workspace)
        self.recent_menu = QMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        self.export_action = QAction("&Export Configuration…", self)
        self.export_action.setToolTip("Write customers, templates, triggers and lookup tables as a bundle "
                                      "for production (no secrets)")
        self.export_action.triggered.connect(self.export_configuration)
        self.fill_recent()

    @property
    def workspace_actions(self) -> list[QAction]:
        """New, Open and Open Recent, in menu order."""
        return [self.new_action, self.open_action, self.recent_menu.menuAction()]

    def new_workspace(self) -> None:
        """Ask for a new file and ask for a workspace there."""
        path = self.chooser.new_workspace_path()
        if path is not None:
            self.new_requested.emit(path)

    def open_workspace(self) -> None:
        """Ask for a workspace file and ask for it to be opened."""
        path = self.chooser.open_workspace_path()
        if path is not None:
            self.open_requested.emit(path)

    def open_recent(self, path: str) -> None:
        """Open a recent workspace; one that is gone is taken off the list, with a message saying so."""
        if not Path(path).is_file():
            self._preferences.forget_workspace(path)
            self.fill_recent()
            self.chooser.error("Open Recent", f"{path} is no longer there; it was removed from the list.")
            return
        self.open_requested.emit(Path(path))

    def fill_recent(self) -> None:
        """Rebuild Open Recent: present files to open, missing ones greyed out, and the list's upkeep."""
        menu = self.recent_menu
        menu.clear()
        entries = recent_entries(self._preferences.recent_workspaces, self._current)
        for entry in entries:
            action = menu.addAction(entry.label)
            action.setEnabled(entry.exists and not entry.current)
            action.setToolTip(entry.path if entry.exists else "The file is no longer there")
            action.triggered.connect(lambda _checked=False, p=entry.path: self.open_recent(p))
        if not entries:
            menu.addAction("No recent workspaces").setEnabled(False)
        menu.addSeparator()
        missing = [e.path for e in entries if not e.exists]
        remove = menu.addAction("Remove Missing Workspaces")
        remove.setEnabled(bool(missing))
        remove.triggered.connect(lambda _checked=False: self._remove(missing))
        clear = menu.addAction("Clear Recent Workspaces")
        clear.setEnabled(bool(entries))
        clear.triggered.connect(lambda _checked=False: self._clear())

    def _remove(self, paths: Sequence[str]) -> None:
        for path in paths:
            self._preferences.forget_workspace(path)
        self.fill_recent()
        self.status_message.emit(f"Removed {len(paths)} missing workspace(s) from Open Recent")

    def _clear(self) -> None:
        self._preferences.clear_recent_workspaces()
        self.fill_recent()

    def export_configuration(self) -> bool:
        """Ask what to export and where, and write the bundle; False when cancelled or refused."""
        choice = self.chooser.export_choice(list(self._customers()))
        if choice is None:
            return False
        try:
            # The workspace's own files are refused before "Replace it?" could be asked about them.
            self._check_output(choice.path)
            # A typed path, or the default one, exists as often as a browsed one: ask here, once.
            if choice.path.exists() and not self.chooser.confirm_replace(choice.path):
                return False
            written = self._export(choice.path, choice.customer)
        except StudioError as exc:
            self.chooser.error("Export Configuration", f"Nothing was exported: {exc}")
            return False
        self.status_message.emit(str(written))
        return True


class ExportDialog(QDialog):
    """Export Configuration: everything or one customer, and the file to write."""

    def __init__(self, customers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Configuration")
        self.all_button = QRadioButton("Every customer (the whole workspace)")
        self.one_button = QRadioButton("One customer, with the shared templates and global lookup "
                                       "tables its triggers use")
        self.all_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.all_button)
        group.addButton(self.one_button)
        self.customer_box = QComboBox()
        self.customer_box.addItems(list(customers))
        self.customer_box.setEnabled(False)
        self.one_button.setEnabled(bool(customers))
        self.one_button.toggled.connect(self.customer_box.setEnabled)
        self.path_edit = QLineEdit(str(Path.home() / "postback-configuration.json"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Customer", self.customer_box)
        form.addRow("File", path_row)
        standard = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(standard.Ok | standard.Cancel)
        buttons.button(standard.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.all_button)
        layout.addWidget(self.one_button)
        layout.addLayout(form)
        layout.addWidget(hint("Secret values (SMTP password, secret headers, signing secrets) are never "
                              "exported: the bundle lists which to re-enter after import."))
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _on_browse_clicked(self) -> None:
        # The menu asks before replacing any existing file (typed or browsed), so the dialog does not.
        name, _ = QFileDialog.getSaveFileName(self, "Export Configuration", self.path_edit.text(),
                                              BUNDLE_FILTER, options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            self.path_edit.setText(name)

    def choice(self) -> ExportChoice | None:
        """What the dialog says to export (None without a file name)."""
        text = self.path_edit.text().strip()
        if not text:
            return None
        customer = self.customer_box.currentText() if self.one_button.isChecked() else None
        return ExportChoice(Path(text).expanduser(), customer or None)


class DialogWorkspaceChooser:
    """The File menu's questions as Qt's file dialogs and message boxes over ``parent``."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def new_workspace_path(self) -> Path | None:
        """A file to create, from a save dialog (which asks before replacing one)."""
        # An existing file is refused by the app (it says to open it instead), so no overwrite question.
        name, _ = QFileDialog.getSaveFileName(self._parent, "New Workspace",
                                              str(Path.home() / "workspace.sqlite"), WORKSPACE_FILTER,
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        return Path(name) if name else None

    def open_workspace_path(self) -> Path | None:
        """A workspace file, from an open dialog."""
        name, _ = QFileDialog.getOpenFileName(self._parent, "Open Workspace", "", WORKSPACE_FILTER)
        return Path(name) if name else None

    def export_choice(self, customers: Sequence[str]) -> ExportChoice | None:
        """The Export Configuration dialog."""
        dialog = ExportDialog(customers, self._parent)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def confirm_replace(self, path: Path) -> bool:
        """A question box; No is the default."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self._parent, "Export Configuration", f"{path} already exists. Replace it?",
            buttons.Yes | buttons.No, buttons.No,
        )
        return answer == buttons.Yes

    def error(self, title: str, text: str) -> None:
        """A warning box."""
        QMessageBox.warning(self._parent, title, text)
