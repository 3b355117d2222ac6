"""The entry points themselves: ``python -m postback_studio`` and the GUI start-up guard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from postback_studio.app import gui_unavailable_reason


def test_module_entry_point_prints_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "postback_studio", "--help"], capture_output=True, text=True, check=True
    )
    assert "postback-studio" in out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for Linux")
def test_gui_without_display_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    reason = gui_unavailable_reason()
    assert reason is not None and "no display" in reason


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check is for Linux")
def test_gui_without_xcb_cursor_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda n: None if n == "xcb-cursor" else real(n))
    reason = gui_unavailable_reason()
    assert reason is not None and "libxcb-cursor0" in reason


def test_gui_command_without_display_exits_cleanly() -> None:
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "xcb", "HOME": "/tmp"}
    out = subprocess.run(
        [sys.executable, "-m", "postback_studio", "--workspace", "/tmp/none.sqlite"],
        check=False, capture_output=True, text=True, env=env, timeout=60,
    )
    if sys.platform.startswith("linux"):
        assert out.returncode == 2
        assert "cannot open the desktop app" in out.stderr
        assert "Traceback" not in out.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check is for Linux")
def test_standalone_build_with_its_own_xcb_cursor_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The frozen build carries libxcb-cursor; the system's linker search cannot see it."""
    import ctypes.util

    (tmp_path / "libxcb-cursor.so.0").write_bytes(b"")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda n: None if n == "xcb-cursor" else real(n))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert gui_unavailable_reason() is None
