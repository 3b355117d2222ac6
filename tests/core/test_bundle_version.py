"""A bundle's ``schemaVersion``: a full, otherwise valid bundle is refused for every version but 1.

Each refusal is checked against the same bundle accepted at version 1, so what refuses it can only
be the version: a check that let 0, 2, "1" or null through would fail here (issue 10, item 5).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from postback_studio.core.bundle import (
    BUNDLE_SCHEMA_VERSION,
    BundleError,
    build_document,
    dump_document,
    parse_bundle,
)
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    LookupTable,
    OutputFormat,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    TlsMode,
    Trigger,
)


def full_document() -> dict[str, Any]:
    """A bundle with something in every section: customers, templates, triggers, lookups, SMTP."""
    acme = Customer("Acme", "ACME-1", "prefers XML", id=1)
    templates = [
        Template("shipped", body='{"id": "{{ orderId }}"}', id=1),
        Template(
            "mail",
            kind=TemplateKind.EMAIL,
            format=OutputFormat.HTML,
            subject="Shipped",
            body="<p>ok</p>",
            customer_id=1,
            id=2,
        ),
    ]
    triggers = [
        Trigger(
            "hook",
            1,
            Event.SHIPPED,
            url="https://psp.example/hooks",
            headers=(Header("X-Source", "studio"),),
            retry=RetryPolicy.gelato(),
            template_id=1,
            id=1,
        ),
        Trigger(
            "mail", 1, Event.SHIPPED, method=DeliveryMethod.EMAIL, recipients=("ops@acme.example",),
            template_id=2, id=2,
        ),
    ]
    lookups = [LookupTable("carriers", "shipmentMethodUid", rows=(("ups", "UPS"),), id=1)]
    smtp = SmtpSettings("noreply@psp.example", "PSP", "smtp.psp.example", 587, "", "", TlsMode.STARTTLS)
    return build_document([acme], templates, triggers, lookups, smtp)


def with_version(version: object) -> bytes:
    document = full_document()
    document["schemaVersion"] = version
    return dump_document(document).encode()


def test_the_full_bundle_is_accepted_at_the_current_version() -> None:
    assert BUNDLE_SCHEMA_VERSION == 1
    bundle = parse_bundle(with_version(1))
    assert [c.name for c in bundle.customers] == ["Acme"]
    assert sorted(t.template.name for t in bundle.templates) == ["mail", "shipped"]
    assert sorted(t.trigger.name for t in bundle.triggers) == ["hook", "mail"]
    assert [t.table.name for t in bundle.lookups] == ["carriers"]
    assert bundle.smtp is not None and bundle.smtp.host == "smtp.psp.example"


@pytest.mark.parametrize(
    ("version", "words"),
    [
        (0, "less than the minimum of 1"),
        (-1, "less than the minimum of 1"),
        (2, "schemaVersion 2, written by a newer Postback Studio"),
        (99, "schemaVersion 99, written by a newer Postback Studio"),
        ("1", "is not of type 'integer'"),
        (None, "is not of type 'integer'"),
        (True, "is not of type 'integer'"),
        (1.5, "is not of type 'integer'"),
        (2.0, "schemaVersion 2.0, written by a newer Postback Studio"),
    ],
    ids=repr,
)
def test_every_other_version_refuses_the_whole_bundle_at_its_pointer(version: object, words: str) -> None:
    with pytest.raises(BundleError) as info:
        parse_bundle(with_version(version), "b.json")
    problems = {(p.pointer, p.message) for p in info.value.problems}
    assert any(pointer == "/schemaVersion" and words in message for pointer, message in problems), problems
    assert "b.json" in str(info.value)


def test_a_missing_version_is_refused() -> None:
    document = full_document()
    del document["schemaVersion"]
    with pytest.raises(BundleError, match="'schemaVersion' is a required property"):
        parse_bundle(json.dumps(document).encode())
