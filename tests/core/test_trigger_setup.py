"""The small decisions the trigger and settings forms make while the user types."""

from __future__ import annotations

import base64
from pathlib import Path

from postback_studio.core.model import DeliveryMethod, OutputFormat, Template, TemplateKind, TlsMode
from postback_studio.core.paths import resources_dir
from postback_studio.core.trigger_setup import (
    example_templates,
    generate_signing_secret,
    is_usual_smtp_port,
    parse_recipients,
    starter_template,
    templates_for_trigger,
    usual_smtp_port,
)


def test_templates_are_filtered_by_kind_format_and_customer() -> None:
    templates = [
        Template("b json", format=OutputFormat.JSON, customer_id=None),
        Template("A json", format=OutputFormat.JSON, customer_id=1),
        Template("other customer", format=OutputFormat.JSON, customer_id=2),
        Template("xml", format=OutputFormat.XML),
        Template("mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML),
    ]
    json_names = [t.name for t in templates_for_trigger(templates, DeliveryMethod.URL, OutputFormat.JSON, 1)]
    assert json_names == ["A json", "b json"]
    email = templates_for_trigger(templates, DeliveryMethod.EMAIL, OutputFormat.JSON, 1)
    assert [t.name for t in email] == ["mail"]


def test_recipients_split_on_commas_semicolons_and_lines() -> None:
    assert parse_recipients(" a@x.com, b@x.com;\n\nc@x.com\na@x.com ") == ("a@x.com", "b@x.com", "c@x.com")


def test_signing_secret_is_a_standard_webhooks_secret() -> None:
    secret = generate_signing_secret(lambda n: bytes(range(n)))
    assert secret.startswith("whsec_")
    assert base64.b64decode(secret.removeprefix("whsec_")) == bytes(range(24))
    assert generate_signing_secret() != generate_signing_secret()


def test_usual_smtp_ports() -> None:
    assert [usual_smtp_port(m) for m in TlsMode] == [25, 587, 465]
    assert is_usual_smtp_port(465) and not is_usual_smtp_port(2525)


def test_examples_are_read_from_the_shipped_templates_and_broken_files_skipped(tmp_path: Path) -> None:
    examples = example_templates(resources_dir() / "templates")
    kinds = {(t.kind, t.format) for t in examples}
    assert {(TemplateKind.WEBHOOK, OutputFormat.JSON), (TemplateKind.WEBHOOK, OutputFormat.XML)} <= kinds
    assert any(t.kind is TemplateKind.EMAIL for t in examples)
    (tmp_path / "ok.json.j2").write_text('{"id": "{{ orderId }}"}', encoding="utf-8")
    (tmp_path / "broken.email.j2").write_text("no blocks here", encoding="utf-8")
    assert [t.name for t in example_templates(tmp_path)] == ["ok"]


def test_starter_templates_render_every_kind_with_common_fields() -> None:
    for kind, fmt in ((TemplateKind.WEBHOOK, OutputFormat.JSON), (TemplateKind.WEBHOOK, OutputFormat.XML),
                      (TemplateKind.EMAIL, OutputFormat.HTML)):
        template = starter_template(kind, fmt)
        assert (template.kind, template.format) == (kind, fmt)
        assert "{{ orderId }}" in template.body
    assert starter_template(TemplateKind.EMAIL, OutputFormat.HTML).text_body
