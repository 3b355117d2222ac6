"""The log's payload text is exactly ``json.dumps(payload, ensure_ascii=False, indent=2)``.

``payload_text`` takes orjson's indented form only when orjson's compact form equals the json
module's; these values mix everything on which the two differ (floats in every notation, NaN and
infinities, integers beyond 64 bits, keys that are not text, lone surrogates, control characters,
empty and deeply nested containers, tuples) with ordinary payloads.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postback_studio.core.model import Event
from postback_studio.core.requestlog import payload_text
from postback_studio.core.samples import load_sample

_TEXT = st.text(alphabet=st.characters(codec=None, min_codepoint=0), max_size=12)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e16, 1e-5, 1e-7, 123456789.125, 1.5e300, 5e-324, 2.0**63]),
    _TEXT,
)
_KEYS = st.one_of(_TEXT, _TEXT, st.integers(-5, 5), st.booleans(), st.none(), st.floats(allow_nan=False))
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(_KEYS, children, max_size=4),
    ),
    max_leaves=25,
)


def _expected(value: Any) -> str | type[BaseException]:
    try:
        return json.dumps(value, ensure_ascii=False, indent=2)
    except Exception as exc:  # the type of what either raises is compared
        return type(exc)


def _actual(value: Any) -> str | type[BaseException]:
    try:
        return payload_text(value)
    except Exception as exc:  # the type of what either raises is compared
        return type(exc)


@given(_VALUES)
def test_payload_text_is_the_json_modules_text(value: Any) -> None:
    assert _actual(value) == _expected(value)


@pytest.mark.parametrize("event", list(Event))
def test_shipped_samples_are_written_as_before(event: Event) -> None:
    sample = load_sample(event.value)
    assert payload_text(sample) == json.dumps(sample, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [[], {}, [{}]]},
        [[[[[]]]]],
        {"\u2028": "\u2029", "ctl": "\x00\x1f\x7f", "quote": '"\\/'},
        {"deep": json.loads("[" * 300 + "]" * 300)},
        {1: "int key", "x": 1},
        [float("nan"), float("inf")],
        [2**64],
        ["\ud800"],
    ],
)
def test_edge_values_are_written_as_the_json_module_writes_them(value: Any) -> None:
    assert payload_text(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_a_value_json_cannot_write_raises_as_before() -> None:
    from datetime import datetime

    with pytest.raises(TypeError):
        payload_text({"at": datetime(2026, 1, 1)})
