"""The command line with broken inputs, in real subprocesses: one-line errors, no traceback.

The cases run concurrently (each process starts Python and a render worker), then each test checks
one: the documented exit code, a message naming the file (and line where there is one), and
neither a traceback nor the command's last-resort ``TypeName: message`` fallback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.faults.conftest import FaultTable


@dataclass(frozen=True)
class Case:
    files: dict[str, bytes]
    args: tuple[str, ...]
    code: int
    stderr: str  # a regular expression the error lines must match


CASES: dict[str, Case] = {
    "missing template file": Case(
        {}, ("render", "nope.json.j2", "--event", "shipped"), 2, r"nope\.json\.j2: no such file"
    ),
    "template is a directory": Case(
        {"dir/x": b""}, ("render", "dir", "--event", "shipped"), 2, r"dir: is a directory"
    ),
    "template is not UTF-8": Case(
        {"t.json.j2": b"\xff\xfe{{ x }}\x80"},
        ("render", "t.json.j2", "--event", "shipped"),
        2,
        r"t\.json\.j2:1: not UTF-8 text",
    ),
    "payload is not JSON": Case(
        {"t.json.j2": b"{}", "p.json": b'{"a": 1,\n  oops}'},
        ("render", "t.json.j2", "--payload", "p.json"),
        2,
        r"p\.json:2:3: .*not valid JSON",
    ),
    "unknown event": Case(
        {"t.json.j2": b"{}"}, ("render", "t.json.j2", "--event", "teleported"), 2, r"teleported"
    ),
    "unknown option value (argparse)": Case(
        {"t.json.j2": b"{}"},
        ("render", "t.json.j2", "--event", "shipped", "--format", "yaml"),
        2,
        r"invalid choice: 'yaml'",
    ),
    "template syntax error": Case(
        {"t.json.j2": b'{\n  "id": {{ orderId }\n}'},
        ("render", "t.json.j2", "--event", "shipped"),
        1,
        r"t\.json\.j2:2:\d+: error: syntax error",
    ),
    "sandbox violation": Case(
        {"t.txt.j2": b"{{ ''.__class__.__mro__ }}"},
        ("render", "t.txt.j2", "--event", "shipped"),
        1,
        r"t\.txt\.j2:1:\d+: error: .*security",
    ),
    "output is not valid JSON": Case(
        {"t.json.j2": b'{"id": {{ orderId }}}'},
        ("render", "t.json.j2", "--event", "shipped"),
        3,
        r"t\.json\.j2:1:\d+: error: Invalid JSON: output line 1",
    ),
    "schema file is not a schema": Case(
        {"t.json.j2": b"{}", "s.json": b'{"type": 12}'},
        ("render", "t.json.j2", "--event", "shipped", "--schema", "s.json"),
        2,
        r"s\.json: not a valid JSON Schema",
    ),
    "lookup CSV with a broken row": Case(
        {"t.json.j2": b"{}", "carrier.csv": b"key,value\nups,UPS\ndhl\n"},
        ("render", "t.json.j2", "--event", "shipped", "--lookups", "carrier.csv"),
        2,
        r"carrier\.csv:3: expected two columns",
    ),
    "import: the bundle is not JSON": Case(
        {"b.json": b"{not json"}, ("import", "b.json"), 2, r"b\.json: /: not JSON"
    ),
    "import: a value breaks the bundle schema": Case(
        {"b.json": b'{"schemaVersion": 1, "customers": [{"name": 42}]}'},
        ("import", "b.json"),
        2,
        r"b\.json: /customers/0/name: ",
    ),
    "lookups import: an empty key": Case(
        {"carrier.csv": b"key,value\nups,UPS\n,empty\n"},
        ("lookups", "import", "carrier.csv"),
        1,
        r"carrier\.csv:3: the key is empty",
    ),
    "--workspace names a file that is not a workspace": Case(
        {"notes.sqlite": b"these are my notes, not a database" * 10},
        ("--workspace", "notes.sqlite", "customers"),
        2,
        r"notes\.sqlite: not a Postback Studio workspace",
    ),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run every case at once, each in its own folder, and collect exit codes and output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    running: dict[str, tuple[subprocess.Popen[str], tuple[str, ...]]] = {}
    for name, case in CASES.items():
        folder = tmp_path_factory.mktemp("cli")
        for relative, data in case.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
        command = (
            sys.executable,
            "-m",
            "postback_studio",
            "--workspace",
            str(folder / "ws.sqlite"),
            *case.args,
        )
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        running[name] = (process, command)
    done: dict[str, subprocess.CompletedProcess[str]] = {}
    for name, (process, command) in running.items():
        stdout, stderr = process.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return done


_FALLBACK = re.compile(r"\b[A-Z]\w*(Error|Exception): ")


@pytest.mark.parametrize("name", list(CASES))
def test_broken_input_gives_a_one_line_error_and_its_exit_code(
    name: str, outcomes: dict[str, subprocess.CompletedProcess[str]], fault_table: FaultTable
) -> None:
    case, result = CASES[name], outcomes[name]
    assert "Traceback" not in result.stderr + result.stdout
    assert not _FALLBACK.search(result.stderr), result.stderr
    errors = [
        line for line in result.stderr.splitlines() if "error" in line.lower() or line.startswith("postback")
    ]
    assert errors, result.stderr
    assert any(re.search(case.stderr, line) for line in errors), result.stderr
    assert result.returncode == case.code, result.stderr
    shown = next(line for line in errors if re.search(case.stderr, line))
    fault_table.record(
        "CLI", f"{name}: `postback-studio {' '.join(case.args)}`", f"exit {result.returncode}", shown
    )
