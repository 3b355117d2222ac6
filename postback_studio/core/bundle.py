"""The export bundle: the whole configuration as one reviewable, diffable JSON file.

This module is the pure part: model values -> bundle document -> deterministic text, and bytes ->
checked :class:`Bundle`. Applying a bundle to a workspace is the services' job
(:mod:`postback_studio.services.transfer`).

Items refer to each other by *name* (a trigger names its customer and template), never by database
id, so a bundle moves between workspaces. Secret values are never written, nor the user info of a
trigger URL (``https://user:password@host/`` is written without ``user:password@``);
``secretsToReenter`` lists which ones the importer must type in again.

Bundles are untrusted input: the size is capped before parsing, the structure is checked against
``resources/schemas/bundle.schema.json``, names may not hold control characters, and every
reference must resolve inside the bundle. Each problem carries the JSON pointer of the offending value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postback_studio.core import jsontext
from postback_studio.core.errors import ValidationError, ValidationIssue
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    LookupTable,
    OutputFormat,
    RetryKind,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    TemplateStatus,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.paths import resources_dir
from postback_studio.core.url_safety import userinfo, without_userinfo
from postback_studio.core.validation import (
    validate_customer,
    validate_lookup_table,
    validate_smtp,
    validate_template,
    validate_trigger,
)

if TYPE_CHECKING:
    import jsonschema

#: The bundle format version this code writes and the newest it reads.
BUNDLE_SCHEMA_VERSION = 1
#: Bundles larger than this are refused before parsing (a real configuration is far smaller).
MAX_BUNDLE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class BundleProblem(ValidationIssue):
    """One reason a bundle is refused: a validation issue whose ``field`` is an RFC 6901 JSON pointer."""

    @property
    def pointer(self) -> str:
        """Where in the document ("" is the whole file)."""
        return self.field


class BundleError(ValidationError):
    """A bundle that cannot be imported. ``problems`` lists every reason found, each with its pointer."""

    def __init__(self, problems: Sequence[ValidationIssue], source: str = "") -> None:
        self.source = source
        super().__init__(
            p if isinstance(p, BundleProblem) else BundleProblem(p.field, p.message) for p in problems
        )

    @property
    def problems(self) -> tuple[BundleProblem, ...]:
        """The issues, each with the JSON pointer of the offending value (``pointer``, ``field``)."""
        return tuple(p for p in self.issues if isinstance(p, BundleProblem))

    def _message(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(f"{prefix}{p.field or '/'}: {p.message}" for p in self.issues)


class BundleReadError(BundleError):
    """The file is not a bundle at all: missing, unreadable, too big, not UTF-8 or not JSON."""


@dataclass(frozen=True)
class BundleTemplate:
    """A template and the name of its customer (None: shared)."""

    template: Template
    customer: str | None


@dataclass(frozen=True)
class BundleTrigger:
    """A trigger with its customer and template named instead of numbered."""

    trigger: Trigger
    customer: str
    template: str | None


@dataclass(frozen=True)
class BundleLookup:
    """A lookup table and the name of its customer (None: global)."""

    table: LookupTable
    customer: str | None


@dataclass(frozen=True)
class Bundle:
    """A checked bundle, ready to apply. Ids in the model values are None."""

    customers: tuple[Customer, ...] = ()
    templates: tuple[BundleTemplate, ...] = ()
    triggers: tuple[BundleTrigger, ...] = ()
    lookups: tuple[BundleLookup, ...] = ()
    smtp: SmtpSettings | None = None


# ---------------------------------------------------------------- writing


def build_document(
    customers: Iterable[Customer],
    templates: Iterable[Template],
    triggers: Iterable[Trigger],
    lookups: Iterable[LookupTable],
    smtp: SmtpSettings | None,
) -> dict[str, Any]:
    """The bundle document for these values (with ids), every reference turned into a name.

    ``secretsToReenter`` depends only on what is configured (a secret header, signing on, an SMTP
    username), not on whether a value is stored, so export -> import -> export is byte-identical.
    """
    customer_names = {c.id: c.name for c in customers}
    template_names = {t.id: t.name for t in templates}

    def customer_name(customer_id: int | None) -> str | None:
        return None if customer_id is None else customer_names[customer_id]

    secrets: list[str] = []
    trigger_docs = []
    for trigger in triggers:
        owner = customer_names[trigger.customer_id]
        for header in trigger.headers:
            if header.secret:
                secrets.append(f"trigger '{trigger.name}' of customer '{owner}': header '{header.name}'")
        if trigger.signing:
            secrets.append(f"trigger '{trigger.name}' of customer '{owner}': signing secret")
        if userinfo(trigger.url):
            secrets.append(f"trigger '{trigger.name}' of customer '{owner}': user info of the URL")
        trigger_docs.append(
            {
                "name": trigger.name,
                "customer": owner,
                "event": trigger.event.value,
                "method": trigger.method.value,
                "url": without_userinfo(trigger.url),
                "httpMethod": trigger.http_method,
                "format": trigger.format.value,
                "headers": [
                    {"name": h.name, "value": "" if h.secret else h.value, "secret": h.secret}
                    for h in trigger.headers
                ],
                "retry": retry_to_document(trigger.retry),
                "signing": trigger.signing,
                "recipients": list(trigger.recipients),
                "template": None if trigger.template_id is None else template_names[trigger.template_id],
                "status": trigger.status.value,
            }
        )
    smtp_doc: dict[str, Any] | None = None
    if smtp is not None:
        smtp_doc = {
            "senderEmail": smtp.sender_email,
            "senderName": smtp.sender_name,
            "host": smtp.host,
            "port": smtp.port,
            "username": smtp.username,
            "tlsMode": smtp.tls_mode.value,
        }
        if smtp.username:
            secrets.append("SMTP password")
    document = {
        "schemaVersion": BUNDLE_SCHEMA_VERSION,
        "customers": [
            {"name": c.name, "referenceId": c.reference_id, "notes": c.notes}
            for c in customer_names_sorted(customers)
        ],
        "templates": sorted(
            (
                {
                    "name": t.name,
                    "customer": customer_name(t.customer_id),
                    "kind": t.kind.value,
                    "format": t.format.value,
                    "status": t.status.value,
                    "subject": t.subject,
                    "body": t.body,
                    "textBody": t.text_body,
                }
                for t in templates
            ),
            key=lambda d: str(d["name"]),
        ),
        "triggers": sorted(trigger_docs, key=lambda d: (d["customer"], d["name"])),
        "lookupTables": sorted(
            (
                {
                    "name": table.name,
                    "customer": customer_name(table.customer_id),
                    "description": table.description,
                    "templateField": table.template_field,
                    "rows": [[k, v] for k, v in table.rows],
                }
                for table in lookups
            ),
            key=lambda d: str(d["name"]),
        ),
        "smtp": smtp_doc,
        "secretsToReenter": sorted(secrets),
    }
    return document


def customer_names_sorted(customers: Iterable[Customer]) -> list[Customer]:
    """Customers in the bundle's stable order (by name)."""
    return sorted(customers, key=lambda c: c.name)


