"""Render pipeline cost against raw Jinja2, as ratios measured in the same run.

Template: resources/templates/order-shipped.json.j2 (the corrected shipped template) with the
shipped carrier lookup table. Payload: the ``shipped.multi-item`` sample grown to 200 items with
one or two fulfillments each; every render gets a payload it has never seen (a new
``orderReferenceId`` on one of eight grown payloads), so nothing the engine keeps from an earlier
payload helps, and the raw baselines get the same payloads.

* same template, new payload: the full pipeline (render in the worker, field analysis and
  resolution, JSON validation) on a cached template, against a raw render of a precompiled
  ``jinja2`` template plus ``json.loads``: the like-for-like baseline. Target <= 1.1x.
* new template: the full pipeline on a source never seen before (a trailing comment varies it, so
  nothing is cached), against ``jinja2.Environment().from_string(t).render(p)`` plus ``json.loads``.
  Target <= 1.3x.
* new template, same payload (information): what the preview does after a keystroke, against the
  same raw baseline: the worker still holds the payload, so only the template crosses the pipe.

Baseline and candidate rounds alternate; each ratio is the median of the per-round ratios.

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
    grown = [make_payload(200, seed) for seed in range(8)]

    def new_payload(i: int) -> dict[str, Any]:
        """A payload no render has seen: one of the grown ones under a new order reference."""
        return {**grown[i % 8], "orderReferenceId": f"ACME-NEW-{i}"}

    def raw_lookups(mapping: dict[str, Any], strict: bool = False, default: Any = "") -> Any:
        ((_, key),) = mapping.items()
        return table.get(str(key), default)

    def raw_new(i: int) -> None:
        env = jinja2.Environment()
        env.globals["lookups"] = raw_lookups
        json.loads(env.from_string(f"{source}{{# {i} #}}").render(new_payload(i)))

    precompiled_env = jinja2.Environment()
    precompiled_env.globals["lookups"] = raw_lookups
    precompiled = precompiled_env.from_string(source)

    def raw_precompiled(i: int) -> None:
        json.loads(precompiled.render(new_payload(i)))

    with RenderEngine() as engine:
        engine.warm_up()
        check = engine.render(source, grown[0], fmt=OutputFormat.JSON, lookups=lookups)
        assert check.valid, check.diagnostics

        def full_repeat(i: int) -> None:
            result = engine.render(source, new_payload(i), fmt=OutputFormat.JSON, lookups=lookups)
            assert result.valid

        def full_new(i: int) -> None:
            new_source = f"{source}{{# new {i} #}}"
            result = engine.render(new_source, new_payload(i), fmt=OutputFormat.JSON, lookups=lookups)
            assert result.valid

        def full_new_same_payload(i: int) -> None:
            new_source = f"{source}{{# same payload {i} #}}"
            result = engine.render(new_source, grown[0], fmt=OutputFormat.JSON, lookups=lookups)
            assert result.valid

        for run in (raw_new, raw_precompiled, full_new, full_repeat, full_new_same_payload):
            run(-1)
        t_raw_pre, t_full_repeat, ratio_repeat = paired(raw_precompiled, full_repeat, rounds)
        stages = engine.render(source, new_payload(-2), fmt=OutputFormat.JSON, lookups=lookups).timings
        t_raw_new, t_full_new, ratio_new = paired(raw_new, full_new, rounds)
        new_stages = engine.render(
            f"{source}{{# stages #}}", new_payload(-3), fmt=OutputFormat.JSON, lookups=lookups
        ).timings
        t_raw_new2, t_full_same, ratio_same = paired(raw_new, full_new_same_payload, rounds)

    size = len(json.dumps(grown[0]))
    print(f"payload: 200 items, {size} bytes of JSON, new for every render; {rounds} paired rounds")
    print(f"raw render of a precompiled template + json.loads: {t_raw_pre * 1000:7.2f} ms")
    print(
        f"full pipeline, same template, new payload:         {t_full_repeat * 1000:7.2f} ms  "
        f"ratio {ratio_repeat:.2f}x (target <= 1.1x)"
    )
    print(f"raw Jinja2 from_string + render + json.loads:      {t_raw_new * 1000:7.2f} ms")
    print(
        f"full pipeline, new template:                       {t_full_new * 1000:7.2f} ms  "
        f"ratio {ratio_new:.2f}x (target <= 1.3x)"
    )
    print(
        f"full pipeline, new template, same payload:         {t_full_same * 1000:7.2f} ms  "
        f"ratio {ratio_same:.2f}x (information: the preview after a keystroke)"
    )
    for label, timings in (("same template", stages), ("new template", new_stages)):
        print(f"stages, {label} (ms): " + ", ".join(f"{k} {v * 1000:.2f}" for k, v in timings.items()))
    raw = "raw Jinja2 from_string + render + json.loads"
    figures = [
        figure(
            "render: same template, new payload, full pipeline (200 items)",
            t_full_repeat * 1000,
            "ms",
            baseline=t_raw_pre * 1000,
            baseline_name="raw render of a precompiled Jinja2 template + json.loads",
            target="<= 1.1",
            ratio=ratio_repeat,
        ),
        figure(
            "render: new template, full pipeline (200 items)",
            t_full_new * 1000,
            "ms",
            baseline=t_raw_new * 1000,
            baseline_name=raw,
            target="<= 1.3",
            ratio=ratio_new,
        ),
        figure(
            "render: new template, same payload (the preview after a keystroke, 200 items)",
            t_full_same * 1000,
            "ms",
            baseline=t_raw_new2 * 1000,
            baseline_name=raw,
            target=None,
            ratio=ratio_same,
        ),
    ]
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
