"""Nothing of ours opens the workspace file outside SQLite while connections to it are open.

Closing any descriptor of the file drops every SQLite lock the process holds on it (issue 10,
item 1), so a header sniff, a file copy for a backup or an export that reads the file would undo
the process's locking. Python's audit hooks see every ``open()``, ``os.open()``, copy, rename and
removal; this test watches the workspace's files during a journey through the storage API, the
services and the command line, in one process that holds the workspace open the whole time, as
the app does.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from postback_studio.cli import main
from postback_studio.core.bundle import dump_document, parse_bundle
from postback_studio.core.dispatch.inbox import HttpInbox
from postback_studio.core.model import Customer, RetryPolicy
from postback_studio.services.changes import ChangeBus
from postback_studio.services.configuration import LookupService
from postback_studio.services.transfer import apply_bundle, export_document
from postback_studio.storage.requests_view import WorkspaceRequestSource
from postback_studio.storage.seed import DEMO_CUSTOMER
from postback_studio.storage.workspace import Workspace
from tests.storage.conftest import make_v1_workspace

#: Audit events that touch a file by name: ``open`` covers open(), io.open, os.open and Path.open.
EVENTS = frozenset({"open", "os.rename", "os.remove", "os.truncate", "os.link", "shutil.copyfile"})
SUFFIXES = ("", "-wal", "-shm", "-journal")


class FileWatch:
    """An audit hook that records touches of the watched files (a hook cannot be removed: it idles)."""

    def __init__(self) -> None:
        self.watched: set[str] = set()
        self.touches: list[str] = []
        self._inside = threading.local()

    def watch(self, workspace: Path) -> None:
        self.watched |= {os.path.realpath(f"{workspace}{suffix}") for suffix in SUFFIXES}

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.watched or event not in EVENTS or getattr(self._inside, "busy", False):
            return
        self._inside.busy = True
        try:
            for arg in args:
                if not isinstance(arg, (str, bytes, os.PathLike)):
                    continue
                name = os.path.realpath(os.fsdecode(arg))
                # Creating the file before SQLite does (owner-only permissions) opens nothing SQLite has.
                if name in self.watched and (event != "open" or Path(name).exists()):
                    stack = "".join(traceback.format_stack(limit=12)[:-1])
                    self.touches.append(f"{event} {name}\n{stack}")
        finally:
            self._inside.busy = False


_WATCH = FileWatch()
_installed: list[bool] = []


@pytest.fixture
def watch() -> Iterator[FileWatch]:
    if not _installed:
        sys.addaudithook(_WATCH)
        _installed.append(True)
    try:
        yield _WATCH
    finally:
        _WATCH.watched.clear()
        _WATCH.touches.clear()


def cli(workspace: Path, *args: str) -> None:
    assert main(["--workspace", str(workspace), *args]) == 0, args


def test_the_workspace_file_is_only_ever_opened_by_sqlite(
    watch: FileWatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.sqlite"
    make_v1_workspace(old)
    watch.watch(old)
    with Workspace.open(old) as ws:  # the upgrade backs the file up first
        ws.customers.list()
    assert old.with_name("old.sqlite.v1.bak").exists()

    path = tmp_path / "ws.sqlite"
    watch.watch(path)
    with Workspace.open(path) as ws, HttpInbox() as inbox:
        _storage_and_services(ws, path, inbox)
        _command_line(ws, path, inbox, tmp_path)
    capsys.readouterr()
    assert watch.touches == [], "\n\n".join(watch.touches)


def _storage_and_services(ws: Workspace, path: Path, inbox: HttpInbox) -> None:
    demo = ws.customers.get_by_name(DEMO_CUSTOMER)
    assert demo is not None and demo.id is not None
    trigger = next(t for t in ws.triggers.list(customer_id=demo.id) if t.url)
    ws.triggers.save(replace(trigger, url=inbox.url + "/postbacks", retry=RetryPolicy.none()))
    with ws.transaction():
        ws.customers.save(Customer("Audit Prints", "AUD-1"))
    table = ws.lookups.get_by_name("Carriers (shipmentMethodUid)")
    assert table is not None and table.id is not None
    lookups = LookupService(ws, ChangeBus())
    csv = ws.lookups.export_csv(table.id).encode()
    lookups.apply_import(lookups.plan_csv_import(csv, name="copy", template_field="carrier"))
    bundle = parse_bundle(dump_document(export_document(ws, None)).encode())
    apply_bundle(ws, bundle, dry_run=True)
    apply_bundle(ws, bundle)
    assert ws.integrity_check() == "ok"
    source = WorkspaceRequestSource.open(path)
    source.close()


def _command_line(ws: Workspace, path: Path, inbox: HttpInbox, folder: Path) -> None:
    for listing in ("customers", "triggers", "templates", "lookups"):
        cli(path, listing)
        cli(path, listing, "--json")
    cli(path, "templates", "export", "order-shipped", "--out", str(folder / "t.json.j2"))
    cli(path, "templates", "import", str(folder / "t.json.j2"), "--customer", "Audit Prints")
    cli(path, "lookups", "export", "copy", "--out", str(folder / "carrier.csv"))
    cli(path, "lookups", "import", str(folder / "carrier.csv"))
    cli(path, "export", "--out", str(folder / "bundle.json"))
    cli(path, "import", str(folder / "bundle.json"), "--dry-run")
    cli(path, "import", str(folder / "bundle.json"))
    cli(path, "render", "--template", "order-shipped", "--event", "shipped")
    cli(path, "send", "--trigger", "Order shipped to local inbox")
    cli(path, "simulate", "--customer", DEMO_CUSTOMER, "--event", "shipped")
    cli(path, "smtp", "--host", "127.0.0.1", "--port", "2525", "--security", "none")
    cli(path, "log", "--limit", "5")
    cli(path, "log", "--json")
    assert len(inbox.requests) == 2
    assert ws.requests.count() == 2
