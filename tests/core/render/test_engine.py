"""The render engine end to end: output, diagnostics with locations, lookups, emails, threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine, SchemaFileError, Severity, Where
from postback_studio.core.samples import load_sample

TEMPLATES = resources_dir() / "templates"
CARRIERS = {"shipmentMethodUid": {"ups_surepost": "UPS SurePost", "fed_ex_2_day": "FedEx 2Day"}}


def test_output_is_exactly_what_the_template_produces(engine: RenderEngine) -> None:
    result = engine.render("x{{ orderId }}y\n  ", {"orderId": "A\u00e9"}, fmt=OutputFormat.TEXT)
    assert result.output == "xA\u00e9y\n  "
    assert result.valid and result.diagnostics == ()
    assert {"compile", "render", "fields", "validate"} <= result.timings.keys()


def test_article_template_is_valid_for_one_fulfillment(engine: RenderEngine) -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    result = engine.render(source, load_sample("shipped"), fmt=OutputFormat.JSON)
    assert result.valid, result.diagnostics


def test_article_template_breaks_for_several_fulfillments(engine: RenderEngine) -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    result = engine.render(source, load_sample("shipped.multi-item"), fmt=OutputFormat.JSON)
    assert result.rendered and not result.valid
    (error,) = result.errors
    assert error.code == "json-syntax" and error.location is not None
    assert (error.location.where, error.location.line, error.location.column) == (Where.OUTPUT, 16, 1)
    assert result.output is not None
    assert result.output.split("\n")[15].startswith('"trackingCode"')


def test_missing_field_is_a_located_warning_and_an_error_when_strict(engine: RenderEngine) -> None:
    source = '{\n  "id": "{{ orderId }}",\n  "x": "{{ shipment.nope }}"\n}'
    result = engine.render(source, load_sample("shipped"), fmt=OutputFormat.JSON)
    (warning,) = result.diagnostics
    assert warning.code == "unresolved-field" and warning.severity is Severity.WARNING
    assert warning.location is not None and (warning.location.line, warning.location.column) == (3, 12)
    assert "shipment.nope" in warning.message
    assert result.valid
    strict = engine.render(source, load_sample("shipped"), fmt=OutputFormat.JSON, strict=True)
    assert not strict.rendered and strict.errors[0].code == "unresolved-field"
    assert [f.path for f in strict.fields if not f.resolved] == ["shipment.nope"]


def test_runtime_errors_carry_the_template_line(engine: RenderEngine) -> None:
    result = engine.render("ok\n\n{{ nothing.deeper.still }}", {}, fmt=OutputFormat.TEXT)
    assert result.output is None
    error = result.errors[0]
    assert error.code == "runtime" and error.location is not None
    assert (error.location.line, error.location.column) == (3, 4)


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("a\n{% if x %}\nb", 2, "The innermost block that needs to be closed is 'if'"),
        ("a\n{{ x + }}\nb", 2, "unexpected 'end of print statement'"),
        ("a\nb\n\n{% for %}\nc", 4, "Expected an expression"),
    ],
    ids=["unclosed block", "broken expression", "broken tag"],
)
def test_syntax_errors_carry_the_template_line(
    engine: RenderEngine, source: str, line: int, words: str
) -> None:
    result = engine.render(source, {}, fmt=OutputFormat.TEXT)
    assert result.output is None
    (error,) = result.errors
    assert error.code == "syntax" and words in error.message
    assert error.location is not None
    assert (error.location.where, error.location.line) == (Where.TEMPLATE, line)


def test_lookups_hit_miss_and_strict_miss(engine: RenderEngine) -> None:
    source = (
        '{{ lookups({"shipmentMethodUid": "ups_surepost"}) }}|'
        '{{ lookups({"shipmentMethodUid": "zz"}, strict=False, default="?") }}'
    )
    result = engine.render(source, {}, fmt=OutputFormat.TEXT, lookups=CARRIERS)
    assert result.output == "UPS SurePost|?"
    assert [(u.field, u.key, u.hit, u.value) for u in result.lookups] == [
        ("shipmentMethodUid", "ups_surepost", True, "UPS SurePost"),
        ("shipmentMethodUid", "zz", False, "?"),
    ]
    (miss,) = result.diagnostics
    assert miss.code == "lookup-miss" and miss.severity is Severity.WARNING
    assert miss.location is not None and (miss.location.line, miss.location.column) == (1, 57)
    strict = engine.render(
        'a\n{{ lookups({"shipmentMethodUid": "zz"}, strict=True) }}',
        {},
        fmt=OutputFormat.TEXT,
        lookups=CARRIERS,
    )
    assert strict.output is None
    error = strict.errors[0]
    assert error.code == "lookup-miss" and "shipmentMethodUid" in error.message and "'zz'" in error.message
    assert error.location is not None and error.location.line == 2


def test_lookup_of_an_unknown_table_falls_back_to_the_default(engine: RenderEngine) -> None:
    result = engine.render('{{ lookups({"sku": "A"}, default="none") }}', {}, fmt=OutputFormat.TEXT)
    assert result.output == "none"


def test_corrected_templates_are_valid_for_every_sample_of_their_event(engine: RenderEngine) -> None:
    for name, sample_names in (
        ("order-shipped.json.j2", ["shipped", "shipped.multi-item"]),
        ("order-shipped-xml.xml.j2", ["shipped", "shipped.multi-item"]),
        ("order-failed.json.j2", ["failed", "failed.multi-item"]),
    ):
        source = (TEMPLATES / name).read_text()
        fmt = OutputFormat.XML if name.endswith(".xml.j2") else OutputFormat.JSON
        for sample in sample_names:
            result = engine.render(source, load_sample(sample), fmt=fmt, lookups=CARRIERS)
            assert result.valid, (name, sample, result.diagnostics)
            assert not [d for d in result.diagnostics if d.code == "unresolved-field"]


def test_email_template_renders_every_part(engine: RenderEngine) -> None:
    from postback_studio.core.template_files import read_template_file

    template = read_template_file(TEMPLATES / "order-shipped-email.email.j2").template
    rendering = engine.render_template(template, load_sample("shipped.multi-item"))
    assert set(rendering.parts) == {"subject", "html", "text"}
    assert rendering.valid and rendering.rendered
    assert rendering.parts["subject"].output == "Your order ACME-100235 is on its way"
    assert "781234567906" in (rendering.parts["text"].output or "")


def test_email_without_text_part_gets_a_warning(engine: RenderEngine) -> None:
    template = Template("t", kind=TemplateKind.EMAIL, subject="Hi {{ orderId }}", body="<p>{{ orderId }}</p>")
    rendering = engine.render_template(template, {"orderId": "1"})
    assert rendering.valid
    assert [d.code for d in rendering.diagnostics] == ["email"]
    assert rendering.parts["html"].output == "<p>1</p>"


def test_email_part_locations_name_their_part(engine: RenderEngine) -> None:
    template = Template("t", kind=TemplateKind.EMAIL, subject="s", body="<p>\n{{ gone }}</p>", text_body="x")
    rendering = engine.render_template(template, {})
    (unresolved,) = [d for d in rendering.diagnostics if d.code == "unresolved-field"]
    assert unresolved.location is not None and unresolved.location.part == "html"
    assert unresolved.location.line == 2


def test_webhook_template_renders_its_body(engine: RenderEngine) -> None:
    template = Template("t", format=OutputFormat.JSON, body='{"id": "{{ orderId }}"}')
    rendering = engine.render_template(template, {"orderId": "7"})
    assert rendering.parts["body"].output == '{"id": "7"}' and rendering.valid


def test_schema_from_text_and_from_file(engine: RenderEngine, tmp_path: Path) -> None:
    schema = '{"type": "object", "properties": {"quantity": {"type": "integer"}}}'
    result = engine.render('{"quantity": "{{ q }}"}', {"q": 2}, fmt=OutputFormat.JSON, schema=schema)
    assert [d.code for d in result.errors] == ["json-schema"]
    assert "$.quantity" in result.errors[0].message
    path = tmp_path / "s.json"
    path.write_text(schema)
    assert engine.render('{"quantity": {{ q }}}', {"q": 2}, fmt=OutputFormat.JSON, schema=path).valid
    with pytest.raises(SchemaFileError):
        engine.render("{}", {}, fmt=OutputFormat.JSON, schema=tmp_path / "missing.json")


def test_mapping_keys_win_over_dict_methods(engine: RenderEngine) -> None:
    payload = {"order": {"items": [{"id": 1}, {"id": 2}], "keys": "k", "values": "v"}}
    result = engine.render(
        "{% for item in order.items %}{{ item.id }}{% endfor %}{{ order.keys }}{{ order.values }}",
        payload,
        fmt=OutputFormat.TEXT,
    )
    assert result.output == "12kv"


def test_renders_from_many_threads_get_their_own_results(engine: RenderEngine) -> None:
    outputs: dict[int, str | None] = {}

    def work(n: int) -> None:
        outputs[n] = engine.render("{{ n }}-{{ n * 2 }}", {"n": n}, fmt=OutputFormat.TEXT).output

    threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outputs == {n: f"{n}-{n * 2}" for n in range(12)}


def test_closed_engine_refuses_to_render() -> None:
    engine = RenderEngine()
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        engine.render("x", {}, fmt=OutputFormat.TEXT)


def test_a_worker_that_cannot_start_is_a_diagnostic_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from postback_studio.core.render import worker_process

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no interpreter")

    monkeypatch.setattr(worker_process.subprocess, "Popen", refuse)
    with RenderEngine() as broken:
        result = broken.render("{{ orderId }}", {}, fmt=OutputFormat.TEXT)
    assert result.output is None
    assert result.errors[0].code == "runtime" and "cannot render: no interpreter" in result.errors[0].message


def test_tojson_writes_exactly_what_jinja_writes(engine: RenderEngine) -> None:
    import jinja2

    payload = {
        "text": "Ünïcødé <b>&'\"\\ \u2028 \U0001f600",
        "numbers": [0, -1, 2.5, 1e300, 10**30, True, None],
        "nested": {"z": 1, "a": {"c": [], "b": {}}},
        "empty": "",
    }
    source = (
        "{{ text|tojson }}|{{ numbers|tojson }}|{{ nested|tojson }}|{{ nested|tojson(indent=2) }}|"
        "{% for key in nested %}{{ key|tojson }}{{ nested[key]|tojson }}{% endfor %}|{{ empty|tojson }}"
    )
    expected = jinja2.Environment().from_string(source).render(payload)
    assert engine.render(source, payload, fmt=OutputFormat.TEXT).output == expected


def test_integers_beyond_64_bits_render_as_jinja_renders_them(engine: RenderEngine) -> None:
    import jinja2

    payload = {"big": 10**30, "negative": -(2**64), "items": [{"n": 2**70}]}
    source = "{{ big }} {{ negative }} {{ items[0].n }} {{ big|tojson }}"
    expected = jinja2.Environment().from_string(source).render(payload)
    assert expected.startswith("1000000000000000000000000000000 ")
    assert engine.render(source, payload, fmt=OutputFormat.TEXT).output == expected
    many = engine.render_batch(source, [payload, {**payload, "big": 1}], fmt=OutputFormat.TEXT)
    assert many[0].output == expected and many[1].output is not None and many[1].output.startswith("1 ")
    lone = {"big": 2**64, "text": "a\ud800b"}  # a lone surrogate: the json module writes it too
    assert engine.render("{{ big }} {{ text|length }}", lone, fmt=OutputFormat.TEXT).output == f"{2**64} 3"
