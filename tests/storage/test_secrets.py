"""Secrets go to the keyring when one is usable, and never into the file, the WAL, the log or an export."""

from __future__ import annotations

from pathlib import Path

from postback_studio.core.bundle import dump_document
from postback_studio.core.model import Customer, Event, Header, SmtpSettings, Template, Trigger
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.services.transfer import export_document
from postback_studio.storage.secrets import KEYRING_SERVICE
from postback_studio.storage.workspace import Workspace
from tests.storage.conftest import MemoryKeyring

SMTP_PASSWORD = "smtp-PASSWORD-4f1c"
HEADER_SECRET = "api-KEY-77e2a9"
SIGNING_SECRET = "whsec_SIGNING-90bd"
SECRETS = (SMTP_PASSWORD, HEADER_SECRET, SIGNING_SECRET)


def _fill(ws: Workspace) -> int:
    ws.smtp.set(SmtpSettings("psp@example.com", "PSP", "smtp.example.com", 587, "psp", SMTP_PASSWORD))
    customer = ws.customers.add(Customer("Acme"))
    template = ws.templates.save(Template("t", body="{}"))
    trigger = ws.triggers.save(
        Trigger(
            "hook",
            customer.id or 0,
            Event.SHIPPED,
            url="https://erp.example.com/h",
            headers=(Header("X-Api-Key", HEADER_SECRET, secret=True),),
            signing=True,
            signing_secret=SIGNING_SECRET,
            template_id=template.id,
        )
    )
    ws.requests.append(
        RequestRecord(
            delivery_id="msg_1",
            attempt=1,
            channel=Channel.WEBHOOK,
            outcome=Outcome.FAILED,
            started_at=1.0,
            event="shipped",
            target="https://erp.example.com/h",
            request_headers=(("X-Api-Key", HEADER_SECRET),),
            error=f"401 for key {HEADER_SECRET}",
            trigger_id=trigger.id,
        )
    )
    assert trigger.id is not None
    return trigger.id


def _raw(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_with_a_keyring_no_secret_reaches_file_wal_log_or_export(
    ws_path: Path, memory_keyring: MemoryKeyring
) -> None:
    with Workspace.open(ws_path, seed=False) as ws:
        assert "system keyring" in ws.secrets_backend_description
        trigger_id = _fill(ws)
        assert ws.triggers.get(trigger_id).signing_secret == SIGNING_SECRET
        assert ws.smtp.get().password == SMTP_PASSWORD
        export = dump_document(export_document(ws))
        wal = Path(str(ws_path) + "-wal")
        assert wal.exists()
        on_disk_while_open = _raw(ws_path)
        log_text = repr(ws.requests.query())
    on_disk_after_close = ws_path.read_bytes()
    stored = set(memory_keyring.store.values())
    assert set(SECRETS) <= stored
    assert all(service == KEYRING_SERVICE for service, _ in memory_keyring.store)
    for secret in SECRETS:
        for blob in (on_disk_while_open, on_disk_after_close, export.encode(), log_text.encode()):
            assert secret.encode() not in blob
            assert secret.encode("utf-16-le") not in blob
    assert "SMTP password" in export and "signing secret" in export


def test_without_a_keyring_secrets_stay_in_the_file_and_the_app_is_told(ws_path: Path) -> None:
    with Workspace.open(ws_path, seed=False) as ws:
        assert "No system keyring" in ws.secrets_backend_description
        _fill(ws)
        export = dump_document(export_document(ws))
        log_text = repr(ws.requests.query())
    for secret in SECRETS:
        assert secret not in export and secret not in log_text


def test_reprs_mask_secrets() -> None:
    header = Header("Authorization", HEADER_SECRET, secret=True)
    trigger = Trigger("t", 1, Event.SHIPPED, headers=(header,), signing_secret=SIGNING_SECRET)
    smtp = SmtpSettings(password=SMTP_PASSWORD)
    for value in (header, trigger, smtp):
        assert all(secret not in repr(value) for secret in SECRETS)
    assert "visible" in repr(Header("X", "visible"))


def test_opening_a_workspace_leaves_the_keyring_alone_until_a_secret_is_used(tmp_path: Path) -> None:
    """Finding the keyring loads every backend (a tenth of a second at start-up, issue 16): a workspace
    chooses its secret store when a secret is first read, written or described."""
    import subprocess
    import sys

    Workspace.open(tmp_path / "w.sqlite").close()  # created and seeded (seeding stores secrets)
    code = (
        "import sys\nfrom pathlib import Path\nfrom postback_studio.storage.workspace import Workspace\n"
        "ws = Workspace.open(Path(sys.argv[1]))\nws.templates.list(); ws.customers.list()\n"
        "print('keyring' in sys.modules)\nprint(ws.secrets.location)\nprint('keyring' in sys.modules)\n"
        "ws.close()"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.sqlite")], capture_output=True,
                         text=True, check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["False", "workspace", "True"]


def test_the_store_is_the_keyring_chosen_at_first_use(ws_path: Path, memory_keyring: MemoryKeyring) -> None:
    with Workspace.open(ws_path, seed=False) as ws:
        assert ws.secrets.location == "keyring"
        ws.secrets.set("k", "v")
        assert memory_keyring.store[(KEYRING_SERVICE, "k")] == "v"
        assert ws.secrets.get("k") == "v"
