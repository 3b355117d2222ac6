"""Worst-case costs of the work derived from an untrusted template, in the application process.

* HTML check of hostile output: 5 MB of unclosed tags (checked up to the 500,000-tag limit),
  490,000 unclosed tags (just under it), and 5 MB of unterminated ``<a `` tags (the quadratic
  case of ``html.parser``): the value must stay within the render's time limit (2 s). Linearity is
  shown as a ratio against ten checks of a tenth of the input.
* Field analysis of 19,990 expressions on one line (just under the 20,000-tag analysis limit),
  against Jinja2's own parse of the same template (which the analysis includes). Target <= 2x.

Run: ``PYTHONPATH=. python benchmarks/security.py [--quick] [--json FILE]`` (see ``_figures.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from _figures import Figure, common_arguments, figure, report, run_script
from jinja2 import Environment

from postback_studio.core.render.fields import analyze_template
from postback_studio.core.render.validate import validate_html

TIME_LIMIT_MS = 2000.0


def best_ms(work: Callable[[], object], rounds: int) -> float:
    """The fastest of ``rounds`` runs, in milliseconds (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure and report the figures."""
    args = common_arguments(__doc__ or "").parse_args(argv)
    rounds = 1 if args.quick else 3
    figures: list[Figure] = []
    for name, unit_text, count, linear in (
        ("5 MB of unclosed tags", "<b>", 1_600_000, False),
        ("490,000 unclosed tags", "<b>", 490_000, True),
        ("5 MB of unterminated tags", "<a ", 1_650_000, True),
    ):
        big = unit_text * count
        tenth = unit_text * (count // 10)
        whole = best_ms(lambda text=big: validate_html(text), rounds)
        part = best_ms(lambda text=tenth: validate_html(text), rounds)
        print(f"HTML check, {name}: {whole:.0f} ms; a tenth of it: {part:.0f} ms")
        figures.append(
            figure(
                f"security: HTML check of {name} (within the render time limit)",
                whole,
                "ms",
                baseline=TIME_LIMIT_MS,
                baseline_name="the render time limit",
                target=f"<= {TIME_LIMIT_MS:g}",
                target_on="value",
            )
        )
        if not linear:  # the check stops at the tag limit: a tenth is not a tenth of the work
            continue
        figures.append(
            figure(
                f"security: HTML check of {name}, linearity",
                whole,
                "ms",
                baseline=part * 10,
                baseline_name="ten checks of a tenth of the size",
                target="<= 1.5",
            )
        )
    source = "".join(f"{{{{ order.f{i} }}}}" for i in range(19_990))
    environment = Environment()
    parse = best_ms(lambda: environment.parse(source), rounds)
    analysis = best_ms(lambda: analyze_template(source, environment), rounds)
    print(f"field analysis of 19,990 expressions on one line: {analysis:.0f} ms; parse: {parse:.0f} ms")
    figures.append(
        figure(
            "security: field analysis, 19,990 expressions on one line",
            analysis,
            "ms",
            baseline=parse,
            baseline_name="Jinja2's parse of the same template",
            target="<= 2",
        )
    )
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
