"""Built-in sample payloads: every event, named variants, one consistent order through its life."""

from __future__ import annotations

import pytest

from postback_studio.core.model import Event
from postback_studio.core.samples import (
    UnknownSampleError,
    event_of,
    load_sample,
    sample_names,
    samples_for_event,
)

STATUS = {
    Event.RECEIVED: "received",
    Event.FAILED: "failed",
    Event.CANCELED: "canceled",
    Event.RETURNED: "returned",
    Event.PRODUCED: "printed",
    Event.DELIVERED: "delivered",
    Event.SHIPPED: "shipped",
    Event.IN_TRANSIT: "in_transit",
}


def test_every_event_has_a_base_sample_and_a_multi_item_variant() -> None:
    for event in Event:
        names = samples_for_event(event)
        assert names[0] == event.value
        assert f"{event.value}.multi-item" in names
    assert len(sample_names()) == sum(len(samples_for_event(e)) for e in Event)


@pytest.mark.parametrize("name", sample_names())
def test_samples_carry_the_article_and_gelato_fields(name: str) -> None:
    payload = load_sample(name)
    event = event_of(name)
    for key in ("orderId", "orderReferenceId", "created", "fulfillmentStatus", "customer", "items", "order"):
        assert key in payload, (name, key)
    assert payload["fulfillmentStatus"] == STATUS[event]
    for item in payload["items"]:
        assert {"itemReferenceId", "quantity", "fulfillmentStatus", "fulfillments"} <= item.keys()
        for fulfillment in item["fulfillments"]:
            for key in (
                "trackingCode",
                "trackingUrl",
                "carrierName",
                "carrierUid",
                "shipmentMethodName",
                "shipmentMethodUid",
            ):
                assert key in fulfillment, (name, key)
    if event in (Event.SHIPPED, Event.IN_TRANSIT, Event.DELIVERED):
        assert payload["shipment"]["tracking"]["code"]
        assert payload["shipment"]["minDeliveryDate"] and payload["shipment"]["maxDeliveryDate"]
        assert all(f["trackingCode"] for i in payload["items"] for f in i["fulfillments"])
    if event in (Event.FAILED, Event.CANCELED):
        reason = payload["error"]["reason"] if event is Event.FAILED else payload["cancellation"]["reason"]
        assert reason and payload["comment"]
    if event is Event.RECEIVED:
        assert payload["order"]["orderedAt"] and payload["items"][0]["productUid"]


def test_single_item_shipped_has_exactly_one_item_with_one_fulfillment() -> None:
    payload = load_sample("shipped")
    assert len(payload["items"]) == 1 and len(payload["items"][0]["fulfillments"]) == 1


@pytest.mark.parametrize("event", list(Event))
def test_multi_item_variants_have_several_items_and_fulfillments(event: Event) -> None:
    payload = load_sample(f"{event.value}.multi-item")
    assert len(payload["items"]) >= 2
    assert sum(len(i["fulfillments"]) for i in payload["items"]) >= 3


def test_base_samples_follow_one_order_through_its_life() -> None:
    orders = {load_sample(e.value)["orderId"] for e in Event}
    variants = {load_sample(f"{e.value}.multi-item")["orderId"] for e in Event}
    assert len(orders) == 1 and len(variants) == 1 and orders != variants


def test_unknown_names_list_the_valid_ones() -> None:
    with pytest.raises(UnknownSampleError, match=r"shipped\.multi-item"):
        load_sample("shipped.nope")
    with pytest.raises(UnknownSampleError, match="in_transit"):
        load_sample("teleported")
    assert event_of("in_transit.multi-item") is Event.IN_TRANSIT
