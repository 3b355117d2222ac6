"""Rules the trigger form and the settings form apply while the user types, kept out of the widgets.

Validation proper lives in ``core.validation``; these are the small decisions a form makes on the way:
which templates a trigger may use, how a recipients box splits, what a new signing secret looks like,
which port goes with a TLS mode.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from postback_studio.core.model import DeliveryMethod, OutputFormat, Template, TemplateKind, TlsMode
from postback_studio.core.template_files import TemplateFileError, read_template_file

_RECIPIENT_SEPARATORS = re.compile(r"[,;\n]+")

#: The port each SMTP security mode is usually served on (RFC 8314 for implicit TLS, RFC 6409 submission).
USUAL_SMTP_PORTS: dict[TlsMode, int] = {TlsMode.NONE: 25, TlsMode.STARTTLS: 587, TlsMode.TLS: 465}


def templates_for_trigger(
    templates: Iterable[Template],
    method: DeliveryMethod,
    fmt: OutputFormat,
    customer_id: int | None,
) -> list[Template]:
    """The templates a trigger can use: same kind, same format for webhooks, shared or the customer's.

    Sorted by name so the combobox reads like the Templates page.
    """
    kind = TemplateKind.EMAIL if method is DeliveryMethod.EMAIL else TemplateKind.WEBHOOK
    usable = [
        t for t in templates
        if t.kind is kind
        and (kind is TemplateKind.EMAIL or t.format is fmt)
        and (t.customer_id is None or t.customer_id == customer_id)
    ]
    return sorted(usable, key=lambda t: t.name.casefold())


def parse_recipients(text: str) -> tuple[str, ...]:
    """Split a recipients box on commas, semicolons and newlines; blanks and repeats dropped."""
    seen: dict[str, None] = {}
    for part in _RECIPIENT_SEPARATORS.split(text):
        address = part.strip()
        if address:
            seen.setdefault(address, None)
    return tuple(seen)


def format_recipients(recipients: Iterable[str]) -> str:
    """The recipients box's text for stored recipients: one address a line."""
    return "\n".join(recipients)


def generate_signing_secret(token_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A new Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64.

    ``token_bytes`` is injectable so a test can pin the bytes.
    """
    return "whsec_" + base64.b64encode(token_bytes(24)).decode("ascii")


def usual_smtp_port(mode: TlsMode) -> int:
    """The port to suggest when the user switches the SMTP security mode."""
    return USUAL_SMTP_PORTS[mode]


def is_usual_smtp_port(port: int) -> bool:
    """True when ``port`` is one of the usual ones, so switching the mode may replace it."""
    return port in USUAL_SMTP_PORTS.values()


_STARTERS: dict[OutputFormat, str] = {
    OutputFormat.JSON: '{\n  "orderId": "{{ orderId }}",\n  "status": "{{ fulfillmentStatus }}"\n}\n',
    OutputFormat.XML: ('<?xml version="1.0" encoding="UTF-8"?>\n<order id="{{ orderId }}">\n'
                       '  <status>{{ fulfillmentStatus }}</status>\n</order>\n'),
}


def starter_template(kind: TemplateKind, fmt: OutputFormat) -> Template:
    """The smallest template of a kind and format that renders and validates, to type over.

    An empty body would be refused for an email (it needs a part) and would not preview as anything,
    so even "start from nothing" starts from two fields every event payload has.
    """
    if kind is TemplateKind.EMAIL:
        return Template("", kind=kind, format=OutputFormat.HTML, subject="Order {{ orderId }}",
                        body="<p>Order {{ orderId }}: {{ fulfillmentStatus }}</p>\n",
                        text_body="Order {{ orderId }}: {{ fulfillmentStatus }}\n")
    return Template("", kind=kind, format=fmt, body=_STARTERS.get(fmt, "{{ orderId }}\n"))


def example_templates(folder: Path) -> list[Template]:
    """The example templates shipped in ``folder`` (``resources/templates``), to start a new one from.

    A file that does not read as a template is skipped: a broken example must not stop the user
    from creating a blank template.
    """
    examples = []
    for path in sorted(folder.glob("*.j2")):
        try:
            examples.append(read_template_file(path).template)
        except (OSError, TemplateFileError):
            continue
    return examples
