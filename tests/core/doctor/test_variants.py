"""One-change variants of a payload."""

from __future__ import annotations

import copy

from postback_studio.core.doctor.variants import (
    ARRAY_SIZES,
    HOSTILE_STRINGS,
    Change,
    ChangeKind,
    Variant,
    derive_changes,
    first_concrete_path,
    related,
    values_at,
)

PAYLOAD = {
    "note": "hello",
    "price": 2.5,
    "rush": True,
    "gone": None,
    "items": [
        {"id": "i-1", "sku": "A", "fulfillments": [{"trackingCode": "T1", "carrier": "UPS"}]},
    ],
    "tags": [],
}


def test_every_leaf_array_and_scalar_changes_one_at_a_time_in_payload_order() -> None:
    changes = derive_changes(PAYLOAD)
    note = [c for c in changes if c.path == ("note",)]
    assert [c.value for c in note if c.kind is ChangeKind.STRING] == [v for v, _ in HOSTILE_STRINGS]
    assert note[-1] == Change(("note",), ChangeKind.NULL)
    assert [c for c in changes if c.path == ("price",)] == [Change(("price",), ChangeKind.NULL)]
    assert [c for c in changes if c.path == ("rush",)] == [Change(("rush",), ChangeKind.NULL)]
    assert not [c for c in changes if c.path == ("gone",)]
    # 1 element: resized to 0 and 3; the nested array too; an empty array cannot grow (nothing to copy).
    resizes = [(c.path, c.value) for c in changes if c.kind is ChangeKind.RESIZE]
    assert resizes == [
        (("items",), 0),
        (("items",), 3),
        (("items", 0, "fulfillments"), 0),
        (("items", 0, "fulfillments"), 3),
    ]
    assert set(ARRAY_SIZES) == {0, 1, 3}
    assert derive_changes(copy.deepcopy(PAYLOAD)) == changes


def test_only_values_the_template_reads_change() -> None:
    reads = [("items", None, "sku")]
    changes = derive_changes(PAYLOAD, lambda path: any(related(path, r) for r in reads))
    assert {c.path for c in changes} == {("items",), ("items", 0, "sku")}


def test_related_paths_are_prefixes_either_way_with_any_index() -> None:
    assert related(("items", 2, "sku"), ("items", None, "sku"))
    assert related(("items",), ("items", None, "sku"))
    assert related(("items", 0, "sku"), ("items",))
    assert not related(("items", 0, "sku"), ("items", 1, "sku"))
    assert not related(("note",), ("items",))


def test_applying_a_change_copies_the_path_and_leaves_the_base_alone() -> None:
    base = copy.deepcopy(PAYLOAD)
    grown = Change(("items",), ChangeKind.RESIZE, 3).apply(base)
    assert base == PAYLOAD
    assert [item["id"] for item in grown["items"]] == ["i-1", "i-1-2", "i-1-3"]
    assert [item["sku"] for item in grown["items"]] == ["A", "A", "A"]
    assert grown["items"][2]["fulfillments"][0]["trackingCode"] == "T1-3"
    assert grown["items"][2]["fulfillments"][0]["carrier"] == "UPS"
    emptied = Change(("items", 0, "fulfillments"), ChangeKind.RESIZE, 0).apply(base)
    assert emptied["items"][0]["fulfillments"] == [] and base["items"][0]["fulfillments"]
    assert Change(("note",), ChangeKind.STRING, 'a"b').apply(base)["note"] == 'a"b'


def test_changes_describe_themselves_as_the_report_shows_them() -> None:
    assert (
        Change(("items", 0, "fulfillments"), ChangeKind.RESIZE, 0).describe() == "items[0].fulfillments → []"
    )
    assert Change(("items",), ChangeKind.RESIZE, 3).describe() == "items → [3 elements]"
    assert Change(("note",), ChangeKind.STRING, 'a"b').describe() == "note → 'a\"b'"
    assert Change(("price",), ChangeKind.NULL).describe() == "price → null"
    assert "(2,000 characters)" in Change(("note",), ChangeKind.STRING, "x" * 2000).describe()
    assert Variant("shipped").describe() == "shipped (the sample as it is)"
    assert Variant("shipped", Change(("price",), ChangeKind.NULL)).describe() == "shipped: price → null"


def test_template_paths_reach_payload_values() -> None:
    assert values_at(PAYLOAD, ("items", None, "fulfillments", None, "carrier")) == ["UPS"]
    assert first_concrete_path(PAYLOAD, ("items", None, "fulfillments")) == ("items", 0, "fulfillments")
    assert first_concrete_path(PAYLOAD, ("tags", None)) is None


def test_a_long_array_varies_its_first_three_elements_and_its_last() -> None:
    payload = {"items": [{"sku": f"S{n}"} for n in range(10)]}
    varied = {c.path[1] for c in derive_changes(payload) if len(c.path) == 3}
    assert varied == {0, 1, 2, 9}
