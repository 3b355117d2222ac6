"""Untrusted templates: injection payloads are refused, runaway templates are stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.render.result import TEMPLATE_ERROR_CODES

MARKER = "MARKER_PATH"

#: Known server-side template injection payloads for Jinja2 (SSTI cheat-sheet style). Those that
#: would run a command create MARKER_PATH, so a test can prove nothing ran.
INJECTIONS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ [].__class__.__base__.__subclasses__() }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ (1).__class__.__subclasses__() }}",
    "{{ dict.mro() }}",
    "{{ config.__class__.__init__.__globals__['os'].popen('touch MARKER_PATH').read() }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('touch MARKER_PATH').read() }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER_PATH').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('touch MARKER_PATH').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('touch MARKER_PATH').read() }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER_PATH').read() }}",
    "{{ lipsum.__globals__.__builtins__.open('MARKER_PATH', 'w').write('pwned') }}",
    "{{ range.__globals__ }}",
    "{{ lookups.__globals__ }}",
    "{{ lookups.__closure__ }}",
    "{{ ''|attr('__class__')|attr('__mro__') }}",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ ''['__class__'] }}",
    "{% set x = '__cla' ~ 'ss__' %}{{ ''|attr(x) }}",
    "{% set x = '__cla' ~ 'ss__' %}{{ ''[x] }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}",
    "{% set f = '{0.__cl' ~ 'ass__}' %}{{ f.format(1) }}",
    "{{ '{x.__class__}'.format_map({'x': 1}) }}",
    "{% set f = '{0[__cl' ~ 'ass__]}' %}{{ f.format({}) }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
    "{{ c()._module.__builtins__['__import__']('os').system('touch MARKER_PATH') }}{% endif %}{% endfor %}",
    "{% if false %}{{ x.__class__ }}{% endif %}",
    "{{ loop.__class__ }}{% for i in [1] %}{{ loop.__class__ }}{% endfor %}",
    "{{ (lookups|attr('__glo' ~ 'bals__')) }}",
    "{% set ns = namespace() %}{{ ns.__init__ }}",
    "{{ x.gi_frame.f_globals }}",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_is_refused_as_a_security_error(engine: RenderEngine, payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = engine.render(payload.replace(MARKER, str(marker)), {"x": {}}, fmt=OutputFormat.TEXT)
    assert result.output is None
    codes = [d.code for d in result.errors]
    assert codes[0] == "security", result.diagnostics
    assert "security restriction" in result.errors[0].message
    assert not marker.exists()


def test_corpus_is_large_enough() -> None:
    assert len(INJECTIONS) >= 25


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", {"time-limit"}),
        ("{{ 9**(9**9) }}", {"size-limit"}),
        ("{{ 'x' * 1000000000 }}", {"size-limit"}),
        ("{{ [0] * 1000000000 }}", {"size-limit"}),
        ("{{ (2**90000) * (2**90000) }}", {"size-limit"}),
        ("{{ '%999999999d' % 1 }}", {"size-limit"}),
        ("{{ '%*d' % (999999999, 1) }}", {"size-limit"}),
        ("{{ '{:>999999999}'.format('x') }}", {"size-limit"}),
        ("{{ 'x'|center(999999999) }}", {"size-limit"}),
        ("{{ 'a\nb'|indent(999999999) }}", {"size-limit"}),
        ("{{ '%999999999s'|format('x') }}", {"size-limit"}),
        ("{{ ('a' * 100000)|replace('a', 'b' * 1000) }}", {"size-limit"}),
        ("{{ lipsum(1000000) }}", {"size-limit"}),
        ("{{ range(1000000000)|list }}", {"size-limit"}),
        ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", {"recursion-limit"}),
        (
            "{% for i in range(100000) %}{% for j in range(100) %}xxxxxxxxxx{% endfor %}{% endfor %}",
            {"size-limit"},
        ),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
            "{{ ns.s|length }}",
            {"memory-limit", "time-limit"},
        ),
    ],
)
def test_runaway_template_is_stopped(fast_engine: RenderEngine, source: str, codes: set[str]) -> None:
    result = fast_engine.render(source, {}, fmt=OutputFormat.TEXT)
    assert result.output is None
    assert result.errors[0].code in codes, result.diagnostics
    assert result.errors[0].code in TEMPLATE_ERROR_CODES


def test_engine_recovers_after_a_killed_worker(fast_engine: RenderEngine) -> None:
    stopped = fast_engine.render(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        {},
        fmt=OutputFormat.TEXT,
    )
    assert stopped.errors[0].code == "time-limit"
    assert "1 s" in stopped.errors[0].message
    assert fast_engine.render("{{ a }}", {"a": 1}, fmt=OutputFormat.TEXT).output == "1"


def test_left_associative_power_from_the_brief_renders(engine: RenderEngine) -> None:
    """Jinja2 parses ``9**9**9`` as ``(9**9)**9``, a 78-digit number: no limit is needed for it."""
    result = engine.render("{{ 9**9**9 }}", {}, fmt=OutputFormat.TEXT)
    assert result.output == str((9**9) ** 9)


def test_ordinary_formatting_still_works(engine: RenderEngine) -> None:
    result = engine.render(
        "{{ '%05.1f'|format(3.14159) }} {{ '{:>6}'.format('ab') }} {{ 'x'|center(5) }}"
        " {{ 2**10 }} {{ 'ab' * 3 }}",
        {},
        fmt=OutputFormat.TEXT,
    )
    assert result.output == "003.1     ab   x   1024 ababab"


def test_payload_keys_with_one_underscore_are_data(engine: RenderEngine) -> None:
    result = engine.render("{{ order._id }}", {"order": {"_id": "5f0e"}}, fmt=OutputFormat.TEXT)
    assert result.output == "5f0e"
