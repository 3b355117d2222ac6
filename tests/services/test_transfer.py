"""Export, import and the refusal of hostile bundles, on real workspace files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from postback_studio.core.bundle import (
    MAX_BUNDLE_BYTES,
    BundleError,
    dump_document,
    parse_bundle,
    read_bundle_file,
)
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    LookupTable,
    OutputFormat,
    SmtpSettings,
    Template,
    TemplateKind,
    Trigger,
    TriggerStatus,
)
from postback_studio.services.transfer import Action, apply_bundle, export_document
from postback_studio.storage.workspace import Workspace


def _fill(ws: Workspace) -> None:
    acme = ws.customers.add(Customer("Acme", reference_id="A-1", notes="línea\nzwei"))
    beta = ws.customers.add(Customer("Beta"))
    shared = ws.templates.save(Template("shipped", body='{"id": "{{ id }}"}'))
    mail = ws.templates.save(
        Template(
            "mail",
            kind=TemplateKind.EMAIL,
            format=OutputFormat.HTML,
            subject="Hi",
            body="<p/>",
            text_body="hi",
            customer_id=acme.id,
        )
    )
    ws.templates.save(Template("beta-xml", format=OutputFormat.XML, body="<a/>", customer_id=beta.id))
    ws.triggers.save(
        Trigger(
            "hook",
            acme.id or 0,
            Event.SHIPPED,
            url="https://erp.example.com/h",
            headers=(Header("X-Key", "secret-value-1", secret=True), Header("X-Src", "psp")),
            signing=True,
            signing_secret="whsec_12345678",
            template_id=shared.id,
            status=TriggerStatus.ACTIVE,
        )
    )
    ws.triggers.save(
        Trigger(
            "mail",
            acme.id or 0,
            Event.DELIVERED,
            method=DeliveryMethod.EMAIL,
            format=OutputFormat.HTML,
            recipients=("ops@example.com",),
            template_id=mail.id,
        )
    )
    ws.triggers.save(Trigger("hook", beta.id or 0, Event.RECEIVED, url="http://127.0.0.1:8765/postbacks"))
    ws.lookups.save(LookupTable("carriers", "shipmentMethodUid", (("ups", "UPS"), ("dhl", "DHL"))))
    ws.lookups.save(LookupTable("acme products", "product_code", (("p1", "X"),), customer_id=acme.id))
    ws.smtp.set(SmtpSettings("psp@example.com", "PSP", "smtp.example.com", 587, "psp", "pw-123456"))


def _export(ws: Workspace, customer: str | None = None) -> str:
    return dump_document(export_document(ws, customer))


def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "a.sqlite", seed=False) as source:
        _fill(source)
        first = _export(source)
        assert _export(source) == first, "an unchanged workspace exports the same bytes"
    assert first.endswith("}\n") and "secret-value-1" not in first and "pw-123456" not in first
    with Workspace.open(tmp_path / "b.sqlite", seed=False) as target:
        plan = apply_bundle(target, parse_bundle(first.encode()))
        assert {item.action for item in plan.items} == {Action.CREATE}
        assert _export(target) == first
        again = apply_bundle(target, parse_bundle(first.encode()))
        assert {item.action for item in again.items} == {Action.UNCHANGED}


def test_customer_export_carries_what_its_renders_need(ws: Workspace) -> None:
    _fill(ws)
    document = json.loads(_export(ws, "Acme"))
    assert [c["name"] for c in document["customers"]] == ["Acme"]
    assert [t["name"] for t in document["templates"]] == ["mail", "shipped"]
    assert [t["name"] for t in document["lookupTables"]] == ["acme products", "carriers"]
    parse_bundle(_export(ws, "Acme").encode())


def test_dry_run_plans_and_changes_nothing(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "a.sqlite", seed=False) as source:
        _fill(source)
        document = json.loads(_export(source))
    document["customers"][0]["notes"] = "changed"
    with Workspace.open(tmp_path / "b.sqlite", seed=False) as target:
        _fill(target)
        before = _export(target)
        plan = apply_bundle(target, parse_bundle(json.dumps(document).encode()), dry_run=True)
        updates = [str(p) for p in plan.items if p.action is Action.UPDATE]
        assert updates == ["update    customer 'Acme': notes"]
        assert _export(target) == before
        assert target.triggers.get_by_name(1, "hook").signing_secret == "whsec_12345678"  # type: ignore[union-attr]


def _valid() -> dict[str, Any]:
    return {
        "schemaVersion": 1,
        "customers": [{"name": "Acme", "referenceId": "", "notes": ""}],
        "templates": [
            {
                "name": "t",
                "customer": None,
                "kind": "webhook",
                "format": "json",
                "status": "draft",
                "subject": "",
                "body": "{}",
                "textBody": "",
            }
        ],
        "triggers": [
            {
                "name": "hook",
                "customer": "Acme",
                "event": "shipped",
                "method": "url",
                "url": "https://x.example/h",
                "httpMethod": "POST",
                "format": "json",
                "headers": [],
                "retry": {
                    "kind": "gelato",
                    "maxAttempts": 3,
                    "firstDelay": 5.0,
                    "factor": 1.0,
                    "maxDelay": 300.0,
                    "jitter": 0.0,
                },
                "signing": False,
                "recipients": [],
                "template": "t",
                "status": "active",
            }
        ],
        "lookupTables": [],
        "smtp": None,
    }


def _broken(change: str) -> bytes:
    document = _valid()
    if change == "wrong type":
        document["customers"][0]["name"] = 42
    elif change == "newer version":
        document["schemaVersion"] = 99
    elif change == "control characters":
        document["customers"][0]["name"] = "Acme\x1b[31m"
    elif change == "dangling template":
        document["triggers"][0]["template"] = "missing"
    elif change == "dangling customer":
        document["triggers"][0]["customer"] = "Nobody"
    elif change == "kind mismatch":
        document["templates"][0]["kind"] = "email"
        document["templates"][0]["format"] = "html"
    elif change == "bad url":
        document["triggers"][0]["url"] = "javascript:alert(1)"
    elif change == "duplicate":
        document["customers"].append(dict(document["customers"][0]))
    elif change == "unknown key":
        document["extra"] = True
    return json.dumps(document).encode()


EXPECTED_POINTERS = {
    "wrong type": "/customers/0/name",
    "newer version": "/schemaVersion",
    "control characters": "/customers/0/name",
    "dangling template": "/triggers/0/template",
    "dangling customer": "/triggers/0/customer",
    "kind mismatch": "/triggers/0/template",
    "bad url": "/triggers/0/url",
    "duplicate": "/customers/1/name",
    "unknown key": "",
}


@pytest.mark.parametrize("change", sorted(EXPECTED_POINTERS))
def test_hostile_bundle_is_refused_with_pointer_and_workspace_unchanged(ws: Workspace, change: str) -> None:
    _fill(ws)
    before = _export(ws)
    with pytest.raises(BundleError) as info:
        apply_bundle(ws, parse_bundle(_broken(change), "b.json"))
    assert EXPECTED_POINTERS[change] in {p.field for p in info.value.problems}, info.value
    assert "b.json" in str(info.value)
    assert _export(ws) == before


def test_newer_schema_message_names_both_versions() -> None:
    with pytest.raises(BundleError, match=r"schemaVersion 99.*schemaVersion 1"):
        parse_bundle(_broken("newer version"))


def test_fifty_megabytes_of_junk_is_refused_before_parsing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    with junk.open("wb") as handle:
        handle.write(b"[" * 1024 * 1024 * 50)
    with pytest.raises(BundleError, match=r"over 20 MB are refused"):
        read_bundle_file(junk)
    with pytest.raises(BundleError, match="over 20 MB"):
        parse_bundle(b" " * (MAX_BUNDLE_BYTES + 1))


@pytest.mark.parametrize("data", [b"\xff\xfe junk", b"{not json", b"[]", b'{"schemaVersion": "1"}'])
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(BundleError):
        parse_bundle(data)


def test_conflict_with_the_workspace_rolls_back_everything(ws: Workspace) -> None:
    _fill(ws)
    before = _export(ws)
    document = _valid()
    document["customers"].append({"name": "Zed", "referenceId": "", "notes": ""})
    # 'mail' belongs to Acme and Acme's trigger 'mail' (not in the bundle) uses it: moving it to Zed
    # would break that trigger, so the whole import is refused.
    document["templates"].append(
        {
            "name": "mail",
            "customer": "Zed",
            "kind": "email",
            "format": "html",
            "status": "draft",
            "subject": "Hi",
            "body": "<p/>",
            "textBody": "",
        }
    )
    with pytest.raises(BundleError) as info:
        apply_bundle(ws, parse_bundle(json.dumps(document).encode()))
    assert info.value.problems[0].field.startswith("/templates/1")
    assert "conflicts with the workspace" in str(info.value)
    assert _export(ws) == before
    assert ws.customers.get_by_name("Zed") is None


def test_template_and_its_trigger_can_change_format_together(ws: Workspace) -> None:
    _fill(ws)
    document = json.loads(_export(ws))
    [shipped] = [t for t in document["templates"] if t["name"] == "shipped"]
    shipped.update(format="xml", body="<order/>")
    [hook] = [t for t in document["triggers"] if t["name"] == "hook" and t["customer"] == "Acme"]
    hook["format"] = "xml"
    plan = apply_bundle(ws, parse_bundle(json.dumps(document).encode()))
    changed = {(p.kind, p.name) for p in plan.items if p.action is Action.UPDATE}
    assert changed == {("template", "shipped"), ("trigger", "hook")}
    acme = ws.customers.get_by_name("Acme")
    assert acme is not None
    trigger = ws.triggers.get_by_name(acme.id or 0, "hook")
    assert trigger is not None and trigger.format is OutputFormat.XML
    assert trigger.template_id == ws.templates.get_by_name("shipped").id  # type: ignore[union-attr]
    assert trigger.signing_secret == "whsec_12345678", "secrets survive an import update"
    assert json.loads(_export(ws)) == document
