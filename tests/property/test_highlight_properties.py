"""JSON is lexed line by line where that colours it exactly as lexing the whole text would.

Generated JSON documents (every indent pygments sees in practice, ASCII or not) and text made of
the characters the JSON lexer treats specially (strings, escapes and comments left open across a
line end, keys whose ``:`` stands on a later line, stray characters) give the same spans both ways.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from pygments.lexers.data import JsonLexer

from postback_studio.core.highlight import line_spans
from tests.property.strategies import json_values


class _WholeTextJsonLexer(JsonLexer):
    """The JSON lexer under another type, which ``line_spans`` lexes as one whole text."""


_JSONISH = st.text(alphabet=st.sampled_from(list('{}[],:"\\/* \n\tabtrufalsn019.eE+-')), max_size=60)
_DOCUMENTS = st.builds(
    lambda value, indent, ascii_only: json.dumps(value, indent=indent, ensure_ascii=ascii_only),
    json_values(),
    st.sampled_from([None, 0, 1, 2, 4]),
    st.booleans(),
)


@given(st.one_of(_DOCUMENTS, _JSONISH))
def test_json_lexed_line_by_line_colours_as_the_whole_text(text: str) -> None:
    assert line_spans(text, JsonLexer()) == line_spans(text, _WholeTextJsonLexer())
