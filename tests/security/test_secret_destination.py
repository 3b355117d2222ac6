"""Secrets follow their destination, never a bundle (issue 12, item 1), end to end on the command line.

Each scenario configures a workspace, proves the secret reaches the receiver it was entered for (a
real HTTP server or an aiosmtpd server with AUTH on 127.0.0.1), exports a bundle, changes only the
destination in it, imports it, and sends again: the new receiver must get neither the secret header
nor a valid signature (nor an AUTH with the stored password), and the log must say what to enter
again and where. Both secret stores are exercised: the workspace file and a keyring.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from postback_studio.core.dispatch.inbox import HttpInbox, SmtpCatcher, SmtpCatcherOptions
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
from postback_studio.services.session import Session
from tests.security.cli import run_cli
from tests.storage.conftest import MemoryKeyring, memory_keyring

__all__ = ["memory_keyring"]

API_KEY = "key-BOUND-TO-A-4d2a91"
SIGNING_SECRET = "whsec_" + base64.b64encode(b"bound-signing-key-0123456789abcd").decode()
USER, OTHER_USER = "psp-mailer", "other-mailer"
SMTP_PASSWORD = "Smtp-Bound-7Qx!v9"


@pytest.fixture(params=["workspace", "keyring"])
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run each scenario with the secrets in the workspace file, then in a (memory) keyring."""
    if request.param == "keyring":
        request.getfixturevalue("memory_keyring")
    yield request.param


@pytest.fixture
def path(tmp_path: Path, store: str) -> Path:
    return tmp_path / "workspace.sqlite"


@pytest.fixture
def receivers() -> Iterator[tuple[HttpInbox, HttpInbox]]:
    with HttpInbox() as first, HttpInbox() as second:
        yield first, second


def cli(path: Path, *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> (
    tuple[int, str, str]
):
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_cli("--workspace", str(path), *args)


def configure_webhook(path: Path, url: str) -> None:
    with Session.open(path, seed=False) as session:
        acme = session.customers.save(Customer("Acme"))
        template = session.templates.save(Template("shipped", body='{"orderId": {{ orderId | tojson }}}'))
        assert acme.id is not None
        session.triggers.save(
            Trigger(
                "Shipped",
                acme.id,
                Event.SHIPPED,
                url=url,
                headers=(Header("X-Api-Key", API_KEY, secret=True), Header("X-Source", "psp")),
                signing=True,
                signing_secret=SIGNING_SECRET,
                template_id=template.id,
            )
        )


def verifies(received: object) -> bool:
    headers = {k.lower(): v for k, v in received.headers}  # type: ignore[attr-defined]
    try:
        Webhook(SIGNING_SECRET).verify(received.body, headers)  # type: ignore[attr-defined]
    except WebhookVerificationError:
        return False
    return True


def moved_bundle(path: Path, tmp_path: Path, change: dict[str, object], where: str = "triggers") -> Path:
    """Export the workspace and change only ``change`` in the bundle's trigger (or its smtp)."""
    exported = tmp_path / "bundle.json"
    assert cli(path, "export", "--out", str(exported))[0] == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    if where == "smtp":
        document["smtp"].update(change)
    else:
        [trigger] = [t for t in document["triggers"] if t["name"] == "Shipped"]
        trigger.update(change)
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(document), encoding="utf-8")
    return moved


