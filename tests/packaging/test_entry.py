"""The standalone build's entry script, run unfrozen: the same dispatch the frozen program does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.packaging.conftest import PACKAGING, load_script

ENTRY = [sys.executable, str(PACKAGING / "entry.py")]
measure = load_script("measure")


def test_render_worker_module_runs_as_python_minus_m_would() -> None:
    """The render engine starts ``sys.executable -m postback_studio.core.render.worker``; frozen,
    ``sys.executable`` is the entry script's program."""
    result = subprocess.run([*ENTRY, "-m", "postback_studio.core.render.worker"], input=b"",
                            capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == b'{"ready": true}'


def test_other_modules_are_not_run_by_name() -> None:
    result = subprocess.run([*ENTRY, "-m", "http.server"], capture_output=True, text=True, check=False,
                            timeout=60)
    assert result.returncode == 2, "argparse refuses -m: the program runs only its own worker by name"


def test_smoke_start_shows_the_window_and_closes_cleanly(tmp_path: Path) -> None:
    env = measure.isolated_env(tmp_path / "home")
    run = measure.start_gui(ENTRY, tmp_path / "workspace.sqlite", env, seconds=0.5, timeout=90)
    assert run.shown_after is not None, run.stderr
    assert run.returncode == 0
    assert run.stderr == ""
    assert (tmp_path / "workspace.sqlite").is_file()
    assert (tmp_path / "home" / "config" / "Postback Studio" / "Postback Studio.conf").is_file()
