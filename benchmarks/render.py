"""Render pipeline cost against raw Jinja2, as ratios measured in the same run.

Template: resources/templates/order-shipped.json.j2 (the corrected shipped template). Payload: the
``shipped.multi-item`` sample grown to 200 items with one or two fulfillments each.

* new template: the full pipeline (worker compile + render, field analysis and resolution, JSON
  validation) on a source never seen before (a trailing comment varies it, so nothing is cached),
  against ``jinja2.Environment().from_string(t).render(p)`` plus ``json.loads``. Target <= 1.5x.
* same template, new payload: the full pipeline again on a cached template, against the same raw
  baseline. Target <= 1.2x. A stricter baseline (raw render of an already compiled template plus
  ``json.loads``) is printed as well, for information.

Run: ``PYTHONPATH=. python benchmarks/render.py [--quick] [--json FILE]`` (see ``_figures.py``).
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jinja2
from _figures import Figure, common_arguments, figure, report, run_script

from postback_studio.core.lookup_files import read_lookups_file
from postback_studio.core.model import OutputFormat
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample

ROUNDS = 15
PER_ROUND = 10
QUICK_ROUNDS = 5


def make_payload(items: int, seed: int) -> dict[str, Any]:
    """The multi-item shipped sample grown to ``items`` items; ``seed`` makes each payload new."""
    base = load_sample("shipped.multi-item")
    templates = base["items"]
    payload = copy.deepcopy(base)
    payload["orderReferenceId"] = f"ACME-{200000 + seed}"
    payload["items"] = []
    for index in range(items):
        item = copy.deepcopy(templates[index % len(templates)])
        item["itemReferenceId"] = f"ACME-{200000 + seed}-{index + 1}"
        for number, fulfillment in enumerate(item["fulfillments"]):
            fulfillment["trackingCode"] = f"1Z{seed:04d}{index:05d}{number}"
        payload["items"].append(item)
    return payload


def paired(
    baseline: Callable[[int], None], candidate: Callable[[int], None], rounds: int = ROUNDS
) -> tuple[float, float, float]:
    """Alternate rounds of baseline and candidate so machine load hits both alike.

    Returns the median time per call of each (seconds) and the median of the per-round ratios.
    """
    base_times: list[float] = []
    cand_times: list[float] = []
    counter = 0
    for _ in range(rounds):
        for run, times in ((baseline, base_times), (candidate, cand_times)):
            started = time.perf_counter()
            for _ in range(PER_ROUND):
                counter += 1
                run(counter)
            times.append((time.perf_counter() - started) / PER_ROUND)
    ratios = [c / b for b, c in zip(base_times, cand_times, strict=True)]
    return statistics.median(base_times), statistics.median(cand_times), statistics.median(ratios)


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    args = common_arguments(__doc__ or "").parse_args(argv)
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    source = (resources_dir() / "templates" / "order-shipped.json.j2").read_text(encoding="utf-8")
    lookups = read_lookups_file(resources_dir() / "lookups" / "shipmentMethodUid.csv")
    table = lookups["shipmentMethodUid"]
    payloads = [make_payload(200, seed) for seed in range(8)]

    def raw_lookups(mapping: dict[str, Any], strict: bool = False, default: Any = "") -> Any:
        ((_, key),) = mapping.items()
        return table.get(str(key), default)

    def raw_new(i: int) -> None:
        env = jinja2.Environment()
        env.globals["lookups"] = raw_lookups
        json.loads(env.from_string(f"{source}{{# {i} #}}").render(payloads[i % 8]))

    precompiled_env = jinja2.Environment()
    precompiled_env.globals["lookups"] = raw_lookups
    precompiled = precompiled_env.from_string(source)

    def raw_precompiled(i: int) -> None:
        json.loads(precompiled.render(payloads[i % 8]))

    with RenderEngine() as engine:
        engine.warm_up()
        check = engine.render(source, payloads[0], fmt=OutputFormat.JSON, lookups=lookups)
        assert check.valid, check.diagnostics

        def full_new(i: int) -> None:
            new_source = f"{source}{{# new {i} #}}"
            result = engine.render(new_source, payloads[i % 8], fmt=OutputFormat.JSON, lookups=lookups)
            assert result.valid

        def full_repeat(i: int) -> None:
            result = engine.render(source, payloads[i % 8], fmt=OutputFormat.JSON, lookups=lookups)
            assert result.valid

        for run in (raw_new, full_new, full_repeat, raw_precompiled):
            run(10_000)
        t_raw_new, t_full_new, ratio_new = paired(raw_new, full_new, rounds)
        t_raw_new2, t_full_repeat, ratio_repeat = paired(raw_new, full_repeat, rounds)
        t_raw_pre, t_full_repeat2, ratio_pre = paired(raw_precompiled, full_repeat, rounds)
        stages = engine.render(source, payloads[1], fmt=OutputFormat.JSON, lookups=lookups).timings

    size = len(json.dumps(payloads[0]))
    print(f"payload: 200 items, {size} bytes of JSON; medians of {rounds} paired rounds")
    print(f"raw Jinja2 from_string + render + json.loads:   {t_raw_new * 1000:7.2f} ms")
    print(
        f"full pipeline, new template:                     {t_full_new * 1000:7.2f} ms  "
        f"ratio {ratio_new:.2f}x (target <= 1.5x)"
    )
    print(f"raw Jinja2 from_string + render + json.loads:   {t_raw_new2 * 1000:7.2f} ms")
    print(
        f"full pipeline, same template, new payload:       {t_full_repeat * 1000:7.2f} ms  "
        f"ratio {ratio_repeat:.2f}x (target <= 1.2x)"
    )
    print(
        f"raw Jinja2 render of a precompiled template:     {t_raw_pre * 1000:7.2f} ms  "
        f"(stricter baseline: same-template pipeline is {ratio_pre:.2f}x of it)"
    )
    print("stages of one cached render (ms): " + ", ".join(f"{k} {v * 1000:.2f}" for k, v in stages.items()))
    raw = "raw Jinja2 from_string + render + json.loads"
    # Each ratio is the median of per-round ratios (robust to load), not the ratio of the medians.
    figures = [
        figure(
            "render: new template, full pipeline (200 items)",
            t_full_new * 1000,
            "ms",
            baseline=t_raw_new * 1000,
            baseline_name=raw,
            target="<= 1.5",
            ratio=ratio_new,
        ),
        figure(
            "render: same template, new payload (200 items)",
            t_full_repeat * 1000,
            "ms",
            baseline=t_raw_new2 * 1000,
            baseline_name=raw,
            target="<= 1.2",
            ratio=ratio_repeat,
        ),
        figure(
            "render: same template vs precompiled raw render",
            t_full_repeat2 * 1000,
            "ms",
            baseline=t_raw_pre * 1000,
            baseline_name="raw render of a precompiled template + json.loads",
            target=None,
            ratio=ratio_pre,
        ),
    ]
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
