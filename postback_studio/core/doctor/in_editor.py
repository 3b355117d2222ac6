"""What the template editor asks of the lints: which apply at the cursor, and are they still current.

The preview lints the template on every render, on a worker thread; by the time the user presses
Ctrl+. or a Quick Fix button the text may have changed, and a fix's offsets would land in the wrong
place. :func:`current_lints` gives lints that are about the text as it is now (linting again when
it changed); :func:`same_lint` finds a lint the user saw among those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from postback_studio.core.doctor.base import Lint
from postback_studio.core.doctor.lints import lint_template
from postback_studio.core.model import Template, TemplateKind
from postback_studio.core.template_library import content_of
from postback_studio.core.textpos import offset_at

_OPENERS = ("{{", "{%")
_CLOSERS = {"{{": "}}", "{%": "%}"}


def part_text(template: Template, part: str) -> str:
    """The template text of one part (``body``; an email's ``subject``, ``html`` or ``text``)."""
    if part == "subject":
        return template.subject
    if part == "text":
        return template.text_body
    return template.body


def part_of(template: Template, shown: str) -> str:
    """The part name lints and renders use for what the editor shows (``body`` for a webhook)."""
    return "body" if template.kind is TemplateKind.WEBHOOK else shown


def same_text(checked: Template, edited: Template | None) -> bool:
    """Whether a result about ``checked`` is about the template in the editor: the same template,
    with the same content (else the result is stale: drop it, or say it is outdated)."""
    return edited is not None and edited.id == checked.id and content_of(edited) == content_of(checked)


def current_lints(
    lints: Sequence[Lint], linted: Template, edited: Template, payloads: Mapping[str, Any]
) -> tuple[Lint, ...]:
    """``lints`` (made for ``linted``) if the content is still the same, else ``edited`` linted now."""
    if content_of(linted) == content_of(edited):
        return tuple(lints)
    return lint_template(edited, payloads)


def fixes_at(lints: Sequence[Lint], part: str, offset: int) -> list[Lint]:
    """The lints with a quick fix whose range holds ``offset`` (its end included), innermost first."""
    found = [
        lint
        for lint in lints
        if lint.part == part and lint.fix is not None and lint.start <= offset <= lint.end
    ]
    return sorted(found, key=lambda lint: (lint.end - lint.start, lint.start))


def same_lint(lint: Lint, lints: Sequence[Lint]) -> Lint | None:
    """The lint among ``lints`` that is ``lint`` after an edit: same part, code and message, nearest."""
    candidates = [
        other
        for other in lints
        if other.part == lint.part and other.code == lint.code and other.message == lint.message
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda other: abs(other.start - lint.start))


def tag_range(text: str, line: int, column: int) -> tuple[int, int]:
    """The ``{{ }}`` or ``{% %}`` tag at a template location, as offsets; the line's text without
    its indentation when the location is in no tag on its line."""
    offset = offset_at(text, line, column)
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    openings = [
        (found, opener)
        for opener in _OPENERS
        if (found := text.rfind(opener, line_start, min(offset + len(opener), line_end))) >= 0
    ]
    if openings:
        start, opener = max(openings)
        close = text.find(_CLOSERS[opener], start + len(opener), line_end)
        if close >= 0 and close + 2 > offset:
            return start, close + 2
    stripped = len(text[line_start:line_end]) - len(text[line_start:line_end].lstrip())
    return line_start + stripped, max(line_end, line_start + stripped)
