"""Template files: formats from extensions (or, on import, from the text), and the one-file email format
round-trips exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.template_files import (
    TemplateFileError,
    format_from_filename,
    format_from_text,
    import_template_file,
    parse_template_text,
    read_template_file,
    suggested_filename,
    template_name_from_filename,
    template_to_text,
)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.json.j2", OutputFormat.JSON),
        ("a.XML.j2", OutputFormat.XML),
        ("a.html", OutputFormat.HTML),
        ("a.txt.j2", OutputFormat.TEXT),
        ("a.email.j2", OutputFormat.HTML),
        ("a.jinja", None),
    ],
)
def test_format_from_extension(name: str, fmt: OutputFormat | None) -> None:
    assert format_from_filename(name) is fmt


def test_name_drops_the_double_extension() -> None:
    assert template_name_from_filename("/x/order-shipped.json.j2") == "order-shipped"


EMAIL = """{% block subject %}Order {{ orderReferenceId }} shipped{% endblock %}
{# the html part #}
{% block html %}
<p>Hello {{ name }}</p>
{% endblock %}
{% block text %}
Hello {{ name }}
{% endblock %}
"""


def test_email_file_parts_and_their_lines() -> None:
    parsed = parse_template_text(EMAIL, "shipped.email.j2")
    t = parsed.template
    assert t.kind is TemplateKind.EMAIL
    assert t.subject == "Order {{ orderReferenceId }} shipped"
    assert t.body == "<p>Hello {{ name }}</p>\n"
    assert t.text_body == "Hello {{ name }}\n"
    assert parsed.part_lines == {"subject": 1, "html": 4, "text": 7}


def test_email_round_trips_exactly() -> None:
    t = parse_template_text(EMAIL, "shipped.email.j2").template
    again = parse_template_text(template_to_text(t), suggested_filename(t)).template
    assert again == t


def test_webhook_round_trips_with_its_format() -> None:
    t = Template(name="x", format=OutputFormat.XML, body="<a>{{ b }}</a>\n")
    again = parse_template_text(template_to_text(t), suggested_filename(t)).template
    assert again == t


def test_text_outside_blocks_is_reported_with_its_line() -> None:
    with pytest.raises(TemplateFileError, match=r"bad\.email\.j2:3: text outside"):
        parse_template_text("{% block subject %}s{% endblock %}\n\nstray\n", "bad.email.j2")


def test_email_without_body_is_refused() -> None:
    with pytest.raises(TemplateFileError, match="needs an html or a text part"):
        parse_template_text("{% block subject %}s{% endblock %}", "x.email.j2")


def test_unknown_part_is_named() -> None:
    with pytest.raises(TemplateFileError, match="unknown email part 'body'"):
        parse_template_text("{% block body %}s{% endblock %}", "x.email.j2")


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(TemplateFileError, match="no such file"):
        read_template_file(tmp_path / "missing.json.j2")
    bad = tmp_path / "bin.json.j2"
    bad.write_bytes(b'{"a":\n"\xff"}')
    with pytest.raises(TemplateFileError, match=r"bin\.json\.j2:2: not UTF-8"):
        read_template_file(bad)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('<?xml version="1.0"?>\n<order/>', OutputFormat.XML),
        ('{# a receiver in XML #}\n{% set id = orderId %}\n  <order id="{{ id }}"/>', OutputFormat.XML),
        ("\ufeff{%- for item in items -%}{{ item.id }}<item/>{% endfor %}", OutputFormat.XML),
        ('{\n  "orderId": "{{ orderId }}"\n}', OutputFormat.JSON),
        ('{% raw %}[{"a": 1}]{% endraw %}', OutputFormat.JSON),
        ("Order {{ orderId }} shipped", None),
        ("{# only a comment #}\n", None),
    ],
)
def test_format_from_text_is_the_first_character_outside_jinja(text: str, fmt: OutputFormat | None) -> None:
    assert format_from_text(text) is fmt


@pytest.mark.parametrize(
    ("name", "body", "given", "fmt"),
    [
        ("order.j2", '{# XML #}\n<order id="{{ orderId }}"/>\n', None, OutputFormat.XML),
        ("order.txt", '\n  <order id="{{ orderId }}"/>\n', None, OutputFormat.XML),
        ("order.j2", '{% if x %}[{"id": 1}]{% endif %}', None, OutputFormat.JSON),
        ("order.j2", "Order {{ orderId }} shipped", None, OutputFormat.TEXT),
        ("order.json.j2", '<not-json attr="the name says"/>', None, OutputFormat.JSON),
        ("order.xml.j2", '{"the name": "says"}', None, OutputFormat.XML),
        ("order.txt.j2", '{"a text template": "stays text"}', None, OutputFormat.TEXT),
        ("order.j2", "<order/>", OutputFormat.TEXT, OutputFormat.TEXT),
        ("order.json.j2", "<order/>", OutputFormat.XML, OutputFormat.XML),
    ],
)
def test_import_takes_the_format_given_else_from_the_name_else_from_the_text(
    tmp_path: Path, name: str, body: str, given: OutputFormat | None, fmt: OutputFormat
) -> None:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    template = import_template_file(path, given).template
    assert (template.name, template.kind, template.format, template.body) == (
        "order",
        TemplateKind.WEBHOOK,
        fmt,
        body,
    )


def test_import_reads_an_email_file_as_email_and_refuses_a_format(tmp_path: Path) -> None:
    path = tmp_path / "shipped.email.j2"
    path.write_text(EMAIL, encoding="utf-8")
    assert import_template_file(path).template == parse_template_text(EMAIL, str(path)).template
    with pytest.raises(TemplateFileError, match="a format does not apply"):
        import_template_file(path, OutputFormat.XML)


def test_render_reading_keeps_text_for_a_name_that_does_not_say(tmp_path: Path) -> None:
    path = tmp_path / "order.j2"
    path.write_text("<order/>", encoding="utf-8")
    assert read_template_file(path).template.format is OutputFormat.TEXT
