"""Every template example the reference notes quote from GelatoConnect's documentation renders valid output.

Production renders these, so the studio must too (reference/gelatoconnect-facts.md §1.1, §3, §8.2, §9).
"""

from __future__ import annotations

import json

from postback_studio.core.model import OutputFormat
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample

# §8.2: the Gelato API webhook-style "order shipped" payload, as the notes give it.
GELATO_WEBHOOK_PAYLOAD = {
    "id": "os_6a1f0c2d9b7e4",
    "event": "order_status_updated",
    "orderId": "a6a1f9ce-2bdd-4a9e-9f8d-0009df0e24d9",
    "storeId": None,
    "orderReferenceId": "ACME-100234",
    "fulfillmentStatus": "shipped",
    "items": [
        {
            "itemReferenceId": f"ACME-100234-{n}",
            "fulfillmentStatus": "shipped",
            "fulfillments": [
                {
                    "trackingCode": "1Z999AA10123456784",
                    "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
                    "shipmentMethodName": "UPS Surepost",
                    "shipmentMethodUid": "ups_surepost",
                    "fulfillmentCountry": "US",
                    "fulfillmentStateProvince": "NY",
                    "fulfillmentFacilityId": "21315db8-e694-4ded-a72a-98f60814c6e8",
                }
            ],
        }
        for n in (1, 2)
    ],
}

SECTION_8_2_TEMPLATE = """{% set f = items[0].fulfillments[0] %}
{% set carrier = lookups({"shipmentMethodUid": f.shipmentMethodUid}, strict=False, default="") %}
{"order": "{{ orderReferenceId }}", "status": "{{ fulfillmentStatus }}",
 "carrier": "{{ carrier or f.shipmentMethodName }}", "tracking": "{{ f.trackingCode }}", "url": "{{ f.trackingUrl }}"}
"""  # noqa: E501 - quoted verbatim

# §9: TM-EX's basic order-intake mapper, written out from the notes' description.
TM_EX_TEMPLATE = """{"orderReferenceId": "{{ order.id }}", "orderType": "order", "currency": "USD",
 "shippingAddress": {"firstName": "{{ order.shipping.recipient.first_name }}",
                     "lastName": "{{ order.shipping.recipient.last_name }}",
                     "addressLine1": "{{ order.shipping.address.line1 }}",
                     "addressLine2": "{{ order.shipping.address.line2 }}",
                     "city": "{{ order.shipping.address.city }}",
                     "postCode": "{{ order.shipping.address.postal_code }}",
                     "country": "{{ order.shipping.address.country }}",
                     "state": "{{ order.shipping.address.state }}",
                     "email": "{{ order.customer_email }}", "phone": "{{ order.shipping.phone }}"},
 "items": [ {% for item in order.items %}{"itemReferenceId": "{{ item.id }}",
   "productUid": "{{ lookups({'product_code': item.product_code}, strict=False, default='') }}",
   "quantity": {{ item.quantity }}, "files": [{"type": "default", "url": "{{ item.file_url }}"}]}
   {% if not loop.last %},{% endif %}{% endfor %} ]}
"""

TM_EX_PAYLOAD = {
    "order": {
        "id": "WEB-5521",
        "customer_email": "paul.smith@example.com",
        "items": [
            {"id": "L1", "product_code": "POSTER-A3", "quantity": 2, "file_url": "https://f.example/1.pdf"},
            {"id": "L2", "product_code": "CARD-5R", "quantity": 10, "file_url": "https://f.example/2.pdf"},
            {"id": "L3", "product_code": "UNKNOWN", "quantity": 1, "file_url": "https://f.example/3.pdf"},
        ],
        "shipping": {
            "recipient": {"first_name": "Paul", "last_name": "Smith"},
            "address": {
                "line1": "451 Clarkson Ave",
                "line2": "Apt 4B",
                "city": "New York",
                "postal_code": "11203",
                "country": "US",
                "state": "NY",
            },
            "phone": "+1 212 555 0143",
        },
    }
}

PRODUCTS = {"product_code": {"POSTER-A3": "flat_a3_poster", "CARD-5R": "cards_5r"}}


def test_article_order_shipped_example(engine: RenderEngine) -> None:
    source = (resources_dir() / "templates" / "order-shipped-article.json.j2").read_text()
    result = engine.render(source, load_sample("shipped"), fmt=OutputFormat.JSON)
    assert result.valid, result.diagnostics
    assert json.loads(result.output or "")["trackingInfo"]["carrier"] == "UPS"


def test_article_lookup_snippet(engine: RenderEngine) -> None:
    source = (
        "{% for item in items %}{% for fulfillment in item.fulfillments %}"
        '{% set carrier = lookups({"shipmentMethodUid": fulfillment.carrierUid}, strict=False, default="") %}\n'  # noqa: E501
        '{"carrier": "{{ carrier }}"}'
        "{% endfor %}{% endfor %}"
    )
    result = engine.render(
        source,
        load_sample("shipped"),
        fmt=OutputFormat.JSON,
        lookups={"shipmentMethodUid": {"ups": "UPS Ground"}},
    )
    assert result.valid, result.diagnostics
    assert json.loads(result.output or "") == {"carrier": "UPS Ground"}


def test_section_1_1_constructs(engine: RenderEngine) -> None:
    source = (
        '{"id": "{{ order.id }}", "items": [{% for item in order.items %}'
        '{"quantity": {{ item.quantity }}, '
        "\"uid\": \"{{ lookups({'product_code': item.product_code}, strict=False, default='') }}\"}"
        "{% if not loop.last %},{% endif %}{% endfor %}]}"
    )
    result = engine.render(source, TM_EX_PAYLOAD, fmt=OutputFormat.JSON, lookups=PRODUCTS)
    assert result.valid, result.diagnostics
    document = json.loads(result.output or "")
    assert [i["uid"] for i in document["items"]] == ["flat_a3_poster", "cards_5r", ""]


def test_section_8_2_template(engine: RenderEngine) -> None:
    result = engine.render(
        SECTION_8_2_TEMPLATE,
        GELATO_WEBHOOK_PAYLOAD,
        fmt=OutputFormat.JSON,
        lookups={"shipmentMethodUid": {"ups_surepost": "UPS SurePost"}},
    )
    assert result.valid, result.diagnostics
    assert json.loads(result.output or "")["carrier"] == "UPS SurePost"
    without_table = engine.render(SECTION_8_2_TEMPLATE, GELATO_WEBHOOK_PAYLOAD, fmt=OutputFormat.JSON)
    assert json.loads(without_table.output or "")["carrier"] == "UPS Surepost"


def test_tm_ex_order_intake_mapper(engine: RenderEngine) -> None:
    result = engine.render(TM_EX_TEMPLATE, TM_EX_PAYLOAD, fmt=OutputFormat.JSON, lookups=PRODUCTS)
    assert result.valid, result.diagnostics
    document = json.loads(result.output or "")
    assert document["shippingAddress"]["postCode"] == "11203"
    assert [i["quantity"] for i in document["items"]] == [2, 10, 1]
    assert [d.code for d in result.diagnostics] == ["lookup-miss"]
