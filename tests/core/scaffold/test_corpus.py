"""The heart of the scaffold's tests: does a template scaffolded from one order hold for another?

For every corpus case (see :mod:`.corpus`): scaffold from the example and the order it came from;
the template must render that order back into the example, cleanly; then render it on a second,
different order (other values, more items and fulfillments, an item with none) and compare with the
hand-written reference template rendered on that order. Cases of kinds the scaffold cannot handle
yet are in ``limits/`` and expected to fail; if one starts passing, the test says so.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from postback_studio.core.doctor import check_edge_cases, lint_source
from postback_studio.core.model import OutputFormat
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample
from postback_studio.core.scaffold import Comparison, check_scaffold, compare_output, generate, scaffold
from tests.core.scaffold.corpus import CASES, LIMITS, ROOT, Case

#: Cases that fail as scaffolded, and why. The scaffold reports each of these as a tie.
KNOWN_FAILURES = {
    "nested-objects": "placedAt: the sample's order.orderedAt and order.createdAt hold the same time and "
    "their names are equally unlike the example's key; the scaffold flags the tie and picks createdAt",
}
#: Characters ``|tojson`` (JSON) or ``|e`` (XML) write differently from a plain example.
_ESCAPED = {OutputFormat.JSON: re.compile(r"[&<>'\u0080-\U0010ffff]"), OutputFormat.XML: re.compile(r"['\"]")}


def generalises(engine: RenderEngine, case: Case) -> tuple[Comparison, Any]:
    """Scaffold from the case's order, render on its second order, compare with the reference."""
    result = scaffold(case.example, case.fmt, case.payload)
    expected = engine.render(case.reference, case.second, fmt=case.fmt, lookups=case.lookups)
    assert expected.valid, expected.diagnostics
    actual = engine.render(result.template, case.second, fmt=case.fmt)
    assert actual.output is not None, actual.diagnostics
    return compare_output(expected.output or "", actual.output, case.fmt), actual


def test_the_corpus_covers_what_the_issue_asks() -> None:
    names = {case.name for case in CASES}
    assert len(CASES) >= 10
    assert {
        "flat-renamed",
        "nested-objects",
        "item-lines",
        "flattened-parcels",
        "numbers-as-strings",
        "booleans",
        "constants",
        "xml-attributes",
        "xml-nested-repetition",
        "ties",
        "case-insensitive",
    } <= names
    assert {case.fmt for case in CASES} == {OutputFormat.JSON, OutputFormat.XML}


@pytest.mark.parametrize("case", CASES + LIMITS, ids=str)
def test_each_reference_template_writes_its_example(engine: RenderEngine, case: Case) -> None:
    """The fixtures agree with themselves: the reference, on the example's order, is the example."""
    rendered = engine.render(case.reference, case.payload, fmt=case.fmt, lookups=case.lookups)
    assert rendered.output is not None, rendered.diagnostics
    comparison = compare_output(case.example, rendered.output, case.fmt)
    assert comparison.equivalent, comparison.difference


@pytest.mark.parametrize("case", CASES, ids=str)
def test_scaffold_renders_the_example_back_cleanly(engine: RenderEngine, case: Case) -> None:
    result = scaffold(case.example, case.fmt, case.payload)
    check = check_scaffold(engine, result.example, result.template, case.payload)
    assert check.clean, check.result.diagnostics
    assert check.comparison is not None and check.comparison.equivalent, check.comparison
    if not _ESCAPED[case.fmt].search(case.example):
        assert check.comparison.identical, result.template


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[c.name], strict=True))
        if c.name in KNOWN_FAILURES
        else c
        for c in CASES
    ],
    ids=str,
)
def test_scaffold_generalises_to_a_second_order(engine: RenderEngine, case: Case) -> None:
    comparison, actual = generalises(engine, case)
    assert actual.valid and not actual.diagnostics, actual.diagnostics
    assert comparison.equivalent, comparison.difference


@pytest.mark.parametrize("case", LIMITS, ids=str)
def test_limits_still_give_a_clean_template_and_say_what_is_uncertain(
    engine: RenderEngine, case: Case
) -> None:
    result = scaffold(case.example, case.fmt, case.payload)
    check = check_scaffold(engine, result.example, result.template, case.payload)
    assert check.clean, check.result.diagnostics
    assert result.mapping.constants or result.mapping.uncertain


@pytest.mark.parametrize("case", LIMITS, ids=str)
@pytest.mark.xfail(strict=True, reason="a kind of example the scaffold cannot handle yet (docs: Limits)")
def test_known_limits_do_not_generalise(engine: RenderEngine, case: Case) -> None:
    comparison, _ = generalises(engine, case)
    assert comparison.equivalent, comparison.difference


def test_the_guides_corpus_figures_are_what_the_corpus_gives(engine: RenderEngine) -> None:
    """docs/guide.md reports how many examples reproduce the reference on a second order: recount them."""
    guide = " ".join((ROOT.parents[2] / "docs" / "guide.md").read_text(encoding="utf-8").split())
    kinds = [case.fmt for case in CASES]
    stated = (
        f"holds {len(CASES) + len(LIMITS)} receivers' examples ({kinds.count(OutputFormat.JSON)} JSON, "
        f"{kinds.count(OutputFormat.XML)} XML, and {len(LIMITS)} of the kinds listed under Limits)"
    )
    assert stated in guide
    passing = 0
    for case in CASES:
        comparison, actual = generalises(engine, case)
        passing += comparison.equivalent and actual.valid and not actual.diagnostics
    assert passing == len(CASES) - len(KNOWN_FAILURES)
    assert f"{passing} of the {len(CASES)} ordinary examples give what the reference gives" in guide
    assert f"none of the {len(LIMITS)} limits does" in guide


