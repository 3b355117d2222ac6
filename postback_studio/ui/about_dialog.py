"""Help > About: what is running and where its data lives, with a Copy button for bug reports.

A bug report needs the versions (Postback Studio, Python, Qt and PySide6, Jinja2, which decides how
templates render), the operating system, and where the workspace, the secrets and the settings are.
The dialog shows them and copies the same lines as plain text.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.appinfo import APPLICATION_NAME, SUMMARY, app_version, is_frozen


@dataclass(frozen=True)
class AboutInfo:
    """Everything the dialog shows, as (label, value) rows in display order."""

    versions: tuple[tuple[str, str], ...]
    locations: tuple[tuple[str, str], ...]

    def report_text(self) -> str:
        """The rows as plain text, one ``label: value`` a line, for pasting into a bug report."""
        lines = [f"{label}: {value}" for label, value in (*self.versions, *self.locations)]
        return "\n".join(lines) + "\n"


def _distribution_version(distribution: str, module_version: str | None) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return module_version or "unknown"


def component_versions() -> tuple[tuple[str, str], ...]:
    """The versions that decide how the app behaves, read from what is actually loaded."""
    import jinja2
    import PySide6
    from PySide6 import QtCore

    build = "standalone build" if is_frozen() else "Python package"
    return (
        (APPLICATION_NAME, f"{app_version()} ({build})"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", QtCore.qVersion()),
        ("PySide6", PySide6.__version__),
        ("Jinja2", _distribution_version("Jinja2", getattr(jinja2, "__version__", None))),
        ("Operating system", platform.platform()),
    )


def about_info(workspace: Path, secrets_location: str, settings_file: str) -> AboutInfo:
    """The About rows for a workspace file, the secrets store's description and the settings file."""
    return AboutInfo(
        versions=component_versions(),
        locations=(
            ("Workspace", str(workspace)),
            ("Secrets", secrets_location),
            ("Settings", settings_file),
            ("Installed at", sys.executable if is_frozen() else str(Path(__file__).resolve().parents[1])),
        ),
    )


class AboutDialog(QDialog):
    """The About box: icon, name, summary, versions and locations, Copy and Close."""

    def __init__(self, info: AboutInfo, icon: QIcon, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APPLICATION_NAME}")
        self._info = info

        self.icon_label = QLabel()
        self.icon_label.setPixmap(icon.pixmap(72, 72))
        title = QLabel(f"<b style='font-size:16pt'>{APPLICATION_NAME}</b>")
        title.setTextFormat(Qt.TextFormat.RichText)
        summary = QLabel(SUMMARY + ".")
        summary.setWordWrap(True)
        heading_text = QVBoxLayout()
        heading_text.addWidget(title)
        heading_text.addWidget(summary)
        heading_text.addStretch(1)
        heading = QHBoxLayout()
        heading.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        heading.addSpacing(8)
        heading.addLayout(heading_text, 1)

        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for index, (label, value) in enumerate((*info.versions, *info.locations)):
            if index == len(info.versions):
                form.addRow(QLabel(" "))
            form.addRow(f"{label}:", self._value_label(label, value))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy these details as text, for a bug report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(buttons)

    def _value_label(self, label: str, value: str) -> QLabel:
        widget = QLabel(value)
        widget.setTextFormat(Qt.TextFormat.PlainText)
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        widget.setWordWrap(True)
        widget.setMinimumWidth(380)
        self.values[label] = widget
        return widget

    def copy_to_clipboard(self) -> None:
        """Put the report text on the clipboard and say so on the button for a moment."""
        QGuiApplication.clipboard().setText(self._info.report_text())
        self.copy_button.setText("Copied")
        QTimer.singleShot(2000, self, self._on_copy_timer_timeout)

    def _on_copy_timer_timeout(self) -> None:
        self.copy_button.setText("Copy")
