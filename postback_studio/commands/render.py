"""``postback-studio render TEMPLATE (--event EVENT | --payload FILE)``: render exactly what would be sent.

Output on stdout byte for byte as it would be sent; diagnostics on stderr as
``FILE:LINE:COL: error|warning|note: message``. Exit 0 rendered and valid, 1 template error, 2 usage
error or unreadable input, 3 rendered but invalid for its format.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postback_studio.commands._rendering import LoadedTemplate
    from postback_studio.core.model import LookupSet, OutputFormat

FORMATS = ("json", "xml", "html", "text")


def register(subparsers: Any) -> None:
    """Add the ``render`` subcommand."""
    parser = subparsers.add_parser(
        "render",
        help="render a template against a sample or payload file",
        description="Render TEMPLATE against a built-in sample (--event) or a JSON payload file "
        "(--payload) and print the output exactly as it would be sent. Diagnostics go to stderr.",
    )
    parser.add_argument(
        "template", metavar="TEMPLATE", nargs="?", help="template file (.json.j2, .xml.j2, .email.j2, ...)"
    )
    parser.add_argument(
        "--template",
        dest="workspace_template",
        metavar="NAME",
        help="a template in the workspace instead of a file (rendered with its customer's lookup tables)",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--event", metavar="EVENT", help="built-in sample: EVENT or EVENT.VARIANT (see `samples`)"
    )
    source.add_argument("--payload", metavar="FILE", help="payload JSON file")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from the file extension)")
    parser.add_argument(
        "--lookups", metavar="FILE", help='lookup tables: JSON {"field": {"key": "value"}} or key,value CSV'
    )
    parser.add_argument("--strict", action="store_true", help="unresolved fields are errors")
    parser.add_argument("--schema", metavar="FILE", help="JSON Schema (JSON output) or XSD (XML output)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Render and report; never a traceback."""
    from postback_studio.commands._rendering import run_reported

    return run_reported("render", args, _render)


def _render(args: argparse.Namespace) -> int:
    from postback_studio.commands._common import UsageError
    from postback_studio.commands._rendering import (
        load_lookups,
        load_payload,
        load_template_file,
        load_workspace_template,
    )
    from postback_studio.core.model import OutputFormat, TemplateKind
    from postback_studio.core.template_files import is_email_filename

    fmt = OutputFormat(args.format) if args.format else None
    if (args.template is None) == (args.workspace_template is None):
        raise UsageError("give a TEMPLATE file or --template NAME (a workspace template), not both")
    if args.workspace_template is not None:
        loaded, lookups = load_workspace_template(args, args.workspace_template)
        email = loaded.template.kind is TemplateKind.EMAIL
        if email and fmt in (OutputFormat.JSON, OutputFormat.XML):
            raise UsageError(f"--format {fmt.value}: an email template renders html and text parts")
        if fmt is not None and not email:
            loaded = replace(loaded, template=replace(loaded.template, format=fmt))
        payload, _ = load_payload(args.event, args.payload)
        if args.lookups:
            lookups = load_lookups(args.lookups)
        return render_loaded(
            loaded, payload, lookups=lookups, strict=args.strict, schema=args.schema, part=fmt
        )
    email = is_email_filename(args.template)
    if email and fmt in (OutputFormat.JSON, OutputFormat.XML):
        raise UsageError(f"--format {fmt.value}: an email template renders html and text parts")
    loaded = load_template_file(args.template, None if email else fmt)
    payload, _ = load_payload(args.event, args.payload)
    return render_loaded(
        loaded, payload, lookups=load_lookups(args.lookups), strict=args.strict, schema=args.schema, part=fmt
    )


def render_loaded(
    loaded: LoadedTemplate,
    payload: Any,
    *,
    lookups: LookupSet | None,
    strict: bool,
    schema: str | None,
    part: OutputFormat | None = None,
) -> int:
    """Render an already loaded template (a file now, a workspace template later) and report.

    ``part`` picks one part of an email (``OutputFormat.HTML`` or ``TEXT``); None prints them all.
    """
    from pathlib import Path

    from postback_studio.commands._common import UsageError
    from postback_studio.commands._rendering import exit_code, report
    from postback_studio.core.model import TemplateKind
    from postback_studio.core.render.engine import RenderEngine
    from postback_studio.core.render.validate import SchemaFileError

    template = loaded.template
    if schema and template.kind is TemplateKind.EMAIL:
        raise UsageError("--schema applies to JSON or XML webhook templates, not email templates")
    schema_path = Path(schema) if schema else None
    if schema_path is not None and not schema_path.is_file():
        raise UsageError(f"{schema_path}: no such file")
    with RenderEngine() as engine:
        if template.kind is TemplateKind.EMAIL:
            rendering = engine.render_template(template, payload, lookups=lookups, strict=strict)
            if rendering.rendered:
                _print_email({name: r.output for name, r in rendering.parts.items()}, part)
            report(rendering.diagnostics, loaded)
            return exit_code(rendering.parts.values(), rendering.notes)
        try:
            result = engine.render(
                template.body,
                payload,
                fmt=template.format,
                lookups=lookups,
                strict=strict,
                schema=schema_path,
            )
        except SchemaFileError as exc:
            raise UsageError(str(exc)) from None
        if result.rendered and result.output is not None:
            sys.stdout.write(result.output)
            sys.stdout.flush()
        report(result.diagnostics, loaded)
        return exit_code([result])


def _print_email(outputs: dict[str, str | None], fmt: OutputFormat | None) -> None:
    from postback_studio.core.model import OutputFormat

    if fmt is OutputFormat.HTML:
        sys.stdout.write(outputs.get("html") or "")
        return
    if fmt is OutputFormat.TEXT:
        sys.stdout.write(outputs.get("text") or "")
        return
    sys.stdout.write(f"Subject: {(outputs.get('subject') or '').strip()}\n")
    for part in ("html", "text"):
        if outputs.get(part) is not None:
            sys.stdout.write(f"\n--- {part} part ---\n{outputs[part]}")
    sys.stdout.flush()
