"""Every configuration repository against a real workspace file."""

from __future__ import annotations

from dataclasses import replace

import pytest

from postback_studio.core.errors import InUseError, NotFoundError, ValidationError
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    LookupTable,
    OutputFormat,
    RetryKind,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    TemplateStatus,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.records import SamplePayload
from postback_studio.storage.workspace import Workspace


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def clocked(ws_path) -> Workspace:  # type: ignore[no-untyped-def]
    ws = Workspace.open(ws_path, seed=False, clock=Clock())
    yield ws  # type: ignore[misc]
    ws.close()


def _customer(ws: Workspace, name: str = "Acme") -> int:
    saved = ws.customers.add(Customer(name, reference_id="R1", notes="n"))
    assert saved.id is not None
    return saved.id


def _webhook(ws: Workspace, name: str = "shipped", customer_id: int | None = None) -> Template:
    return ws.templates.save(Template(name, body='{"a": 1}', customer_id=customer_id))


def test_customers_crud(ws: Workspace) -> None:
    acme = ws.customers.add(Customer("Acme", reference_id="R1", notes="first"))
    assert ws.customers.get(acme.id or 0) == acme
    assert ws.customers.get_by_name("Acme") == acme and ws.customers.get_by_name("acme") is None
    updated = ws.customers.update(replace(acme, notes="second"))
    assert ws.customers.get(acme.id or 0).notes == "second" == updated.notes
    ws.customers.add(Customer("Beta"))
    assert [c.name for c in ws.customers.list()] == ["Acme", "Beta"]
    with pytest.raises(ValidationError, match="name: a customer named 'Acme' already exists"):
        ws.customers.add(Customer("Acme"))
    with pytest.raises(ValidationError, match="name: is required"):
        ws.customers.add(Customer("  "))
    ws.customers.delete(acme.id or 0)
    with pytest.raises(NotFoundError, match="no customer with id"):
        ws.customers.get(acme.id or 0)


def test_customer_delete_refuses_while_it_owns_things_unless_cascade(ws: Workspace) -> None:
    cid = _customer(ws)
    template = _webhook(ws, "own", cid)
    ws.triggers.save(
        Trigger(
            "t",
            cid,
            Event.SHIPPED,
            url="https://x.example/h",
            template_id=template.id,
            signing=True,
            signing_secret="s3cret-value",
        )
    )
    ws.lookups.save(LookupTable("carriers", "shipmentMethodUid", (("a", "b"),), customer_id=cid))
    with pytest.raises(InUseError, match=r"1 triggers, 1 templates, 1 lookup tables.*cascade=True"):
        ws.customers.delete(cid)
    ws.customers.delete(cid, cascade=True)
    assert ws.triggers.list() == [] and ws.templates.list() == [] and ws.lookups.list() == []
    assert ws.conn.execute("SELECT count(*) FROM secrets").fetchone()[0] == 0


def test_template_versions_history_and_restore(clocked: Workspace) -> None:
    ws = clocked
    t = ws.templates.save(Template("shipped", body="v1"))
    assert t.id is not None
    ws.templates.save(replace(t, body="v2"))
    ws.templates.save(replace(t, body="v2"))  # unchanged content: no new version
    ws.templates.save(replace(t, body="v2", status=TemplateStatus.ACTIVE))  # status is not content
    versions = ws.templates.versions(t.id)
    assert [v.number for v in versions] == [1, 2] and [v.body for v in versions] == ["v1", "v2"]
    assert versions[0].saved_at < versions[1].saved_at
    restored = ws.templates.restore(t.id, 1)
    assert restored.body == "v1" and restored.status is TemplateStatus.ACTIVE
    assert [v.body for v in ws.templates.versions(t.id)] == ["v1", "v2", "v1"]
    assert ws.templates.version(t.id, 3).body == "v1"
    with pytest.raises(NotFoundError):
        ws.templates.version(t.id, 9)


def test_template_rename_duplicate_list_delete(ws: Workspace) -> None:
    cid = _customer(ws)
    shared = _webhook(ws, "shared")
    own = ws.templates.save(
        Template(
            "mail",
            kind=TemplateKind.EMAIL,
            format=OutputFormat.HTML,
            subject="Hi",
            body="<p/>",
            customer_id=cid,
        )
    )
    renamed = ws.templates.rename(shared.id or 0, "shared-renamed")
    assert ws.templates.get_by_name("shared-renamed") == renamed
    assert len(ws.templates.versions(renamed.id or 0)) == 1, "a rename is not a new version"
    copy = ws.templates.duplicate(renamed.id or 0)
    assert copy.name == "shared-renamed copy" and copy.body == renamed.body and copy.id != renamed.id
    assert ws.templates.duplicate(renamed.id or 0).name == "shared-renamed copy 2"
    assert [t.name for t in ws.templates.list(customer_id=cid, include_shared=False)] == ["mail"]
    assert len(ws.templates.list(customer_id=cid)) == 4
    assert [t.name for t in ws.templates.list(kind=TemplateKind.EMAIL)] == ["mail"]
    assert len(ws.templates.list(shared_only=True)) == 3
    ws.triggers.save(
        Trigger(
            "mail me",
            cid,
            Event.SHIPPED,
            method=DeliveryMethod.EMAIL,
            format=OutputFormat.HTML,
            recipients=("a@example.com",),
            template_id=own.id,
        )
    )
    with pytest.raises(InUseError, match="used by trigger\\(s\\) 'mail me'"):
        ws.templates.delete(own.id or 0)
    ws.templates.delete(copy.id or 0)
    assert ws.templates.get_by_name(copy.name) is None


