"""The template doctor's edge-case check against one plain check of the same template.

Template: resources/templates/order-shipped.json.j2 (the corrected shipped template) with the
shipped carrier lookup table. Payload: the built-in ``shipped`` sample.

* edge-case check: :func:`check_edge_cases` (every one-change variant of the sample the template can
  see, rendered in batches in the warm render worker, validated, grouped), against one plain check
  (one render of the sample through the same engine, validated): reported, value and ratio (what the
  variants cost over a single render), with no target.
* the same through the command line, end to end in a fresh process (interpreter start, worker
  start, the check), against ``postback-studio check`` without ``--edge-cases``: for information.
* the edge-case check against both shipped samples (``shipped`` and ``shipped.multi-item``), and
  the lints of the same template: for information.

Run: ``PYTHONPATH=. python benchmarks/doctor.py [--quick] [--json FILE]`` (see ``_figures.py``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from _figures import Figure, common_arguments, figure, report, run_script

from postback_studio.core.check import check_template
from postback_studio.core.doctor import check_edge_cases, lint_source
from postback_studio.core.lookup_files import read_lookups_file
from postback_studio.core.model import OutputFormat, Template
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample

ROUNDS = 9
QUICK_ROUNDS = 3
CLI_ROUNDS = 3


def paired(
    baseline: Callable[[], object], candidate: Callable[[], object], rounds: int
) -> tuple[float, float, float]:
    """Alternate baseline and candidate rounds; medians of each (seconds) and of the per-round ratios."""
    base_times: list[float] = []
    cand_times: list[float] = []
    for _ in range(rounds):
        for run, times in ((baseline, base_times), (candidate, cand_times)):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    ratios = [c / b for b, c in zip(base_times, cand_times, strict=True)]
    return statistics.median(base_times), statistics.median(cand_times), statistics.median(ratios)


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    args = common_arguments(__doc__ or "").parse_args(argv)
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    path = resources_dir() / "templates" / "order-shipped.json.j2"
    carriers = resources_dir() / "lookups" / "shipmentMethodUid.csv"
    source = path.read_text(encoding="utf-8")
    lookups = read_lookups_file(carriers)
    template = Template("order-shipped", format=OutputFormat.JSON, body=source)
    one = {"shipped": load_sample("shipped")}
    both = {**one, "shipped.multi-item": load_sample("shipped.multi-item")}

    with RenderEngine() as engine:
        engine.warm_up()

        def plain() -> object:
            rows = check_template(engine, template, ["shipped"], lookups=lookups, payloads=one)
            assert rows[0].passed
            return rows

        def edge_cases() -> object:
            result = check_edge_cases(engine, source, one, OutputFormat.JSON, lookups=lookups)
            assert result.passed
            return result

        def edge_cases_both() -> object:
            result = check_edge_cases(engine, source, both, OutputFormat.JSON, lookups=lookups)
            assert result.passed
            return result

        variants = check_edge_cases(engine, source, one, OutputFormat.JSON, lookups=lookups).variant_count
        variants_both = check_edge_cases(
            engine, source, both, OutputFormat.JSON, lookups=lookups
        ).variant_count
        t_plain, t_edge, ratio = paired(plain, edge_cases, rounds)
        t_plain2, t_both, ratio_both = paired(plain, edge_cases_both, rounds)
        t_lint_base, t_lint, ratio_lint = paired(
            plain, lambda: lint_source(source, OutputFormat.JSON, one), rounds
        )

    def cli(*extra: str) -> Callable[[], object]:
        sample = resources_dir() / "samples" / "shipped.json"
        command = [sys.executable, "-m", "postback_studio", "check", str(path), "--payload", str(sample)]
        command += ["--lookups", str(carriers), *extra]

        def run() -> object:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            return done

        return run

    t_cli_plain, t_cli_edge, ratio_cli = paired(
        cli(), cli("--edge-cases"), CLI_ROUNDS if not args.quick else 1
    )

    print(f"edge-case check of order-shipped.json.j2, shipped sample: {variants} variants")
    print(f"one plain check (one render, warm engine):      {t_plain * 1000:8.2f} ms")
    print(
        f"edge-case check (warm engine):                  {t_edge * 1000:8.2f} ms  "
        f"ratio {ratio:.1f}x (reported)"
    )
    print(f"edge-case check, both shipped samples ({variants_both} variants): {t_both * 1000:8.2f} ms")
    print(f"lints of the template:                          {t_lint * 1000:8.2f} ms")
    cli_times = f"{t_cli_plain * 1000:.0f} / {t_cli_edge * 1000:.0f} ms"
    print(f"CLI check / check --edge-cases (fresh process): {cli_times}")
    plain_name = "one plain check of the same template (warm engine)"
    figures = [
        figure(
            f"doctor: edge-case check, corrected shipped template, shipped sample ({variants} variants)",
            t_edge * 1000,
            "ms",
            baseline=t_plain * 1000,
            baseline_name=plain_name,
            target=None,
            ratio=ratio,
        ),
        figure(
            f"doctor: edge-case check, both shipped samples ({variants_both} variants)",
            t_both * 1000,
            "ms",
            baseline=t_plain2 * 1000,
            baseline_name=plain_name,
            target=None,
            ratio=ratio_both,
        ),
        figure(
            "doctor: lints of the corrected shipped template",
            t_lint * 1000,
            "ms",
            baseline=t_lint_base * 1000,
            baseline_name=plain_name,
            target=None,
            ratio=ratio_lint,
        ),
        figure(
            "doctor: postback-studio check --edge-cases, fresh process, shipped sample",
            t_cli_edge * 1000,
            "ms",
            baseline=t_cli_plain * 1000,
            baseline_name="postback-studio check, fresh process, same sample",
            target=None,
            ratio=ratio_cli,
        ),
    ]
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
