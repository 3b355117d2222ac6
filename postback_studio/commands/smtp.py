"""``postback-studio smtp [--host H] [--port N] [--security none|starttls|tls] [--user U] [--password-stdin]
[--sender ADDRESS] [--sender-name NAME] [--test]``: show or change the outgoing mail server.

Without options it shows the settings; with options it changes them (the password is read from stdin,
never from the command line, and never printed). The stored password is bound to the host, port and
username it was entered for: changing one of them without ``--password-stdin`` clears it, and the
command says so. ``--test`` connects, secures and authenticates
without sending, prints the SMTP conversation (AUTH redacted) and a diagnosis; exit 1 when it fails.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from postback_studio.commands._common import CommandError, error, open_workspace
from postback_studio.commands.exit_codes import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``smtp`` command."""
    parser = subparsers.add_parser("smtp", help="show, change or test the SMTP settings")
    parser.add_argument("--host", metavar="H")
    parser.add_argument("--port", metavar="N", type=int)
    parser.add_argument("--security", choices=("none", "starttls", "tls"))
    parser.add_argument("--user", metavar="U", help="username for AUTH (empty: no AUTH)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    parser.add_argument("--sender", metavar="ADDRESS", help="sender email address")
    parser.add_argument("--sender-name", metavar="NAME", help="sender display name")
    parser.add_argument("--test", action="store_true", help="check the connection and print the conversation")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Show, change, then optionally test."""
    from postback_studio.core.errors import ValidationError
    from postback_studio.core.model import TlsMode

    changes: dict[str, object] = {}
    for option, field in (
        ("host", "host"),
        ("port", "port"),
        ("user", "username"),
        ("sender", "sender_email"),
        ("sender_name", "sender_name"),
    ):
        if getattr(args, option) is not None:
            changes[field] = getattr(args, option)
    if args.security is not None:
        changes["tls_mode"] = TlsMode(args.security)
    if args.password_stdin:
        if sys.stdin.isatty():
            import getpass

            password = getpass.getpass("SMTP password: ")
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            error("smtp: --password-stdin: no password on stdin")
            return ExitCode.USAGE
        changes["password"] = password
    try:
        with open_workspace(args) as session:
            settings = session.smtp.get()
            if changes:
                wanted = replace(settings, **changes)  # type: ignore[arg-type]
                change = session.smtp.secrets_change(wanted)
                try:
                    settings = session.smtp.set(wanted)
                except ValidationError as exc:
                    raise CommandError(str(exc), ExitCode.USAGE) from None
                if change is not None:
                    print(f"note: {change.cleared()}; enter it again with --password-stdin", file=sys.stderr)
            has_password = session.smtp.has_password()
            settings = replace(settings, password=session.smtp.password_for(settings))
    except CommandError as exc:
        error(f"smtp: {exc}")
        return exc.code
    sender = (
        f"{settings.sender_name} <{settings.sender_email}>" if settings.sender_name else settings.sender_email
    )
    print(f"host:      {settings.host or '(not set)'}")
    print(f"port:      {settings.port}")
    print(f"security:  {settings.tls_mode.value}")
    print(f"user:      {settings.username or '(no AUTH)'}")
    print(f"password:  {'(stored)' if has_password else '(not set)'}")
    print(f"sender:    {sender or '(not set)'}")
    if not args.test:
        return 0
    return _test(args, settings)


def _test(args: argparse.Namespace, settings: object) -> int:
    from postback_studio.commands._dispatch import delivery_service
    from postback_studio.core.model import SmtpSettings
    from postback_studio.services.delivery.credentials import insecure_smtp

    assert isinstance(settings, SmtpSettings)
    if not settings.host:
        error("smtp: --test: no host set (--host H)")
        return ExitCode.USAGE
    problem = insecure_smtp(settings)
    if problem:
        error(f"smtp: --test: {problem.replace('Not sent: ', '')}")
        return ExitCode.FAILED
    with delivery_service(args, quiet=True) as service:
        result = service.test_smtp(settings)
    print()
    print(result.transcript.rstrip())
    print()
    if result.ok:
        print("test: OK (connected, secured and authenticated as configured; nothing was sent)")
        return 0
    print(f"test: FAILED: {(result.diagnosis or result.error).removeprefix('Not sent: ')}")
    return ExitCode.FAILED
