"""Build the standalone Postback Studio: a PyInstaller one-folder build for people without Python.

    python packaging/build.py            # -> dist/postback-studio/postback-studio

Needs the build extra (``pip install -e ".[build]"``). The folder holds the same code as the
package, its resources, and Python, Qt (QtCore, QtGui, QtWidgets and the plugins a desktop session
needs; see postback-studio.spec) and the other dependencies. It runs on Linux systems of the build
machine's generation or newer (glibc is not bundled); build on the oldest system you support.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "postback-studio.spec"
NAME = "postback-studio"


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path`` (symlinks not followed, so shared libraries count once)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def missing_qt_libraries(bundle: Path) -> list[str]:
    """``ldd`` lines of bundled binaries that need a Qt library the trimmed build left out."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=os.pathsep.join([str(internal), str(internal / "PySide6/Qt/lib")]))
    problems = []
    for binary in sorted(internal.rglob("*.so*")):
        if binary.is_symlink() or "Qt" not in str(binary.relative_to(internal)):
            continue
        out = subprocess.run([ldd, str(binary)], capture_output=True, text=True, env=env, check=False).stdout
        problems += [f"{binary.relative_to(bundle)}: {line.strip()}" for line in out.splitlines()
                     if "libQt6" in line and "not found" in line]
    return problems


def build(dist: Path, work: Path, *, untrimmed: bool = False) -> Path:
    """Run PyInstaller on the spec; return the built program's path.

    Raises:
        RuntimeError: PyInstaller failed, or the build lacks a Qt library one of its plugins needs.
    """
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work)]
    if untrimmed:
        command += ["--", "--untrimmed"]
    result = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"PyInstaller failed ({result.returncode}):\n{result.stderr[-4000:]}")
    bundle = dist / NAME
    problems = missing_qt_libraries(bundle)
    if problems:
        raise RuntimeError("the build lacks Qt libraries its plugins need:\n" + "\n".join(problems))
    return bundle / NAME


def main(argv: list[str] | None = None) -> int:
    """Build, then print where the program is, the folder's size and the build time."""
    parser = argparse.ArgumentParser(description="Build the standalone one-folder Postback Studio.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder")
    parser.add_argument("--untrimmed", action="store_true",
                        help="keep every Qt plugin, translation and debug symbol (to compare sizes)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        program = build(args.dist.resolve(), args.work.resolve(), untrimmed=args.untrimmed)
    except RuntimeError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    size = folder_size(program.parent) / 1e6
    print(f"{program} ({size:.0f} MB, built in {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
