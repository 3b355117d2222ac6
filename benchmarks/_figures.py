"""The figures convention every benchmark script follows, so ``run_all.py`` can publish them.

A script's ``main(argv=None)`` measures, prints its figures, and returns them as a list of
:class:`Figure` dicts. Run as a script it also accepts ``--json FILE`` (write the list there) and
``--quick`` (smaller sizes, for a fast check), and exits 1 when a figure misses its target.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict


class Figure(TypedDict):
    """One published number: the candidate, the baseline measured in the same run, and the target.

    ``ratio`` is ``value / baseline``, or the median of paired per-round ratios when the script
    alternates baseline and candidate rounds (sturdier on a loaded machine). ``target`` reads like
    ``"<= 1.5"`` or ``">= 2"`` (compared with the ratio), or is None for a figure shown for
    information; ``met`` is None then too.
    """

    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    ratio: float
    target: str | None
    met: bool | None


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: float,
    baseline_name: str,
    target: str | None,
    ratio: float | None = None,
) -> Figure:
    """Build a figure; ``ratio`` defaults to ``value / baseline``, ``met`` follows from the target."""
    if ratio is None:
        ratio = value / baseline if baseline else float("inf")
    met: bool | None = None
    if target is not None:
        operator, _, number = target.partition(" ")
        met = ratio <= float(number) if operator == "<=" else ratio >= float(number)
    return Figure(
        name=name,
        value=value,
        unit=unit,
        baseline=baseline,
        baseline_name=baseline_name,
        ratio=ratio,
        target=target,
        met=met,
    )


def common_arguments(description: str) -> argparse.ArgumentParser:
    """A parser with the convention's ``--json`` and ``--quick`` options."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a fast check, noisier figures")
    return parser


def report(figures: list[Figure], json_path: str | None) -> list[Figure]:
    """Print the figures one a line and write them to ``json_path`` when given."""
    for item in figures:
        target = (
            f"target {item['target']}x: {'met' if item['met'] else 'MISSED'}" if item["target"] else "info"
        )
        print(
            f"FIGURE {item['name']}: {item['value']:.4g} {item['unit']} vs {item['baseline']:.4g} "
            f"({item['baseline_name']}), ratio {item['ratio']:.2f}x, {target}"
        )
    if json_path:
        Path(json_path).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def exit_code(figures: Sequence[Figure]) -> int:
    """0 when no figure missed its target."""
    return 1 if any(item["met"] is False for item in figures) else 0


def run_script(main: object) -> None:
    """``sys.exit(exit_code(main()))`` for a script's ``if __name__ == "__main__"`` block."""
    assert callable(main)
    sys.exit(exit_code(main()))
