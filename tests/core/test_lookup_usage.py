"""Finding the templates that call lookups() with a table's template field."""

from __future__ import annotations

from postback_studio.core.lookup_usage import lookup_fields_called, templates_calling
from postback_studio.core.model import Template, TemplateKind


def test_both_quote_styles_and_strict_arguments_are_found() -> None:
    source = (
        '{"carrier": "{{ lookups({"carrier": carrierUid}, strict=True) }}",\n'
        " \"sku\": \"{{ lookups({'sku_map': item.sku}, default='?') }}\"}"
    )
    assert lookup_fields_called(source) == {"carrier", "sku_map"}


def test_comments_do_not_count_when_the_template_parses() -> None:
    assert lookup_fields_called('{# lookups({"old": x}) #}{{ x }}') == set()


def test_a_template_that_does_not_parse_is_still_scanned() -> None:
    assert lookup_fields_called('{{ lookups({"carrier": x}) }}{% if %}') == {"carrier"}


def test_templates_calling_checks_email_subject_and_text_parts() -> None:
    templates = [
        Template("Shipped JSON", body='{{ lookups({"carrier": carrierUid}) }}'),
        Template("Mail", kind=TemplateKind.EMAIL, subject='{{ lookups({"carrier": c}) }}', body="<p/>"),
        Template("Other", body='{{ lookups({"carrier_name": carrierUid}) }}'),
        Template("Plain", body="{{ orderId }}"),
    ]
    assert [t.name for t in templates_calling("carrier", templates)] == ["Shipped JSON", "Mail"]
