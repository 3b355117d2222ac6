"""Rules a configuration must satisfy before it is saved, as values the UI and the CLI can show.

Widgets do not validate: they call these functions (through the services, whose repositories raise
:class:`~postback_studio.core.errors.ValidationError`) and show each issue next to the field it
names. Messages never quote a secret value, because they end up in dialogs, logs and exception text.
"""

from __future__ import annotations

import base64
import binascii
import math
import quopri
import re
import unicodedata
from email.errors import HeaderParseError
from email.policy import default as _mail_policy
from urllib.parse import urlsplit

from postback_studio.core.errors import ValidationError, ValidationIssue, raise_if
from postback_studio.core.model import (
    EMAIL_FORMATS,
    HTTP_METHODS,
    WEBHOOK_FORMATS,
    Customer,
    DeliveryMethod,
    LookupTable,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    Trigger,
    TriggerStatus,
)

#: Longest name we accept for customers, templates, triggers and lookup tables.
MAX_NAME_LENGTH = 200
MAX_RETRY_ATTEMPTS = 20
#: Longest wait a retry policy may name (first and maximum delay), in seconds: one week.
MAX_RETRY_DELAY = 7 * 24 * 3600.0
#: Largest growth factor of the exponential policy.
MAX_RETRY_FACTOR = 100.0

