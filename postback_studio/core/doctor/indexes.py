"""The empty-index lint: ``items[0]``, ``fulfillments[0]`` on an array that may be empty.

Chains with a constant index are found with Jinja's lexer, matched with the field analysis (which
has followed loop variables and ``{% set %}`` aliases to payload paths), checked against the samples
(the path holds an array), and left alone when guarded: the array is tested in the same tag, by an
enclosing ``{% if %}``, or looped over around it.

The fix guards the chain in place: ``(items[0].sku if items else none)``; a ``{% for %}`` gets an
empty list, and a ``{% set f = ... %}`` an empty object with the keys the template later reads
through ``f``, so everything downstream renders (as null) instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from postback_studio.core.doctor.base import LintBase, ends_with
from postback_studio.core.doctor.fixes import QuickFix, TextEdit, jinja_string
from postback_studio.core.doctor.scan import Tag, TagKind, token_spans
from postback_studio.core.doctor.variants import ChangeKind, values_at
from postback_studio.core.render.fields import FieldRef

EMPTY_INDEX = "empty-index"


@dataclass(frozen=True)
class _Chain:
    """``items[0].fulfillments[0]`` in a tag: its text span, path as written, and ``[n]`` positions."""

    start: int
    end: int
    segments: tuple[str | int | None, ...]
    indexes: tuple[tuple[int, int], ...]


class IndexLints(LintBase):
    """Adds the empty-index lint to the linter."""

    def indexes(self, tag: Tag) -> None:
        """Lint the unguarded constant indexes of one tag."""
        refs = self.refs.get(tag.start, [])
        for chain in self._chains(tag):
            ref = next((r for r in refs if ends_with(r.segments, chain.segments)), None)
            if ref is None:
                continue
            base = len(ref.segments) - len(chain.segments)
            containers = [(ref.segments[: base + position], bracket) for position, bracket in chain.indexes]
            unguarded = [(c, b) for c, b in containers if self._may_be_empty(c) and not self._guarded(tag, c)]
            if not unguarded:
                continue
            chain_text = self.text[chain.start : chain.end]
            container, bracket = unguarded[0]
            container_text = self.text[chain.start : bracket]
            number = chain.segments[chain.indexes[containers.index((container, bracket))][0]]
            self.add(
                EMPTY_INDEX,
                f"{chain_text} takes for granted that {container_text} is never empty: when it is, "
                f"{container_text}[{number}] is undefined and the render fails or writes nothing; "
                f"guard it with {{% if {container_text} %}}",
                chain.start,
                chain.end,
                fix=self._index_fix(tag, chain, ref, [bracket for _, bracket in containers]),
                proof=self.variant(unguarded[0][0], ChangeKind.RESIZE, 0, list),
            )

    def _chains(self, tag: Tag) -> Iterator[_Chain]:
        """Every ``name.attr[0]...`` in a tag that has a constant integer index."""
        spans = [s for s in token_spans(self.text[tag.start : tag.end], self.env) if s[3] != "whitespace"]
        index = 0
        while index < len(spans):
            start, _, _, kind, _ = spans[index]
            after_dot = index > 0 and spans[index - 1][3] == "operator" and spans[index - 1][4] == "."
            if kind != "name" or after_dot:
                index += 1
                continue
            segments: list[str | int | None] = []
            indexes: list[tuple[int, int]] = []
            cursor = index + 1
            while cursor < len(spans):
                if spans[cursor][4] == "." and cursor + 1 < len(spans) and spans[cursor + 1][3] == "name":
                    segments.append(spans[cursor + 1][4])
                    cursor += 2
                elif spans[cursor][4] == "[":
                    close = _closing_bracket(spans, cursor)
                    if close is None:
                        break
                    inside = spans[cursor + 1 : close]
                    if len(inside) == 1 and inside[0][3] == "integer":
                        indexes.append((len(segments), tag.start + spans[cursor][0]))
                        segments.append(int(inside[0][4].replace("_", "")))
                    elif len(inside) == 1 and inside[0][3] == "string":
                        segments.append(inside[0][4][1:-1])
                    else:
                        segments.append(None)
                    cursor = close + 1
                else:
                    break
            if indexes and None not in segments:
                end = tag.start + spans[cursor - 1][1]
                yield _Chain(tag.start + start, end, tuple(segments), tuple(indexes))
            index = cursor

    def _may_be_empty(self, container: Sequence[str | int | None]) -> bool:
        """An array by the samples (or, without samples, anything indexed with [n])."""
        if not self.payloads:
            return True
        return any(
            isinstance(value, list)
            for payload in self.payloads.values()
            for value in values_at(payload, container)
        )

    def _guarded(self, tag: Tag, container: Sequence[str | int | None]) -> bool:
        """The container is tested in the same tag, by an enclosing ``if``/``elif``, or looped over."""
        container = tuple(container)
        if any(r.segments == container for r in self.refs.get(tag.start, [])):
            return True
        for block, branch in self.scan.enclosing(tag):
            guard = block.branches[branch][0]
            if (
                block.keyword in ("if", "for")
                and guard.keyword in ("if", "elif", "for")
                and any(r.segments == container for r in self.refs.get(guard.start, []))
            ):
                return True
        return False

    def _index_fix(self, tag: Tag, chain: _Chain, ref: FieldRef, brackets: Sequence[int]) -> QuickFix:
        guards = []
        for position, bracket in zip((p for p, _ in chain.indexes), brackets, strict=True):
            prefix = self.text[chain.start : bracket]
            number = chain.segments[position]
            guards.append(prefix if number == 0 else f"{prefix}|length > {number}")
        chain_text = self.text[chain.start : chain.end]
        fallback = self._fallback(tag, chain, ref)
        replacement = f"({chain_text} if {' and '.join(guards)} else {fallback})"
        return QuickFix(
            "Guard the index against an empty array", (TextEdit(chain.start, chain.end, replacement),)
        )

    def _fallback(self, tag: Tag, chain: _Chain, ref: FieldRef) -> str:
        """What the guarded expression gives for an empty array, chosen for how the value is used."""
        spans = [
            span
            for span in token_spans(self.text[tag.start : tag.end], self.env)
            if span[3] not in ("whitespace", "variable_begin", "variable_end", "block_begin", "block_end")
        ]
        words = [value for *_, value in spans]
        first = next(i for i, span in enumerate(spans) if tag.start + span[0] == chain.start)
        last = next(i for i, span in enumerate(spans) if tag.start + span[1] == chain.end)
        before, after = words[first - 1 : first], words[last + 1 :]
        if tag.kind is TagKind.EXPRESSION and first == 0 and (not after or after[0] == "|"):
            return "none" if "tojson" in after else '""'
        if tag.keyword == "for" and before == ["in"]:
            return "[]"
        if tag.keyword == "set" and before == ["="] and not after:
            return self._empty_object(tag, ref.segments)
        return "none"

    def _empty_object(self, tag: Tag, bound: Sequence[str | int | None]) -> str:
        """An object literal with every key the template later reads through the assigned name."""
        tree: dict[str, Any] = {}
        for index, ref in enumerate(self.fields):
            if self.ref_offsets[index] < tag.end or len(ref.segments) <= len(bound):
                continue
            if tuple(ref.segments[: len(bound)]) != tuple(bound):
                continue
            node = tree
            for segment in ref.segments[len(bound) :]:
                if not isinstance(segment, str):
                    break
                node = node.setdefault(segment, {})
        return _object_literal(tree)


def _object_literal(tree: Mapping[str, Any]) -> str:
    items = [
        f"{jinja_string(key)}: {_object_literal(child) if child else 'none'}" for key, child in tree.items()
    ]
    return "{" + ", ".join(items) + "}"


def _closing_bracket(spans: Sequence[tuple[int, int, int, str, str]], opening: int) -> int | None:
    depth = 0
    for index in range(opening, len(spans)):
        if spans[index][4] == "[":
            depth += 1
        elif spans[index][4] == "]":
            depth -= 1
            if depth == 0:
                return index
    return None
