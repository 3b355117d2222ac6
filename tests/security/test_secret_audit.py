"""The secrets audit: configure every kind of secret, use them for real, then search everywhere.

With an in-memory keyring installed, the test configures an SMTP password, a header marked secret,
an ``Authorization`` header, a cookie and a signing secret; sends a signed webhook to a local
receiver (which must get the real values and a verifiable signature) and an email through an
aiosmtpd server with AUTH; then searches the raw bytes of the workspace file and its WAL, an export
bundle, the request log rows as stored, every diagnostic, and the CLI's outputs for each secret in
plain, UTF-16 and base64 forms. None may appear anywhere.
"""

from __future__ import annotations

import base64
import io
import ssl
import stat
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from postback_studio import cli
from postback_studio.core.bundle import dump_document
from postback_studio.core.dispatch.delivery import Dispatcher
from postback_studio.core.dispatch.email import EmailParts, EmailSender
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript, SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.dispatch.plan import Delivery
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    OutputFormat,
    SmtpSettings,
    Template,
    TemplateKind,
    TlsMode,
    Trigger,
)
from postback_studio.services.transfer import export_document
from postback_studio.storage.workspace import Workspace
from tests.core.dispatch.conftest import ca, ca_file, server_context
from tests.storage.conftest import MemoryKeyring, memory_keyring

__all__ = ["ca", "ca_file", "memory_keyring", "server_context"]

USER = "psp-mailer"
SMTP_PASSWORD = "Smtp-Pass-7Qx!v9"
API_KEY = "key-SECRET-HEADER-4d2a91"
BEARER = "eyJhbGciOi.Bearer-TOKEN-88c1f0"
COOKIE = "session=COOKIE-VALUE-51be7e"
SIGNING_SECRET = "whsec_" + base64.b64encode(b"signing-key-bytes-0123456789abcd").decode()
SECRETS = (SMTP_PASSWORD, API_KEY, BEARER, COOKIE.split("=", 1)[1], SIGNING_SECRET)


def forms(secret: str) -> list[bytes]:
    """The byte patterns a secret could hide in: UTF-8, UTF-16 both ways, base64 at each alignment."""
    raw = secret.encode()
    found = [raw, secret.encode("utf-16-le"), secret.encode("utf-16-be")]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        found.append(encoded[4 if shift else 0 : -4])  # the middle, which does not depend on neighbours
    if secret.startswith("whsec_"):
        found.append(base64.b64decode(secret.removeprefix("whsec_")))
    found.append(base64.b64encode(f"\0{USER}\0{SMTP_PASSWORD}".encode()))  # AUTH PLAIN
    return [f for f in found if len(f) >= 8]


def assert_no_secret(where: str, blob: bytes | str) -> None:
    data = blob.encode("utf-8", "surrogatepass") if isinstance(blob, str) else blob
    for secret in SECRETS:
        for pattern in forms(secret):
            assert pattern not in data, f"{where} holds a form of {secret!r}: {pattern!r}"


@pytest.fixture
def receiver() -> Iterator[HttpInbox]:
    with HttpInbox() as inbox:
        yield inbox


@pytest.fixture
def smtp_server(server_context: ssl.SSLContext) -> Iterator[SmtpCatcher]:
    options = SmtpCatcherOptions(
        tls_context=server_context, require_tls=True, credentials={USER: SMTP_PASSWORD}
    )
    with SmtpCatcher(options=options) as catcher:
        yield catcher


def _configure(ws: Workspace, receiver: HttpInbox, smtp_port: int) -> tuple[Trigger, Trigger]:
    ws.smtp.set(
        SmtpSettings("psp@psp.example", "PSP", "127.0.0.1", smtp_port, USER, SMTP_PASSWORD, TlsMode.STARTTLS)
    )
    acme = ws.customers.add(Customer("Acme"))
    body = ws.templates.save(Template("shipped", body='{"orderId": {{ orderId | tojson }}}'))
    mail = ws.templates.save(
        Template(
            "mail",
            kind=TemplateKind.EMAIL,
            format=OutputFormat.HTML,
            subject="Shipped",
            body="<p>x</p>",
            text_body="x",
        )
    )
    hook = ws.triggers.save(
        Trigger(
            "hook",
            acme.id or 0,
            Event.SHIPPED,
            url=receiver.url + "/postbacks",
            headers=(
                Header("X-Api-Key", API_KEY, secret=True),
                Header("Authorization", f"Bearer {BEARER}"),
                Header("Cookie", COOKIE),
                Header("X-Source", "postback-studio"),
            ),
            signing=True,
            signing_secret=SIGNING_SECRET,
            template_id=body.id,
        )
    )
    email = ws.triggers.save(
        Trigger(
            "mail",
            acme.id or 0,
            Event.SHIPPED,
            method=DeliveryMethod.EMAIL,
            format=OutputFormat.HTML,
            recipients=("ops@acme.example",),
            template_id=mail.id,
        )
    )
    assert hook.id is not None and email.id is not None
    return ws.triggers.get(hook.id), ws.triggers.get(email.id)


