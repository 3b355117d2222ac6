"""The loop lint: loops that write JSON elements with no comma between them.

A loop's body is read as the tags it writes: literal text, ``{{ }}`` values, and nested blocks. Its
iterations are separated when the body writes a comma at its edge, conditionally
(``{% if not loop.last %},{% endif %}``, a namespace flag, a joiner) or not. Nested loops whose only
content is the inner loop are separated only when the inner loop's comma does not depend on its own
``loop``: ``loop.last`` of the inner loop says nothing about the next outer iteration.

The fix puts ``{% if not loop.last %},{% endif %}`` after a simple loop's element, and for nested
loops (or elements written conditionally) a namespace flag that writes a comma before every
element but the first, across the whole nest, in place of the inner loop's own separators.
"""

from __future__ import annotations

from collections.abc import Sequence

from postback_studio.core.doctor.base import LintBase
from postback_studio.core.doctor.fixes import QuickFix, TextEdit
from postback_studio.core.doctor.scan import Block, Node, Tag, TagKind, token_spans
from postback_studio.core.doctor.variants import ChangeKind, Variant

JSON_LOOP_SEPARATOR = "json-loop-separator"


class LoopLints(LintBase):
    """Adds the loop lint to the linter."""

    def loops(self) -> None:
        """Lint every loop that writes JSON elements into an array or an object."""
        covered: set[int] = set()
        for block in self.scan.blocks("for"):
            if block.tag.start in covered or self.scan.containers.get(block.tag.start) not in ("[", "{"):
                continue
            elements = self._content(block.branches[0][1])
            if not elements or self._separated(block.branches[0][1]):
                continue
            nest = self._nest(block)
            covered.update(loop.tag.start for loop in nest)
            inner_only = len(nest) > 1 and self._cross(nest[-1].branches[0][1]) == "local"
            if len(nest) > 1:
                message = (
                    "these nested loops separate only the inner loop's elements: the last element "
                    "of one outer iteration and the first of the next have no comma between them"
                    if inner_only
                    else "these nested loops write JSON elements with no comma between them"
                )
            else:
                message = "this loop writes JSON elements with no comma between them"
            message += "; the JSON is invalid as soon as there are two"
            self.add(
                JSON_LOOP_SEPARATOR,
                message,
                block.tag.start,
                block.tag.end,
                fix=self._loop_fix(nest),
                proof=self._loop_proof(block),
            )

    def _content(self, body: Sequence[Node]) -> list[Node]:
        """The nodes of a body that write something, separators included."""
        found: list[Node] = []
        for node in body:
            if isinstance(node, Block):
                if node.keyword not in ("macro", "set"):
                    found.append(node)
            elif node.kind is TagKind.EXPRESSION or (
                node.kind is TagKind.DATA and self.text[node.start : node.end].strip()
            ):
                found.append(node)
        return found

    def _separator(self, node: Node) -> str | None:
        """``local`` for a comma that depends on ``loop``, ``global`` for one that does not (a
        namespace flag, a joiner, a literal comma), None if the node is no separator."""
        if isinstance(node, Block):
            if node.keyword != "if":
                return None
            for _, branch in node.branches:
                for child in self._content(branch):
                    if not (isinstance(child, Tag) and child.kind is TagKind.DATA):
                        return None
                    if self.text[child.start : child.end].strip() != ",":
                        return None
            tags = [tag for tag, _ in node.branches]
            return "local" if any(self._mentions_loop(tag) for tag in tags) else "global"
        if node.kind is TagKind.DATA:
            stripped = self.text[node.start : node.end].strip()
            return "global" if stripped.startswith(",") or stripped.endswith(",") else None
        spans = token_spans(self.text[node.start : node.end], self.env)
        commas = any(kind == "string" and value.strip("'\"").strip() == "," for *_, kind, value in spans)
        joiner = any(kind == "name" and value in self.joiners for *_, kind, value in spans)
        if commas:
            return "local" if self._mentions_loop(node) else "global"
        return "global" if joiner else None

    def _mentions_loop(self, tag: Tag) -> bool:
        return any(
            kind == "name" and value == "loop"
            for *_, kind, value in token_spans(self.text[tag.start : tag.end], self.env)
        )

    def _cross(self, body: Sequence[Node]) -> str:
        """How a body's output is separated from the next iteration's, whatever loop repeats it:
        ``global``, ``local`` (only within its own loop), ``none``, or ``empty``."""
        content = self._content(body)
        separators = [self._separator(node) for node in content]
        if not content:
            return "empty"
        if "global" in separators:
            return "global"
        if "local" in separators:
            return "local"
        if len(content) == 1 and isinstance(content[0], Block):
            single = content[0]
            if single.keyword == "for":
                inner = self._cross(single.branches[0][1])
                return "global" if inner == "global" else ("empty" if inner == "empty" else "none")
            if single.keyword == "if" and len(single.branches) == 1:
                return self._cross(single.branches[0][1])
        return "none"

    def _separated(self, body: Sequence[Node]) -> bool:
        """True when consecutive iterations of the loop with this body are separated."""
        content = self._content(body)
        if any(self._separator(node) for node in content):
            return True
        if len(content) == 1 and isinstance(content[0], Block):
            single = content[0]
            if single.keyword == "for":
                return self._cross(single.branches[0][1]) in ("global", "empty")
            if single.keyword == "if" and len(single.branches) == 1:
                return self._cross(single.branches[0][1]) in ("global", "empty")
        return False

    def _nest(self, block: Block) -> list[Block]:
        """The loop and the loops nested in it as its only content, outermost first."""
        nest = [block]
        while True:
            content = [n for n in self._content(nest[-1].branches[0][1]) if self._separator(n) != "local"]
            if len(content) == 1 and isinstance(content[0], Block) and content[0].keyword == "for":
                nest.append(content[0])
            else:
                return nest

    def _loop_fix(self, nest: Sequence[Block]) -> QuickFix | None:
        innermost = nest[-1]
        content = self._content(innermost.branches[0][1])
        last = content[-1]
        if len(nest) == 1 and isinstance(last, Tag) and all(isinstance(node, Tag) for node in content):
            end = last.end
            if last.kind is TagKind.DATA:
                end = last.start + len(self.text[last.start : last.end].rstrip())
            return QuickFix(
                "Put a comma after every element but the last",
                (TextEdit(end, end, "{% if not loop.last %},{% endif %}"),),
            )
        body: Sequence[Node] = innermost.branches[0][1]
        first = next((n for n in self._content(body) if self._separator(n) != "local"), None)
        while isinstance(first, Block) and first.keyword == "if" and len(first.branches) == 1:
            body = first.branches[0][1]
            first = next(iter(self._content(body)), None)
        if not isinstance(first, Tag):
            return None
        start = first.start
        if first.kind is TagKind.DATA:
            text = self.text[first.start : first.end]
            start += len(text) - len(text.lstrip())
        flag = self._free_name("ns")
        outer = nest[0].tag
        dash = "-" if outer.strip_before else ""
        edits = [
            TextEdit(outer.start, outer.start, f"{{%{dash} set {flag} = namespace(first=true) %}}"),
            TextEdit(
                start, start, f"{{% if not {flag}.first %}},{{% endif %}}{{% set {flag}.first = false %}}"
            ),
        ]
        for loop in nest:
            for node in self._content(loop.branches[0][1]):
                if isinstance(node, Block) and self._separator(node) == "local":
                    edits.append(TextEdit(node.tag.start, node.end.end, ""))
        return QuickFix(
            "Put a comma before every element but the first, across the nested loops", tuple(edits)
        )

    def _free_name(self, base: str) -> str:
        name, number = base, 2
        while name in self.names:
            name, number = f"{base}{number}", number + 1
        return name

    def _loop_proof(self, block: Block) -> Variant | None:
        for ref in self.refs.get(block.tag.start, []):
            variant = self.variant(ref.segments, ChangeKind.RESIZE, 3, list)
            if variant is not None:
                return variant
        return None
