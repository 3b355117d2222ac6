"""The secret policy through the services: what a changed destination clears, what it does not, and
what every send path does with a secret bound elsewhere. Real workspace files, both secret stores,
the local HTTP inbox and aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript, SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    OutputFormat,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    TlsMode,
    Trigger,
)
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome
from postback_studio.core.samples import load_sample
from postback_studio.services import secret_policy
from postback_studio.services.delivery import DeliveryService, SendOptions
from postback_studio.services.session import Session
from postback_studio.storage.workspace import Workspace
from tests.storage.conftest import FIXTURES

KEY = "key-entered-for-A-0001"
SIGNING = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
USER, PASSWORD = "psp-mailer", "pa55-Bound!"


@pytest.fixture(params=["workspace", "keyring"])
def path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "keyring":
        request.getfixturevalue("memory_keyring")
    return tmp_path / "ws.sqlite"


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(max_workers=1) as e:
        yield e


@pytest.fixture
def service(path: Path, engine: RenderEngine) -> Iterator[DeliveryService]:
    with DeliveryService(lambda: Workspace.open(path, seed=False), engine, sleeper=lambda _s: None) as s:
        yield s


@pytest.fixture
def receivers() -> Iterator[tuple[HttpInbox, HttpInbox]]:
    with HttpInbox() as first, HttpInbox() as second:
        yield first, second


def make_trigger(path: Path, url: str, **more: object) -> Trigger:
    with Session.open(path, seed=False) as session:
        acme = session.customers.save(Customer("Acme"))
        template = session.templates.save(Template("shipped", body='{"orderId": {{ orderId | tojson }}}'))
        assert acme.id is not None
        more.setdefault("headers", (Header("X-Api-Key", KEY, secret=True),))
        return session.triggers.save(
            Trigger("Shipped", acme.id, Event.SHIPPED, url=url, signing=True, signing_secret=SIGNING,
                    template_id=template.id, **more)  # type: ignore[arg-type]
        )


def move(path: Path, url: str, *, keep: bool = False) -> tuple[object, Trigger]:
    """Save the trigger with another URL (secrets as a form shows them); the change and the result."""
    with Session.open(path, seed=False) as session:
        [listed] = session.triggers.list()
        assert listed.id is not None
        trigger = replace(session.triggers.get(listed.id), url=url)
        change = session.triggers.secrets_change(trigger)
        return change, session.triggers.save(trigger, keep_secrets=keep)


def states(path: Path) -> set[tuple[str, str]]:
    with Session.open(path, seed=False) as session:
        return {(e.secret, e.state) for e in session.secrets.list() if e.kind == "trigger"}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("http://127.0.0.1:{port}/a", "http://127.0.0.1:{other}/a"),
        ("http://127.0.0.1:{port}/a", "https://127.0.0.1:{port}/a"),
        ("http://127.0.0.1:{port}/a", "http://localhost:{port}/a"),
    ],
    ids=["port only", "scheme only", "host only"],
)
def test_a_port_scheme_or_host_change_clears_the_secrets(
    path: Path, receivers: tuple[HttpInbox, HttpInbox], before: str, after: str
) -> None:
    first, second = receivers
    make_trigger(path, before.format(port=first.port, other=second.port))
    change, saved = move(path, after.format(port=first.port, other=second.port))
    assert change is not None and change.secrets == ("header 'X-Api-Key'", "signing secret")  # type: ignore[attr-defined]
    assert saved.headers[0].value == "" and saved.signing_secret == ""
    assert states(path) == {("header", "not set"), ("signing", "not set")}


@pytest.mark.parametrize(
    "after",
    [
        "HTTP://127.0.0.1:{port}/a",
        "http://127.0.0.1:{port}/another/path?x=1",
        "http://127.0.0.1:{port}",
    ],
    ids=["scheme case", "path and query", "no path"],
)
def test_a_change_that_is_not_a_destination_change_keeps_and_sends_the_secrets(
    path: Path, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox], after: str
) -> None:
    first, _ = receivers
    make_trigger(path, f"http://127.0.0.1:{first.port}/a")
    change, saved = move(path, after.format(port=first.port))
    assert change is None and saved.headers[0].value == KEY
    assert saved.id is not None
    assert service.send_test(saved.id, load_sample("shipped")).delivered
    assert first.requests[0].header("X-Api-Key") == KEY and first.requests[0].header("webhook-signature")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("https://hooks.example.com/a", "https://HOOKS.EXAMPLE.COM:443/b"),
        ("https://bücher.example/hook", "https://xn--bcher-kva.example/hook"),
        ("https://XN--BCHER-KVA.example/hook", "https://BÜCHER.example./hook"),
        ("http://[::1]:8080/", "http://[0:0::1]:8080/x"),
    ],
)
def test_idna_case_and_default_port_spellings_are_the_same_destination(
    path: Path, before: str, after: str
) -> None:
    make_trigger(path, before)
    change, saved = move(path, after)
    assert change is None and saved.headers[0].value == KEY and saved.signing_secret == SIGNING
    assert states(path) == {("header", "set"), ("signing", "set")}


def test_keeping_rebinds_to_the_new_destination_and_it_gets_them(
    path: Path, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    first, second = receivers
    make_trigger(path, first.url + "/a")
    change, saved = move(path, second.url + "/a", keep=True)
    assert change is not None and saved.id is not None
    assert states(path) == {("header", "set"), ("signing", "set")}
    assert service.send_test(saved.id, load_sample("shipped")).delivered
    assert second.requests[0].header("X-Api-Key") == KEY


def test_a_retry_to_the_old_url_never_gets_secrets_entered_for_the_new_one(
    path: Path, engine: RenderEngine, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    """A retry waits for the old URL; the trigger moves and gets a new key: the retry must not carry it."""
    old, new = receivers
    trigger = make_trigger(path, old.url + "/a", retry=RetryPolicy.gelato())
    assert trigger.id is not None
    old.set_script(ResponseScript.parse("503, 200"))
    with DeliveryService(lambda: Workspace.open(path, seed=False), engine) as first_run:
        assert first_run.send_test(trigger.id, load_sample("shipped")).outcome is Outcome.RETRYING
    move(path, new.url + "/a")
    with Session.open(path, seed=False) as session:
        session.secrets.set_header(session.triggers.named("Shipped"), "X-Api-Key", "key-for-B-only")
    later = float("inf")
    with DeliveryService(lambda: Workspace.open(path, seed=False), engine, clock=lambda: later) as restarted:
        [attempt] = restarted.resume_pending()
    assert attempt.record.outcome is Outcome.FAILED
    assert "no value for its secret header 'X-Api-Key' and no signing secret" in attempt.record.error
    assert len(old.requests) == 1 and new.requests == [], "the retry was refused, not sent"


def test_resend_after_a_move_is_refused_for_the_missing_secrets(
    path: Path, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    old, new = receivers
    trigger = make_trigger(path, old.url + "/a")
    assert trigger.id is not None
    assert service.send_test(trigger.id, load_sample("shipped")).delivered
    move(path, new.url + "/a")
    with Workspace.open(path, seed=False) as ws:
        [logged] = ws.requests.query()
    assert logged.id is not None
    request_id = logged.id
    [unconfirmed] = service.resend([request_id], SendOptions())
    assert unconfirmed.outcome is Outcome.BLOCKED and "now sends to" in unconfirmed.attempts[0].record.error
    [resent] = service.resend([request_id], SendOptions(to_current_destination=True))
    assert resent.outcome is Outcome.FAILED and new.requests == []
    assert "secrets set --trigger 'Shipped'" in resent.attempts[0].record.error


def test_a_secret_bound_elsewhere_is_never_sent_even_if_it_is_still_stored(
    path: Path, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    """Defence in depth: a path that changed the URL without the policy leaves stale secrets unsent."""
    old, new = receivers
    trigger = make_trigger(path, old.url + "/a")
    with Workspace.open(path, seed=False) as ws:  # the repository alone, past the services' policy
        ws.triggers.save(replace(trigger, url=new.url + "/a", headers=(Header("X-Api-Key", "", True),),
                                 signing_secret=""))
    assert ("header", "stale") in states(path)
    assert trigger.id is not None
    report = service.send_test(trigger.id, load_sample("shipped"))
    assert report.outcome is Outcome.FAILED and new.requests == []


def test_secrets_of_an_upgraded_version_2_file_are_still_sent_to_their_destination(tmp_path: Path) -> None:
    """An old file's secrets have no binding; the upgrade binds them to what they were entered for."""
    path = tmp_path / "ws.sqlite"
    shutil.copyfile(FIXTURES / "workspace_v2.sqlite", path)
    with Workspace.open(path) as ws:
        acme = ws.customers.get_by_name("Acme Prints")
        assert acme is not None and acme.id is not None
        shipped = ws.triggers.get_by_name(acme.id, "Acme shipped")
        assert shipped is not None
        sendable = secret_policy.sendable_trigger(ws, shipped)
        assert sendable.headers[0].value == "legacy-api-key-0001" and sendable.signing_secret == SIGNING
        assert secret_policy.sendable_smtp(ws).password == "legacy-smtp-pass"
        saved, change = secret_policy.save_trigger(ws, replace(shipped, url="https://hooks.acme.example:8443/"))
        assert change is not None and saved.headers[0].value == "" and saved.signing_secret == ""
        assert secret_policy.sendable_smtp(ws).password == "legacy-smtp-pass"