def retry_to_document(retry: RetryPolicy) -> dict[str, Any]:
    """A retry policy in the bundle's (and the workspace's) JSON shape."""
    return {
        "kind": retry.kind.value,
        "maxAttempts": retry.max_attempts,
        "firstDelay": float(retry.first_delay),
        "factor": float(retry.factor),
        "maxDelay": float(retry.max_delay),
        "jitter": float(retry.jitter),
    }


def dump_document(document: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, UTF-8 kept readable, one trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- reading


def load_schema() -> dict[str, Any]:
    """The bundle JSON Schema shipped in ``resources/schemas``."""
    schema: dict[str, Any] = json.loads(
        (resources_dir() / "schemas" / "bundle.schema.json").read_text(encoding="utf-8")
    )
    return schema


def read_bundle_file(path: Path) -> Bundle:
    """Read and check a bundle file, refusing oversized files before reading them whole."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            raise BundleReadError([BundleProblem("", _too_big(size))], source)
        with path.open("rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except FileNotFoundError:
        raise BundleReadError([BundleProblem("", "no such file")], source) from None
    except IsADirectoryError:
        raise BundleReadError([BundleProblem("", "is a directory, not a bundle file")], source) from None
    except OSError as exc:
        raise BundleReadError([BundleProblem("", f"cannot read: {exc.strerror}")], source) from None
    return parse_bundle(data, source)


def _too_big(size: int) -> str:
    return f"the file is {size / 1e6:.1f} MB; bundles over {MAX_BUNDLE_BYTES // (1024 * 1024)} MB are refused"


def _is_newer_version(version: object) -> bool:
    """Whether ``version`` is a whole number above ours; 2.0 counts, as JSON Schema calls it an integer."""
    if isinstance(version, bool) or not isinstance(version, int | float):
        return False
    if isinstance(version, float) and not version.is_integer():
        return False
    return version > BUNDLE_SCHEMA_VERSION


def parse_bundle(data: bytes, source: str = "<bundle>") -> Bundle:
    """Check bundle bytes completely and return the values to apply, or raise :class:`BundleError`."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleReadError([BundleProblem("", _too_big(len(data)))], source)
    try:
        document = jsontext.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BundleReadError([BundleProblem("", f"not UTF-8 text (byte {exc.start})")], source) from None
    except json.JSONDecodeError as exc:
        raise BundleReadError(
            [BundleProblem("", f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")], source
        ) from None
    if not isinstance(document, dict):
        raise BundleError([BundleProblem("", "a bundle is a JSON object")], source)
    version = document.get("schemaVersion")
    if _is_newer_version(version):
        raise BundleError(
            [
                BundleProblem(
                    "/schemaVersion",
                    f"the bundle has schemaVersion {version}, written by a newer Postback Studio; "
                    "this version "
                    f"reads schemaVersion {BUNDLE_SCHEMA_VERSION} and older",
                )
            ],
            source,
        )
    import jsonschema  # a tenth of a second to import; only reading a bundle needs it

    validator = jsonschema.Draft202012Validator(load_schema())
    problems = [
        BundleProblem(_pointer(error.absolute_path), _schema_message(error))
        for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    if problems:
        raise BundleError(problems[:50], source)
    bundle = _to_bundle(document)
    problems = _check_references(document) or _check_values(bundle)
    if problems:
        raise BundleError(problems, source)
    return bundle


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _schema_message(error: jsonschema.ValidationError) -> str:
    from jsonschema.exceptions import best_match

    if error.validator == "pattern":
        return "must not contain control characters (tabs, newlines, ...)"
    if error.validator == "oneOf":
        best = best_match(error.context or [])
        if best is not None:
            return str(best.message)
    message = str(error.message)
    return message if len(message) <= 200 else message[:200] + "..."


def _to_bundle(document: dict[str, Any]) -> Bundle:
    customers = tuple(
        Customer(name=c["name"], reference_id=c["referenceId"], notes=c["notes"])
        for c in document["customers"]
    )
    templates = tuple(
        BundleTemplate(
            Template(
                name=t["name"],
                kind=TemplateKind(t["kind"]),
                format=OutputFormat(t["format"]),
                body=t["body"],
                subject=t["subject"],
                text_body=t["textBody"],
                status=TemplateStatus(t["status"]),
            ),
            t["customer"],
        )
        for t in document["templates"]
    )
    triggers = tuple(
        BundleTrigger(
            Trigger(
                name=t["name"],
                customer_id=0,
                event=Event(t["event"]),
                method=DeliveryMethod(t["method"]),
                url=t["url"],
                http_method=t["httpMethod"],
                format=OutputFormat(t["format"]),
                headers=tuple(Header(h["name"], h["value"], h["secret"]) for h in t["headers"]),
                retry=retry_from_document(t["retry"]),
                signing=t["signing"],
                recipients=tuple(t["recipients"]),
                status=TriggerStatus(t["status"]),
            ),
            t["customer"],
            t["template"],
        )
        for t in document["triggers"]
    )
    lookups = tuple(
        BundleLookup(
            LookupTable(
                name=t["name"],
                template_field=t["templateField"],
                rows=tuple((r[0], r[1]) for r in t["rows"]),
                description=t["description"],
            ),
            t["customer"],
        )
        for t in document["lookupTables"]
    )
    smtp_doc = document.get("smtp")
    smtp = (
        None
        if smtp_doc is None
        else SmtpSettings(
            sender_email=smtp_doc["senderEmail"],
            sender_name=smtp_doc["senderName"],
            host=smtp_doc["host"],
            port=smtp_doc["port"],
            username=smtp_doc["username"],
            tls_mode=TlsMode(smtp_doc["tlsMode"]),
        )
    )
    return Bundle(customers, templates, triggers, lookups, smtp)


def retry_from_document(data: dict[str, Any]) -> RetryPolicy:
    """The inverse of :func:`retry_to_document`."""
    return RetryPolicy(
        kind=RetryKind(data["kind"]),
        max_attempts=int(data["maxAttempts"]),
        first_delay=float(data["firstDelay"]),
        factor=float(data["factor"]),
        max_delay=float(data["maxDelay"]),
        jitter=float(data["jitter"]),
    )


def _check_references(document: dict[str, Any]) -> list[BundleProblem]:
    """Unique names, and every customer/template a value names is in the bundle."""
    problems: list[BundleProblem] = []

    def unique(kind: str, keys: list[Any], label: str) -> None:
        seen: set[Any] = set()
        for index, key in enumerate(keys):
            if key in seen:
                problems.append(BundleProblem(f"/{kind}/{index}/name", f"a second {label} named {key!r}"))
            seen.add(key)

    unique("customers", [c["name"] for c in document["customers"]], "customer")
    unique("templates", [t["name"] for t in document["templates"]], "template")
    unique("lookupTables", [t["name"] for t in document["lookupTables"]], "lookup table")
    unique("triggers", [(t["customer"], t["name"]) for t in document["triggers"]], "trigger of that customer")
    customers = {c["name"] for c in document["customers"]}
    templates = {t["name"]: t for t in document["templates"]}
    for kind in ("templates", "triggers", "lookupTables"):
        for index, item in enumerate(document[kind]):
            if item["customer"] is not None and item["customer"] not in customers:
                problems.append(
                    BundleProblem(
                        f"/{kind}/{index}/customer", f"no customer named {item['customer']!r} in the bundle"
                    )
                )
    for index, trigger in enumerate(document["triggers"]):
        name = trigger["template"]
        if name is not None and name not in templates:
            problems.append(
                BundleProblem(f"/triggers/{index}/template", f"no template named {name!r} in the bundle")
            )
    return problems


_SPECIAL_KEYS = {"template_id": "template", "customer_id": "customer"}


def field_pointer(base: str, field: str) -> str:
    """``recipients[1]`` of ``/triggers/3`` -> ``/triggers/3/recipients/1`` (model names -> bundle keys)."""
    parts: list[str] = []
    for piece in field.split("."):
        match = re.fullmatch(r"(\w+)((?:\[\d+\])*)", piece)
        if match is None:
            parts.append(piece)
            continue
        name = _SPECIAL_KEYS.get(match.group(1), match.group(1))
        head, *rest = name.split("_")
        parts.append(head + "".join(word.title() for word in rest))
        parts += re.findall(r"\d+", match.group(2))
    return base + "".join("/" + p for p in parts)


def _check_values(bundle: Bundle) -> list[BundleProblem]:
    """The same rules the repositories apply, reported with pointers before anything is written."""
    problems: list[BundleProblem] = []

    def add(base: str, issues: list[ValidationIssue]) -> None:
        problems.extend(BundleProblem(field_pointer(base, i.field), i.message) for i in issues)

    customer_ids = {c.name: index + 1 for index, c in enumerate(bundle.customers)}
    templates: dict[str, Template] = {}
    for index, customer in enumerate(bundle.customers):
        add(f"/customers/{index}", validate_customer(customer))
    for index, item in enumerate(bundle.templates):
        add(f"/templates/{index}", validate_template(item.template))
        owner = None if item.customer is None else customer_ids[item.customer]
        templates[item.template.name] = replace(item.template, customer_id=owner)
    for index, named in enumerate(bundle.triggers):
        template = None if named.template is None else templates[named.template]
        trigger = replace(
            named.trigger,
            customer_id=customer_ids[named.customer],
            template_id=None if template is None else -1,
        )
        add(f"/triggers/{index}", validate_trigger(trigger, template))
    for index, lookup in enumerate(bundle.lookups):
        add(f"/lookupTables/{index}", validate_lookup_table(lookup.table))
    if bundle.smtp is not None:
        add("/smtp", validate_smtp(bundle.smtp))
    return problems
