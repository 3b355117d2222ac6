"""A process killed with SIGKILL in the middle of a burst of saves loses nothing it had committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from postback_studio.core.model import Customer
from postback_studio.storage.workspace import Workspace

CHILD = r"""
import sys
from pathlib import Path
from postback_studio.core.model import Template
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.storage.workspace import Workspace

ws = Workspace.open(Path(sys.argv[1]), seed=False)
n = 0
while True:
    n += 1
    template = ws.templates.save(Template(f"t{n}", body="x" * 5000 + str(n)))
    record = RequestRecord(f"d{n}", 1, Channel.WEBHOOK, Outcome.DELIVERED, float(n), "shipped",
                           "https://x.example", request_body=b"y" * 20000)
    rid = ws.requests.append(record)
    print(template.id, rid, flush=True)
"""

ROUNDS_BEFORE_KILL = 150


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_minus_nine_mid_burst_keeps_every_committed_write(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    Workspace.open(path, seed=False).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    committed: list[tuple[int, int]] = []
    for line in child.stdout:
        template_id, request_id = map(int, line.split())
        committed.append((template_id, request_id))
        if len(committed) >= ROUNDS_BEFORE_KILL:
            child.send_signal(signal.SIGKILL)
            break
    child.wait()
    # A line cut short by the kill (no newline) reported a write we cannot read back in full.
    committed += [
        tuple(map(int, line.split()))  # type: ignore[misc]
        for line in child.stdout
        if line.endswith("\n") and len(line.split()) == 2
    ]
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with Workspace.open(path, seed=False) as ws:
        assert ws.integrity_check() == "ok"
        for template_id, request_id in committed:
            assert ws.templates.get(template_id).body.endswith(str(template_id))
            assert ws.requests.get(request_id).request_body == b"y" * 20000
        ws.customers.add(Customer("still writable"))
