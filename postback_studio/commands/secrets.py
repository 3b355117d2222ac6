"""``postback-studio secrets``: set, list and clear stored secrets without the desktop app.

``secrets set --trigger NAME [--customer NAME] (--header HEADER | --signing)`` reads one line from
stdin (never from the command line, where it would land in the shell history) and stores it as the
value of the trigger's header ``HEADER`` marked secret (added or replaced) or as its signing
secret (signing is turned on), bound to the trigger's current destination. ``secrets list
[--json]`` (also the default) shows every configured secret: whose, which, whether it is set,
where it is stored and what it is bound to, never a value. ``secrets clear --trigger NAME`` (or
``--smtp``) deletes stored values; the headers stay marked secret, so a send asks for them again.
Exit 0 on success, 2 for a bad argument, an unknown name or a value that cannot be a secret.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from postback_studio.commands._common import UsageError, open_workspace, print_rows, run_action

if TYPE_CHECKING:
    from postback_studio.core.model import Trigger
    from postback_studio.services.session import Session

#: A secret is a token or a password, not a file: longer input on stdin is refused.
MAX_SECRET_BYTES = 16 * 1024


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``secrets`` command and its ``set``, ``list`` and ``clear`` actions."""
    parser = subparsers.add_parser(
        "secrets",
        help="set, list or clear stored secrets (values are read from stdin, never printed)",
        description="Stored secrets (secret header values, signing secrets, the SMTP password) are bound "
        "to the destination they were entered for and sent nowhere else.",
    )
    # `secrets --json` lists, as `secrets` does: the list is the default action, so it takes its option.
    parser.add_argument("--json", action="store_true", help="with no ACTION: list as JSON for scripts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    set_parser = actions.add_parser(
        "set", help="store a trigger's secret header or signing secret, read from stdin (one line)"
    )
    set_parser.add_argument("--trigger", metavar="NAME", required=True, help="the trigger")
    set_parser.add_argument("--customer", metavar="NAME", help="the trigger's customer (when names repeat)")
    what = set_parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--header", metavar="HEADER", help="the header (added, or replaced, marked secret)")
    what.add_argument(
        "--signing", action="store_true", help="the Standard Webhooks signing secret (whsec_...)"
    )
    list_parser = actions.add_parser("list", help="every configured secret: set or not, where, bound to what")
    list_parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for scripts"
    )
    clear = actions.add_parser("clear", help="delete stored secrets of a trigger (or the SMTP password)")
    whose = clear.add_mutually_exclusive_group(required=True)
    whose.add_argument("--trigger", metavar="NAME", help="the trigger whose secrets to clear")
    whose.add_argument("--smtp", action="store_true", help="the SMTP password")
    clear.add_argument("--customer", metavar="NAME", help="the trigger's customer (when names repeat)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Set, list (the default) or clear."""
    return run_action(args, {None: _list, "list": _list, "set": _set, "clear": _clear}, prefix="secrets")


def _list(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        entries = session.secrets.list()
    rows = [
        {
            "kind": e.kind,
            "customer": e.customer,
            "trigger": e.trigger,
            "secret": e.secret,
            "header": e.header,
            "state": e.state,
            "store": e.location if e.stored else None,
            "bound_to": e.bound_to or None,
            "destination": e.destination or None,
        }
        for e in entries
    ]
    print_rows(rows, args.json, _line)
    return 0


def _line(row: dict[str, Any]) -> str:
    secret = f"header {row['header']}" if row["secret"] == "header" else row["secret"]
    bound = row["bound_to"] or "(nothing)"
    if row["state"] == "stale":
        bound += f" (now {row['destination']}: not sent)"
    return "\t".join(
        [
            row["kind"],
            row["customer"] or "-",
            row["trigger"] or "-",
            secret,
            row["state"],
            row["store"] or "-",
            f"bound to {bound}",
        ]
    )


def _set(args: argparse.Namespace) -> int:
    from postback_studio.core.errors import InputError

    value = _read_value("the signing secret" if args.signing else f"the value of {args.header}")
    with open_workspace(args) as session:
        trigger = _trigger(session, args)
        try:
            if args.signing:
                saved = session.secrets.set_signing(trigger, value)
                what = "signing secret (signing is on)"
            else:
                saved = session.secrets.set_header(trigger, args.header, value)
                what = f"header '{args.header}' (marked secret)"
        except InputError as exc:
            raise UsageError(str(exc)) from None
        where = f"in the {session.secrets.location}, bound to {session.secrets.destination(saved)}"
        owner = session.secrets.owner(saved)
    print(f"stored the {what} of {owner} {where}")
    return 0


def _clear(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        if args.smtp:
            had = session.secrets.clear_smtp()
            print("cleared the SMTP password" if had else "no SMTP password was stored")
            return 0
        trigger = _trigger(session, args)
        cleared = session.secrets.clear_trigger(trigger)
        owner = session.secrets.owner(trigger)
    print(f"cleared the {', '.join(cleared)} of {owner}" if cleared else f"{owner} had no stored secret")
    return 0


def _trigger(session: Session, args: argparse.Namespace) -> Trigger:
    return session.triggers.named(args.trigger, args.customer)


def _read_value(what: str) -> str:
    """One line from stdin (a prompt without echo on a terminal); refused when empty or not one line."""
    if sys.stdin is None:
        raise UsageError(f"{what}: nothing on stdin")
    if sys.stdin.isatty():
        import getpass

        text = getpass.getpass(f"{what}: ")
    else:
        text = sys.stdin.read(MAX_SECRET_BYTES + 1)
        if len(text) > MAX_SECRET_BYTES:
            raise UsageError(
                f"{what}: more than {MAX_SECRET_BYTES} characters on stdin; a secret is one line"
            )
    value = text.removesuffix("\n").removesuffix("\r")
    if not value:
        raise UsageError(f"{what}: nothing on stdin (write the value as one line)")
    if "\r" in value or "\n" in value:
        raise UsageError(f"{what}: stdin holds more than one line; a secret is one line")
    return value
