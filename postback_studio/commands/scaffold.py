"""``postback-studio scaffold EXAMPLE (--event EVENT | --payload FILE)``: a template from an example.

The template goes to stdout. On stderr, one line per value and per array of the example says where
the template takes it from (``FILE:LINE:COL: note: ...``), constants included; uncertain choices (ties,
weak matches) are warnings; a last line says whether the template renders the example back from the
payload. ``note`` is the informational severity of the diagnostics convention (README): a line that
says how something was done, never a problem. Exit 0 with a template; 1 if the template does not
render valid output (a bug to report); 2 for bad input (``FILE[:LINE:COL]: error: ...``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postback_studio.core.wording import counted

if TYPE_CHECKING:
    from postback_studio.core.model import OutputFormat
    from postback_studio.core.scaffold import LeafRow, LoopRow, ScaffoldCheck, ScaffoldResult

FORMATS = ("json", "xml")
_MAX_SHOWN = 3


class _BadInputError(Exception):
    """Input the command cannot use; the message is the whole diagnostic line."""


def register(subparsers: Any) -> None:
    """Add the ``scaffold`` subcommand."""
    parser = subparsers.add_parser(
        "scaffold",
        help="write a template that produces a receiver's example from an order payload",
        description="Match every value of EXAMPLE (the body the receiver wants, JSON or XML) to the "
        "payload of the sample or file it corresponds to, and print a template that writes it: values "
        "as payload paths, arrays as loops, the rest as constants. How each value was mapped goes to "
        "stderr.",
    )
    parser.add_argument("example", metavar="EXAMPLE", help="the receiver's example body (.json or .xml)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--event", metavar="EVENT", help="built-in sample: EVENT or EVENT.VARIANT (see `samples`)"
    )
    source.add_argument("--payload", metavar="FILE", help="payload JSON file")
    parser.add_argument(
        "--format", choices=FORMATS, help="the example's format (default: from its extension)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Scaffold, print the template and the mapping; bad input is one line and exit 2; never a traceback."""
    from postback_studio.commands.exit_codes import ExitCode

    try:
        return _scaffold(args)
    except _BadInputError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.USAGE
    except Exception as exc:
        print(f"{args.example}: error: cannot scaffold: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.FAILED


def _scaffold(args: argparse.Namespace) -> int:
    from postback_studio.commands.exit_codes import ExitCode
    from postback_studio.core.render.engine import RenderEngine
    from postback_studio.core.scaffold import ExampleError, check_scaffold, scaffold

    fmt = _example_format(args.example, args.format)
    text = _read_example(args.example)
    payload, payload_name = _read_payload(args.event, args.payload)
    try:
        result = scaffold(text, fmt, payload)
    except ExampleError as exc:
        where = f":{exc.line}:{exc.column}" if exc.line is not None else ""
        raise _BadInputError(f"{args.example}{where}: error: {exc}") from None
    sys.stdout.write(result.template)
    sys.stdout.flush()
    with RenderEngine() as engine:
        check = check_scaffold(engine, result.example, result.template, payload)
    _report(args.example, payload_name, result, check)
    return ExitCode.OK if check.result.valid else ExitCode.FAILED


def _example_format(path: str, option: str | None) -> OutputFormat:
    from postback_studio.core.model import OutputFormat

    if option:
        return OutputFormat(option)
    suffix = Path(path).suffix.lower()
    if suffix in (".json", ".xml"):
        return OutputFormat(suffix[1:])
    raise _BadInputError(
        f"{path}: error: cannot tell JSON from XML by the file name; give --format json or xml"
    )


def _read_example(path: str) -> str:
    from postback_studio.commands._rendering import FileDiagnosticError
    from postback_studio.core.textfiles import UnreadableFileError, read_text_file

    try:
        return read_text_file(Path(path))
    except UnreadableFileError as exc:
        raise _BadInputError(str(FileDiagnosticError(str(exc), path))) from None


def _read_payload(event: str | None, payload_file: str | None) -> tuple[Any, str]:
    from postback_studio.commands._common import UsageError
    from postback_studio.commands._rendering import FileDiagnosticError, load_payload

    try:
        payload, name = load_payload(event, payload_file)
    except FileDiagnosticError as exc:
        raise _BadInputError(str(exc)) from None
    except UsageError as exc:
        raise _BadInputError(f"postback-studio scaffold: error: {exc}") from None
    if not isinstance(payload, dict):
        where = payload_file or f"--event {event}"
        raise _BadInputError(
            f"{where}: error: the payload must be a JSON object (its keys are the template's names)"
        )
    return payload, name




def _report(origin: str, payload_name: str, result: ScaffoldResult, check: ScaffoldCheck) -> None:
    note = _word(uncertain=False)
    items: list[LeafRow | LoopRow] = [*result.mapping.loops, *result.mapping.rows]
    items.sort(key=lambda item: (item.line, item.column, not hasattr(item, "variables")))
    for item in items:
        print(_line(origin, item), file=sys.stderr)
    for text in result.notes:
        print(f"{origin}: {note}: {text}", file=sys.stderr)
    rows = result.mapping.rows
    mapped = sum(1 for r in rows if r.source is not None)
    uncertain = len(result.mapping.uncertain)
    print(
        f"{origin}: {note}: {mapped} of {counted(len(rows), 'value')} from the payload, {len(rows) - mapped} "
        f"kept as written, {counted(len(result.mapping.loops), 'array')}, {uncertain} to check",
        file=sys.stderr,
    )
    print(_verdict(origin, payload_name, check), file=sys.stderr)


def _line(origin: str, item: LeafRow | LoopRow) -> str:
    from postback_studio.core.scaffold import LoopRow

    severity = _word(uncertain=item.uncertain)
    if isinstance(item, LoopRow):
        if item.source is None:
            what = f"{item.example_path}: kept as {item.elements} element(s) as written"
        else:
            what = f"{item.example_path}: a loop over {item.source} ({', '.join(item.variables)})"
        others = [str(a) for a in item.alternatives]
    else:
        if item.source is None:
            what = f"{item.example_path}: {item.kind.value} {item.value}"
        else:
            what = f"{item.example_path} <- {item.source.describe()}"
        offered = [a for a in item.alternatives if a.usable or item.source is None]
        others = list(dict.fromkeys(str(a.path) for a in offered))
    text = f"{origin}:{item.line}:{item.column}: {severity}: {what}"
    if item.notes:
        text += "; " + "; ".join(item.notes)
    if others and (item.uncertain or item.source is not None):
        shown = ", ".join(others[:_MAX_SHOWN]) + (", ..." if len(others) > _MAX_SHOWN else "")
        text += f" (other candidates: {shown})"
    return text


def _word(*, uncertain: bool) -> str:
    """``warning`` for what the user should check, ``note`` for how a value was mapped."""
    from postback_studio.commands._rendering import SEVERITY_WORDS
    from postback_studio.core.render.result import Severity

    return SEVERITY_WORDS[Severity.WARNING if uncertain else Severity.INFO]


def _verdict(origin: str, payload_name: str, check: ScaffoldCheck) -> str:
    from postback_studio.commands._rendering import LoadedTemplate, format_diagnostic
    from postback_studio.core.model import Template

    if not check.result.valid:
        loaded = LoadedTemplate(Template(name="scaffold", body=""), "<the scaffolded template>")
        problems = "; ".join(format_diagnostic(d, loaded) for d in check.result.errors)
        return f"{origin}: error: the template does not render valid output on {payload_name}: {problems}"
    comparison = check.comparison
    assert comparison is not None
    note = _word(uncertain=False)
    if comparison.identical:
        return f"{origin}: {note}: on {payload_name} the template renders the example back exactly"
    if comparison.equivalent:
        return (
            f"{origin}: {note}: on {payload_name} the template renders the example back as the same "
            f"{check.result.format.value.upper()} (the text differs only in escapes, number format or layout)"
        )
    warning = _word(uncertain=True)
    difference = comparison.difference
    return f"{origin}: {warning}: on {payload_name} the output differs from the example: {difference}"
