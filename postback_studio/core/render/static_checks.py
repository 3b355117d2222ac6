"""Refuse templates that reach for Python internals before anything of them runs.

The sandbox refuses these accesses at run time too, but only on the branch that executes. Checking
the parsed template (parsing evaluates nothing) refuses ``{% if false %}{{ x.__class__ }}{% endif %}``
as well, and gives the location.
"""

from __future__ import annotations

import re

from jinja2 import nodes

#: Attribute names that only make sense on Python internals.
UNSAFE_NAMES = frozenset(
    {
        "mro",
        "func_globals",
        "func_code",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "tb_frame",
        "tb_next",
        "co_code",
    }
)
_FORMAT_FIELD_INTERNALS = re.compile(r"\{[^{}]*?(?:\.\s*_|\[\s*_|\.mro\b)")


def is_unsafe_name(name: str) -> bool:
    """Dunder and name-mangled attributes (``_TemplateReference__context``) and internals."""
    return name.startswith("__") or (name.startswith("_") and "__" in name) or name in UNSAFE_NAMES


def _refusal(name: str) -> str:
    return (
        f"security restriction: access to '{name}' is refused"
        " (Python internals are not available to templates)"
    )


def find_violations(ast: nodes.Template) -> list[tuple[int, str, str]]:
    """Every reach for internals in a parsed template, as ``(line, name, message)`` in source order.

    ``name`` is the text to point at on that line.
    """
    found: list[tuple[int, str, str]] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Call, nodes.Name)):
        if isinstance(node, nodes.Getattr) and is_unsafe_name(node.attr):
            found.append((node.lineno, node.attr, _refusal(node.attr)))
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and is_unsafe_name(node.arg.value)
        ):
            found.append((node.lineno, node.arg.value, _refusal(node.arg.value)))
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            arg = node.args[0]
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and is_unsafe_name(arg.value):
                found.append((node.lineno, arg.value, _refusal(arg.value)))
        elif isinstance(node, nodes.Name) and is_unsafe_name(node.name):
            found.append((node.lineno, node.name, _refusal(node.name)))
        elif (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Getattr)
            and node.node.attr in ("format", "format_map")
            and isinstance(node.node.node, nodes.Const)
            and isinstance(node.node.node.value, str)
            and _FORMAT_FIELD_INTERNALS.search(node.node.node.value)
        ):
            found.append(
                (
                    node.lineno,
                    node.node.attr,
                    "security restriction: format fields that reach Python internals are refused",
                )
            )
    found.sort(key=lambda item: item[0])
    return found