def test_template_validation_messages_name_the_field(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as info:
        ws.templates.save(Template("mail", kind=TemplateKind.EMAIL, format=OutputFormat.JSON))
    fields = {i.field for i in info.value.issues}
    assert fields == {"format", "body"}
    assert "template 'mail'" in str(info.value)
    _webhook(ws, "taken")
    with pytest.raises(ValidationError, match="name: a template named 'taken' already exists"):
        _webhook(ws, "taken")
    with pytest.raises(ValidationError, match="customer_id: no customer with id 42"):
        ws.templates.save(Template("x", customer_id=42))


def test_template_change_that_breaks_a_trigger_is_refused(ws: Workspace) -> None:
    cid = _customer(ws)
    template = _webhook(ws)
    ws.triggers.save(Trigger("t", cid, Event.SHIPPED, url="https://x.example/h", template_id=template.id))
    with pytest.raises(ValidationError, match="format: trigger 't' uses it"):
        ws.templates.save(replace(template, format=OutputFormat.XML))


def test_trigger_every_field_round_trips_with_secrets(ws: Workspace) -> None:
    cid = _customer(ws)
    template = ws.templates.save(Template("xml", format=OutputFormat.XML, body="<a/>"))
    trigger = Trigger(
        name="Shipped to ERP",
        customer_id=cid,
        event=Event.IN_TRANSIT,
        method=DeliveryMethod.URL,
        url="https://erp.example.com/hooks?x=1",
        http_method="PUT",
        format=OutputFormat.XML,
        headers=(Header("X-Api-Key", "key-123456", secret=True), Header("X-Source", "psp")),
        retry=RetryPolicy(
            kind=RetryKind.EXPONENTIAL,
            max_attempts=5,
            first_delay=2.0,
            factor=3.0,
            max_delay=60.0,
            jitter=0.2,
        ),
        signing=True,
        signing_secret="whsec_abcdefgh",
        template_id=template.id,
        status=TriggerStatus.ACTIVE,
    )
    saved = ws.triggers.save(trigger)
    assert ws.triggers.get(saved.id or 0) == saved == replace(trigger, id=saved.id)
    listed = ws.triggers.list()[0]
    assert listed.headers[0].value == "" and listed.signing_secret == "", "list() does not read secrets"
    ws.triggers.save(replace(listed, name="renamed"))  # saving a listed trigger keeps its secrets
    again = ws.triggers.get(saved.id or 0)
    assert again.headers[0].value == "key-123456" and again.signing_secret == "whsec_abcdefgh"
    ws.triggers.save(replace(again, signing=False, headers=(Header("X-Source", "psp"),)))
    assert ws.conn.execute("SELECT count(*) FROM secrets").fetchone()[0] == 0
    assert "key-123456" not in repr(saved) and "whsec_abcdefgh" not in repr(saved)


def test_trigger_filters_and_status(ws: Workspace) -> None:
    a, b = _customer(ws, "A"), _customer(ws, "B")
    template = _webhook(ws)
    for cid, event, name in ((a, Event.SHIPPED, "1"), (a, Event.DELIVERED, "2"), (b, Event.SHIPPED, "3")):
        ws.triggers.save(Trigger(name, cid, event, url="https://x.example/h", template_id=template.id))
    assert [t.name for t in ws.triggers.list(customer_id=a)] == ["1", "2"]
    assert [t.name for t in ws.triggers.list(event=Event.SHIPPED)] == ["1", "3"]
    three = ws.triggers.get_by_name(b, "3")
    assert three is not None
    ws.triggers.set_status(three.id or 0, TriggerStatus.ACTIVE)
    assert [t.name for t in ws.triggers.list(status=TriggerStatus.ACTIVE)] == ["3"]
    assert [t.name for t in ws.triggers.list(template_id=template.id)] == ["1", "2", "3"]
    ws.triggers.delete(three.id or 0)
    assert ws.triggers.get_by_name(b, "3") is None


def test_trigger_validation_messages(ws: Workspace) -> None:
    cid = _customer(ws)
    mail = ws.templates.save(
        Template("mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject="s", body="<p/>")
    )
    cases = {
        "url": Trigger("t", cid, Event.SHIPPED, url="ftp://x.example/h"),
        "recipients": Trigger("t", cid, Event.SHIPPED, method=DeliveryMethod.EMAIL),
        "recipients[0]": Trigger("t", cid, Event.SHIPPED, method=DeliveryMethod.EMAIL, recipients=("nope",)),
        "template_id": Trigger("t", cid, Event.SHIPPED, url="https://x.example", template_id=mail.id),
        "customer_id": Trigger("t", 999, Event.SHIPPED, url="https://x.example"),
        "headers[0].name": Trigger(
            "t", cid, Event.SHIPPED, url="https://x.example", headers=(Header("a b", "v"),)
        ),
    }
    for field, trigger in cases.items():
        with pytest.raises(ValidationError) as info:
            ws.triggers.save(trigger)
        assert field in {i.field for i in info.value.issues}, (field, info.value)
    ws.triggers.save(Trigger("t", cid, Event.SHIPPED, url="https://x.example"))
    with pytest.raises(ValidationError, match="already has a trigger named 't'"):
        ws.triggers.save(Trigger("t", cid, Event.DELIVERED, url="https://x.example"))


def test_lookups_tables_rows_and_merged_set(ws: Workspace) -> None:
    cid = _customer(ws)
    other = _customer(ws, "Other")
    global_table = ws.lookups.save(
        LookupTable("carriers", "shipmentMethodUid", (("ups", "UPS"), ("dhl", "DHL")), description="global")
    )
    ws.lookups.save(
        LookupTable("acme carriers", "shipmentMethodUid", (("dhl", "DHL Express"),), customer_id=cid)
    )
    ws.lookups.save(LookupTable("other", "product_code", (("p", "q"),), customer_id=other))
    assert ws.lookups.lookup_set_for(cid) == {"shipmentMethodUid": {"ups": "UPS", "dhl": "DHL Express"}}
    assert ws.lookups.lookup_set_for(None) == {"shipmentMethodUid": {"ups": "UPS", "dhl": "DHL"}}
    assert ws.lookups.get(global_table.id or 0) == global_table
    assert [t.name for t in ws.lookups.list(customer_id=cid)] == ["acme carriers", "carriers"]
    dup = ws.lookups.save(replace(global_table, rows=(("a", "1"), ("b", "2"), ("a", "3"))))
    assert dup.rows == (("a", "3"), ("b", "2"))
    with pytest.raises(ValidationError, match=r"rows\[0\]: the key is empty"):
        ws.lookups.save(LookupTable("bad", "field", (("", "x"),)))
    with pytest.raises(ValidationError, match="template_field"):
        ws.lookups.save(LookupTable("bad", "1 field"))
    ws.lookups.delete(global_table.id or 0)
    assert ws.lookups.get_by_name("carriers") is None


def test_lookup_csv_export(ws: Workspace) -> None:
    rows = (("ups_surepost", "UPS SurePost"), ("dhl, express", 'DHL "Express"'))
    table = ws.lookups.save(LookupTable("carriers", "shipmentMethodUid", rows))
    text = ws.lookups.export_csv(table.id or 0)
    assert text == 'key,value\r\nups_surepost,UPS SurePost\r\n"dhl, express","DHL ""Express"""\r\n'


def test_smtp_settings_and_password(ws: Workspace) -> None:
    assert ws.smtp.get() == SmtpSettings()
    saved = ws.smtp.set(
        SmtpSettings("psp@example.com", "PSP", "smtp.example.com", 465, "user", "pw-secret-1", TlsMode.TLS)
    )
    assert saved.password == "pw-secret-1" and ws.smtp.get() == saved
    ws.smtp.set(replace(saved, password="", port=587))
    assert ws.smtp.get().password == "pw-secret-1" and ws.smtp.get().port == 587
    ws.smtp.set(replace(saved, password=""), keep_password=False)
    assert not ws.smtp.has_password()
    with pytest.raises(ValidationError) as info:
        ws.smtp.set(SmtpSettings("not-an-address", host="smtp.example.com", port=70000))
    assert {i.field for i in info.value.issues} == {"port", "sender_email"}
    assert "pw-secret-1" not in repr(saved)


def test_samples_crud(ws: Workspace) -> None:
    sample = ws.samples.save(SamplePayload("big order", Event.SHIPPED, '{"id": 1}'))
    assert ws.samples.get(sample.id or 0) == sample
    ws.samples.save(SamplePayload("other", Event.RECEIVED, "{}"))
    assert [s.name for s in ws.samples.list(Event.SHIPPED)] == ["big order"]
    assert len(ws.samples.list()) == 2
    ws.samples.save(replace(sample, payload="[]"))
    assert ws.samples.get(sample.id or 0).payload == "[]"
    with pytest.raises(ValidationError, match="payload: is not valid JSON"):
        ws.samples.save(SamplePayload("bad", Event.SHIPPED, "{"))
    with pytest.raises(ValidationError, match="already exists for Order shipped"):
        ws.samples.save(SamplePayload("big order", Event.SHIPPED, "{}"))
    ws.samples.delete(sample.id or 0)
    assert ws.samples.list(Event.SHIPPED) == []
