"""``postback-studio send``: deliver one postback through a trigger, or ad hoc from a template file.

``send --trigger NAME [--customer NAME] [--event EVENT | --payload FILE]`` renders the trigger's
template (default payload: the built-in sample of the trigger's event) and sends it as a test, whatever
the trigger's status. ``send --template FILE (--event EVENT | --payload FILE) (--url URL ... | --to
ADDRESS)`` sends a template file without a trigger. Every attempt is printed and logged in the
workspace; retries are waited for. Exit 0 only when the postback was delivered; 1 when it was not
(refused, failed, render failed, blocked); 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from postback_studio.commands._common import UsageError, error, report_failure
from postback_studio.commands.exit_codes import ExitCode

if TYPE_CHECKING:
    from postback_studio.core.dispatch.plan import EmailTarget, WebhookTarget
    from postback_studio.core.dispatch.report import DeliveryReport
    from postback_studio.core.model import Header, RetryPolicy
    from postback_studio.services.delivery import SendOptions

RETRY_CHOICES = ("none", "gelato", "exponential")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``send`` command."""
    parser = subparsers.add_parser(
        "send",
        help="send one postback through a trigger (or ad hoc from a template file)",
        description="Send a test postback through a workspace trigger (--trigger), or render a template "
        "file and send it to a URL or an email address (--template). Every attempt is printed and logged; "
        "retries are waited for. Exit 0 only when delivered.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--trigger", metavar="NAME", help="a trigger in the workspace")
    what.add_argument("--template", metavar="FILE", help="a template file, sent ad hoc (needs --url or --to)")
    parser.add_argument("--customer", metavar="NAME", help="the trigger's customer (when names repeat)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--event", metavar="EVENT", help="built-in sample EVENT or EVENT.VARIANT as payload")
    source.add_argument("--payload", metavar="FILE", help="payload JSON file")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--url", metavar="URL", help="ad hoc: the webhook URL")
    target.add_argument("--to", metavar="ADDRESS", action="append", help="ad hoc: an email recipient")
    parser.add_argument("--method", metavar="M", default="POST", help="ad hoc: POST (default), PUT or PATCH")
    parser.add_argument(
        "--header", metavar="'K: V'", action="append", default=[], help="ad hoc: a request header; repeatable"
    )
    parser.add_argument("--retry", choices=RETRY_CHOICES, default="none", help="ad hoc: retry policy")
    parser.add_argument("--sign-secret", metavar="SECRET", help="ad hoc: sign with this whsec_ secret")
    parser.add_argument("--send-anyway", action="store_true", help="send an output invalid for its format")
    parser.add_argument(
        "--allow-insecure",
        action="store_true",
        help="send credentials over plain http:// (or SMTP without TLS) to another machine",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Send and report; never a traceback."""
    from postback_studio.core.errors import DeliveryError

    try:
        report = _send_trigger(args) if args.trigger else _send_template(args)
    except DeliveryError as exc:
        error(f"send: {exc}")
        return ExitCode.USAGE
    except Exception as exc:  # the CLI reports, it never shows a traceback
        return report_failure("send", exc)
    return _summary(report)


def _options(args: argparse.Namespace) -> SendOptions:
    from postback_studio.services.delivery import SendOptions

    return SendOptions(send_anyway=args.send_anyway, allow_insecure=args.allow_insecure, wait=True)


def _send_trigger(args: argparse.Namespace) -> DeliveryReport:
    from postback_studio.commands._common import open_workspace
    from postback_studio.commands._dispatch import delivery_service, find_trigger_id
    from postback_studio.commands._rendering import load_payload

    adhoc = [f"--{n.replace('_', '-')}" for n in ("url", "to", "sign_secret") if getattr(args, n)]
    if adhoc or args.header:
        raise UsageError(f"{', '.join(adhoc or ['--header'])}: only with --template")
    with open_workspace(args) as session:
        trigger_id = find_trigger_id(session, args.trigger, args.customer)
        trigger = session.triggers.get(trigger_id, with_secrets=False)
    if trigger.method.value == "url":
        _warn_about(trigger.url)
    event = trigger.event.value
    payload, _ = load_payload(None if args.payload else (args.event or event), args.payload)
    with delivery_service(args) as service:
        return service.send_test(trigger_id, payload, _options(args))


def _send_template(args: argparse.Namespace) -> DeliveryReport:
    from postback_studio.commands._dispatch import delivery_service
    from postback_studio.commands._rendering import load_payload, load_template_file
    from postback_studio.core.dispatch.plan import EmailTarget
    from postback_studio.core.model import TemplateKind

    if args.customer:
        raise UsageError("--customer: only with --trigger")
    if not (args.event or args.payload):
        raise UsageError("--template needs --event EVENT or --payload FILE")
    if not (args.url or args.to):
        raise UsageError("--template needs --url URL or --to ADDRESS")
    loaded = load_template_file(args.template)
    template = loaded.template
    email = template.kind is TemplateKind.EMAIL
    if email and args.url:
        raise UsageError(f"{args.template}: an email template goes --to an address, not to a URL")
    if not email and args.to:
        raise UsageError(f"{args.template}: a webhook template goes to a --url, not --to an address")
    payload, _ = load_payload(args.event, args.payload)
    target: WebhookTarget | EmailTarget = (
        EmailTarget(tuple(args.to)) if email else _webhook_target(args, template.format)
    )
    with delivery_service(args) as service:
        return service.send_template(
            template, payload, target, retry=_retry(args.retry), options=_options(args)
        )


def _webhook_target(args: argparse.Namespace, fmt: Any) -> WebhookTarget:
    from postback_studio.core.dispatch.plan import WebhookTarget
    from postback_studio.core.model import HTTP_METHODS

    method = args.method.upper()
    if method not in HTTP_METHODS:
        raise UsageError(f"--method {args.method}: use {', '.join(HTTP_METHODS)}")
    from postback_studio.core.validation import validate_url

    # The trigger form's rule, so an ad hoc URL is refused for the same reasons, before anything is sent.
    for issue in validate_url(args.url):
        from postback_studio.core.url_safety import redact_userinfo

        raise UsageError(f"--url {redact_userinfo(args.url)}: {issue.message}")
    secret = args.sign_secret or ""
    if args.sign_secret is not None and not secret.startswith("whsec_"):
        raise UsageError("--sign-secret: a Standard Webhooks secret starts with whsec_")
    headers = _headers(args.header)
    _warn_about(args.url)
    return WebhookTarget(args.url, method, headers, fmt, secret)


def _warn_about(url: str) -> None:
    """Warn on stderr about a URL with user info or a metadata address (sent all the same)."""
    from postback_studio.core.url_safety import url_warnings

    for warning in url_warnings(url):
        error(f"send: warning: {warning}")


def _headers(raw: list[str]) -> tuple[Header, ...]:
    """``'Name: value'`` options as headers, checked by the same rules as a trigger's headers.

    Only the one space after the colon is dropped, so a value that starts or ends with other
    whitespace (or a line break) is refused by name rather than trimmed into something else.
    """
    from postback_studio.core.model import Header
    from postback_studio.core.validation import http_header_issues

    headers = []
    for text in raw:
        name, sep, value = text.partition(":")
        if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
            raise UsageError(f"--header {text!r}: expected 'Name: value'")
        name = name.strip()
        value = value.removeprefix(" ")
        issues = http_header_issues(name, value, "--header")
        if issues:
            raise UsageError(f"--header {name}: {issues[0].message}")
        headers.append(Header(name, value))
    return tuple(headers)


def _retry(kind: str) -> RetryPolicy:
    from postback_studio.core.model import RetryKind, RetryPolicy

    if kind == "gelato":
        return RetryPolicy.gelato()
    if kind == "exponential":
        return RetryPolicy(kind=RetryKind.EXPONENTIAL)
    return RetryPolicy.none()


def _summary(report: DeliveryReport) -> int:
    """The verdict on stderr, in the words the app's Send Test uses; 0 only when delivered."""
    from postback_studio.core.dispatch.progress import progress_of

    progress = progress_of(report.attempts[-1].record, report.attempts_allowed)
    print(f"{progress.text} (id {report.delivery_id})", file=sys.stderr)
    return ExitCode.OK if report.delivered else ExitCode.FAILED
