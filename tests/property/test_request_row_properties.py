"""The Requests page's fast row builder gives exactly the row the whole-record parser gives.

``RequestRow.from_values`` builds a row straight from its 13 stored columns when they have the types
the log stores and hands any other row to ``RequestRow.from_columns`` (the record parser). Generated
columns mix stored values with damaged ones (wrong types, unknown channels and outcomes, bools,
infinities, missing ids), so both paths and the boundary between them are compared.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from postback_studio.core.requestlog import Channel, Outcome
from postback_studio.core.requests_view import ROW_COLUMNS, RequestRow

_DAMAGED = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.binary(max_size=4),
)
_TIME = st.one_of(st.floats(min_value=0, max_value=4e9), st.integers(min_value=0, max_value=2**40))
_STORED: dict[str, st.SearchStrategy[Any]] = {
    "id": st.integers(min_value=1, max_value=2**62),
    "started_at": _TIME,
    "customer_name": st.text(max_size=8),
    "trigger_name": st.text(max_size=8),
    "event": st.text(max_size=8),
    "channel": st.sampled_from([c.value for c in Channel]),
    "target": st.text(max_size=12),
    "outcome": st.sampled_from([o.value for o in Outcome]),
    "response_status": st.one_of(st.none(), st.integers(min_value=100, max_value=599)),
    "attempt": st.integers(min_value=1, max_value=20),
    "duration": st.one_of(st.none(), _TIME),
    "delivery_id": st.text(max_size=8),
    "is_test": st.sampled_from([0, 1]),
}
_COLUMN = {name: st.one_of(stored, stored, stored, _DAMAGED) for name, stored in _STORED.items()}


def _either(build: Any) -> tuple[str, Any]:
    try:
        return "row", build()
    except ValueError as exc:
        return "error", str(exc)


def _same(a: Any, b: Any) -> bool:
    """Equal rows, NaN durations aside (a NaN never reaches a row: it is not a finite time)."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


@given(st.fixed_dictionaries(_COLUMN))
def test_fast_rows_are_the_parsers_rows(columns: dict[str, Any]) -> None:
    values = tuple(columns[name] for name in ROW_COLUMNS)
    fast = _either(lambda: RequestRow.from_values(values))
    parsed = _either(lambda: RequestRow.from_columns(columns))
    assert fast[0] == parsed[0]
    assert _same(fast[1], parsed[1])
    if fast[0] == "row":
        types = [type(getattr(fast[1], name)) for name in ROW_COLUMNS]
        assert types == [type(getattr(parsed[1], name)) for name in ROW_COLUMNS]


@given(st.fixed_dictionaries(_STORED))
def test_stored_columns_take_the_direct_path(columns: dict[str, Any]) -> None:
    values = tuple(columns[name] for name in ROW_COLUMNS)
    row = RequestRow.from_values(values)
    assert row == RequestRow.from_columns(columns)
    assert isinstance(row.started_at, float)
