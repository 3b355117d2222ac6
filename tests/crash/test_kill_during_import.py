"""SIGKILL while a bundle is being imported: afterwards the workspace holds all of it or none of it.

A child imports a large bundle (many customers, templates, triggers and lookup rows, one
transaction) into a workspace, over and over into fresh copies; the test kills it at seeded random
moments. Each copy the child was working on must then export exactly as it did before the import,
or exactly as a completed import leaves it, and pass ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postback_studio.core.bundle import dump_document, parse_bundle
from postback_studio.core.model import Customer, Event, LookupTable, Template, Trigger
from postback_studio.services.transfer import apply_bundle, export_document
from postback_studio.storage.workspace import Workspace

CHILD = r"""
import shutil, sys
from pathlib import Path
from postback_studio.core.bundle import read_bundle_file
from postback_studio.services.transfer import apply_bundle
from postback_studio.storage.workspace import Workspace

empty, bundle_path, folder = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
bundle = read_bundle_file(bundle_path)
n = 0
while True:
    n += 1
    target = folder / f"copy{n}.sqlite"
    shutil.copyfile(empty, target)
    print("start", target, flush=True)
    with Workspace.open(target, seed=False) as ws:
        apply_bundle(ws, bundle)
    print("done", target, flush=True)
"""

SEED = 7_2026
KILLS = 4


def _big_bundle(folder: Path) -> Path:
    """A bundle of 60 customers, each with a template, a trigger and a 50-row lookup table."""
    with Workspace.open(folder / "source.sqlite", seed=False) as ws:
        for n in range(60):
            customer = ws.customers.add(Customer(f"Customer {n}", notes="x" * 200))
            template = ws.templates.save(Template(f"t{n}", body='{"n": ' + str(n) + "}" + " " * 2000))
            ws.triggers.save(
                Trigger(
                    f"hook {n}",
                    customer.id or 0,
                    Event.SHIPPED,
                    url=f"http://127.0.0.1:9/{n}",
                    template_id=template.id,
                )
            )
            rows = tuple((f"k{i}", f"v{n}-{i}") for i in range(50))
            ws.lookups.save(LookupTable(f"table {n}", "product_code", rows, customer_id=customer.id))
        path = folder / "bundle.json"
        path.write_text(dump_document(export_document(ws)), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    bundle_path = _big_bundle(tmp_path)
    empty = tmp_path / "empty.sqlite"
    Workspace.open(empty, seed=False).close()
    with Workspace.open(empty, seed=False) as ws:
        before = dump_document(export_document(ws))
    whole = tmp_path / "whole.sqlite"
    shutil.copyfile(empty, whole)
    with Workspace.open(whole, seed=False) as ws:
        apply_bundle(ws, parse_bundle(bundle_path.read_bytes()))
        after = dump_document(export_document(ws))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    seen = {"before": 0, "after": 0}
    for kill in range(KILLS):
        folder = tmp_path / f"run{kill}"
        folder.mkdir()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(empty), str(bundle_path), str(folder)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        imports = rng.randint(1, 3)
        started = 0
        for line in child.stdout:
            started += line.startswith("start")
            if started == imports:
                time.sleep(rng.uniform(0.0, 0.3))  # somewhere inside (or just after) the import
                child.send_signal(signal.SIGKILL)
                break
        child.wait()
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        for copy in sorted(folder.glob("copy*.sqlite")):
            with Workspace.open(copy, seed=False) as ws:
                assert ws.integrity_check() == "ok"
                state = dump_document(export_document(ws))
            assert state in (before, after), f"{copy.name} holds part of the bundle"
            seen["before" if state == before else "after"] += 1
    assert seen["after"] >= 1, seen
