"""Which templates call ``lookups()`` with a given template field: the Lookups page's "Used by".

A lookup table is reached only through its template field (``lookups({"carrier": carrierUid})``), so
renaming a field or deleting a table silently breaks every template that names it. Parsing with
Jinja2 finds real calls only (not ones inside comments or string literals); a template that does not
parse yet is scanned with a regular expression instead, so a half-edited template still shows up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jinja2 import Environment, TemplateSyntaxError, nodes

from postback_studio.core.model import Template

_CALL = re.compile(r"""\blookups\s*\(\s*\{\s*(["'])(?P<field>(?:(?!\1).)*)\1\s*:""")


def lookup_fields_called(source: str) -> set[str]:
    """The template fields named as keys of ``lookups({...})`` mappings in ``source``."""
    try:
        tree = Environment().parse(source)
    except TemplateSyntaxError:
        return {match.group("field") for match in _CALL.finditer(source)}
    fields: set[str] = set()
    for call in tree.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.node.name == "lookups" and call.args):
            continue
        mapping = call.args[0]
        if isinstance(mapping, nodes.Dict):
            fields.update(str(pair.key.value) for pair in mapping.items if isinstance(pair.key, nodes.Const))
    return fields


def templates_calling(template_field: str, templates: Iterable[Template]) -> list[Template]:
    """The templates whose body, subject or text part call ``lookups()`` with ``template_field``."""
    return [
        template
        for template in templates
        if any(template_field in lookup_fields_called(part)
               for part in (template.body, template.subject, template.text_body) if "lookups" in part)
    ]