#: Request headers no trigger, CLI option or template may set. They describe the connection or the
#: framing of the message, which the HTTP library derives from the URL and the body: a second
#: ``Content-Length`` or a ``Transfer-Encoding`` desynchronises the receiver (request smuggling),
#: ``Host`` sends the request to another virtual host, and the hop-by-hop ones are for proxies.
#: Every ``Proxy-*`` header is refused as well (see :func:`http_header_issues`).
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "http2-settings",
    }
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: What no mail header may carry: C0 controls (tab included), DEL, C1 controls (U+0085 NEXT LINE among
#: them) and the Unicode line and paragraph separators, which some software treats as line ends.
_MAIL_HEADER_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: The same for HTTP header values, where a tab inside the value is legal.
_HTTP_VALUE_BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
#: An RFC 2047 encoded word, found leniently (anywhere, as lenient mail readers find it).
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([QqBb])\?([^?\s]*)\?=")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_TEMPLATE_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def validate_name(name: str, field: str = "name") -> list[ValidationIssue]:
    """A name is required, printable on one line and not absurdly long."""
    if not name.strip():
        return [ValidationIssue(field, "is required")]
    if _CONTROL.search(name):
        return [ValidationIssue(field, "must not contain control characters (tabs, newlines, ...)")]
    if name != name.strip():
        return [ValidationIssue(field, "must not start or end with spaces")]
    if len(name) > MAX_NAME_LENGTH:
        return [ValidationIssue(field, f"is longer than {MAX_NAME_LENGTH} characters")]
    return []


def validate_url(url: str, field: str = "url") -> list[ValidationIssue]:
    """An http or https URL with a host; anything else cannot be a webhook destination."""
    if not url.strip():
        return [ValidationIssue(field, "is required")]
    if _CONTROL.search(url) or " " in url:
        return [ValidationIssue(field, "must not contain spaces or control characters")]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return [ValidationIssue(field, f"is not a valid URL ({exc})")]
    if parts.scheme.lower() not in ("http", "https"):
        return [ValidationIssue(field, "must start with http:// or https://")]
    if not parts.hostname:
        return [ValidationIssue(field, "has no host")]
    if port == 0:
        return [ValidationIssue(field, "has port 0")]
    return []


def validate_email_address(address: str, field: str) -> list[ValidationIssue]:
    """A syntactically valid address; no DNS lookup, because the tool works offline."""
    from email_validator import EmailNotValidError, validate_email  # slow to import; forms need it late

    if not address.strip():
        return [ValidationIssue(field, "is required")]
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return [ValidationIssue(field, f"'{address}' is not a valid email address: {exc}")]
    return []


def describe_character(char: str) -> str:
    """A character as a person can read it in a message: ``U+000A LINE FEED (LF)``."""
    name = unicodedata.name(char, "")
    names = {"\r": "CARRIAGE RETURN (CR)", "\n": "LINE FEED (LF)", "\t": "TAB", "\x85": "NEXT LINE (NEL)"}
    return f"U+{ord(char):04X} {names.get(char, name or 'control character')}"


def _decode_encoded_words(text: str) -> str:
    """``text`` with every encoded word decoded the lenient way (unknown charsets as Latin-1)."""

    def decode(match: re.Match[str]) -> str:
        charset, encoding, data = match.groups()
        try:
            if encoding in "Bb":
                raw = base64.b64decode(data + "=" * (-len(data) % 4))
            else:
                raw = quopri.decodestring(data.replace("_", " ").encode("ascii", "replace"), header=True)
        except (binascii.Error, ValueError):
            return match.group(0)
        try:
            return raw.decode(charset.split("*")[0], "replace")
        except LookupError:
            return raw.decode("latin-1")

    return _ENCODED_WORD.sub(decode, text)


def mail_header_problem(value: str, header: str = "Subject") -> str:
    """Why ``value`` cannot go into the mail header ``header``, or "" when it can.

    The one rule for every subject, sender name and address, used before sending, in the preview
    and when settings and triggers are saved. A header value must be one line of printable text,
    both as written and as a mail reader shows it after decoding RFC 2047 encoded words
    (``=?utf-8?q?...=0D=0A...?=``): Python's email package decodes those while it builds a message
    and writes the decoded line break out, which is how a subject could add a ``Bcc:`` header.
    Both the lenient decoding of mail readers and the email package's own parse are checked.
    """
    found = _MAIL_HEADER_BREAKING.search(value)
    if found:
        return f"contains {describe_character(found.group())}; a mail header is one line of text"
    if "=?" not in value:
        return ""
    for decode in (_decode_encoded_words, lambda text: str(_mail_policy.header_factory(header, text))):
        try:
            decoded = decode(value)
        except (HeaderParseError, ValueError, IndexError, LookupError):
            return "contains an RFC 2047 encoded word (=?...?=) the email library cannot read"
        found = _MAIL_HEADER_BREAKING.search(decoded)
        if found:
            return (
                "contains an RFC 2047 encoded word (=?...?=) that decodes to "
                f"{describe_character(found.group())}; a mail header is one line of text"
            )
    return ""


def mail_header_issues(field: str, value: str, header: str = "Subject") -> list[ValidationIssue]:
    """:func:`mail_header_problem` as a list of issues about ``field``."""
    problem = mail_header_problem(value, header)
    return [ValidationIssue(field, problem)] if problem else []


def http_header_issues(name: str, value: str, field: str) -> list[ValidationIssue]:
    """The rules for one webhook request header: used by forms, import, the CLI and the sender.

    The name must be an HTTP token and not a hop-by-hop or framing header
    (:data:`FORBIDDEN_REQUEST_HEADERS`, ``Proxy-*``). The value must be one line without control
    characters (a tab inside is allowed), must not start or end with whitespace (HTTP strips it, and
    a leading space or U+2028 is what some parsers take for a folded continuation line), and must be
    ISO-8859-1 text, the only text HTTP/1.1 header values carry. ``field`` is ``headers[2]`` or
    ``--header``; issues are about ``field.name`` and ``field.value`` and name the header.
    """
    issues: list[ValidationIssue] = []
    shown = name if len(name) <= 60 else name[:57] + "..."
    if not _HEADER_NAME.match(name):
        issues.append(ValidationIssue(f"{field}.name", f"'{shown}' is not a valid header name"))
    elif name.lower() in FORBIDDEN_REQUEST_HEADERS or name.lower().startswith("proxy-"):
        issues.append(
            ValidationIssue(
                f"{field}.name",
                f"'{name}' may not be set: it describes the connection or the message framing, which "
                "the HTTP library sets from the URL and the body (hop-by-hop and framing headers are "
                "refused: " + ", ".join(sorted(FORBIDDEN_REQUEST_HEADERS)) + ", Proxy-*)",
            )
        )
    found = _HTTP_VALUE_BREAKING.search(value)
    if found:
        issues.append(
            ValidationIssue(
                f"{field}.value",
                f"the value of '{shown}' contains {describe_character(found.group())}: "
                "a header value must not contain line breaks or control characters",
            )
        )
    elif value != value.strip():
        issues.append(
            ValidationIssue(f"{field}.value", f"the value of '{shown}' must not start or end with whitespace")
        )
    elif not all(ord(char) < 0x100 for char in value):
        wide = next(char for char in value if ord(char) >= 0x100)
        issues.append(
            ValidationIssue(
                f"{field}.value",
                f"the value of '{shown}' contains {describe_character(wide)}: HTTP header values carry "
                "ISO-8859-1 text only",
            )
        )
    return issues


def validate_retry(retry: RetryPolicy) -> list[ValidationIssue]:
    """Attempts, delays, factor and jitter are finite numbers in sensible ranges, each field named.

    NaN, infinities and values such as 1e308 would reach the scheduler's arithmetic and the log's
    due times; they are refused where they enter (forms, import), not discovered at send time.
    """
    issues: list[ValidationIssue] = []
    attempts = retry.max_attempts
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= MAX_RETRY_ATTEMPTS:
        issues.append(
            ValidationIssue(
                "retry.max_attempts",
                f"the number of attempts must be a whole number between 1 and {MAX_RETRY_ATTEMPTS}, "
                f"not {attempts!r}",
            )
        )
    ranges = (
        ("retry.first_delay", "first delay", retry.first_delay, 0.0, MAX_RETRY_DELAY),
        ("retry.max_delay", "max delay", retry.max_delay, 0.0, MAX_RETRY_DELAY),
        ("retry.factor", "factor", retry.factor, 1.0, MAX_RETRY_FACTOR),
        ("retry.jitter", "jitter", retry.jitter, 0.0, 1.0),
    )
    for field, label, number, low, high in ranges:
        if isinstance(number, bool) or not isinstance(number, int | float):
            issues.append(ValidationIssue(field, f"the {label} must be a number, not {number!r}"))
        elif not math.isfinite(number) or not low <= number <= high:
            issues.append(
                ValidationIssue(
                    field, f"the {label} must be a number between {low:g} and {high:g}, not {number!r}"
                )
            )
    return issues


def validate_customer(customer: Customer) -> list[ValidationIssue]:
    """A customer needs a name; the reference id is free text but single-line."""
    issues = validate_name(customer.name)
    if _CONTROL.search(customer.reference_id):
        issues.append(ValidationIssue("reference_id", "must not contain control characters"))
    return issues


def validate_template(template: Template) -> list[ValidationIssue]:
    """Kind and format agree, and an email has a body part to send."""
    issues = validate_name(template.name)
    if template.kind is TemplateKind.EMAIL:
        if template.format not in EMAIL_FORMATS:
            issues.append(ValidationIssue("format", "an email template is html or text"))
        if not template.body.strip() and not template.text_body.strip():
            issues.append(ValidationIssue("body", "an email template needs an HTML or a text part"))
        if "\n" in template.subject.strip():
            issues.append(ValidationIssue("subject", "must be a single line"))
        else:
            issues += mail_header_issues("subject", template.subject.strip())
    elif template.format not in WEBHOOK_FORMATS:
        issues.append(ValidationIssue("format", f"'{template.format}' is not a webhook format"))
    return issues


def validate_smtp(settings: SmtpSettings) -> list[ValidationIssue]:
    """Either nothing is configured yet, or a server, a port in range and a sender address are set."""
    configured = any((settings.host, settings.sender_email, settings.username, settings.sender_name))
    issues: list[ValidationIssue] = []
    if not 1 <= settings.port <= 65535:
        issues.append(ValidationIssue("port", f"must be between 1 and 65535, not {settings.port}"))
    if not configured:
        return issues
    if not settings.host.strip():
        issues.append(ValidationIssue("host", "is required"))
    elif _CONTROL.search(settings.host) or " " in settings.host.strip():
        issues.append(ValidationIssue("host", "must be a host name or an IP address"))
    issues += validate_email_address(settings.sender_email, "sender_email") or mail_header_issues(
        "sender_email", settings.sender_email, "From"
    )
    issues += mail_header_issues("sender_name", settings.sender_name, "From")
    return issues


def validate_trigger(trigger: Trigger, template: Template | None = None) -> list[ValidationIssue]:
    """Required fields per delivery method, headers, retry policy, and the template it uses.

    ``template`` is the template ``trigger.template_id`` points at (the repository looks it up); its
    kind must match the delivery method and, for webhooks, its format the trigger's format.
    """
    issues = validate_name(trigger.name)
    if trigger.method is DeliveryMethod.URL:
        issues += validate_url(trigger.url)
        if trigger.http_method not in HTTP_METHODS:
            issues.append(ValidationIssue("http_method", f"must be one of {', '.join(HTTP_METHODS)}"))
        if trigger.format not in WEBHOOK_FORMATS:
            issues.append(ValidationIssue("format", f"'{trigger.format}' is not a webhook format"))
        if trigger.recipients:
            issues.append(ValidationIssue("recipients", "only email triggers have recipients"))
    else:
        if not trigger.recipients:
            issues.append(ValidationIssue("recipients", "an email trigger needs at least one recipient"))
        for index, address in enumerate(trigger.recipients):
            field = f"recipients[{index}]"
            issues += validate_email_address(address, field) or mail_header_issues(field, address, "To")
        if trigger.signing:
            issues.append(ValidationIssue("signing", "only webhook (URL) triggers are signed"))
    issues += _validate_headers(trigger)
    issues += validate_retry(trigger.retry)
    if trigger.template_id is None:
        if trigger.status is TriggerStatus.ACTIVE:
            issues.append(ValidationIssue("template_id", "an active trigger needs a template"))
    elif template is not None:
        issues += template_matches_trigger(template, trigger)
    return issues


def _validate_headers(trigger: Trigger) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    seen: set[str] = set()
    for index, header in enumerate(trigger.headers):
        field = f"headers[{index}]"
        found = http_header_issues(header.name, header.value, field)
        if header.name.lower() in seen and not any(i.field.endswith(".name") for i in found):
            found.insert(0, ValidationIssue(f"{field}.name", f"'{header.name}' appears twice"))
        seen.add(header.name.lower())
        issues += found
    return issues


def template_matches_trigger(template: Template, trigger: Trigger) -> list[ValidationIssue]:
    """An email trigger uses an email template; a webhook trigger a webhook template of its format."""
    if template.customer_id is not None and template.customer_id != trigger.customer_id:
        return [ValidationIssue("template_id", f"'{template.name}' belongs to another customer")]
    if trigger.method is DeliveryMethod.EMAIL:
        if template.kind is not TemplateKind.EMAIL:
            return [
                ValidationIssue("template_id", f"'{template.name}' is a webhook template; use an email one")
            ]
        return []
    if template.kind is not TemplateKind.WEBHOOK:
        return [ValidationIssue("template_id", f"'{template.name}' is an email template; use a webhook one")]
    if template.format is not trigger.format:
        return [
            ValidationIssue(
                "format",
                f"the trigger sends {trigger.format.value} but template '{template.name}' "
                f"produces {template.format.value}",
            )
        ]
    return []


def validate_lookup_table(table: LookupTable) -> list[ValidationIssue]:
    """A table has a name, a template field a template can name, and no empty keys."""
    issues = validate_name(table.name)
    if not _TEMPLATE_FIELD.match(table.template_field):
        issues.append(
            ValidationIssue(
                "template_field",
                "must start with a letter or underscore and hold only letters, digits, '_', '.' or '-'",
            )
        )
    for index, (key, _value) in enumerate(table.rows):
        if not key.strip():
            issues.append(ValidationIssue(f"rows[{index}]", "the key is empty"))
    return issues


__all__ = [
    "ValidationError",
    "ValidationIssue",
    "raise_if",
    "template_matches_trigger",
    "validate_customer",
    "validate_email_address",
    "validate_lookup_table",
    "validate_name",
    "validate_smtp",
    "validate_template",
    "validate_trigger",
    "validate_url",
]
