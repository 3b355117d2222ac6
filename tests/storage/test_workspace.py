"""Opening, creating, upgrading and refusing workspace files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from postback_studio.core.defaults import LOCAL_INBOX_URL
from postback_studio.core.errors import WorkspaceError, WorkspaceVersionError
from postback_studio.core.model import DeliveryMethod, Event, OutputFormat, TemplateKind, TriggerStatus
from postback_studio.core.requests_view import RequestFilter
from postback_studio.storage.schema import SCHEMA_VERSION
from postback_studio.storage.seed import CARRIER_FIELD, seed_workspace
from postback_studio.storage.workspace import Workspace
from tests.storage.conftest import FIXTURES, make_v1_workspace


def test_new_workspace_is_wal_with_foreign_keys_and_current_schema(ws: Workspace) -> None:
    assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ws.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert ws.schema_version == SCHEMA_VERSION == 4
    assert ws.integrity_check() == "ok"
    assert "requests_fts" in ws.db.table_names()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_new_workspace_file_is_owner_only(ws_path: Path) -> None:
    old = os.umask(0)
    try:
        Workspace.open(ws_path, seed=False).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(ws_path.stat().st_mode) == 0o600


def test_version_1_file_is_backed_up_then_upgraded(ws_path: Path) -> None:
    make_v1_workspace(ws_path)
    with Workspace.open(ws_path) as ws:
        assert ws.schema_version == SCHEMA_VERSION
        acme = ws.customers.get_by_name("Acme Prints")
        assert acme is not None and acme.reference_id == "ACME-1"
        template = ws.templates.get_by_name("acme-shipped")
        assert template is not None and template.customer_id == acme.id
        [version] = ws.templates.versions(template.id or 0)
        assert version.number == 1 and version.saved_at == 1700000000.0 and version.body == template.body
        trigger = ws.triggers.get_by_name(acme.id or 0, "Acme shipped")
        assert trigger is not None and trigger.headers[1].value == "psp" and trigger.headers[0].secret
        assert ws.triggers.bindings(trigger) == {"header/x-api-key": "https://acme.example.com:443"}
        assert ws.smtp.password_binding() == "smtp://psp@smtp.example.com:587"
        assert ws.lookups.lookup_set_for(acme.id) == {
            "shipmentMethodUid": {"ups_surepost": "UPS", "dhl_express_domestic_br": "DHL"}
        }
        assert ws.smtp.get().host == "smtp.example.com"
        assert ws.customers.list() == [acme], "an upgraded workspace is not seeded with demo data"
        ws.requests.count()  # the new tables exist
    backup = ws_path.with_name(ws_path.name + ".v1.bak")
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM templates").fetchone()[0] == 2
    conn.close()


def test_newer_workspace_is_refused_naming_both_versions(ws_path: Path) -> None:
    Workspace.open(ws_path, seed=False).close()
    conn = sqlite3.connect(ws_path)
    conn.execute("UPDATE schema_version SET version = 7")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceVersionError) as info:
        Workspace.open(ws_path)
    assert "schema version 7" in str(info.value) and f"schema version {SCHEMA_VERSION}" in str(info.value)


def test_foreign_sqlite_file_and_junk_file_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match="not a Postback Studio workspace"):
        Workspace.open(other)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkspaceError, match="not a Postback Studio workspace"):
        Workspace.open(junk)


def test_new_workspace_is_seeded_from_resources(tmp_path: Path) -> None:
    resources = tmp_path / "resources"
    (resources / "templates").mkdir(parents=True)
    (resources / "lookups").mkdir()
    (resources / "templates" / "order-shipped.json.j2").write_text('{"id": "{{ id }}"}\n')
    (resources / "templates" / "order-shipped.email.j2").write_text(
        "{% block subject %}Shipped {{ id }}{% endblock %}\n"
        "{% block html %}\n<p>{{ id }}</p>\n{% endblock %}\n"
    )
    (resources / "templates" / "broken.email.j2").write_text("no blocks at all")
    (resources / "lookups" / f"{CARRIER_FIELD}.csv").write_text("key,value\r\nups_surepost,UPS\r\n")
    with Workspace.open(tmp_path / "ws.sqlite", seed=False) as ws:
        seed_workspace(ws, resources)
        [customer] = ws.customers.list()
        names = {t.name: t for t in ws.templates.list()}
        assert set(names) == {"order-shipped", "order-shipped (json)"}, "the broken file is skipped"
        webhook, email = (
            ws.triggers.get_by_name(customer.id or 0, "Order shipped to local inbox"),
            ws.triggers.get_by_name(customer.id or 0, "Order shipped email"),
        )
        assert webhook is not None and webhook.url == LOCAL_INBOX_URL and webhook.event is Event.SHIPPED
        assert webhook.status is TriggerStatus.ACTIVE and webhook.template_id is not None
        assert ws.templates.get(webhook.template_id).format is OutputFormat.JSON
        assert email is not None and email.method is DeliveryMethod.EMAIL
        assert ws.lookups.lookup_set_for(customer.id) == {CARRIER_FIELD: {"ups_surepost": "UPS"}}


def test_seed_without_resources_still_gives_a_carrier_table(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite", seed=False) as ws:
        seed_workspace(ws, tmp_path / "nothing-here")
        [customer] = ws.customers.list()
        assert CARRIER_FIELD in ws.lookups.lookup_set_for(customer.id)
        assert len(ws.triggers.list()) == 2
        assert ws.templates.list(kind=TemplateKind.EMAIL) == []


def test_default_open_seeds_only_a_new_file(ws_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        [customer] = ws.customers.list()
        ws.customers.delete(customer.id or 0, cascade=True)
    with Workspace.open(ws_path) as ws:
        assert ws.customers.list() == []


def test_second_connection_sees_committed_writes(ws_path: Path) -> None:
    with Workspace.open(ws_path, seed=False) as first, Workspace.open(ws_path, seed=False) as second:
        from postback_studio.core.model import Customer

        first.customers.add(Customer("Shared"))
        assert second.customers.get_by_name("Shared") is not None
        assert first.workspace_id == second.workspace_id


def test_transaction_rolls_back_everything_on_error(ws: Workspace) -> None:
    from postback_studio.core.model import Customer

    with pytest.raises(RuntimeError), ws.transaction():
        ws.customers.add(Customer("A"))
        with ws.transaction():
            ws.customers.add(Customer("B"))
        raise RuntimeError("boom")
    assert ws.customers.list() == []


def test_a_worker_thread_writes_through_its_own_workspace(ws_path: Path) -> None:
    import threading

    from postback_studio.core.requestlog import Channel, Outcome, RequestRecord

    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Workspace.open(ws_path, seed=False) as own:
                for n in range(50):
                    own.requests.append(
                        RequestRecord(
                            f"d{n}", 1, Channel.WEBHOOK, Outcome.DELIVERED, float(n), "shipped", "x"
                        )
                    )
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    with Workspace.open(ws_path, seed=False) as ws:
        thread = threading.Thread(target=worker)
        thread.start()
        from postback_studio.core.model import Customer

        for n in range(50):
            ws.customers.add(Customer(f"c{n}"))
        thread.join()
        assert errors == []
        assert ws.requests.count() == 50 and len(ws.customers.list()) == 50


def test_a_workspace_refuses_use_from_another_thread(ws: Workspace) -> None:
    import threading

    caught: list[BaseException] = []

    def other() -> None:
        try:
            ws.customers.list()
        except sqlite3.ProgrammingError as exc:
            caught.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert caught and "thread" in str(caught[0])


def test_a_real_version_2_file_binds_its_secrets_to_their_destinations_and_redacts_logged_userinfo(
    ws_path: Path,
) -> None:
    """``workspace_v2.sqlite`` was written by the version-2 release (fixtures/make_workspace_v2.py):
    secrets in its own table, no bindings, and a logged URL with user info."""
    shutil.copyfile(FIXTURES / "workspace_v2.sqlite", ws_path)
    with Workspace.open(ws_path) as ws:
        assert ws.schema_version == SCHEMA_VERSION
        acme = ws.customers.get_by_name("Acme Prints")
        assert acme is not None and acme.id is not None
        shipped = ws.triggers.get_by_name(acme.id, "Acme shipped")
        assert shipped is not None
        # Entered for the trigger's destination as it was at the upgrade: bound to it.
        assert ws.triggers.bindings(shipped) == {
            "header/x-api-key": "https://hooks.acme.example:443",
            "signing": "https://hooks.acme.example:443",
        }
        assert shipped.headers[0].value == "legacy-api-key-0001" and shipped.signing_secret
        assert ws.smtp.password_binding() == "smtp://psp@smtp.acme.example:587"
        assert ws.smtp.get().password == "legacy-smtp-pass"
        # The user info logged by version 2 is gone from the row and from the search index.
        [entry] = ws.requests.query()
        assert entry.target == "https://<redacted>@hooks.acme.example/basic"
        assert "LegacyUrlPass77" not in entry.error and "<redacted>@hooks.acme.example" in entry.error
        assert ws.requests.count(RequestFilter(text="LegacyUrlPass77")) == 0
        assert ws.requests.count(RequestFilter(text="hooks")) == 1
        index = b"".join(row[0] for row in ws.conn.execute("SELECT block FROM requests_fts_data") if row[0])
        assert b"legacyurlpass77" not in index.lower() and b"hooks" in index
    assert (ws_path.parent / (ws_path.name + ".v2.bak")).exists()


def test_version_3_inbox_requests_are_kept_with_their_answer_unknown(ws_path: Path) -> None:
    """Version 4 keeps what the local inbox answered; requests kept before that have no answer."""
    Workspace.open(ws_path, seed=False).close()
    conn = sqlite3.connect(ws_path)
    with conn:  # the file as version 3 left it: no answer columns
        for column in ("response_status", "script_position", "script_length"):
            conn.execute(f"ALTER TABLE inbox_http DROP COLUMN {column}")
        conn.execute("UPDATE schema_version SET version = 3")
        conn.execute("INSERT INTO inbox_http(received_at, method, path, headers, body, remote) "
                     "VALUES (1700000000.0, 'POST', '/hook', '[]', x'7b7d', '127.0.0.1:5000')")
    conn.close()
    with Workspace.open(ws_path, seed=False) as ws:
        assert ws.schema_version == SCHEMA_VERSION == 4
        [kept] = ws.inbox.list_http()
        assert (kept.path, kept.body) == ("/hook", b"{}")
        assert (kept.response_status, kept.script_position, kept.script_length) == (None, None, None)