def test_a_bundle_that_only_changes_the_trigger_url_sends_no_secret_to_the_new_receiver(
    path: Path, tmp_path: Path, receivers: tuple[HttpInbox, HttpInbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = receivers
    configure_webhook(path, old.url + "/postbacks")
    assert cli(path, "send", "--trigger", "Shipped")[0] == 0
    [control] = old.requests
    assert control.header("X-Api-Key") == API_KEY and verifies(control), "the secrets reach their receiver"

    moved = moved_bundle(path, tmp_path, {"url": new.url + "/postbacks"})
    cleared = (
        "secrets cleared for trigger 'Shipped' of customer 'Acme' because its destination changed "
        f"(http://127.0.0.1:{old.port} -> http://127.0.0.1:{new.port}): header 'X-Api-Key', signing secret"
    )
    code, out, _err = cli(path, "import", str(moved), "--dry-run")
    assert code == 0 and cleared in out
    assert "\tset\t" in cli(path, "secrets", "list")[1], "a dry run changes nothing"
    code, out, _err = cli(path, "import", str(moved))
    assert code == 0 and cleared in out

    code, _out, _err = cli(path, "send", "--trigger", "Shipped")
    assert code == 1
    assert new.requests == [] and len(old.requests) == 1, "no request, so no secret header or signature"
    code, out, _err = cli(path, "log", "--failed", "--json")
    [entry] = json.loads(out)
    assert entry["target"] == new.url + "/postbacks" and entry["outcome"] == "failed"
    assert "has no value for its secret header 'X-Api-Key' and no signing secret" in entry["error"]
    assert "postback-studio secrets set --trigger 'Shipped' --header X-Api-Key | --signing" in entry["error"]

    # Entered again for the new receiver, they go there (and the old receiver's copies are gone).
    key = "key-FOR-B-77"
    assert cli(path, "secrets", "set", "--trigger", "Shipped", "--header", "X-Api-Key",
               stdin=key + "\n", monkeypatch=monkeypatch)[0] == 0
    assert cli(path, "secrets", "set", "--trigger", "Shipped", "--signing",
               stdin=SIGNING_SECRET + "\n", monkeypatch=monkeypatch)[0] == 0
    assert cli(path, "send", "--trigger", "Shipped")[0] == 0
    [arrived] = new.requests
    assert arrived.header("X-Api-Key") == key and verifies(arrived)


def test_a_bundle_that_changes_the_url_and_brings_a_header_value_binds_that_value_to_the_new_url(
    path: Path, tmp_path: Path, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    old, new = receivers
    configure_webhook(path, old.url + "/postbacks")
    moved = moved_bundle(
        path, tmp_path,
        {"url": new.url + "/p", "signing": False,
         "headers": [{"name": "X-Api-Key", "value": "typed-into-the-bundle", "secret": True}]},
    )
    code, out, _err = cli(path, "import", str(moved))
    assert code == 0 and "secrets cleared" not in out
    assert cli(path, "send", "--trigger", "Shipped")[0] == 0
    [arrived] = new.requests
    assert arrived.header("X-Api-Key") == "typed-into-the-bundle"
    assert arrived.header("webhook-signature") is None


@pytest.fixture
def mail_servers() -> Iterator[tuple[SmtpCatcher, SmtpCatcher]]:
    """Two aiosmtpd servers with AUTH that would accept the stored password for either username."""
    options = SmtpCatcherOptions(credentials={USER: SMTP_PASSWORD, OTHER_USER: SMTP_PASSWORD})
    with SmtpCatcher(options=options) as first, SmtpCatcher(options=options) as second:
        yield first, second


def configure_mail(path: Path, port: int) -> None:
    with Session.open(path, seed=False) as session:
        acme = session.customers.save(Customer("Acme"))
        template = session.templates.save(
            Template("mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject="Shipped",
                     body="<p>shipped</p>")
        )
        assert acme.id is not None
        session.triggers.save(
            Trigger("Mail", acme.id, Event.SHIPPED, method=DeliveryMethod.EMAIL, format=OutputFormat.HTML,
                    recipients=("ops@acme.example",), template_id=template.id)
        )
        session.smtp.set(
            SmtpSettings("psp@psp.example", "PSP", "127.0.0.1", port, USER, SMTP_PASSWORD, TlsMode.NONE)
        )


@pytest.mark.parametrize("changed", ["host", "port", "username", "all three"])
def test_a_bundle_that_changes_the_smtp_server_gets_no_auth_with_the_stored_password(
    path: Path,
    tmp_path: Path,
    mail_servers: tuple[SmtpCatcher, SmtpCatcher],
    monkeypatch: pytest.MonkeyPatch,
    changed: str,
) -> None:
    old, new = mail_servers
    configure_mail(path, old.port)
    assert cli(path, "send", "--trigger", "Mail")[0] == 0
    assert old.wait_for(1) and old.messages[0].authenticated_as == USER, "the password reaches its server"

    change: dict[str, object] = {
        "host": {"host": "localhost"},
        "port": {"port": new.port},
        "username": {"username": OTHER_USER},
        "all three": {"host": "localhost", "port": new.port, "username": OTHER_USER},
    }[changed]
    moved = moved_bundle(path, tmp_path, change, where="smtp")
    code, out, _err = cli(path, "import", str(moved), "--dry-run")
    assert code == 0 and "secrets cleared for the SMTP settings because its destination changed" in out
    assert "SMTP password" in out
    code, out, _err = cli(path, "import", str(moved))
    assert code == 0 and "secrets cleared for the SMTP settings because its destination changed" in out

    code, _out, _err = cli(path, "send", "--trigger", "Mail")
    assert code == 1
    assert len(old.messages) == 1 and new.messages == [], "no server got an AUTH with the stored password"
    [entry] = json.loads(cli(path, "log", "--failed", "--json")[1])
    assert "no password is stored for that server and account" in entry["error"]
    assert "postback-studio smtp --password-stdin" in entry["error"]

    assert cli(path, "smtp", "--password-stdin", stdin=SMTP_PASSWORD + "\n", monkeypatch=monkeypatch)[0] == 0
    assert cli(path, "send", "--trigger", "Mail")[0] == 0
    expected = OTHER_USER if "username" in change else USER
    receiver = new if "port" in change else old
    assert receiver.wait_for(2 if receiver is old else 1)
    assert receiver.messages[-1].authenticated_as == expected


def test_keyring_entries_follow_the_policy_too(
    tmp_path: Path, memory_keyring: MemoryKeyring, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    """With a keyring, clearing deletes the keyring entries (the file only ever held bindings)."""
    path = tmp_path / "workspace.sqlite"
    old, new = receivers
    configure_webhook(path, old.url + "/postbacks")
    assert {API_KEY, SIGNING_SECRET} <= set(memory_keyring.store.values())
    moved = moved_bundle(path, tmp_path, {"url": new.url + "/postbacks"})
    assert cli(path, "import", str(moved))[0] == 0
    assert not {API_KEY, SIGNING_SECRET} & set(memory_keyring.store.values())
    rows = cli(path, "secrets", "list", "--json")[1]
    assert {(r["secret"], r["state"], r["store"]) for r in json.loads(rows)} >= {
        ("header", "not set", None), ("signing", "not set", None)
    }
    assert API_KEY.encode() not in path.read_bytes()
