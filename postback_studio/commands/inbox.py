"""``postback-studio inbox [--http-port N] [--smtp-port N] [--script "503x2, 200"] [--max-body MB]``.

Runs an HTTP receiver and an SMTP catcher on 127.0.0.1 until Ctrl+C, answering webhooks as the script
says, printing one line per arrival and storing everything in the workspace's inbox. The default HTTP
port is the one the seeded demo trigger sends to; port 0 picks a free one (the line printed at start
says which). A body over ``--max-body`` megabytes (default 10) is kept up to the cap, marked
truncated and answered 413.
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from postback_studio.commands._common import CommandError, UsageError, error
from postback_studio.core.defaults import INBOX_BODY_MB, LOCAL_HTTP_PORT, LOCAL_SMTP_PORT, MAX_INBOX_BODY_MB


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``inbox`` command."""
    parser = subparsers.add_parser(
        "inbox",
        help="run the local webhook and SMTP inbox on 127.0.0.1 until Ctrl+C",
        description="Receive webhooks (any method and path) and emails on 127.0.0.1, print one line per "
        "arrival and store them in the workspace. Stop with Ctrl+C.",
    )
    parser.add_argument(
        "--http-port", metavar="N", type=int, default=LOCAL_HTTP_PORT, help="HTTP port (0: any)"
    )
    parser.add_argument(
        "--smtp-port", metavar="N", type=int, default=LOCAL_SMTP_PORT, help="SMTP port (0: any)"
    )
    parser.add_argument(
        "--script",
        metavar="SCRIPT",
        default="200",
        help='HTTP answers in order, e.g. "503x2, 200" (the last repeats)',
    )
    parser.add_argument(
        "--max-body",
        metavar="MB",
        type=float,
        default=float(INBOX_BODY_MB),
        help="keep at most this many megabytes of a request body; longer ones are cut and answered 413",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl+C (or ``stop`` is set); 2 when a port is taken or the script is invalid."""
    from postback_studio.commands._dispatch import clock_time, delivery_service
    from postback_studio.core.dispatch.inbox import (
        TRUNCATED_HEADER,
        HttpInbox,
        InboxLimits,
        ResponseScript,
        ScriptError,
        SmtpCatcher,
    )
    from postback_studio.core.inbox_view import answer_label
    from postback_studio.core.records import InboxEmail, InboxHttpRequest

    def http_line(request: InboxHttpRequest) -> None:
        cut = next((v for k, v in request.headers if k == TRUNCATED_HEADER), "")
        answer = answer_label(request.response_status, request.script_position, request.script_length)
        print(
            f"{clock_time(request.received_at)}  HTTP  {request.method} {request.path}  "
            f"{len(request.body)} bytes  from {request.remote}  answered {answer}"
            + (f"  (truncated: {cut})" if cut else ""),
            flush=True,
        )

    def email_line(message: InboxEmail) -> None:
        subject = _subject(message.raw)
        print(
            f"{clock_time(message.received_at)}  SMTP  from {message.mail_from} "
            f"to {', '.join(message.rcpt_tos)}  {subject!r}  {len(message.raw)} bytes",
            flush=True,
        )

    try:
        try:
            script = ResponseScript.parse(args.script)
        except ScriptError as exc:
            raise UsageError(f"--script: {exc}") from None
        if not 0 < args.max_body <= MAX_INBOX_BODY_MB:
            raise UsageError(f"--max-body: give megabytes between 0 and {MAX_INBOX_BODY_MB}")
        limits = InboxLimits(max_body_bytes=int(args.max_body * 1024 * 1024))
        with delivery_service(args, quiet=True) as service:
            recorder = service.inbox_recorder(on_http=http_line, on_email=email_line)
            http = HttpInbox(script, sink=recorder.http, port=args.http_port, limits=limits)
            smtp = SmtpCatcher(sink=recorder.email, port=args.smtp_port)
            try:
                _start(http.start, "HTTP", args.http_port)
                _start(smtp.start, "SMTP", args.smtp_port)
                print(
                    f"inbox: webhooks to {http.url}/... , mail to {smtp.host}:{smtp.port}; "
                    f"answering {args.script!r}; Ctrl+C to stop",
                    flush=True,
                )
                with contextlib.suppress(KeyboardInterrupt):
                    (stop or threading.Event()).wait()
            finally:
                http.stop()
                smtp.stop()
    except CommandError as exc:
        error(f"inbox: {exc}")
        return exc.code
    print("inbox: stopped", flush=True)
    return 0


def _start(start: object, what: str, port: int) -> None:
    try:
        start()  # type: ignore[operator]
    except OSError as exc:
        raise UsageError(f"cannot listen for {what} on 127.0.0.1:{port}: {exc.strerror or exc}") from None


def _subject(raw: bytes) -> str:
    from email import message_from_bytes
    from email.policy import default

    return str(message_from_bytes(raw, policy=default).get("Subject", ""))
