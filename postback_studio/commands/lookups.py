"""``postback-studio lookups``: list lookup tables; export or import one as key,value CSV.

The CSV is GelatoConnect's bulk-upload shape: two columns, key and value. Import tolerates a
``key,value`` header row, a BOM and CRLF, and reports bad rows with their line numbers. Into a table
that exists it replaces the rows (``--merge``: adds and updates, keeps the others) and first prints
how many rows it adds, changes and removes (``--dry-run``: only that).
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
    """Add the ``lookups`` command and its ``list``/``export``/``import`` actions."""
    parser = subparsers.add_parser("lookups", help="list lookup tables; export or import one as CSV")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="list lookup tables (the default)")
    export = actions.add_parser("export", help="write a table as key,value CSV")
    export.add_argument("name", metavar="NAME")
    export.add_argument("--out", metavar="FILE", help="the file (default: stdout)")
    imp = actions.add_parser("import", help="create or update a table from a key,value CSV")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--name", metavar="NAME", help="table name (default: the file name without .csv)")
    imp.add_argument("--field", metavar="FIELD", help="template field (default: the file name without .csv)")
    imp.add_argument("--customer", metavar="NAME", help="owner (default: global)")
    imp.add_argument("--merge", action="store_true",
                     help="keep the table's other rows (default: replace them all)")
    imp.add_argument("--dry-run", action="store_true", help="only print what would change")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action; exit 1 for invalid rows, 2 for unreadable files or unknown names."""
    return run_action(args, {None: _list, "list": _list, "export": _export, "import": _import})


def _list(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        customers = {c.id: c.name for c in session.customers.list()}
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "customer": customers.get(t.customer_id) if t.customer_id is not None else None,
                "templateField": t.template_field,
                "description": t.description,
                "rows": len(t.rows),
            }
            for t in session.lookups.list()
        ]
    print_rows(rows, args.json, _line)
    return 0


def _export(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        table = session.lookups.get_by_name(args.name)
        if table is None or table.id is None:
            raise UsageError(f"no lookup table named '{args.name}'")
        text = session.lookups.export_csv(table.id)
    write_text(text, args)
    return 0


def _import(args: argparse.Namespace) -> int:
    from postback_studio.cli import workspace_path
    from postback_studio.core.errors import ValidationError
    from postback_studio.core.import_plan import ImportMode
    from postback_studio.core.lookup_csv import LookupCsvError
    from postback_studio.services.files import UserFiles

    path = Path(args.file)
    try:
        UserFiles(workspace_path(args)).check_input(path)
        data = path.read_bytes()
    except WorkspaceFileError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    stem = path.name.removesuffix(".csv")
    with open_workspace(args) as session:
        owner = customer_id(session, args.customer)
        try:
            plan = session.lookups.plan_csv_import(
                data,
                name=args.name or stem,
                template_field=args.field or stem,
                customer_id=owner,
                source=str(path),
                mode=ImportMode.MERGE if args.merge else ImportMode.REPLACE,
            )
            print(plan.describe())
            if args.dry_run:
                return 0
            table = session.lookups.apply_import(plan)
        except LookupCsvError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(f"{path}: {exc}") from None
    print(
        f"imported: lookup table '{table.name}' (field {table.template_field}) has {len(table.rows)} row(s)",
        file=sys.stderr,
    )
    return 0


def _line(row: dict[str, Any]) -> str:
    owner = row["customer"] or "(global)"
    return f"{row['name']}\t{row['templateField']}\t{owner}\t{row['rows']} row(s)"