def _cli(workspace: Path, *args: str) -> str:
    """Run the command line in this process (so it sees the in-memory keyring); stdout + stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["--workspace", str(workspace), *args])
    assert code == 0, err.getvalue()
    return out.getvalue() + err.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")
def test_no_secret_reaches_file_wal_export_log_diagnostics_or_cli(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    receiver: HttpInbox,
    smtp_server: SmtpCatcher,
    ca_file: Path,
) -> None:
    path = tmp_path / "workspace.sqlite"
    diagnostics: list[str] = []
    with Workspace.open(path, seed=False) as ws:
        assert "system keyring" in ws.secrets_backend_description
        hook, mail = _configure(ws, receiver, smtp_server.port)
        receiver.set_script(ResponseScript.parse("503, 200"))
        settings = ws.smtp.get()
        sender = EmailSender(settings, timeout=5, ca_file=ca_file)
        with Dispatcher(ws.requests, email_sender=sender, sleeper=lambda _: None) as dispatcher:
            webhook = dispatcher.deliver(
                Delivery.for_trigger(hook, body=b'{"orderId": "A-1"}', payload='{"orderId": "A-1"}')
            )
            email = dispatcher.deliver(
                Delivery.for_trigger(mail, email=EmailParts("Shipped", "<p>x</p>", "x"), payload="{}")
            )
            # A receiver that refuses the key and quotes it back in its answer (many APIs do).
            receiver.set_script(
                ResponseScript.always(
                    401,
                    body=f'{{"error": "invalid key {API_KEY}", "auth": "Bearer {BEARER}"}}'.encode(),
                    headers=(("WWW-Authenticate", f"Bearer error={BEARER}"),),
                )
            )
            echoed = dispatcher.deliver(Delivery.for_trigger(hook, body=b"{}", payload="{}"))
            assert echoed.attempts[-1].record.response_status == 401
            receiver.set_script(ResponseScript.always(200))
        # A refused password: its diagnosis and transcript must hold neither the right nor the typo.
        typo = EmailSender(replace(settings, password=SMTP_PASSWORD + "x"), timeout=5, ca_file=ca_file)
        with Dispatcher(ws.requests, email_sender=typo, sleeper=lambda _: None) as dispatcher:
            refused = dispatcher.deliver(Delivery.for_trigger(mail, email=EmailParts("s", "", "t")))
        assert webhook.delivered and email.delivered and not refused.delivered
        for report in (webhook, email, refused, echoed):
            for attempt in report.attempts:
                diagnostics += [
                    attempt.record.error,
                    attempt.record.smtp_transcript,
                    attempt.record.processing,
                ]
                result = attempt.webhook or attempt.email
                diagnostics += [result.diagnosis, result.error] if result else []
        export = dump_document(export_document(ws))
        stored_rows = ws.conn.execute("SELECT * FROM requests").fetchall()
        records = ws.requests.query(limit=1000)
        on_disk_while_open = b"".join(
            p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(path.name)
        )
        wal_exists = Path(f"{path}-wal").exists()
    # The receiver got the real values, and a signature that verifies with the signing secret.
    first, second, _ = receiver.requests
    assert second.header("X-Api-Key") == API_KEY and second.header("Authorization") == f"Bearer {BEARER}"
    assert first.header("webhook-id") == second.header("webhook-id")
    Webhook(SIGNING_SECRET).verify(second.body, {k.lower(): v for k, v in second.headers})
    assert len(smtp_server.messages) == 1
    # Where secrets must not be.
    assert wal_exists
    assert_no_secret("the workspace file and its WAL (open)", on_disk_while_open)
    assert_no_secret("the workspace file (closed)", path.read_bytes())
    assert_no_secret("the export bundle", export)
    assert_no_secret(
        "the request log rows as stored",
        repr(stored_rows).encode()
        + b"".join(value for row in stored_rows for value in row if isinstance(value, bytes)),
    )
    for index, text in enumerate(diagnostics):
        assert_no_secret(f"diagnostic {index}", text)
    commands = [("templates",), ("triggers", "--json"), ("triggers",), ("export",), ("customers",)]
    if "log" in cli.COMMAND_MODULES:
        commands.append(("log", "--json"))
    for command in commands:
        assert_no_secret(f"postback-studio {' '.join(command)}", _cli(path, *command))
    # The keyring holds them instead, and the request log shows redacted header values.
    # Authorization and Cookie were not ticked secret: credential headers are secret regardless.
    assert {SMTP_PASSWORD, API_KEY, f"Bearer {BEARER}", COOKIE, SIGNING_SECRET} <= set(
        memory_keyring.store.values()
    )
    for record in records:
        if record.request_method == "SMTP":
            continue
        headers = {name.lower(): value for name, value in record.request_headers}
        for name in ("x-api-key", "authorization", "cookie"):
            assert headers[name] in ("<redacted>", "•••"), (name, headers[name])
        assert headers["x-source"] == "postback-studio"


@pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")
def test_the_workspace_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "workspace.sqlite"
    with Workspace.open(path, seed=False) as ws:
        ws.customers.add(Customer("Acme"))
        files = [p for p in tmp_path.iterdir() if p.name.startswith(path.name)]
        assert {p.name for p in files} >= {path.name, f"{path.name}-wal"}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


URL_USER, URL_PASSWORD = "psp-basic", "Url-Pass-SECRET-93kq"


def test_url_userinfo_reaches_no_log_row_search_index_export_or_cli_output(
    tmp_path: Path, memory_keyring: MemoryKeyring, receiver: HttpInbox
) -> None:
    """User info in a trigger URL is a secret: sent as Basic auth, and found nowhere else but the
    workspace file's trigger row (which the URL field warns about)."""
    from postback_studio.core.render.engine import RenderEngine
    from postback_studio.core.requests_view import RequestFilter
    from postback_studio.services.delivery import DeliveryService

    path = tmp_path / "workspace.sqlite"
    url = receiver.url.replace("http://", f"http://{URL_USER}:{URL_PASSWORD}@") + "/postbacks"
    with Workspace.open(path, seed=False) as ws:
        acme = ws.customers.add(Customer("Acme"))
        body = ws.templates.save(Template("shipped", body='{"orderId": {{ orderId | tojson }}}'))
        hook = ws.triggers.save(Trigger("basic", acme.id or 0, Event.SHIPPED, url=url, template_id=body.id))
    assert hook.id is not None
    # The receiver refuses and quotes the password back, as some do.
    echo = f'{{"error": "bad password {URL_PASSWORD}"}}'.encode()
    receiver.set_script(ResponseScript.always(401, body=echo))
    with RenderEngine(max_workers=1) as engine, DeliveryService.for_workspace(path, engine) as service:
        report = service.send_test(hook.id, {"orderId": "A-1"})
    [arrived] = receiver.requests
    expected = base64.b64encode(f"{URL_USER}:{URL_PASSWORD}".encode()).decode()
    assert arrived.header("Authorization") == f"Basic {expected}"
    diagnostics = [a.record.error for a in report.attempts]
    with Workspace.open(path, seed=False) as ws:
        stored_rows = ws.conn.execute("SELECT * FROM requests").fetchall()
        index = b"".join(row[0] for row in ws.conn.execute("SELECT block FROM requests_fts_data") if row[0])
        searched = ws.requests.count(RequestFilter(text=URL_PASSWORD))
        export = dump_document(export_document(ws))
        [entry] = ws.requests.query()
    secret_forms = [URL_PASSWORD.encode(), URL_PASSWORD.lower().encode(), expected.encode()]
    for where, blob in (
        ("the request log rows", repr(stored_rows).encode()
         + b"".join(v for row in stored_rows for v in row if isinstance(v, bytes))),
        ("the search index", index.lower()),
        ("the export", export.encode()),
        ("the diagnostics", "\n".join(diagnostics).encode()),
    ):
        for form in secret_forms:
            assert form not in blob, f"{where} holds {form!r}"
    assert searched == 0
    assert entry.target == f"http://<redacted>@127.0.0.1:{receiver.port}/postbacks"
    assert "trigger 'basic' of customer 'Acme': user info of the URL" in export
    assert f'"url": "http://127.0.0.1:{receiver.port}/postbacks"' in export
    for command in (("log", "--json"), ("log", "show", str(entry.id)), ("triggers", "--json"), ("export",)):
        assert URL_PASSWORD not in _cli(path, *command), command
