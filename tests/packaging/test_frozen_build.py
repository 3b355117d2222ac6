"""The standalone build: built with packaging/build.py, then used as a person without Python would.

Slow (about half a minute to build on two cores) and needs the build extra (``pip install -e
".[build]"``); skipped without PyInstaller unless ``POSTBACK_STUDIO_REQUIRE_BUILD`` is set, as CI
sets it, so CI cannot skip it silently. Every run of the frozen program gets a throwaway HOME and
XDG folders (packaging/measure.py ``isolated_env``): nothing touches the user's settings or data.
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from postback_studio.core.samples import load_sample
from tests.packaging.conftest import load_script

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the build is made and tested on Linux"),
]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "resources" / "templates"
build_script = load_script("build")
measure = load_script("measure")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The frozen ``postback-studio``, built once for this module into a temporary folder."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if os.environ.get("POSTBACK_STUDIO_REQUIRE_BUILD"):
            raise
        pytest.skip("PyInstaller is not installed (pip install -e '.[build]')")
    folder = tmp_path_factory.mktemp("frozen")
    built: Path = build_script.build(folder / "dist", folder / "work")
    assert built == folder / "dist" / "postback-studio" / "postback-studio"
    return built


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return measure.isolated_env(tmp_path / "home")


def _run(program: Path, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # Run from outside the repository, so nothing is found through the source checkout.
    return subprocess.run([str(program), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          check=False, timeout=120)


def test_version(program: Path, env: dict[str, str], tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = _run(program, ["--version"], env, tmp_path)
    assert (result.returncode, result.stdout) == (0, f"postback-studio {version}\n")


def test_samples_lists_events_and_prints_the_shipped_sample(program: Path, env: dict[str, str],
                                                            tmp_path: Path) -> None:
    listing = _run(program, ["samples"], env, tmp_path)
    assert listing.returncode == 0 and listing.stderr == ""
    assert any(line.startswith("shipped ") for line in listing.stdout.splitlines())
    sample = _run(program, ["samples", "shipped.multi-item"], env, tmp_path)
    assert sample.returncode == 0
    assert json.loads(sample.stdout) == load_sample("shipped.multi-item")


def test_render_a_shipped_template_through_the_worker_process(program: Path, env: dict[str, str],
                                                              tmp_path: Path) -> None:
    """``render`` runs templates in a worker process started from ``sys.executable``: the frozen
    program itself."""
    template = TEMPLATES / "order-shipped-article.json.j2"
    good = _run(program, ["render", str(template), "--event", "shipped"], env, tmp_path)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["orderReferenceId"] == load_sample("shipped")["orderReferenceId"]
    broken = _run(program, ["render", str(template), "--event", "shipped.multi-item"], env, tmp_path)
    assert broken.returncode == 3
    assert f"{template}:16:1: error: Invalid JSON" in broken.stderr


def test_a_runaway_template_is_stopped_by_killing_the_frozen_worker(program: Path, env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    template = tmp_path / "loop.txt.j2"
    template.write_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    result = _run(program, ["render", str(template), "--event", "shipped"], env, tmp_path)
    assert result.returncode == 1
    assert "time limit" in result.stderr


def test_gui_starts_offscreen_and_closes_without_errors(program: Path, env: dict[str, str],
                                                        tmp_path: Path) -> None:
    workspace = tmp_path / "workspace.sqlite"
    run = measure.start_gui([str(program)], workspace, env, seconds=3.0)
    assert run.shown_after is not None, run.stderr
    assert run.returncode == 0
    assert run.stderr == "", "Qt warnings or tracebacks on stderr"
    assert workspace.is_file()
    settings = Path(env["XDG_CONFIG_HOME"]) / "Postback Studio" / "Postback Studio.conf"
    assert settings.is_file(), "settings land in the temporary XDG config folder"


def test_desktop_entry_from_the_build_starts_the_build(program: Path, env: dict[str, str],
                                                       tmp_path: Path) -> None:
    installed = _run(program, ["--install-desktop-entry"], env, tmp_path)
    assert installed.returncode == 0, installed.stderr
    data = Path(env["XDG_DATA_HOME"])
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(data / "applications" / "postback-studio.desktop", encoding="utf-8")
    assert parser["Desktop Entry"]["Exec"] == str(program.resolve())
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "postback-studio.png").is_file()
