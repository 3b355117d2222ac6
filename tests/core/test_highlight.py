"""Highlight spans come from pygments, per line, for Jinja inside each output format."""

from __future__ import annotations

import uuid

import pytest
from pygments.lexers.data import JsonLexer

from postback_studio.core.highlight import CATEGORIES, Span, SpanCache, lexer_for, line_spans
from postback_studio.core.textpos import from_utf16, to_utf16

TEMPLATE = '{"order": "{{ orderId }}",\n{# note\n still #}\n "n": {% if not loop.last %},{% endif %}}'


def categories_at(spans: tuple[Span, ...], line: str) -> dict[str, str]:
    return {line[s.start : s.start + s.length]: s.category for s in spans}


def test_json_template_spans() -> None:
    lines = line_spans(TEMPLATE, lexer_for("json"))
    assert len(lines) == 4
    first = categories_at(lines[0], TEMPLATE.splitlines()[0])
    assert first['"order"'] == "tag"
    assert first["{{"] == "template_tag"
    assert first["orderId"] == "variable"
    assert categories_at(lines[1], "{# note")["{# note"] == "comment"
    assert categories_at(lines[2], " still #}")[" still #}"] == "comment"
    last = categories_at(lines[3], TEMPLATE.splitlines()[3])
    assert last["if"] == "keyword" and last["loop"] == "builtin"


@pytest.mark.parametrize("fmt", ["xml", "html"])
def test_markup_templates(fmt: str) -> None:
    text = '<order id="{{ orderId }}">{% for i in items %}<i/>{% endfor %}</order>'
    found = categories_at(line_spans(text, lexer_for(fmt))[0], text)
    assert found["{{"] == "template_tag" and found["for"] == "keyword"
    assert "tag" in found.values()


def test_every_category_is_known_and_spans_stay_inside_lines() -> None:
    for fmt in ("json", "xml", "html", "text"):
        lines = line_spans(TEMPLATE, lexer_for(fmt))
        for spans, line in zip(lines, TEMPLATE.split("\n"), strict=True):
            for span in spans:
                assert span.category in CATEGORIES
                assert span.start >= 0 and span.start + span.length <= len(line)


def test_outputs_use_plain_lexers() -> None:
    assert line_spans("a\nb", lexer_for("text", template=False)) == ((), ())
    spans = line_spans('{"a": 1}', lexer_for("json", template=False))[0]
    assert {s.category for s in spans} >= {"tag", "number"}


def test_cache_lexes_once_per_text() -> None:
    calls = []
    lexer = lexer_for("json")
    original = lexer.get_tokens_unprocessed

    def counting(text: str):  # type: ignore[no-untyped-def]
        calls.append(text)
        return original(text)

    lexer.get_tokens_unprocessed = counting  # type: ignore[method-assign]
    cache = SpanCache(lexer)
    assert cache.spans("{}") is cache.spans("{}")
    cache.spans("[]")
    assert calls == ["{}", "[]"]


def test_utf16_offsets() -> None:
    text = "a😀b"
    assert to_utf16(text, 2) == 3 and from_utf16(text, 3) == 2
    assert to_utf16("abc", 2) == 2 and from_utf16("abc", 9) == 3


def test_primed_spans_survive_the_empty_document_and_skip_lexing() -> None:
    lexer = lexer_for("json", template=False)
    cache = SpanCache(lexer)
    text = '{"a": 1}'
    primed = line_spans(text, lexer)
    cache.prime(text, primed)
    cache.spans("")
    assert cache.spans(text) is primed
    assert cache.lex_count == 0


class WholeTextJsonLexer(JsonLexer):
    """The JSON lexer under another type, which :func:`line_spans` lexes as one whole text."""


JSON_TEXTS = [
    '{\n  "a": "x",\n  "b": [1, -2.5e+3, true, false, null],\n  "c": {"d": "\\"q\\" \\u00e9"}\n}',
    '{"key"\n  :\n "value"}',
    '{"key"\n\n\n: "v", "k2"\n, "v2"}',
    '["x",\n"y"\n]',
    '{"a" // a comment\n : 1}',
    '{"a"\n// a comment\n: 1}',
    '{"a": /* open\n comment */ 1}',
    '"a string\nover two lines"',
    '"\\u12\n"',
    "tru\ne\n",
    '{"a": 1}x\n{"b": 2}',
    "/\n",
    "",
    "\n\n",
    '  "lone"  \n  ',
]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_json_lexed_line_by_line_colours_as_the_whole_text(text: str) -> None:
    assert line_spans(text, JsonLexer()) == line_spans(text, WholeTextJsonLexer())


def test_json_lines_seen_before_are_not_lexed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    marker = uuid.uuid4().hex
    items = [f'  {{"sku": "{marker}-{n}", "note": "same {marker}"}},' for n in range(200)]
    before = "[\n" + "\n".join(items) + '\n  {"last": true}\n]'
    after = before.replace(f'"{marker}-7"', f'"{marker}-seven"')
    lexed: list[str] = []
    original = JsonLexer.get_tokens_unprocessed

    def recording(self: JsonLexer, text: str):  # type: ignore[no-untyped-def]
        lexed.append(text)
        return original(self, text)

    monkeypatch.setattr(JsonLexer, "get_tokens_unprocessed", recording)
    line_spans(before, JsonLexer())
    lexed.clear()
    spans = line_spans(after, JsonLexer())
    assert lexed == [f'  {{"sku": "{marker}-seven", "note": "same {marker}"}},']
    monkeypatch.undo()
    assert spans == line_spans(after, WholeTextJsonLexer())
