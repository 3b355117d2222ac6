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


# -- a desktop start skips the command parser (issue 16, start-up) ------------------------------------


@pytest.mark.parametrize(
    ("argv", "desktop"),
    [([], True), (["--workspace", "w.sqlite"], True), (["--workspace=w.sqlite"], True),
     (["--help"], False), (["-h"], False), (["--version"], False), (["log"], False),
     (["--workspace"], False), (["--workspace", "w.sqlite", "log"], False), (["--bogus"], False),
     (["--install-desktop-entry"], False)],
)
def test_only_a_plain_desktop_start_skips_the_full_parser(argv: list[str], desktop: bool) -> None:
    from postback_studio.cli import desktop_start

    args = desktop_start(argv)
    assert (args is not None) is desktop
    if args is not None and argv:
        assert args.workspace == "w.sqlite"


def test_a_desktop_start_imports_no_command_module(tmp_path: Path) -> None:
    code = ("import sys\nimport postback_studio.app as app\n"
            "app.run_gui = lambda workspace: print(workspace) or 0\n"
            "from postback_studio.cli import main\ncode = main(['--workspace', sys.argv[1]])\n"
            "print(sorted(m for m in sys.modules if m.startswith('postback_studio.commands.')))\n"
            "sys.exit(code)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.sqlite")], capture_output=True,
                         text=True, check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(tmp_path / "w.sqlite"),
                                       "['postback_studio.commands.desktop', "
                                       "'postback_studio.commands.exit_codes']"]


def test_a_bad_desktop_start_gets_the_full_parsers_message() -> None:
    out = subprocess.run([sys.executable, "-m", "postback_studio", "--workspace"], capture_output=True,
                         text=True, check=False, timeout=60)
    assert out.returncode == 2
    assert "COMMAND" in out.stderr and "--workspace: expected one argument" in out.stderr
