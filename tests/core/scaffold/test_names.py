"""Key-name similarity: the tie-breaker between payload paths that hold the same value."""

from __future__ import annotations

import pytest

from postback_studio.core.scaffold.names import context_similarity, similarity, words


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("orderReferenceId", ("order", "reference", "id")),
        ("order_no", ("order", "no")),
        ("item-type", ("item", "type")),
        ("URLPath", ("url", "path")),
        ("addressLine1", ("address", "line", "1")),
        ("ship:TrackingNumber", ("tracking", "number")),
    ],
)
def test_keys_split_into_words_across_naming_styles(key: str, expected: tuple[str, ...]) -> None:
    assert words(key) == expected


@pytest.mark.parametrize(
    ("example", "closer", "farther"),
    [
        ("qty", "quantity", "price"),
        ("order_no", "orderReferenceId", "referenceId"),
        ("tracking", "trackingCode", "trackingUrlHost"),
        ("zip", "postCode", "city"),
        ("ref", "referenceId", "orderReferenceId"),
        ("skus", "sku", "productUid"),
        ("carrier_name", "carrierName", "shipmentMethodName"),
    ],
)
def test_the_like_named_key_scores_higher(example: str, closer: str, farther: str) -> None:
    assert similarity(example, closer) > similarity(example, farther)


def test_same_words_in_another_style_are_identical_and_unrelated_keys_score_zero() -> None:
    assert similarity("post_code", "postCode") == 1.0
    assert similarity("version", "quantity") == 0.0
    assert similarity("", "quantity") == 0.0


def test_similarity_is_symmetric_and_deterministic() -> None:
    pairs = [("order_no", "orderReferenceId"), ("qty", "quantity"), ("shipTo", "shippingAddress")]
    for a, b in pairs:
        assert similarity(a, b) == similarity(b, a)
        assert similarity(a, b) == similarity(a, b)


def test_context_compares_the_nearest_parent_keys() -> None:
    assert context_similarity(("shipTo",), ("shippingAddress",)) > context_similarity(
        ("shipTo",), ("billingEntity",)
    )