def test_an_email_trigger_keeps_nothing_a_webhook_had(path: Path) -> None:
    make_trigger(path, "https://hooks.example.com/a")
    with Session.open(path, seed=False) as session:
        [trigger] = session.triggers.list()
        session.triggers.save(
            replace(trigger, method=DeliveryMethod.EMAIL, url="", headers=(), signing=False,
                    recipients=("ops@acme.example",), template_id=None, format=OutputFormat.HTML)
        )
        assert session.secrets.list() == []


@pytest.fixture
def mail() -> Iterator[SmtpCatcher]:
    with SmtpCatcher(options=SmtpCatcherOptions(credentials={USER: PASSWORD, "other": PASSWORD})) as server:
        yield server


def smtp_settings(port: int, host: str = "127.0.0.1", user: str = USER) -> SmtpSettings:
    return SmtpSettings("psp@psp.example", "PSP", host, port, user, "", TlsMode.NONE)


@pytest.mark.parametrize(
    ("change", "cleared"),
    [
        ({"host": "127.0.0.1"}, True),
        ({"port": 1}, True),
        ({"username": "other"}, True),
        ({"username": USER.upper()}, True),
        ({"host": "LocalHost."}, False),
        ({"sender_name": "Other name", "tls_mode": TlsMode.STARTTLS}, False),
    ],
    ids=["host", "port", "username", "username case", "host case and dot", "sender and TLS only"],
)
def test_the_smtp_password_is_bound_to_host_port_and_username(
    path: Path, mail: SmtpCatcher, change: dict[str, object], cleared: bool
) -> None:
    with Session.open(path, seed=False) as session:
        session.smtp.set(replace(smtp_settings(mail.port, "localhost"), password=PASSWORD))
        wanted = replace(smtp_settings(mail.port, "localhost"), **change)  # type: ignore[arg-type]
        assert session.smtp.password_for(wanted) == ("" if cleared else PASSWORD)
        change = session.smtp.secrets_change(wanted)
        assert (change is not None) is cleared
        session.smtp.set(wanted)
        assert session.smtp.has_password() is not cleared


