"""The layering of DESIGN.md holds: core and storage never load Qt, headless commands neither."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_qt_modules(code: str) -> list[str]:
    script = code + "\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return eval(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", ["postback_studio.core", "postback_studio.storage"])
def test_layer_imports_without_qt(package: str) -> None:
    import pkgutil

    import postback_studio

    names = [
        m.name
        for m in pkgutil.walk_packages(postback_studio.__path__, "postback_studio.")
        if m.name.startswith(package)
    ]
    code = "\n".join(f"import {name}" for name in names)
    assert _loaded_qt_modules(code) == []


def test_headless_cli_does_not_load_qt() -> None:
    code = "from postback_studio.cli import build_parser\nbuild_parser().parse_args(['--help'][:0])"
    assert _loaded_qt_modules(code) == []
