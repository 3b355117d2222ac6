"""Does the template's output say what the example says? Text first, then meaning.

Two levels, because ``|tojson`` escapes what an example may write plainly (``&`` as ``\\u0026``,
non-ASCII as ``\\u00e9``) and ``|e`` writes ``'`` as ``&#39;``: *identical* is the same text, apart
from whitespace around the whole document (Jinja drops a template's final line break);
*equivalent* is the same document to any parser: for JSON the same members in the same order with the
same values and types (numbers compared as numbers), for XML the same canonical form (C14N 2.0,
which also settles attribute quoting, namespace declaration order and empty-element syntax).
When they differ, ``difference`` says where, in the example's terms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from postback_studio.core.model import OutputFormat
from postback_studio.core.wording import counted


@dataclass(frozen=True)
class Comparison:
    """How the output compares with the example."""

    identical: bool
    equivalent: bool
    difference: str | None = None


def compare_output(example: str, output: str, fmt: OutputFormat) -> Comparison:
    """Compare a rendered output with the example it should reproduce (JSON or XML)."""
    if example.strip() == output.strip():
        return Comparison(True, True)
    if fmt is OutputFormat.XML:
        return _compare_xml(example, output)
    return _compare_json(example, output)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its members in order (duplicates kept)."""


def _load(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_Pairs, parse_float=Decimal)


def _compare_json(example: str, output: str) -> Comparison:
    try:
        expected = _load(example)
    except json.JSONDecodeError as exc:
        return Comparison(False, False, f"the example is not valid JSON: {exc}")
    try:
        actual = _load(output)
    except json.JSONDecodeError as exc:
        return Comparison(
            False, False, f"the output is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        )
    difference = _json_difference(expected, actual, "")
    return Comparison(False, difference is None, difference)


def _json_difference(expected: Any, actual: Any, path: str) -> str | None:
    where = path or "$"
    if isinstance(expected, _Pairs) and isinstance(actual, _Pairs):
        for (key, value), (other_key, other_value) in zip(expected, actual, strict=False):
            if key != other_key:
                shown = json.dumps(other_key)
                return f"{where}: the example has key {json.dumps(key)} where the output has {shown}"
            found = _json_difference(value, other_value, f"{path}.{key}" if path else key)
            if found:
                return found
        if len(expected) != len(actual):
            return f"{where}: the example has {len(expected)} members, the output {len(actual)}"
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for position, (value, other) in enumerate(zip(expected, actual, strict=False)):
            found = _json_difference(value, other, f"{path}[{position}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{where}: the example has {counted(len(expected), 'element')}, the output {len(actual)}"
        return None
    if _same_scalar(expected, actual):
        return None
    return f"{where}: the example has {_show(expected)}, the output {_show(actual)}"


def _same_scalar(expected: Any, actual: Any) -> bool:
    numbers = (int, Decimal)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        return Decimal(expected) == Decimal(actual)
    return type(expected) is type(actual) and expected == actual


def _show(value: Any) -> str:
    if isinstance(value, _Pairs):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _compare_xml(example: str, output: str) -> Comparison:
    try:
        expected = _canonical(example)
    except etree.XMLSyntaxError as exc:
        return Comparison(False, False, f"the example is not well-formed XML: {exc}")
    try:
        actual = _canonical(output)
    except etree.XMLSyntaxError as exc:
        return Comparison(False, False, f"the output is not well-formed XML: {exc}")
    if expected == actual:
        return Comparison(False, True)
    difference = _xml_difference(_parse(example), _parse(output), "")
    return Comparison(False, False, difference or "the documents differ in whitespace or comments")


def _parse(text: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, encoding="utf-8")
    return etree.fromstring(text.strip().encode("utf-8"), parser)


def _canonical(text: str) -> str:
    return etree.tostring(_parse(text), method="c14n2", with_comments=True).decode("utf-8")


def _xml_difference(expected: etree._Element, actual: etree._Element, path: str) -> str | None:
    where = f"{path}/{etree.QName(expected).localname}" if isinstance(expected.tag, str) else path
    if expected.tag != actual.tag:
        return f"{where}: the output has <{etree.QName(actual).localname}> instead"
    attributes = {str(k): str(v) for k, v in expected.attrib.items()}
    other_attributes = {str(k): str(v) for k, v in actual.attrib.items()}
    if attributes != other_attributes:
        for name, value in attributes.items():
            if other_attributes.get(name) != value:
                shown = etree.QName(name).localname
                return (
                    f"{where}/@{shown}: the example has {value!r}, the output {other_attributes.get(name)!r}"
                )
        return f"{where}: the output has attributes the example does not"
    text, other_text = (expected.text or "").strip(), (actual.text or "").strip()
    if text != other_text:
        return f"{where}: the example has {text!r}, the output {other_text!r}"
    expected_children, actual_children = list(expected), list(actual)
    for child, other in zip(expected_children, actual_children, strict=False):
        found = _xml_difference(child, other, where)
        if found:
            return found
    if len(expected_children) != len(actual_children):
        count, other_count = len(expected_children), len(actual_children)
        return f"{where}: the example has {counted(count, 'child element')}, the output {other_count}"
    return None