def test_a_password_typed_for_the_new_server_is_kept_and_the_sender_refuses_a_missing_one(
    path: Path, service: DeliveryService, mail: SmtpCatcher
) -> None:
    with Session.open(path, seed=False) as session:
        session.smtp.set(replace(smtp_settings(mail.port + 1), password="for-the-old-server"))
        moved = replace(smtp_settings(mail.port), password=PASSWORD)
        assert session.smtp.secrets_change(moved) is None
        session.smtp.set(moved)
        acme = session.customers.save(Customer("Acme"))
        template = session.templates.save(
            Template("mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject="S", body="<p>x</p>")
        )
        trigger = session.triggers.save(
            Trigger("Mail", acme.id or 0, Event.SHIPPED, method=DeliveryMethod.EMAIL,
                    format=OutputFormat.HTML, recipients=("ops@acme.example",), template_id=template.id)
        )
    assert trigger.id is not None
    assert service.send_test(trigger.id, load_sample("shipped")).delivered
    assert mail.wait_for(1) and mail.messages[0].authenticated_as == USER
    with Session.open(path, seed=False) as session:
        session.smtp.set(smtp_settings(mail.port, user="other"), keep_secrets=False)
    report = service.send_test(trigger.id, load_sample("shipped"))
    assert report.outcome is Outcome.FAILED and len(mail.messages) == 1
    assert "log in to 127.0.0.1" in report.attempts[0].record.error
    assert report.attempts[0].record.smtp_transcript == "", "nothing was connected"


def test_export_leaves_url_userinfo_out_and_reimport_keeps_it_only_for_the_same_destination(
    path: Path,
) -> None:
    from postback_studio.core.bundle import dump_document, parse_bundle
    from postback_studio.services.transfer import Action, NoteKind

    make_trigger(path, "https://psp:hunter22@hooks.acme.example/a")
    with Session.open(path, seed=False) as session:
        document = session.transfer.export()
        text = dump_document(document)
        assert "hunter22" not in text and "psp:" not in text
        assert "trigger 'Shipped' of customer 'Acme': user info of the URL" in document["secretsToReenter"]
        plan = session.transfer.apply(parse_bundle(text.encode()))
        [item] = [i for i in plan.items if i.kind == "trigger"]
        assert item.action is Action.UNCHANGED
        assert [n.kind for n in item.notes] == [NoteKind.WARNING], "the user info is still warned about"
        assert session.triggers.named("Shipped").url == "https://psp:hunter22@hooks.acme.example/a"
        assert dump_document(session.transfer.export()) == text, "export, import, export is stable"

        document["triggers"][0]["url"] = "https://hooks.other.example/a"
        plan = session.transfer.apply(parse_bundle(dump_document(document).encode()), dry_run=True)
        [item] = [i for i in plan.items if i.kind == "trigger"]
        [note] = item.notes
        assert item.action is Action.UPDATE and note.kind is NoteKind.SECRETS_CLEARED
        assert str(note) == (
            "secrets cleared for trigger 'Shipped' of customer 'Acme' because its destination changed "
            "(https://hooks.acme.example:443 -> https://hooks.other.example:443): header 'X-Api-Key', "
            "signing secret, user info of the URL"
        )
        assert session.triggers.named("Shipped").url == "https://psp:hunter22@hooks.acme.example/a"
        session.transfer.apply(parse_bundle(dump_document(document).encode()))
        assert session.triggers.named("Shipped").url == "https://hooks.other.example/a"


def test_user_info_over_plain_http_to_another_machine_is_refused_like_a_credential_header() -> None:
    from postback_studio.core.dispatch.plan import WebhookTarget
    from postback_studio.services.delivery.credentials import insecure_credentials

    problem = insecure_credentials(WebhookTarget("http://psp:hunter22@hooks.example.com/a"))
    assert problem.startswith("Not sent: the URL's user info (user name and password) would travel")
    assert "hunter22" not in problem and "http://<redacted>@hooks.example.com/a" in problem
    assert insecure_credentials(WebhookTarget("https://psp:hunter22@hooks.example.com/a")) == ""
    assert insecure_credentials(WebhookTarget("http://psp:hunter22@127.0.0.1:9/a")) == ""
    without_value = WebhookTarget("http://hooks.example.com/a", headers=(Header("X-Api-Key", ""),))
    assert insecure_credentials(without_value) == "", "the missing secret is refused by the dispatcher"
