"""The vocabulary of Postback Studio as plain, immutable values.

These are the words of DESIGN.md (customer, template, trigger, event, lookup table, SMTP settings)
and the only shapes that cross layers: storage reads and writes them, the render engine and the
dispatcher consume them, workers hand them to the GUI. They are frozen so that a value handed to
another thread can never change under it; edit with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Event(StrEnum):
    """An order event that can fire a trigger, in lifecycle order: the one order everything lists them in.

    An order's life first (received, produced, shipped, in transit, delivered), then the events that
    end it otherwise (failed, canceled, returned), as GelatoConnect's own pickers list them. Iterating
    the enum gives this order, so the sample picker, the trigger form, the Requests filter, the CLI's
    ``samples`` and "Check against all samples" all agree.
    """

    RECEIVED = "received"
    PRODUCED = "produced"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELED = "canceled"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        """The name the UI shows, as GelatoConnect writes it ("Order in transit")."""
        return "Order " + self.value.replace("_", " ")


#: A simulated order's life (``simulate --sequence``): the events before the first that ends it otherwise.
LIFECYCLE: tuple[Event, ...] = tuple(Event)[: list(Event).index(Event.FAILED)]


class TemplateKind(StrEnum):
    """What a template produces: a webhook body, or an email (subject + HTML and/or text)."""

    WEBHOOK = "webhook"
    EMAIL = "email"


class OutputFormat(StrEnum):
    """The format a rendered output is validated as."""

    JSON = "json"
    XML = "xml"
    HTML = "html"
    TEXT = "text"

    @property
    def content_type(self) -> str:
        """The HTTP ``Content-Type`` a webhook with this body is sent with."""
        return {
            OutputFormat.JSON: "application/json",
            OutputFormat.XML: "application/xml",
            OutputFormat.HTML: "text/html; charset=utf-8",
            OutputFormat.TEXT: "text/plain; charset=utf-8",
        }[self]


#: The formats a webhook body is validated as (the trigger form offers exactly these).
WEBHOOK_FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat.JSON,
    OutputFormat.XML,
    OutputFormat.TEXT,
    OutputFormat.HTML,
)
#: The formats an email template can have (its HTML part, or text only).
EMAIL_FORMATS: tuple[OutputFormat, ...] = (OutputFormat.HTML, OutputFormat.TEXT)
#: The HTTP methods a webhook is sent with; the article recommends POST, the default.
HTTP_METHODS: tuple[str, ...] = ("POST", "PUT", "PATCH")


class TemplateStatus(StrEnum):
    """Postback Studio's own status words; GelatoConnect only says "save and activate"."""

    DRAFT = "draft"
    ACTIVE = "active"


class TriggerStatus(StrEnum):
    """Only *active* triggers fire on an event; Send Test works whatever the status."""

    DRAFT = "draft"
    ACTIVE = "active"
    INACTIVE = "inactive"


class DeliveryMethod(StrEnum):
    """How a trigger delivers its postback."""

    URL = "url"
    EMAIL = "email"


class TlsMode(StrEnum):
    """How the SMTP connection is secured."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class RetryKind(StrEnum):
    """The retry policies a trigger can use."""

    NONE = "none"
    GELATO = "gelato"
    EXPONENTIAL = "exponential"


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed delivery again.

    ``GELATO`` is what Gelato documents for its own webhooks: 3 tries, 5 seconds apart. ``EXPONENTIAL``
    is a Postback Studio extension: ``first_delay * factor**n`` capped at ``max_delay``, with jitter.
    """

    kind: RetryKind = RetryKind.GELATO
    max_attempts: int = 3
    first_delay: float = 5.0
    factor: float = 2.0
    max_delay: float = 300.0
    jitter: float = 0.1

    @classmethod
    def none(cls) -> RetryPolicy:
        """A single attempt."""
        return cls(kind=RetryKind.NONE, max_attempts=1)

    @classmethod
    def gelato(cls) -> RetryPolicy:
        """Three tries, five seconds apart."""
        return cls(kind=RetryKind.GELATO, max_attempts=3, first_delay=5.0, factor=1.0, jitter=0.0)


#: Header names whose values are credentials: always stored as secrets and redacted in the log.
CREDENTIAL_HEADER_NAMES = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})


@dataclass(frozen=True)
class Header:
    """One HTTP header of a trigger. ``secret`` values live in the keyring and are redacted in logs.

    Credential headers (:data:`CREDENTIAL_HEADER_NAMES`) are always secret, whatever the caller says:
    a bearer token typed into an ``Authorization`` header without ticking "secret" must still stay
    out of the workspace file and out of exports.
    """

    name: str
    value: str
    secret: bool = False

    def __post_init__(self) -> None:
        if not self.secret and self.name.strip().lower() in CREDENTIAL_HEADER_NAMES:
            object.__setattr__(self, "secret", True)

    def __repr__(self) -> str:
        shown = "'•••'" if self.secret and self.value else repr(self.value)
        return f"Header(name={self.name!r}, value={shown}, secret={self.secret!r})"


@dataclass(frozen=True)
class Customer:
    """Who receives notifications. Owns triggers and lookup tables."""

    name: str
    reference_id: str = ""
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Template:
    """A Jinja2 template that maps an event payload to a webhook body or an email.

    For webhooks ``body`` is the whole template. For emails ``subject`` is the subject template,
    ``body`` the HTML part and ``text_body`` the plain-text part (either part may be empty, not both).
    ``customer_id`` None means the template is shared between customers.
    """

    name: str
    kind: TemplateKind = TemplateKind.WEBHOOK
    format: OutputFormat = OutputFormat.JSON
    body: str = ""
    subject: str = ""
    text_body: str = ""
    status: TemplateStatus = TemplateStatus.DRAFT
    customer_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class Trigger:
    """When (event) and where (URL or email) a customer's postback goes, through which template."""

    name: str
    customer_id: int
    event: Event
    method: DeliveryMethod = DeliveryMethod.URL
    url: str = ""
    http_method: str = "POST"
    format: OutputFormat = OutputFormat.JSON
    headers: tuple[Header, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy.gelato)
    signing: bool = False
    signing_secret: str = field(default="", repr=False)
    recipients: tuple[str, ...] = ()
    template_id: int | None = None
    status: TriggerStatus = TriggerStatus.DRAFT
    id: int | None = None

    @property
    def retry_on_failure(self) -> bool:
        """The article's "Retry on Failure" switch."""
        return self.retry.kind is not RetryKind.NONE


@dataclass(frozen=True)
class LookupTable:
    """A key -> value table that templates reach through ``lookups({"<template_field>": key})``.

    ``customer_id`` None makes the table global: visible to every customer's renders.
    """

    name: str
    template_field: str
    rows: tuple[tuple[str, str], ...] = ()
    customer_id: int | None = None
    description: str = ""
    id: int | None = None

    def as_dict(self) -> dict[str, str]:
        """The rows as a mapping; a later duplicate key wins, as in a CSV upload."""
        return dict(self.rows)


@dataclass(frozen=True)
class SmtpSettings:
    """The outgoing email server, as the article's "Outgoing email server settings" lists it."""

    sender_email: str = ""
    sender_name: str = ""
    host: str = ""
    port: int = 587
    username: str = ""
    password: str = field(default="", repr=False)
    tls_mode: TlsMode = TlsMode.STARTTLS


#: A template field name -> (key -> value): everything ``lookups()`` can see during one render.
LookupSet = dict[str, dict[str, str]]
