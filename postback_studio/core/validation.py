"""Rules a configuration must satisfy before it is saved, as values the UI and the CLI can show.

Widgets do not validate: they call these functions (through the services, whose repositories raise
:class:`~postback_studio.core.errors.ValidationError`) and show each issue next to the field it
names. Messages never quote a secret value, because they end up in dialogs, logs and exception text.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from postback_studio.core.errors import ValidationError, ValidationIssue, raise_if
from postback_studio.core.model import (
    EMAIL_FORMATS,
    HTTP_METHODS,
    WEBHOOK_FORMATS,
    Customer,
    DeliveryMethod,
    LookupTable,
    SmtpSettings,
    Template,
    TemplateKind,
    Trigger,
    TriggerStatus,
)

#: Longest name we accept for customers, templates, triggers and lookup tables.
MAX_NAME_LENGTH = 200
MAX_RETRY_ATTEMPTS = 20

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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
    if not address.strip():
        return [ValidationIssue(field, "is required")]
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return [ValidationIssue(field, f"'{address}' is not a valid email address: {exc}")]
    return []


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
    issues += validate_email_address(settings.sender_email, "sender_email")
    if _CONTROL.search(settings.sender_name):
        issues.append(ValidationIssue("sender_name", "must not contain control characters"))
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
            issues += validate_email_address(address, f"recipients[{index}]")
        if trigger.signing:
            issues.append(ValidationIssue("signing", "only webhook (URL) triggers are signed"))
    issues += _validate_headers(trigger)
    retry = trigger.retry
    if not 1 <= retry.max_attempts <= MAX_RETRY_ATTEMPTS:
        issues.append(ValidationIssue("retry.max_attempts", f"must be between 1 and {MAX_RETRY_ATTEMPTS}"))
    if retry.first_delay < 0 or retry.max_delay < 0 or retry.factor < 1 or not 0 <= retry.jitter <= 1:
        issues.append(ValidationIssue("retry", "delays must be >= 0, the factor >= 1 and the jitter in 0..1"))
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
        if not _HEADER_NAME.match(header.name):
            issues.append(ValidationIssue(f"{field}.name", f"'{header.name}' is not a valid header name"))
        elif header.name.lower() in seen:
            issues.append(ValidationIssue(f"{field}.name", f"'{header.name}' appears twice"))
        seen.add(header.name.lower())
        if _CONTROL.search(header.value.replace("\t", "")):
            issues.append(ValidationIssue(f"{field}.value", "must not contain line breaks"))
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
