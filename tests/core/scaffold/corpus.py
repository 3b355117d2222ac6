"""The scaffold test corpus: receivers' examples, the orders they came from, and a second order each.

Each case in ``tests/fixtures/scaffold/<case>/`` has the receiver's ``example.json`` or
``example.xml``, ``reference.*.j2`` (the template an integrator would write by hand), and
``case.json``: what it tests, the payload the example corresponds to (a built-in sample or a file
beside it) and the second order (in ``payloads/`` or beside it). ``limits/`` holds cases of kinds the
scaffold cannot handle yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postback_studio.core.model import OutputFormat
from postback_studio.core.samples import load_sample

ROOT = Path(__file__).parents[2] / "fixtures" / "scaffold"


@dataclass(frozen=True)
class Case:
    """One corpus case, loaded."""

    name: str
    about: str
    fmt: OutputFormat
    example: str
    payload_name: str
    payload: Any
    second: Any
    reference: str
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def _payload(directory: Path, name: str) -> Any:
    for base in (directory, ROOT / "payloads"):
        if (base / name).is_file():
            return json.loads((base / name).read_text(encoding="utf-8"))
    return load_sample(name)


def load_case(directory: Path) -> Case:
    """Read one case directory."""
    meta = json.loads((directory / "case.json").read_text(encoding="utf-8"))
    example = next(directory.glob("example.*"))
    return Case(
        directory.name,
        meta["about"],
        OutputFormat(example.suffix[1:]),
        example.read_text(encoding="utf-8"),
        meta["payload"],
        _payload(directory, meta["payload"]),
        _payload(directory, meta["second"]),
        next(directory.glob("reference.*.j2")).read_text(encoding="utf-8"),
        meta.get("lookups", {}),
    )


def cases(folder: Path = ROOT) -> list[Case]:
    """Every case directly in ``folder``, by name."""
    return [load_case(d) for d in sorted(folder.iterdir()) if (d / "case.json").is_file()]


CASES = cases()
LIMITS = cases(ROOT / "limits")
