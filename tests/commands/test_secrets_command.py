"""``postback-studio secrets set | list | clear`` on a real (seeded) workspace, with both secret stores,
and the command line's warnings about URLs with user info or a metadata address."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from postback_studio.core.dispatch.inbox import HttpInbox
from postback_studio.services.session import Session
from tests.security.cli import run_cli
from tests.storage.conftest import MemoryKeyring, memory_keyring

__all__ = ["memory_keyring"]

TRIGGER = "Order shipped to local inbox"
SIGNING = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(params=["workspace", "keyring"])
def store(request: pytest.FixtureRequest) -> str:
    if request.param == "keyring":
        request.getfixturevalue("memory_keyring")
    return str(request.param)


@pytest.fixture
def path(tmp_path: Path, store: str) -> Path:
    target = tmp_path / "ws.sqlite"
    Session.open(target).close()  # seeded: the demo customer and its triggers
    return target


@pytest.fixture
def inbox() -> Iterator[HttpInbox]:
    with HttpInbox() as server:
        yield server


def cli(path: Path, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> (
    tuple[int, str, str]
):
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_cli("--workspace", str(path), *args)


def aim(path: Path, url: str) -> None:
    with Session.open(path) as session:
        trigger = session.triggers.named(TRIGGER)
        session.triggers.save(replace(trigger, url=url))


def test_set_adds_a_secret_header_and_the_signing_secret_bound_to_the_trigger_and_they_are_sent(
    path: Path, store: str, inbox: HttpInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    aim(path, inbox.url + "/hook")
    code, out, err = cli(path, "secrets", "set", "--trigger", TRIGGER, "--header", "X-Api-Key",
                         stdin="tok-0001\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert out == (
        f"stored the header 'X-Api-Key' (marked secret) of trigger '{TRIGGER}' of customer 'Demo Print Co' "
        f"in the {store}, bound to http://127.0.0.1:{inbox.port}\n"
    )
    # Replacing: the same header (any case) gets the new value, still one header.
    assert cli(path, "secrets", "set", "--trigger", TRIGGER, "--customer", "Demo Print Co", "--header",
               "x-api-key", stdin="tok-0002\r\n", monkeypatch=monkeypatch)[0] == 0
    assert cli(path, "secrets", "set", "--trigger", TRIGGER, "--signing", stdin=SIGNING,
               monkeypatch=monkeypatch)[0] == 0
    with Session.open(path) as session:
        trigger = session.triggers.get(session.triggers.named(TRIGGER).id or 0)
    assert [(h.name, h.value, h.secret) for h in trigger.headers] == [("X-Api-Key", "tok-0002", True)]
    assert trigger.signing and trigger.signing_secret == SIGNING
    assert cli(path, "send", "--trigger", TRIGGER)[0] == 0
    [received] = inbox.requests
    assert received.header("X-Api-Key") == "tok-0002"
    Webhook(SIGNING).verify(received.body, {k.lower(): v for k, v in received.headers})


def test_list_shows_names_stores_and_bindings_never_values(
    path: Path, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    aim(path, "https://Hooks.Acme.example/postbacks")
    cli(path, "secrets", "set", "--trigger", TRIGGER, "--header", "Authorization",
        stdin="Bearer never-printed-88\n", monkeypatch=monkeypatch)
    code, out, _err = cli(path, "secrets", "list")
    assert code == 0 and "never-printed-88" not in out
    assert (
        f"trigger\tDemo Print Co\t{TRIGGER}\theader Authorization\tset\t{store}\t"
        "bound to https://hooks.acme.example:443\n"
    ) in out
    assert cli(path, "secrets")[1] == out, "list is the default action"
    code, out, _err = cli(path, "secrets", "list", "--json")
    rows = json.loads(out)
    assert "never-printed-88" not in out
    assert {
        "kind": "trigger", "customer": "Demo Print Co", "trigger": TRIGGER, "secret": "header",
        "header": "Authorization", "state": "set", "store": store,
        "bound_to": "https://hooks.acme.example:443", "destination": "https://hooks.acme.example:443",
    } in rows
    assert [r["kind"] for r in rows if r["secret"] == "password"] == ["smtp"]
    assert cli(path, "secrets", "--json")[1] == out, "the default action takes its --json, as the README says"


def test_clear_deletes_the_values_and_keeps_the_headers_marked_secret(
    path: Path, store: str, inbox: HttpInbox, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    aim(path, inbox.url + "/hook")
    cli(path, "secrets", "set", "--trigger", TRIGGER, "--header", "X-Api-Key", stdin="tok\n",
        monkeypatch=monkeypatch)
    cli(path, "secrets", "set", "--trigger", TRIGGER, "--signing", stdin=SIGNING + "\n",
        monkeypatch=monkeypatch)
    code, out, _err = cli(path, "secrets", "clear", "--trigger", TRIGGER)
    assert code == 0
    assert out == (
        f"cleared the header 'X-Api-Key', signing secret of trigger '{TRIGGER}' of customer 'Demo Print Co'\n"
    )
    assert cli(path, "secrets", "clear", "--trigger", TRIGGER)[1].endswith("had no stored secret\n")
    if store == "keyring":
        keyring: MemoryKeyring = request.getfixturevalue("memory_keyring")
        assert "tok" not in keyring.store.values() and SIGNING not in keyring.store.values()
    code, _out, _err = cli(path, "send", "--trigger", TRIGGER)
    assert code == 1 and inbox.requests == []
    assert "secrets set --trigger" in json.loads(cli(path, "log", "--json")[1])[0]["error"]
    assert cli(path, "secrets", "clear", "--smtp")[1] == "no SMTP password was stored\n"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--header", "X-Api-Key"), "", "nothing on stdin"),
        (("--header", "X-Api-Key"), "\n", "nothing on stdin"),
        (("--header", "X-Api-Key"), "tok\nsecond\n", "more than one line"),
        (("--header", "X-Api-Key"), "to\rk\n", "more than one line"),
        (("--header", "X-Api-Key"), " tok\n", "must not start or end with whitespace"),
        (("--header", "X-Api-Key"), "tok\u2028en\n", "U+2028"),
        (("--header", "X-Api-Key"), "tok€n\n", "ISO-8859-1"),
        (("--header", "Host"), "evil.example\n", "'Host' may not be set"),
        (("--header", "X Api"), "tok\n", "not a valid header name"),
        (("--signing",), "not-a-secret\n", "starts with whsec_"),
        (("--signing",), "whsec_not-base64!\n", "is not base64"),
        (("--signing",), "whsec_\n", "shorter than 16 bytes"),
    ],
)
def test_set_refuses_values_that_cannot_be_a_secret_with_exit_2(
    path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], stdin: str, message: str
) -> None:
    code, out, err = cli(path, "secrets", "set", "--trigger", TRIGGER, *args, stdin=stdin,
                         monkeypatch=monkeypatch)
    assert code == 2 and out == "" and message in err
    assert err.startswith("postback-studio: secrets: ") and "tok" not in err.replace("X-Api-Key", "")
    with Session.open(path) as session:
        assert all(e.state == "not set" for e in session.secrets.list())


def test_set_refuses_unknown_triggers_and_email_triggers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _out, err = cli(path, "secrets", "set", "--trigger", "Nope", "--signing", stdin=SIGNING,
                          monkeypatch=monkeypatch)
    assert code == 2 and "no trigger named 'Nope'" in err
    code, _out, err = cli(path, "secrets", "set", "--trigger", "Order shipped email", "--header", "X-K",
                          stdin="v\n", monkeypatch=monkeypatch)
    assert code == 2 and "sends email" in err
    with pytest.raises(SystemExit) as usage:
        cli(path, "secrets", "set", "--trigger", TRIGGER)
    assert usage.value.code == 2, "--header or --signing is required"


def test_userinfo_in_a_trigger_url_is_warned_about_sent_as_basic_auth_and_redacted_in_log_and_output(
    path: Path, inbox: HttpInbox
) -> None:
    aim(path, f"http://psp:Url-Pass-31x@127.0.0.1:{inbox.port}/hook")
    code, out, err = cli(path, "send", "--trigger", TRIGGER)
    assert code == 0 and "warning: the URL carries a user name and password" in err
    assert (inbox.requests[0].header("Authorization") or "").startswith("Basic ")
    for args in (("log", "--json"), ("log", "show", "1"), ("log",), ("triggers",), ("triggers", "--json"),
                 ("export",)):
        code, out, err = cli(path, *args)
        assert code == 0 and "Url-Pass-31x" not in out + err, args
    assert f"http://<redacted>@127.0.0.1:{inbox.port}/hook" in cli(path, "log")[1]
    assert "Url-Pass-31x" not in cli(path, "send", "--trigger", TRIGGER)[1]


def test_metadata_addresses_are_warned_about_in_send_and_import(path: Path, tmp_path: Path) -> None:
    template = tmp_path / "t.json.j2"
    template.write_text('{"id": "{{ orderId }}"}', encoding="utf-8")
    # Plain http to another machine with a credential: blocked before anything leaves this machine.
    code, _out, err = cli(path, "send", "--template", str(template), "--event", "shipped", "--url",
                          "http://169.254.169.254/latest/meta-data/", "--header", "X-Api-Key: k")
    assert code == 1
    assert "warning: the URL's host 169.254.169.254 is a link-local address" in err
    bundle = json.loads(cli(path, "export")[1])
    [hook] = [t for t in bundle["triggers"] if t["name"] == TRIGGER]
    hook["url"] = "http://metadata.google.internal/computeMetadata/v1/"
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(bundle), encoding="utf-8")
    code, out, _err = cli(path, "import", str(moved), "--dry-run")
    assert code == 0
    assert (
        f"    warning: trigger '{TRIGGER}' of customer 'Demo Print Co': the URL's host "
        "metadata.google.internal is a cloud metadata service"
    ) in out
