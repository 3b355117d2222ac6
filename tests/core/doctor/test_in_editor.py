"""What the editor asks of the lints: at the cursor, still current, the same one after an edit."""

from __future__ import annotations

from dataclasses import replace

from postback_studio.core.doctor.in_editor import (
    current_lints,
    fixes_at,
    part_of,
    part_text,
    same_lint,
    same_text,
    tag_range,
)
from postback_studio.core.doctor.lints import lint_template
from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.samples import load_sample
from postback_studio.core.textpos import offset_at

SAMPLES = {"shipped": load_sample("shipped")}
FIRST_SKU = Template(
    "first",
    format=OutputFormat.JSON,
    body='{"order": {{ orderReferenceId|tojson }},\n "first": "{{ items[0].sku }}"}\n',
    id=4,
)


def test_the_fixes_at_the_cursor_innermost_first() -> None:
    lints = lint_template(FIRST_SKU, SAMPLES)
    inside_index = FIRST_SKU.body.index("items[0]") + 2
    assert [lint.code for lint in fixes_at(lints, "body", inside_index)] == [
        "empty-index",
        "json-string-interpolation",
    ]
    at_quote = FIRST_SKU.body.index('"{{')
    assert [lint.code for lint in fixes_at(lints, "body", at_quote)] == ["json-string-interpolation"]
    assert fixes_at(lints, "body", 0) == [] and fixes_at(lints, "html", inside_index) == []


def test_lints_of_an_older_text_are_made_again_and_a_lint_is_found_after_an_edit() -> None:
    lints = lint_template(FIRST_SKU, SAMPLES)
    assert current_lints(lints, FIRST_SKU, FIRST_SKU, SAMPLES) == lints
    edited = replace(FIRST_SKU, body="\n\n" + FIRST_SKU.body)
    moved = current_lints(lints, FIRST_SKU, edited, SAMPLES)
    assert [lint.start - 2 for lint in moved] == [lint.start for lint in lints]
    found = same_lint(lints[1], moved)
    assert found is not None and found.code == lints[1].code and found.start == lints[1].start + 2
    fixed = replace(FIRST_SKU, body=lints[1].fix.apply(FIRST_SKU.body))  # type: ignore[union-attr]
    assert same_lint(lints[1], current_lints(lints, FIRST_SKU, fixed, SAMPLES)) is None


def test_a_result_is_about_the_text_in_the_editor_only_while_it_is_the_same() -> None:
    assert same_text(FIRST_SKU, replace(FIRST_SKU, name="renamed"))
    assert not same_text(FIRST_SKU, replace(FIRST_SKU, body=FIRST_SKU.body + " "))
    assert not same_text(FIRST_SKU, replace(FIRST_SKU, id=5))
    assert not same_text(FIRST_SKU, None)


def test_parts_and_tags() -> None:
    email = Template(
        "mail", TemplateKind.EMAIL, OutputFormat.HTML, body="<p>{{ a }}</p>", subject="S", text_body="T"
    )
    assert [part_text(email, part) for part in ("html", "subject", "text")] == ["<p>{{ a }}</p>", "S", "T"]
    assert part_of(email, "text") == "text" and part_of(FIRST_SKU, "html") == "body"
    text = '{\n  "a": "{{ x }}", {% if y %}"b": 1{% endif %}\n}'
    start, end = tag_range(text, 2, 12)
    assert text[start:end] == "{{ x }}"
    start, end = tag_range(text, 2, 22)
    assert text[start:end] == "{% if y %}"
    start, end = tag_range(text, 2, 3)
    assert text[start:end] == '"a": "{{ x }}", {% if y %}"b": 1{% endif %}'
    assert offset_at(text, 2, 3) == text.index('"a"')
    assert offset_at(text, 9, 9) == len(text) and offset_at(text, 1, 99) == 1
