"""The scripts that make the docs' pictures still run against today's widgets.

They are not run by anything else, so a constructor that gained an argument broke one of them
unnoticed until the next regeneration. Here the Template processing script shoots every kind of
attempt into a temporary folder (real sends to loopback servers, as the script does).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

ROOT = Path(__file__).resolve().parents[1]


def test_the_template_processing_shots_are_made_for_every_kind(qtbot: QtBot, tmp_path: Path) -> None:
    path = ROOT / "docs" / "template_processing_shots.py"
    spec = importlib.util.spec_from_file_location("template_processing_shots", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    taken = script.shoot_every_kind(tmp_path)
    assert [p.name for p in taken] == [
        "webhook.png", "signed-webhook.png", "email.png", "template-error.png",
        "blocked-invalid-output.png", "failed-attempt.png",
    ]
    for shot in taken:
        image = QImage(str(shot))
        assert (image.width(), image.height()) == (1024, 700), shot
