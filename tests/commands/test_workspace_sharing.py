"""Commands share a workspace: ``inbox`` stores arrivals while ``send`` in another terminal sends to it."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from postback_studio.storage.ownership import APP_HOLDER, Access, claim
from postback_studio.storage.workspace import Workspace
from tests.support.processes import Child, cli_command, run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")


@pytest.mark.slow
def test_send_to_an_inbox_running_on_the_same_workspace(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    template = tmp_path / "shipped.json.j2"
    template.write_text('{"order": "{{ orderReferenceId }}"}', encoding="utf-8")
    inbox = Child(cli_command(path, "inbox", "--http-port", "0", "--smtp-port", "0"))
    try:
        started = inbox.expect("inbox: webhooks to")
        match = re.search(r"http://127\.0\.0\.1:(\d+)", started)
        assert match is not None, started
        url = f"http://127.0.0.1:{match.group(1)}/hook"
        sent = run_cli(path, "send", "--template", str(template), "--event", "shipped", "--url", url)
        arrival = inbox.expect("")
        inbox.process.send_signal(signal.SIGINT)
        inbox.expect("inbox: stopped")
        assert inbox.finish() == 0
    finally:
        inbox.kill()
    assert sent.returncode == 0, sent.stderr
    assert "delivered  attempt 1" in sent.stdout
    assert "HTTP  POST /hook" in arrival
    log = run_cli(path, "log", "--json")
    assert log.returncode == 0, log.stderr
    [entry] = json.loads(log.stdout)
    assert entry["outcome"] == "delivered"
    with Workspace.open(path, seed=False) as ws:
        [received] = ws.inbox.list_http()
        [request] = ws.requests.query()
    assert received.body == request.request_body == b'{"order": "ACME-100234"}'


#: Every command that opens the workspace, as a user would run it beside the app.
WORKSPACE_COMMANDS = {
    "customers": ("customers",),
    "triggers": ("triggers",),
    "templates": ("templates",),
    "templates export": ("templates", "export", "order-shipped"),
    "lookups": ("lookups",),
    "lookups export": ("lookups", "export", "failureReason"),
    "export": ("export",),
    "log": ("log", "--limit", "1"),
    "send": ("send", "--trigger", "Order shipped to local inbox"),
    "simulate": ("simulate", "--customer", "Demo Print Co", "--event", "shipped"),
    "inbox": ("inbox", "--http-port", "0", "--smtp-port", "0"),
    "smtp": ("smtp",),
    "secrets": ("secrets", "list"),
    "render": ("render", "--template", "order-shipped", "--event", "shipped"),
    "check": ("check", "--template", "order-shipped"),
}


def test_every_command_beside_the_app_is_refused_with_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    Workspace.open(path).close()
    with claim(path, Access.EXCLUSIVE, holder=APP_HOLDER):
        running = {name: Child(cli_command(path, *args)) for name, args in WORKSPACE_COMMANDS.items()}
        codes = {name: child.finish() for name, child in running.items()}
    refusal = re.compile(
        rf"postback-studio:? ([a-z]+:? )?{re.escape(str(path))} is open in the Postback Studio app "
        rf"\(pid {os.getpid()}\); close the app, or use --workspace for another file\n"
    )
    for name, child in running.items():
        stderr = child.stderr_text()
        assert codes[name] == 2 and refusal.fullmatch(stderr), (name, codes[name], stderr)
        assert child.seen == [] and child.lines.get() is None, name
        child.kill()
