"""The figures convention every benchmark script follows, so ``run_all.py`` can publish them.

A script's ``main(argv=None)`` measures, prints its figures, and returns them as a list of
:class:`Figure` dicts. Run as a script it also accepts ``--json FILE`` (write the list there) and
``--quick`` (smaller sizes, for a fast check), and exits 1 when a figure misses its target.
"""

from __future__ import annotations

import argparse
import json
import operator
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypedDict

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


class Figure(TypedDict):
    """One published number: the candidate, the baseline measured in the same run, and the target.

    ``ratio`` is ``value / baseline``, or the median of paired per-round ratios when the script
    alternates baseline and candidate rounds (sturdier on a loaded machine). ``target`` reads like
    ``"<= 1.5"`` or ``">= 2"`` (``<``, ``<=``, ``>``, ``>=``), or is None for a figure shown for
    information; ``met`` is None then too. ``target_on`` says what the target is compared with:
    ``"ratio"`` (the default, a relative target) or ``"value"`` (an absolute target in the figure's
    unit, such as "no GUI stall over 50 ms", where the baseline shows what the same measurement
    gives on an idle machine in the same run).
    """

    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    ratio: float
    target: str | None
    target_on: str
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
    target_on: str = "ratio",
) -> Figure:
    """Build a figure; ``ratio`` defaults to ``value / baseline``, ``met`` follows from the target.

    ``target_on="value"`` compares the target with ``value`` instead of ``ratio``.
    """
    if target_on not in ("ratio", "value"):
        raise ValueError(f"target_on must be 'ratio' or 'value', not {target_on!r}")
    if ratio is None:
        ratio = value / baseline if baseline else float("inf")
    met: bool | None = None
    if target is not None:
        sign, _, number = target.partition(" ")
        compare = _OPERATORS.get(sign)
        if compare is None:
            raise ValueError(f"target {target!r} must start with one of {', '.join(_OPERATORS)}")
        met = compare(value if target_on == "value" else ratio, float(number))
    return Figure(
        name=name,
        value=value,
        unit=unit,
        baseline=baseline,
        baseline_name=baseline_name,
        ratio=ratio,
        target=target,
        target_on=target_on,
        met=met,
    )


def target_text(item: Figure) -> str:
    """The target as published: ``<= 1.5x`` on the ratio, ``<= 50 ms`` on the value, or ``info``.

    Figures written before ``target_on`` existed have no such key; they targeted the ratio.
    """
    if not item["target"]:
        return "info"
    if item.get("target_on", "ratio") == "value":
        return f"{item['target']} {item['unit']}"
    return f"{item['target']}x"


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
            f"target {target_text(item)}: {'met' if item['met'] else 'MISSED'}" if item["target"] else "info"
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
