"""The destination a secret is bound to, and what a trigger URL may hide (user info, metadata hosts)."""

from __future__ import annotations

import pytest

from postback_studio.core.destination import (
    DestinationChange,
    fingerprint,
    smtp_destination,
    webhook_destination,
)
from postback_studio.core.url_safety import (
    metadata_address,
    redact_userinfo,
    redact_userinfo_in_text,
    url_warnings,
    userinfo,
    userinfo_values,
    with_userinfo,
    without_userinfo,
)


def hook(url: str) -> str:
    return fingerprint(webhook_destination(url))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://hooks.example.com/a", "HTTPS://HOOKS.Example.COM/b?x=1"),
        ("https://hooks.example.com/a", "https://hooks.example.com:443/a"),
        ("http://hooks.example.com/a", "http://hooks.example.com:80/a"),
        ("https://bücher.example/hook", "https://xn--bcher-kva.example/hook"),
        ("https://BÜCHER.example/hook", "https://xn--bcher-kva.example/hook"),
        ("https://hooks.example.com./a", "https://hooks.example.com/a"),
        ("http://[::1]:8080/", "http://[0:0:0:0:0:0:0:1]:8080/other"),
        ("https://user:pw@hooks.example.com/a", "https://hooks.example.com/a"),
    ],
)
def test_spellings_of_one_destination_have_one_fingerprint(first: str, second: str) -> None:
    assert hook(first) == hook(second) != ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://hooks.example.com/a", "https://hooks.example.com:8443/a"),
        ("https://hooks.example.com/a", "http://hooks.example.com/a"),
        ("http://hooks.example.com/a", "http://hooks.example.com:443/a"),
        ("https://hooks.example.com/a", "https://hooks.example.org/a"),
        ("https://hooks.example.com/a", "https://evil.hooks.example.com/a"),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8002/"),
    ],
)
def test_another_scheme_host_or_port_is_another_destination(first: str, second: str) -> None:
    assert hook(first) != hook(second)


def test_fingerprints_read_as_urls_and_a_url_without_a_destination_has_none() -> None:
    assert hook("https://Hooks.Example.com/postbacks") == "https://hooks.example.com:443"
    assert hook("http://[::1]:8080/") == "http://[::1]:8080"
    for bad in ("", "ftp://x.example/", "https:///nohost", "http://host:99999999/", "not a url"):
        assert hook(bad) == ""


def test_smtp_destination_is_host_port_and_username() -> None:
    base = fingerprint(smtp_destination("smtp.example.com", 587, "ops@psp.example"))
    assert base == "smtp://ops%40psp.example@smtp.example.com:587"
    assert fingerprint(smtp_destination("SMTP.Example.com.", 587, "ops@psp.example")) == base
    assert fingerprint(smtp_destination("smtp.example.com", 465, "ops@psp.example")) != base
    assert fingerprint(smtp_destination("smtp.example.com", 587, "other@psp.example")) != base
    assert fingerprint(smtp_destination("mail.example.com", 587, "ops@psp.example")) != base
    assert smtp_destination(" ", 587, "ops") is None


def test_change_sentences_name_owner_secrets_and_both_destinations() -> None:
    change = DestinationChange(
        "trigger 'Shipped' of customer 'Acme'", ("header 'X-Api-Key'", "signing secret"),
        "https://a.example:443", "https://b.example:443",
    )
    assert change.cleared() == (
        "secrets cleared for trigger 'Shipped' of customer 'Acme' because its destination changed "
        "(https://a.example:443 -> https://b.example:443): header 'X-Api-Key', signing secret"
    )
    assert "https://b.example:443" in change.kept() and "Keep them" in change.question()


def test_userinfo_is_found_removed_restored_and_redacted() -> None:
    url = "https://psp:s3cr%40t@hooks.example.com:8443/p?q=a@b#f"
    assert userinfo(url) == "psp:s3cr%40t"
    assert without_userinfo(url) == "https://hooks.example.com:8443/p?q=a@b#f"
    assert with_userinfo(without_userinfo(url), "psp:s3cr%40t") == url
    assert redact_userinfo(url) == "https://<redacted>@hooks.example.com:8443/p?q=a@b#f"
    assert set(userinfo_values(url)) == {"psp:s3cr%40t", "psp:s3cr@t", "s3cr%40t", "s3cr@t"}
    plain = "https://hooks.example.com/p?from=ops@psp.example"
    assert userinfo(plain) == "" and redact_userinfo(plain) == plain and userinfo_values(plain) == []
    text = f"Connection to {url} failed; mail ops@psp.example; see http://u:p@127.0.0.1:1/x"
    assert redact_userinfo_in_text(text) == (
        "Connection to https://<redacted>@hooks.example.com:8443/p?q=a@b#f failed; mail ops@psp.example; "
        "see http://<redacted>@127.0.0.1:1/x"
    )


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "169.254.1.1",
        "[fd00:ec2::254]",
        "[fe80::1]",
        "[::ffff:169.254.169.254]",
        "2852039166",
        "0xa9fea9fe",
        "0xa9.0xfe.0xa9.0xfe",
        "169.254.43518",
        "100.100.100.200",
        "192.0.0.192",
        "metadata.google.internal",
        "METADATA.Google.Internal.",
        "metadata.goog",
        "instance-data.ec2.internal",
    ],
)
def test_link_local_and_metadata_hosts_are_warned_about(host: str) -> None:
    [warning] = url_warnings(f"http://{host}/latest/meta-data/")
    assert "metadata" in warning and "can read or leak" in warning
    assert metadata_address(host.strip("[]"))


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "hooks.example.com", "10.0.0.5", "[::1]", "169.255.0.1", "cafe.example", "1.2.3.4"]
)
def test_ordinary_hosts_get_no_warning(host: str) -> None:
    assert url_warnings(f"https://{host}/hook") == []


def test_userinfo_is_warned_about_without_quoting_it() -> None:
    [warning] = url_warnings("https://psp:hunter22@hooks.example.com/")
    assert "user name and password" in warning and "hunter22" not in warning
    assert len(url_warnings("http://u:p@169.254.169.254/")) == 2
