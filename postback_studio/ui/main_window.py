"""The main window: a navigation rail of pages, as in GelatoConnect, and a status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QListWidget, QMainWindow, QSplitter, QStackedWidget

PAGES = ("Templates", "Triggers", "Customers", "Lookups", "Requests", "Inbox", "Settings")


class MainWindow(QMainWindow):
    """The application shell; pages plug into the stack in the order of the navigation rail."""

    def __init__(self, workspace_path: Path) -> None:
        super().__init__()
        self.setWindowTitle(f"Postback Studio — {workspace_path.name}")
        self.navigation = QListWidget()
        self.navigation.addItems(list(PAGES))
        self.navigation.setFixedWidth(160)
        self.pages = QStackedWidget()
        for name in PAGES:
            self.pages.addWidget(QLabel(f"{name}: coming soon"))
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        splitter = QSplitter()
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.pages)
        self.setCentralWidget(splitter)
        self.statusBar().showMessage(f"Workspace: {workspace_path}")
        self.navigation.setCurrentRow(0)
