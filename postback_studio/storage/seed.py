"""First run: a new workspace opens onto something that renders.

The demo customer gets the example templates shipped in ``resources/templates``, a webhook trigger
aimed at the local inbox, an email trigger, and the carrier lookup table from ``resources/lookups``.
Missing or unreadable resources are skipped: an empty-but-working workspace beats a failed start.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from postback_studio.core.defaults import LOCAL_INBOX_URL, LOCAL_SMTP_PORT
from postback_studio.core.errors import ValidationError
from postback_studio.core.lookup_csv import LookupCsvError, parse_lookup_csv
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    LookupTable,
    OutputFormat,
    SmtpSettings,
    Template,
    TemplateKind,
    TemplateStatus,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.paths import resources_dir
from postback_studio.core.template_files import TemplateFileError, read_template_file

if TYPE_CHECKING:
    from postback_studio.storage.workspace import Workspace

DEMO_CUSTOMER = "Demo Print Co"
DEMO_RECIPIENT = "orders@example.com"
#: The carrier table's template field, as the postbacks article's ``lookups()`` example names it.
CARRIER_FIELD = "shipmentMethodUid"
_FALLBACK_CARRIERS = (
    ("dhl_express_domestic_br", "DHL Express"),
    ("ups_surepost", "UPS SurePost"),
)


def seed_workspace(workspace: Workspace, resources: Path | None = None) -> None:
    """Fill a new workspace with the demo configuration, in one transaction."""
    if resources is None:
        try:
            resources = resources_dir()
        except FileNotFoundError:
            resources = None
    with workspace.transaction():
        customer = workspace.customers.add(
            Customer(name=DEMO_CUSTOMER, reference_id="demo", notes="Created on first run; safe to delete.")
        )
        assert customer.id is not None
        templates = _templates(workspace, resources)
        webhook = _pick(templates, TemplateKind.WEBHOOK)
        email = _pick(templates, TemplateKind.EMAIL)
        workspace.triggers.save(
            Trigger(
                name="Order shipped to local inbox",
                customer_id=customer.id,
                event=Event.SHIPPED,
                method=DeliveryMethod.URL,
                url=LOCAL_INBOX_URL,
                format=webhook.format if webhook else OutputFormat.JSON,
                template_id=webhook.id if webhook else None,
                status=TriggerStatus.ACTIVE if webhook else TriggerStatus.DRAFT,
            )
        )
        workspace.triggers.save(
            Trigger(
                name="Order shipped email",
                customer_id=customer.id,
                event=Event.SHIPPED,
                method=DeliveryMethod.EMAIL,
                format=OutputFormat.HTML,
                recipients=(DEMO_RECIPIENT,),
                template_id=email.id if email else None,
                status=TriggerStatus.DRAFT,
            )
        )
        _lookups(workspace, resources, customer.id)
        if not workspace.smtp.is_configured():
            workspace.smtp.set(
                SmtpSettings(
                    sender_email="postbacks@demo-print.example",
                    sender_name=DEMO_CUSTOMER,
                    host="127.0.0.1",
                    port=LOCAL_SMTP_PORT,
                    tls_mode=TlsMode.NONE,
                )
            )


def _templates(workspace: Workspace, resources: Path | None) -> list[Template]:
    folder = resources / "templates" if resources else None
    if folder is None or not folder.is_dir():
        return []
    saved: list[Template] = []
    for path in sorted(folder.glob("*.j2")):
        try:
            template = replace(read_template_file(path).template, status=TemplateStatus.ACTIVE)
            if workspace.templates.get_by_name(template.name) is not None:
                # Two files may share a stem (a.json.j2, a.email.j2); names must be unique.
                label = "email" if template.kind is TemplateKind.EMAIL else template.format.value
                template = replace(template, name=f"{template.name} ({label})")
            saved.append(workspace.templates.save(template))
        except (TemplateFileError, ValidationError):
            continue
    return saved


def _pick(templates: list[Template], kind: TemplateKind) -> Template | None:
    """Prefer a template about shipping (the demo triggers fire on *shipped*), else the first of the kind.

    The article's verbatim example is valid only for one fulfillment, so it is the last choice.
    """
    of_kind = sorted((t for t in templates if t.kind is kind), key=lambda t: ("article" in t.name, t.name))
    for template in of_kind:
        if "ship" in template.name.lower() and (
            kind is TemplateKind.EMAIL or template.format is OutputFormat.JSON
        ):
            return template
    return of_kind[0] if of_kind else None


def _lookups(workspace: Workspace, resources: Path | None, customer_id: int) -> None:
    folder = resources / "lookups" if resources else None
    files = sorted(folder.glob("*.csv")) if folder is not None and folder.is_dir() else []
    seeded_carrier = False
    for path in files:
        try:
            rows = parse_lookup_csv(path.read_bytes(), str(path))
            workspace.lookups.save(
                LookupTable(
                    name=f"Carriers ({path.stem})" if path.stem == CARRIER_FIELD else path.stem,
                    template_field=path.stem,
                    rows=rows,
                    # Carriers are the PSP's own shipping methods: global, so shared templates see them.
                    customer_id=None if path.stem == CARRIER_FIELD else customer_id,
                    description=f"Seeded from {path.name}",
                )
            )
            seeded_carrier = seeded_carrier or path.stem == CARRIER_FIELD
        except (OSError, LookupCsvError, ValidationError):
            continue
    if not seeded_carrier:
        workspace.lookups.save(
            LookupTable(
                name="Carriers",
                template_field=CARRIER_FIELD,
                rows=_FALLBACK_CARRIERS,
                customer_id=None,
                description="Gelato shipment method id -> the carrier name your system expects",
            )
        )
