"""The app's identity: settings and workspace stay where they were, icon and desktop file name set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from postback_studio.ui.app_identity import application_icon

_PROBE = """
import json, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from postback_studio.cli import default_workspace_path
from postback_studio.ui.app_identity import apply_identity

app = QApplication(sys.argv[:1])
before = QSettings("Postback Studio", "Postback Studio").fileName()
apply_identity(app)
print(json.dumps({
    "settings": QSettings().fileName(),
    "settings_before": before,
    "workspace": str(default_workspace_path()),
    "desktop_file": app.desktopFileName(),
    "domain": app.organizationDomain(),
    "version": app.applicationVersion(),
    "icon_sizes": [s.width() for s in app.windowIcon().availableSizes()],
}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG locations are Linux's")
def test_settings_and_workspace_land_in_the_xdg_places_they_always_did(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True,
                         env=env, timeout=60)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["settings"] == str(tmp_path / "config" / "Postback Studio" / "Postback Studio.conf")
    assert found["settings"] == found["settings_before"], "existing users keep their settings"
    assert found["workspace"] == str(tmp_path / "data" / "postback-studio" / "workspace.sqlite")
    assert found["desktop_file"] == "postback-studio"
    assert found["domain"] == "postback-studio.com"
    assert found["version"]
    assert {16, 32, 48, 256, 512} <= set(found["icon_sizes"])


def test_application_icon_has_every_shipped_size(qapp: object) -> None:
    icon = application_icon()
    assert not icon.isNull()
    sizes = {size.width() for size in icon.availableSizes()}
    assert sizes == {16, 22, 24, 32, 48, 64, 128, 256, 512}
    assert icon.pixmap(QSize(64, 64)).width() == 64