def test_a_tie_corrected_in_the_mapping_generalises(engine: RenderEngine) -> None:
    """What the GUI does: the user picks the other candidate of a flagged tie and regenerates."""
    case = next(c for c in CASES if c.name == "nested-objects")
    result = scaffold(case.example, case.fmt, case.payload)
    row = result.mapping.row("header.placedAt")
    assert any(note.startswith("tie") for note in row.notes)
    ordered = next(c for c in row.alternatives if str(c.path) == "order.orderedAt")
    template = generate(result.example, result.mapping.choose("header.placedAt", ordered))
    expected = engine.render(case.reference, case.second, fmt=case.fmt)
    actual = engine.render(template, case.second, fmt=case.fmt)
    assert compare_output(expected.output or "", actual.output or "", case.fmt).identical


@pytest.mark.parametrize("case", CASES + LIMITS, ids=str)
def test_scaffolded_templates_pass_the_template_doctor_on_their_payload(
    engine: RenderEngine, case: Case
) -> None:
    """The doctor's findings are the spec: no variant of the payload breaks the template, and no lint."""
    template = scaffold(case.example, case.fmt, case.payload).template
    payloads = {case.payload_name: case.payload}
    report = check_edge_cases(engine, template, payloads, case.fmt)
    assert report.variant_count > 0
    assert report.passed, [finding.summary() for finding in report.findings]
    assert lint_source(template, case.fmt, payloads) == ()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_scaffolded_templates_hold_for_any_number_of_elements(engine: RenderEngine, case: Case) -> None:
    """Every array of the second order emptied, cut to one and grown to three, one at a time."""
    template = scaffold(case.example, case.fmt, case.payload).template
    for label, variant in _resized(case.second):
        rendered = engine.render(template, variant, fmt=case.fmt)
        assert rendered.valid, (label, rendered.diagnostics, rendered.output)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_scaffolded_templates_escape_hostile_text(engine: RenderEngine, case: Case) -> None:
    """Every string of the second order holds quotes, markup characters and line breaks at once."""
    template = scaffold(case.example, case.fmt, case.payload).template
    hostile = _strings_replaced(case.second, "a\"b'c<d>&e\\f\ng\th 😀")
    rendered = engine.render(template, hostile, fmt=case.fmt)
    assert rendered.valid, (rendered.diagnostics, rendered.output)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_scaffolded_templates_survive_null_values(engine: RenderEngine, case: Case) -> None:
    """Every number, string and boolean of the second order null at once (a price not known yet)."""
    template = scaffold(case.example, case.fmt, case.payload).template
    rendered = engine.render(template, _scalars_nulled(case.second), fmt=case.fmt)
    assert rendered.valid, (rendered.diagnostics, rendered.output)


def _scalars_nulled(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _scalars_nulled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scalars_nulled(item) for item in value]
    return None


def _resized(payload: Any) -> Iterator[tuple[str, Any]]:
    for path in list(_array_paths(payload, ())):
        for size in (0, 1, 3):
            variant = copy.deepcopy(payload)
            array = _at(variant, path)
            if array:
                array[:] = [copy.deepcopy(array[i % len(array)]) for i in range(size)]
            yield f"{path} -> {size}", variant


def _array_paths(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _array_paths(item, (*path, key))
    elif isinstance(value, list):
        yield path
        for position, item in enumerate(value):
            yield from _array_paths(item, (*path, position))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for segment in path:
        value = value[segment]
    return value


def _strings_replaced(value: Any, text: str) -> Any:
    if isinstance(value, dict):
        return {key: _strings_replaced(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_strings_replaced(item, text) for item in value]
    return text if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("name", "sample", "second"),
    [
        ("order-shipped.json.j2", "shipped.multi-item", "second-shipped.json"),
        ("order-shipped-xml.xml.j2", "shipped.multi-item", "second-shipped.json"),
        ("order-failed.json.j2", "failed.multi-item", "second-failed.json"),
    ],
)
def test_the_built_in_templates_can_be_recovered_from_their_output(
    engine: RenderEngine, name: str, sample: str, second: str
) -> None:
    """Their output on one sample is an example; the scaffold writes as they do for another order."""
    reference = (resources_dir() / "templates" / name).read_text(encoding="utf-8")
    fmt = OutputFormat.XML if ".xml." in name else OutputFormat.JSON
    example = engine.render(reference, load_sample(sample), fmt=fmt).output or ""
    result = scaffold(example, fmt, load_sample(sample))
    other = json.loads((ROOT / "payloads" / second).read_text(encoding="utf-8"))
    expected = engine.render(reference, other, fmt=fmt).output or ""
    actual = engine.render(result.template, other, fmt=fmt).output or ""
    assert compare_output(expected, actual, fmt).identical
