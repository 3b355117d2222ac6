"""``postback-studio --version``, ``--install-desktop-entry`` and ``--uninstall-desktop-entry``."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from postback_studio.cli import main

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "postback_studio", *args], capture_output=True,
                          text=True, check=False, env=env, timeout=60)


def test_version_prints_the_pyproject_version() -> None:
    version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    result = _run(["--version"])
    assert result.returncode == 0
    assert result.stdout == f"postback-studio {version}\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are for Linux desktops")
def test_install_and_uninstall_into_xdg_data_home_without_loading_qt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(data)}
    code = ("import sys\nfrom postback_studio.cli import main\ncode = main(sys.argv[1:])\n"
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\nsys.exit(code)")
    installed = subprocess.run([sys.executable, "-c", code, "--install-desktop-entry"], capture_output=True,
                               text=True, check=False, env=env, timeout=60)
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.splitlines()[-1] == "[]", "installing the entry must not load Qt"
    desktop_file = data / "applications" / "postback-studio.desktop"
    assert f"Installed {desktop_file}" in installed.stdout
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "postback-studio.png").is_file()
    exec_line = next(line for line in desktop_file.read_text().splitlines() if line.startswith("Exec="))
    script = Path(sys.executable).parent / "postback-studio"
    assert exec_line in (f"Exec={script.absolute()}", f"Exec={sys.executable} -m postback_studio")
    assert not (tmp_path / "home").exists(), "nothing is written outside XDG_DATA_HOME"

    removed = _run(["--uninstall-desktop-entry"], env)
    assert removed.returncode == 0
    assert f"Removed {desktop_file}" in removed.stdout
    assert not desktop_file.exists()
    assert not list((data / "icons").rglob("postback-studio.*"))


def test_install_option_with_a_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--install-desktop-entry", "samples"]) == 2
    assert "take no command" in capsys.readouterr().err


def test_install_and_uninstall_together_are_refused() -> None:
    result = _run(["--install-desktop-entry", "--uninstall-desktop-entry"])
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
