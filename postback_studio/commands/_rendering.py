"""What ``render`` and ``check`` share: reading their inputs and reporting diagnostics.

Every bad input becomes :class:`UsageError` with a one-line message naming the file and what is
wrong (exit 2); nothing here lets a traceback reach the terminal.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from postback_studio.commands._common import UsageError, open_workspace
from postback_studio.commands.exit_codes import ExitCode
from postback_studio.core.errors import StudioError
from postback_studio.core.model import LookupSet, OutputFormat, Template
from postback_studio.core.render.result import TEMPLATE_ERROR_CODES, Diagnostic, RenderResult, Severity, Where


class FileDiagnosticError(UsageError):
    """Unreadable input whose message is a diagnostic, ``FILE[:LINE:COL]: error: reason``.

    Printed as it is (editors and CI parse the position), not behind the command's name.
    """

    def __init__(self, message: str, path: str) -> None:
        rest = message.removeprefix(str(Path(path)))
        match = re.match(r"(:\d+:\d+)?: (.*)", rest, re.DOTALL)
        if match is None:
            super().__init__(f"{path}: error: {message}")
        else:
            super().__init__(f"{path}{match.group(1) or ''}: error: {match.group(2)}")


def usage_line(command: str, exc: UsageError) -> str:
    """The line a usage error prints: a file diagnostic as it is, anything else after the command."""
    return str(exc) if isinstance(exc, FileDiagnosticError) else f"postback-studio {command}: {exc}"


def run_reported(command: str, args: argparse.Namespace, work: Callable[[argparse.Namespace], int]) -> int:
    """``work(args)``'s exit code; a failure is one line on stderr, never a traceback.

    A usage error prints its :func:`usage_line` and exits 2; anything else names the template and
    the exception's type, and exits 1.
    """
    try:
        return work(args)
    except UsageError as exc:
        print(usage_line(command, exc), file=sys.stderr)
        return exc.code
    except Exception as exc:
        origin = args.template or args.workspace_template
        print(f"postback-studio {command}: {origin}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.FAILED


@dataclass(frozen=True)
class LoadedTemplate:
    """A template to render, where it came from, and the file line each part starts on."""

    template: Template
    origin: str
    part_lines: dict[str, int] = field(default_factory=dict)


def load_template_file(path: str, fmt: OutputFormat | None = None) -> LoadedTemplate:
    """Read a template file (format from ``fmt``, else its extension, else text)."""
    from postback_studio.core.template_files import TemplateFileError, read_template_file

    try:
        loaded = read_template_file(Path(path), fmt)
    except TemplateFileError as exc:
        raise UsageError(str(exc)) from None
    return LoadedTemplate(loaded.template, path, dict(loaded.part_lines))


def load_workspace_template(args: Any, name: str) -> tuple[LoadedTemplate, LookupSet]:
    """A template of the command line's workspace by name, and the lookups its customer's renders see.

    A shared template (no customer) sees the global tables only.
    """
    try:
        with open_workspace(args) as session:
            template = session.templates.get_by_name(name)
            if template is None:
                names = ", ".join(t.name for t in session.templates.list()) or "none"
                raise UsageError(
                    f"--template: no template named '{name}' in the workspace (templates: {names})"
                )
            lookups = session.lookups.lookup_set_for(template.customer_id)
    except UsageError:
        raise
    except StudioError as exc:
        raise UsageError(str(exc)) from None
    return LoadedTemplate(template, f"{name} (workspace)"), lookups


def load_workspace_version(args: Any, name: str, number: int) -> Template:
    """Version ``number`` of the workspace template called ``name`` (its content as saved then)."""
    from postback_studio.core.errors import NotFoundError

    try:
        with open_workspace(args) as session:
            template = session.templates.get_by_name(name)
            if template is None or template.id is None:
                names = ", ".join(t.name for t in session.templates.list()) or "none"
                raise UsageError(
                    f"--against-version: no template named '{name}' in the workspace (templates: {names}); "
                    "name one with --template NAME"
                )
            try:
                version = session.templates.version(template.id, number)
            except NotFoundError:
                count = len(session.templates.versions(template.id))
                raise UsageError(
                    f"--against-version {number}: template '{name}' has versions 1 to {count}"
                ) from None
    except UsageError:
        raise
    except StudioError as exc:
        raise UsageError(str(exc)) from None
    return version.applied_to(template)


def load_payload(event: str | None, payload_file: str | None) -> tuple[Any, str]:
    """The payload of ``--event NAME`` (a built-in sample) or ``--payload FILE``, and its name."""
    if payload_file is not None:
        from postback_studio.core.textfiles import UnreadableFileError, read_json_file

        try:
            return read_json_file(Path(payload_file), "the payload"), payload_file
        except UnreadableFileError as exc:
            raise FileDiagnosticError(str(exc), payload_file) from None
    from postback_studio.core.samples import UnknownSampleError, load_sample

    assert event is not None
    try:
        return load_sample(event), event
    except UnknownSampleError as exc:
        raise UsageError(f"--event: {exc}") from None


def load_lookups(path: str | None) -> LookupSet | None:
    """``--lookups FILE`` as JSON tables or a key,value CSV named after its template field."""
    if path is None:
        return None
    from postback_studio.core.lookup_files import LookupFileError, read_lookups_file

    try:
        return read_lookups_file(Path(path))
    except LookupFileError as exc:
        raise UsageError(str(exc)) from None


#: The word each severity is written with: GCC's and clang's three, so editors' problem matchers read
#: them. ``note`` says how something was done (the scaffold's mapping) and is never a problem.
SEVERITY_WORDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def format_diagnostic(diagnostic: Diagnostic, loaded: LoadedTemplate) -> str:
    """``FILE:LINE:COL: error|warning|note: message``; template lines are mapped to the file's lines."""
    severity = SEVERITY_WORDS[diagnostic.severity]
    location = diagnostic.location
    message = diagnostic.message
    if location is None:
        return f"{loaded.origin}: {severity}: {message}"
    line = location.line
    if location.where is Where.TEMPLATE:
        line += loaded.part_lines.get(location.part, 1) - 1
    elif location.part != "body":
        message = f"[{location.part} part] {message}"
    return f"{loaded.origin}:{line}:{location.column}: {severity}: {message}"


def report(diagnostics: Iterable[Diagnostic], loaded: LoadedTemplate, stream: TextIO | None = None) -> None:
    """Print diagnostics one a line (stderr by default)."""
    out = stream or sys.stderr
    for diagnostic in diagnostics:
        print(format_diagnostic(diagnostic, loaded), file=out)


def exit_code(results: Iterable[RenderResult], notes: Iterable[Diagnostic] = ()) -> ExitCode:
    """0 valid; 1 a template error; 3 rendered but the output is invalid for its format."""
    outcome = ExitCode.OK
    for result in results:
        if not result.rendered:
            return ExitCode.FAILED
        if result.errors:
            outcome = ExitCode.INVALID_OUTPUT
    if any(n.severity is Severity.ERROR for n in notes):
        outcome = ExitCode.INVALID_OUTPUT if outcome == ExitCode.OK else outcome
    return outcome


def is_template_error(diagnostic: Diagnostic) -> bool:
    """True for errors that fail the template itself (as opposed to its output)."""
    return diagnostic.severity is Severity.ERROR and diagnostic.code in TEMPLATE_ERROR_CODES
