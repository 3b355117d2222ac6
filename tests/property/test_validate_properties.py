"""The output validators agree with the reference parsers on generated and mutated documents.

``validate_json`` must refuse exactly what ``json.loads`` refuses (plus ``NaN``/``Infinity``, which
Python accepts and JSON does not), at the same line and column, and flag every duplicate key.
``validate_xml`` must refuse exactly what lxml refuses, at lxml's line, and at a column that lies on
that line of the output.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from postback_studio.core.render.result import Diagnostic, Severity, Where
from postback_studio.core.render.validate import validate_json, validate_xml
from tests.property.strategies import json_scalars, mutated_text

# ---------------------------------------------------------------- JSON


def _dump_object(pairs: list[tuple[str, str]], indent: str) -> str:
    inner = f",{indent}".join(f"{json.dumps(k)}: {v}" for k, v in pairs)
    return "{" + indent + inner + indent + "}" if pairs else "{}"


json_texts = st.recursive(
    json_scalars.map(json.dumps),
    lambda children: (
        st.builds(
            lambda items, indent: "[" + f",{indent}".join(items) + "]",
            st.lists(children, max_size=4),
            st.sampled_from(("", " ", "\n", "\n  ", "\r\n\t")),
        )
        | st.builds(
            _dump_object,
            # Keys from a tiny alphabet, so objects often repeat one: every duplicate must be found.
            st.lists(st.tuples(st.sampled_from(("a", "b", "é", "")), children), max_size=4),
            st.sampled_from(("", " ", "\n", "\n    ")),
        )
    ),
    max_leaves=20,
)
JSON_PIECES = (
    ",",
    "}",
    "]",
    "{",
    "[",
    '"',
    ":",
    "NaN",
    "-Infinity",
    "Infinity",
    "\\",
    "\n",
    "tru",
    "1e",
    "\x00",
)
json_documents = json_texts | json_texts.flatmap(lambda text: mutated_text(text, JSON_PIECES))


class _ConstantError(Exception):
    pass


def _refuse_constant(name: str) -> Any:
    raise _ConstantError(name)


def _inside_output(diagnostic: Diagnostic, text: str) -> None:
    assert diagnostic.location is not None and diagnostic.location.where is Where.OUTPUT
    lines = text.split("\n")
    assert 1 <= diagnostic.location.line <= len(lines), diagnostic
    assert 1 <= diagnostic.location.column <= len(lines[diagnostic.location.line - 1]) + 1, diagnostic


@settings(max_examples=1000)  # pure and fast: explore five times more than the profile
@given(json_documents)
def test_json_validator_agrees_with_json_loads(text: str) -> None:
    diagnostics = validate_json(text)
    for diagnostic in diagnostics:
        _inside_output(diagnostic, text)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    seen_duplicate = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal seen_duplicate
        seen_duplicate = seen_duplicate or len({k for k, _ in items}) != len(items)
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        (error,) = errors
        assert error.code == "json-syntax"
        assert error.location is not None
        assert (error.location.line, error.location.column) == (exc.lineno, exc.colno)
        assert f"line {exc.lineno}, column {exc.colno}" in error.message
        return
    except _ConstantError as exc:
        (error,) = errors
        assert error.code == "json-syntax" and "is not a JSON value" in error.message
        assert error.location is not None
        line, column = error.location.line, error.location.column
        start = sum(len(chunk) + 1 for chunk in text.split("\n")[: line - 1]) + column - 1
        assert text[start:].lstrip("-").startswith(str(exc).lstrip("-")), (str(exc), text[start:])
        return
    assert errors == []
    duplicates = [d for d in diagnostics if d.code == "json-duplicate-key"]
    assert bool(duplicates) == seen_duplicate
    assert all(d.severity is Severity.WARNING for d in duplicates)


# ---------------------------------------------------------------- XML

_xml_name = st.sampled_from(("a", "order", "item", "ns:x", "b-c", "é"))
_xml_text = st.text(alphabet=st.sampled_from(list("ab é<>&;\"'\n\t]\u2603")), max_size=8).map(
    lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)
_xml_attribute = st.builds(
    lambda name, value: f' {name}="{value}"',
    st.sampled_from(("id", "x", "é")),
    _xml_text.map(lambda s: s.replace('"', "&quot;")),
)
_xml_misc = st.sampled_from(
    ("<!-- c -->", "<![CDATA[ <raw> & ]]>", "<?pi data?>", "&amp;", "&#x2603;", "\n  ")
)


def _element(name: str, attributes: list[str], children: list[str]) -> str:
    attrs = "".join(dict.fromkeys(attributes))
    if not children:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{''.join(children)}</{name}>"


xml_elements = st.recursive(
    st.builds(_element, _xml_name, st.lists(_xml_attribute, max_size=2), st.just([])),
    lambda children: st.builds(
        _element,
        _xml_name,
        st.lists(_xml_attribute, max_size=2),
        st.lists(children | _xml_text | _xml_misc, max_size=4),
    ),
    max_leaves=12,
)
xml_texts = st.builds(
    lambda declaration, root: declaration + root,
    st.sampled_from(("", '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>")),
    xml_elements.map(lambda e: e.replace("ns:x", "x") if "xmlns" not in e else e),
)
XML_PIECES = (
    "<",
    ">",
    "</a>",
    "&",
    "&bogus;",
    '"',
    "<!--",
    "]]>",
    "<?xml version='1.0'?>",
    "\u0001",
    "é",
    "\n",
    "\r",
)
xml_documents = xml_texts | xml_texts.flatmap(lambda text: mutated_text(text, XML_PIECES))


@settings(max_examples=1000)  # pure and fast: explore five times more than the profile
@given(xml_documents)
def test_xml_validator_agrees_with_lxml(text: str) -> None:
    diagnostics = validate_xml(text)
    reference = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        etree.fromstring(text.encode("utf-8"), reference)
    except etree.XMLSyntaxError as exc:
        (error,) = diagnostics
        assert error.code == "xml-syntax" and error.severity is Severity.ERROR
        _inside_output(error, text)
        assert error.location is not None
        assert error.location.line == (exc.position[0] if exc.position else exc.lineno)
        assert f"output line {error.location.line}, column {error.location.column}" in error.message
        return
    assert diagnostics == ()


def test_an_xml_error_on_a_non_ascii_line_stays_on_that_line() -> None:
    """Found by the property above: libxml2 said column 17 on a line of 15 characters (it counted bytes)."""
    (error,) = validate_xml("<a0><é></é></a>")
    assert error.location is not None and error.location.column <= len("<a0><é></é></a>") + 1
