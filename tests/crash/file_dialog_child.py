"""A child process for the file-dialog crash test: the app, a file dialog, then saves on request.

Builds the whole app on the workspace, opens a real (non-native) file dialog on the workspace's
folder as Lookups > Import CSV does, waits until it has listed the folder, cancels it and prints
``browsed``. Then each line ``save NAME`` on stdin creates a customer through the Customers page
and prints ``saved ID``. The test kills it with SIGKILL, so nothing gets a chance to clean up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QFileSystemModel

from postback_studio.app import Application, build_application
from postback_studio.ui.customers_page import CustomersPage


def browse(app: Application, folder: Path) -> None:
    """Open a file dialog on ``folder``, wait until it has listed it, and cancel it."""
    dialog = QFileDialog(app.window, "Import Lookup CSV", str(folder), "CSV files (*.csv);;All files (*)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    model = dialog.findChild(QFileSystemModel)
    assert model is not None
    listed = QEventLoop()
    model.directoryLoaded.connect(lambda _path: listed.quit())
    dialog.open()
    listed.exec()
    dialog.reject()


def main(workspace: str, settings: str) -> int:
    qapp = QApplication(sys.argv[:1])
    app = build_application(Path(workspace), settings=QSettings(settings, QSettings.Format.IniFormat))
    app.window.show()
    qapp.processEvents()
    browse(app, Path(workspace).parent)
    print("browsed", flush=True)
    page = app.pages["Customers"]
    assert isinstance(page, CustomersPage)
    for line in sys.stdin:
        name = line.strip().removeprefix("save ")
        page.new_customer()
        page.name_edit.setText(name)
        saved = page.save()
        assert saved is not None
        print(f"saved {saved.id}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
