"""How alike two key names are: ``qty`` ~ ``quantity``, ``order_no`` ~ ``orderReferenceId``.

Used only to break ties between payload paths that hold the same value, so it is small and
deterministic: keys are split into lower-case words (camelCase, snake_case, kebab-case, digits), and
two words count as alike when they are equal (1), the same after dropping a plural ``s`` (0.9), one
a prefix of the other (``ref`` ~ ``reference``, 0.8), one an abbreviation of the other keeping its
first letter and letter order (``qty`` ~ ``quantity``, 0.6), or both in one of a few groups of words
that name the same thing in order data (``no`` ~ ``id`` ~ ``reference``, 0.6). The score of two keys
is the symmetric mean of each word's best partner, so extra words cost but do not cancel a match.
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

#: Words that mean the same in order data. Small on purpose: each entry must be safe for any payload.
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"id", "no", "nr", "num", "number", "ref", "reference", "identifier", "key"}),
    frozenset({"qty", "quantity", "count", "amount", "units"}),
    frozenset({"zip", "postcode", "postal", "post"}),
    frozenset({"tel", "phone", "telephone", "mobile"}),
    frozenset({"mail", "email"}),
    frozenset({"carrier", "shipper", "courier"}),
    frozenset({"state", "province", "region"}),
    frozenset({"created", "date", "time", "timestamp"}),
    frozenset({"url", "link", "href", "uri"}),
    frozenset({"street", "line", "address"}),
    frozenset({"company", "organization", "organisation", "business"}),
    frozenset({"sku", "product", "article"}),
)


@functools.cache
def words(key: str) -> tuple[str, ...]:
    """``orderReferenceId`` -> ``order reference id``; ``ns:item-type`` -> ``item type``."""
    local = key.rsplit(":", 1)[-1]
    return tuple(w.lower() for w in _WORD.findall(local))


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _is_abbreviation(short: str, long: str) -> bool:
    """``qty`` of ``quantity``: same first letter, the rest in order."""
    if len(short) < 2 or short[0] != long[0]:
        return False
    position = 0
    for letter in short:
        position = long.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True


@functools.cache
def word_similarity(a: str, b: str) -> float:
    """How alike two words are, 0..1 (see the module docstring)."""
    if a == b:
        return 1.0
    if _singular(a) == _singular(b):
        return 0.9
    short, long = sorted((a, b), key=len)
    if len(short) >= 2 and long.startswith(short) and not short.isdigit():
        return 0.8
    if any(a in group and b in group for group in _GROUPS):
        return 0.6
    if not short.isdigit() and _is_abbreviation(short, long):
        return 0.6
    return 0.0


@functools.cache
def similarity(a: str, b: str) -> float:
    """How alike two keys are, 0..1; 1 for the same words (``postCode`` ~ ``post_code``)."""
    return _score(words(a), words(b))


def context_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two chains of parent keys are (``shipTo`` ~ ``shippingAddress``), nearest two only."""
    return _score(
        tuple(w for key in a[-2:] for w in words(key)), tuple(w for key in b[-2:] for w in words(key))
    )


def _score(wa: tuple[str, ...], wb: tuple[str, ...]) -> float:
    if not wa or not wb:
        return 0.0
    if "".join(wa) == "".join(wb):
        return 1.0
    forward = sum(max(word_similarity(x, y) for y in wb) for x in wa)
    backward = sum(max(word_similarity(x, y) for x in wa) for y in wb)
    return round((forward + backward) / (len(wa) + len(wb)), 3)
