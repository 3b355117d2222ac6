"""The layering of DESIGN.md holds in the code as written, not only at run time.

Every module of the package is parsed and every import it names is checked against its layer's
allowances: ``import`` statements anywhere (inside functions and ``TYPE_CHECKING`` blocks too),
relative imports, and ``importlib.import_module("postback_studio....")`` calls. A second check
imports the Qt-free layers in a subprocess and asserts no PySide6 module was loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "postback_studio"

#: Which of our layers each layer may import (its own included). ``app`` is the composition root.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "storage": frozenset({"core", "storage"}),
    "services": frozenset({"core", "storage", "services"}),
    "workers": frozenset({"core", "services", "workers"}),
    "ui": frozenset({"core", "services", "workers", "ui"}),
    "commands": frozenset({"core", "services", "commands", "cli"}),
    "cli": frozenset({"cli", "commands", "app", "core"}),
    "__main__": frozenset({"cli"}),
    "app": frozenset({"core", "storage", "services", "workers", "ui", "app"}),
}
#: Layers that never import Qt.
QT_FREE = frozenset({"core", "storage", "services", "commands", "cli", "__main__"})


def layer_of(module: str) -> str:
    """``postback_studio.core.model`` -> ``core``; ``postback_studio.app`` -> ``app``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, root: Path) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """Every module name the source imports, with its line, wherever the import stands."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            if "." not in target:  # ``from postback_studio import storage`` names the layer in the alias
                for alias in node.names:
                    yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            name = _constant_prefix(node.args[0])
            if name:
                yield node.lineno, name


def _is_import_module(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def _constant_prefix(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value).rstrip(".")
    return ""


def violations(root: Path) -> list[str]:
    """Imports that break the layering, as ``file:line: layer imports name`` lines."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        layer = layer_of(module)
        if layer == "__init__":
            continue
        allowed = ALLOWED[layer]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, name in imported_names(tree, module, path.name == "__init__.py"):
            where = f"{path.relative_to(root.parent)}:{line}"
            if name.split(".")[0] == "PySide6" and layer in QT_FREE:
                found.append(f"{where}: {layer} imports Qt ({name})")
            if name.startswith(f"{root.name}.") and layer_of(name) not in allowed | {"__init__"}:
                found.append(f"{where}: {layer} imports {layer_of(name)} ({name})")
    return sorted(set(found))


def test_every_import_respects_the_layers() -> None:
    assert violations(PACKAGE) == []


def test_the_checker_sees_imports_a_runtime_check_would_miss(tmp_path: Path) -> None:
    """A core module importing storage for types only, a ui module importing storage inside a
    function, a relative import and an ``import_module`` string are all reported."""
    root = tmp_path / "postback_studio"
    for folder in ("core", "storage", "ui", "services"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "core" / "model.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from postback_studio.storage import x\n"
    )
    (root / "ui" / "page.py").write_text("def f():\n    import postback_studio.storage.workspace\n")
    (root / "services" / "bad.py").write_text("from ..ui import page\nimport PySide6.QtCore\n")
    (root / "storage" / "lazy.py").write_text(
        "import importlib\nimportlib.import_module('postback_studio.services.bad')\n"
    )
    found = violations(root)
    assert any("core/model.py:3: core imports storage" in v for v in found), found
    assert any("ui/page.py:2: ui imports storage" in v for v in found), found
    assert any("services/bad.py:1: services imports ui" in v for v in found), found
    assert any("services/bad.py:2: services imports Qt" in v for v in found), found
    assert any("storage/lazy.py:2: storage imports services" in v for v in found), found


def _loaded_qt_modules(code: str) -> list[str]:
    script = code + "\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return eval(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "package", ["postback_studio.core", "postback_studio.storage", "postback_studio.services"]
)
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
