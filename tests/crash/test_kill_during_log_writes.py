"""SIGKILL at seeded random points during request-log appends and retry scheduling loses nothing.

A child process writes a burst to a workspace: single request-log appends, single pending-retry
schedules, and pairs of both in one transaction (an attempt that failed and its retry, as the
dispatcher records them). After each commit it prints what it committed. The test kills it with
SIGKILL at a seeded random moment, several times over the same file, and after each kill checks
``PRAGMA integrity_check`` and, by content, that every write the child reported is there, and that
no pair is half-written.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postback_studio.core.model import Customer, Event, Template, Trigger
from postback_studio.core.records import PendingState
from postback_studio.storage.workspace import Workspace

CHILD = r"""
import sys
from pathlib import Path
from postback_studio.core.records import StoredRetry
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.storage.workspace import Workspace

path, round_, trigger_id = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ws = Workspace.open(path, seed=False)
print("ready", flush=True)


def record(n, outcome):
    return RequestRecord(f"r{round_}-{n}", 1, Channel.WEBHOOK, outcome, float(n), "shipped",
                         "http://127.0.0.1:9/hook", payload=f'{{"n": {n}}}', request_body=b"b%d-" % n * 500,
                         response_body=bytes([n % 256]) * 3000, trigger_id=None)


def retry(n):
    return StoredRetry(f"r{round_}-{n}", trigger_id, 1000.0 + n, 2, f'{{"n": {n}}}', "shipped")


n = 0
while True:
    n += 1
    kind = n % 3
    if kind == 0:
        rid = ws.requests.append(record(n, Outcome.DELIVERED))
        print("log", n, rid, flush=True)
    elif kind == 1:
        pid = ws.pending.schedule(retry(n)).id
        print("retry", n, pid, flush=True)
    else:
        with ws.transaction():
            rid = ws.requests.append(record(n, Outcome.RETRYING))
            pid = ws.pending.schedule(retry(n)).id
        print("pair", n, rid, pid, flush=True)
"""

ROUNDS = 5
SEED = 20261128


def _check(ws: Workspace, round_: int, committed: list[list[str]]) -> None:
    """Every reported write is present with its content; each pair is whole or absent."""
    assert ws.integrity_check() == "ok"
    for line in committed:
        kind, n = line[0], int(line[1])
        if kind in ("log", "pair"):
            entry = ws.requests.get(int(line[2]))
            assert entry.delivery_id == f"r{round_}-{n}"
            assert entry.request_body == b"b%d-" % n * 500
            assert entry.response_body == bytes([n % 256]) * 3000
            assert entry.payload == f'{{"n": {n}}}'
        if kind in ("retry", "pair"):
            pending = ws.pending.get(int(line[-1]))
            assert (pending.delivery_id, pending.due_at, pending.state) == (
                f"r{round_}-{n}",
                1000.0 + n,
                PendingState.PENDING,
            )
    logged = {
        r.delivery_id for r in ws.requests.query(limit=100_000) if r.delivery_id.startswith(f"r{round_}-")
    }
    scheduled = {p.delivery_id for p in ws.pending.list() if p.delivery_id.startswith(f"r{round_}-")}
    pairs = {d for d in logged | scheduled if int(d.split("-")[1]) % 3 == 2}
    assert all(d in logged and d in scheduled for d in pairs), "a pair was half-written"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_at_random_points_keeps_every_committed_log_entry_and_retry(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path, seed=False) as ws:
        customer = ws.customers.add(Customer("Acme"))
        template = ws.templates.save(Template("t", body="{}"))
        trigger = ws.triggers.save(
            Trigger(
                "hook",
                customer.id or 0,
                Event.SHIPPED,
                url="http://127.0.0.1:9/hook",
                template_id=template.id,
            )
        )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    total = 0
    for round_ in range(1, ROUNDS + 1):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(round_), str(trigger.id)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        kill_after = rng.randint(1, 120)
        pause = rng.choice(
            (0.0, 0.0, rng.uniform(0.0, 0.01))
        )  # sometimes mid-transaction, not just after a print
        committed: list[list[str]] = []
        for line in child.stdout:
            if line.endswith("\n") and line.strip():
                committed.append(line.split())
            if len(committed) >= kill_after:
                if pause:
                    time.sleep(pause)
                child.send_signal(signal.SIGKILL)
                break
        child.wait()
        # A line cut short by the kill (no newline) reported a write we cannot read back in full.
        committed += [line.split() for line in child.stdout if line.endswith("\n") and line.strip()]
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        total += len(committed)
        with Workspace.open(path, seed=False) as ws:
            _check(ws, round_, committed)
    with Workspace.open(path, seed=False) as ws:
        assert ws.integrity_check() == "ok"
        assert ws.customers.add(Customer("still writable")).id is not None
    assert total >= ROUNDS
