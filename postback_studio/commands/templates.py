"""``postback-studio templates``: list templates, and move one to and from a plain ``.j2`` file.

``templates [--customer NAME] [--json]`` lists; ``templates export NAME [--out FILE]`` writes the
current version as a ``.j2`` file (an email as the one-file ``.email.j2`` block format);
``templates import FILE [--customer NAME] [--name NAME] [--dry-run]`` creates the template, or saves
a new version of the template with that name, after printing which (and the fields that change).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from postback_studio.commands._common import (
    CommandError,
    UsageError,
    customer_id,
    open_workspace,
    print_rows,
    run_action,
    write_text,
)
from postback_studio.services.files import WorkspaceFileError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``templates`` command and its ``list``/``export``/``import`` actions."""
    parser = subparsers.add_parser("templates", help="list templates; export or import one as a .j2 file")
    parser.add_argument("--customer", metavar="NAME", help="list this customer's and the shared templates")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="list templates (the default)")
    export = actions.add_parser("export", help="write a template to a .j2 file")
    export.add_argument("name", metavar="NAME")
    export.add_argument("--out", metavar="FILE", help="the file (default: stdout); '-' is stdout")
    imp = actions.add_parser("import", help="create or update a template from a .j2 file")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--customer", dest="import_customer", metavar="NAME", help="owner (default: shared)")
    imp.add_argument("--name", metavar="NAME", help="template name (default: from the file name)")
    imp.add_argument("--dry-run", action="store_true", help="only print what would change")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action; exit 1 for invalid templates, 2 for unreadable files or unknown names."""
    return run_action(args, {None: _list, "list": _list, "export": _export, "import": _import})


def _list(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        owner = customer_id(session, args.customer)
        customers = {c.id: c.name for c in session.customers.list()}
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "customer": customers.get(t.customer_id) if t.customer_id is not None else None,
                "kind": t.kind.value,
                "format": t.format.value,
                "status": t.status.value,
                "versions": len(session.templates.versions(t.id)) if t.id is not None else 0,
            }
            for t in session.templates.list(customer_id=owner)
        ]
    print_rows(rows, args.json, _line)
    return 0


def _export(args: argparse.Namespace) -> int:
    from postback_studio.core.template_files import template_to_text

    with open_workspace(args) as session:
        template = session.templates.get_by_name(args.name)
    if template is None:
        raise UsageError(f"no template named '{args.name}'")
    write_text(template_to_text(template), args)
    return 0


def _import(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from postback_studio.cli import workspace_path
    from postback_studio.core.errors import ValidationError
    from postback_studio.core.import_plan import Action
    from postback_studio.core.template_files import TemplateFileError, read_template_file
    from postback_studio.services.files import UserFiles

    path = Path(args.file)
    try:
        UserFiles(workspace_path(args)).check_input(path)
        template = read_template_file(path).template
    except (TemplateFileError, WorkspaceFileError) as exc:
        raise UsageError(str(exc)) from None
    with open_workspace(args) as session:
        owner = customer_id(session, args.import_customer)
        plan = session.templates.plan_import(replace(template, name=args.name or template.name),
                                             customer_id=owner)
        print(plan.describe())
        if args.dry_run or plan.action is Action.UNCHANGED:
            return 0
        try:
            saved = session.templates.apply_import(plan)
        except ValidationError as exc:
            raise CommandError(f"{args.file}: {exc}") from None
        assert saved.id is not None
        versions = len(session.templates.versions(saved.id))
    print(f"saved '{saved.name}' as version {versions}", file=sys.stderr)
    return 0


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['name']}\t{row['kind']}/{row['format']}\t{row['status']}\t"
        f"{row['customer'] or '(shared)'}\tv{row['versions']}"
    )
