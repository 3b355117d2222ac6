"""The freedesktop desktop entry and icons: what is written, where, and that it is valid."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from postback_studio.core import desktop_entry
from postback_studio.core.paths import resources_dir

ICONS = resources_dir() / "icons"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_install_writes_the_entry_and_every_icon_size(tmp_path: Path) -> None:
    files = desktop_entry.install(tmp_path, ICONS, ["/opt/pbs/postback-studio"])
    assert files.desktop_file == tmp_path / "applications" / "postback-studio.desktop"
    theme = tmp_path / "icons" / "hicolor"
    for size in SIZES:
        assert (theme / f"{size}x{size}" / "apps" / "postback-studio.png").is_file()
    assert (theme / "scalable" / "apps" / "postback-studio.svg").is_file()
    assert set(files.icons) == {p for p in theme.rglob("*") if p.is_file()}
    entry = _entry(files.desktop_file)
    assert entry["Exec"] == "/opt/pbs/postback-studio"
    assert entry["Icon"] == "postback-studio"
    assert entry["Name"] == "Postback Studio"
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert entry["StartupWMClass"] == "Postback Studio", "matches the X11 window class Qt sets"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate (Debian: desktop-file-utils) is not installed")
def test_the_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    files = desktop_entry.install(tmp_path, ICONS, ["/home/a user/venv/bin/postback-studio", "--x=$HOME"])
    result = subprocess.run(["desktop-file-validate", str(files.desktop_file)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


@pytest.mark.parametrize(
    ("argument", "quoted"),
    [
        ("/usr/bin/postback-studio", "/usr/bin/postback-studio"),
        ("/home/a user/bin/pbs", '"/home/a user/bin/pbs"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("$HOME/x", '"\\$HOME/x"'),
        ("C:\\dir", '"C:\\\\dir"'),
        ("100%", "100%%"),
        ("", '""'),
    ],
)
def test_exec_arguments_are_quoted_as_the_spec_says(argument: str, quoted: str) -> None:
    assert desktop_entry.quote_exec_argument(argument) == quoted


def test_exec_line_escapes_backslashes_once_more_as_a_string_value() -> None:
    text = desktop_entry.desktop_entry_text(["/opt/a\\b/pbs"])
    assert 'Exec="/opt/a\\\\\\\\b/pbs"' in text.splitlines()


def test_uninstall_removes_exactly_what_install_wrote(tmp_path: Path) -> None:
    other = tmp_path / "icons" / "hicolor" / "48x48" / "apps" / "another-app.png"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"not ours")
    files = desktop_entry.install(tmp_path, ICONS, ["pbs"])
    removed = desktop_entry.uninstall(tmp_path)
    assert set(removed) == set(files.all())
    assert not any(p.exists() for p in files.all())
    assert other.read_bytes() == b"not ours"
    assert desktop_entry.uninstall(tmp_path) == []


def test_install_without_icons_fails_before_writing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no application icons"):
        desktop_entry.install(tmp_path / "data", tmp_path / "no-icons", ["pbs"])
    assert not (tmp_path / "data").exists()


def test_xdg_data_home_is_honoured_and_a_relative_one_ignored() -> None:
    assert desktop_entry.xdg_data_home({"XDG_DATA_HOME": "/srv/data"}) == Path("/srv/data")
    default = Path.home() / ".local" / "share"
    assert desktop_entry.xdg_data_home({"XDG_DATA_HOME": "relative/dir"}) == default
    assert desktop_entry.xdg_data_home({}) == default


def test_launch_command_is_the_installed_script_beside_the_interpreter() -> None:
    command = desktop_entry.launch_command()
    script = Path(sys.executable).parent / "postback-studio"
    if script.is_file():
        assert command == [str(script.absolute())]
    else:
        assert command[1:] == ["-m", "postback_studio"]


def test_launch_command_of_the_standalone_build_is_the_program(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    program = tmp_path / "postback-studio"
    program.write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(program))
    assert desktop_entry.launch_command() == [str(program.resolve())]
