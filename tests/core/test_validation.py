"""Validation rules return issues that name the field, and never quote a secret."""

from __future__ import annotations

import pytest

from postback_studio.core.errors import ValidationError, ValidationIssue
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    OutputFormat,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.validation import (
    template_matches_trigger,
    validate_customer,
    validate_email_address,
    validate_smtp,
    validate_trigger,
    validate_url,
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "is required"),
        ("ftp://host/x", "must start with http:// or https://"),
        ("https:///path", "has no host"),
        ("http://host:99999/", "is not a valid URL"),
        ("https://ho st/", "spaces"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    [issue] = validate_url(url)
    assert issue.field == "url" and message in issue.message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765/postbacks", "https://erp.example.com/h?x=1", "HTTPS://A.B"]
)
def test_good_urls(url: str) -> None:
    assert validate_url(url) == []


def test_email_addresses_without_dns() -> None:
    assert validate_email_address("ops@example.com", "to") == []
    [issue] = validate_email_address("ops@", "recipients[2]")
    assert issue.field == "recipients[2]" and "'ops@' is not a valid email address" in issue.message


def test_smtp_unconfigured_is_fine_but_half_configured_is_not() -> None:
    assert validate_smtp(SmtpSettings()) == []
    issues = validate_smtp(SmtpSettings(sender_email="x", port=0, password="hunter2-secret"))
    assert {i.field for i in issues} == {"port", "host", "sender_email"}
    assert all("hunter2-secret" not in i.message for i in issues)


def test_required_fields_per_delivery_method() -> None:
    url_trigger = Trigger("t", 1, Event.SHIPPED, recipients=("a@example.com",), http_method="BREW")
    assert {i.field for i in validate_trigger(url_trigger)} == {"url", "http_method", "recipients"}
    mail = Trigger("t", 1, Event.SHIPPED, method=DeliveryMethod.EMAIL, signing=True)
    assert {i.field for i in validate_trigger(mail)} == {"recipients", "signing"}
    active = Trigger("t", 1, Event.SHIPPED, url="https://x.example", status=TriggerStatus.ACTIVE)
    assert [i.field for i in validate_trigger(active)] == ["template_id"]
    retry = Trigger("t", 1, Event.SHIPPED, url="https://x.example", retry=RetryPolicy(max_attempts=0))
    assert [i.field for i in validate_trigger(retry)] == ["retry.max_attempts"]
    headers = Trigger(
        "t",
        1,
        Event.SHIPPED,
        url="https://x.example",
        headers=(Header("X", "a"), Header("x", "b\nInjected: 1")),
    )
    assert [i.field for i in validate_trigger(headers)] == ["headers[1].name", "headers[1].value"]


def test_template_kind_and_format_must_match_the_trigger() -> None:
    webhook = Trigger("t", 1, Event.SHIPPED, url="https://x.example", format=OutputFormat.XML)
    email = Trigger("t", 1, Event.SHIPPED, method=DeliveryMethod.EMAIL, recipients=("a@example.com",))
    json_template = Template("j", format=OutputFormat.JSON)
    mail_template = Template("m", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, body="<p/>")
    assert [i.field for i in template_matches_trigger(json_template, webhook)] == ["format"]
    assert "produces json" in template_matches_trigger(json_template, webhook)[0].message
    assert [i.field for i in template_matches_trigger(json_template, email)] == ["template_id"]
    assert template_matches_trigger(mail_template, email) == []
    other_customer = Template("o", format=OutputFormat.XML, customer_id=2)
    assert "another customer" in template_matches_trigger(other_customer, webhook)[0].message


def test_names_refuse_control_characters() -> None:
    [issue] = validate_customer(Customer("Acme\x07"))
    assert issue.field == "name" and "control characters" in issue.message


def test_validation_error_message_names_subject_and_fields() -> None:
    error = ValidationError(
        [ValidationIssue("url", "is required"), ValidationIssue("name", "x")], "trigger 't'"
    )
    assert str(error) == "trigger 't': url: is required; name: x"
