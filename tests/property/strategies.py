"""Hypothesis strategies shared by the property tests: JSON values, a small Jinja grammar, mutations."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

#: Payload keys the generated templates also read, so fields resolve as often as they miss.
NAMES = ("order", "items", "id", "status", "fulfillments", "trackingCode", "quantity", "shipmentMethodUid")
LOOKUP_FIELDS = ("shipmentMethodUid", "product_code")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_keys = st.sampled_from(NAMES) | st.text(max_size=8)


def json_values(max_leaves: int = 25) -> st.SearchStrategy[Any]:
    """Any JSON value (no NaN/Infinity, which JSON does not have)."""
    return st.recursive(
        json_scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=5),
        max_leaves=max_leaves,
    )


payloads = st.dictionaries(st.sampled_from(NAMES), json_values(15), max_size=6)

# ---------------------------------------------------------------- the Jinja grammar

_name = st.sampled_from((*NAMES, "missing", "loop", "x", "item"))
_literal = (
    st.integers(-1000, 1000).map(str)
    | st.text(alphabet=st.characters(blacklist_characters='"\\\n'), max_size=6).map(lambda s: f'"{s}"')
    | st.sampled_from(("true", "false", "none", "[]", "{}", "[1, 2]", '{"a": 1}'))
)
_filter = st.sampled_from(
    (
        "upper",
        "lower",
        "length",
        "tojson",
        "string",
        "int",
        "float",
        "round",
        "first",
        "last",
        "trim",
        "title",
        'default("n/a")',
        'join(",")',
        'replace("a", "b")',
        "list",
        "sort",
        "unique",
        "abs",
        "e",
    )
)


def _postfix(base: str, suffix: str) -> str:
    return base + suffix


_accessor = st.sampled_from(NAMES).map(lambda n: f".{n}") | st.sampled_from(
    ('["id"]', "[0]", "[-1]", '["missing"]', "[1:]")
)

_atom = _name | _literal
_primary = st.builds(_postfix, _atom, st.lists(_accessor, max_size=3).map("".join))


def _expression(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return (
        st.builds(lambda e, f: f"{e} | {f}", children, _filter)
        | st.builds(
            lambda a, op, b: f"{a} {op} {b}",
            children,
            st.sampled_from(("+", "-", "~", "==", "!=", "and", "or", "in", "*", "//", "%")),
            children,
        )
        | st.builds(lambda e: f"not {e}", children)
        | st.builds(lambda e: f"({e})", children)
        | st.builds(
            lambda field, key, strict, default: (
                f'lookups({{"{field}": {key}}}, strict={strict}, default="{default}")'
            ),
            st.sampled_from(LOOKUP_FIELDS),
            children,
            st.sampled_from(("False", "True")),
            st.sampled_from(("", "?", "UNKNOWN")),
        )
        | st.builds(lambda e: f"{e} if {e} else 0", children)
    )


expressions = st.recursive(_primary, _expression, max_leaves=6)

_text = st.text(alphabet=st.sampled_from(list('abc xyz,:"{}[]<>/\n\r\t\u00e9\u2603')), max_size=15).filter(
    lambda s: "{{" not in s and "{%" not in s and "{#" not in s
)


def _statement(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    body = st.lists(children, max_size=3).map("".join)
    dash = st.sampled_from(("", "-"))
    return (
        st.builds(lambda c, b, e: f"{{%{c} if {e} %}}{b}{{% endif %}}", dash, body, expressions)
        | st.builds(
            lambda e, a, b: f"{{% if {e} %}}{a}{{% elif {e} %}}{b}{{% else %}}{a}{{% endif %}}",
            expressions,
            body,
            body,
        )
        | st.builds(
            lambda v, e, b: f"{{% for {v} in {e} %}}{b}{{% if not loop.last %}},{{% endif %}}{{% endfor %}}",
            st.sampled_from(("item", "x", "f")),
            expressions,
            body,
        )
        | st.builds(
            lambda v, e: f"{{% set {v} = {e} %}}", st.sampled_from(("x", "total", "item")), expressions
        )
        | st.builds(lambda e: f"{{{{ {e} }}}}", expressions)
    )


_leaf = _text | st.builds(lambda e: f"{{{{ {e} }}}}", expressions) | st.just("{# note #}")
statements = st.recursive(_leaf, _statement, max_leaves=8)
well_formed_templates = st.lists(statements, min_size=1, max_size=6).map("".join)

#: Pieces that break a template when inserted: unclosed or stray tags, bad expressions.
BREAKERS = (
    "{{",
    "}}",
    "{%",
    "%}",
    "{% endif %}",
    "{% for %}",
    "{{ ( }}",
    "{{ a. }}",
    "{% if %}",
    "\n{%",
    "|",
)


@st.composite
def mutated_text(draw: st.DrawFn, text: str, pieces: tuple[str, ...] = ()) -> str:
    """``text`` with a few random deletions, insertions (of ``pieces`` or any character) and swaps."""
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(("delete", "insert", "piece", "truncate")))
        if action == "delete" and text:
            end = min(len(text), position + draw(st.integers(1, 4)))
            text = text[:position] + text[end:]
        elif action == "piece" and pieces:
            text = text[:position] + draw(st.sampled_from(pieces)) + text[position:]
        elif action == "truncate":
            text = text[:position]
        else:
            text = text[:position] + draw(st.characters(codec="utf-8")) + text[position:]
    return text


#: Three in four well formed, one in four broken (syntax errors are found early and are cheap).
templates = st.one_of(
    well_formed_templates,
    well_formed_templates,
    well_formed_templates,
    well_formed_templates.flatmap(lambda t: mutated_text(t, BREAKERS)),
)
