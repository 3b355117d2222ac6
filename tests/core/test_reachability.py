"""The destination check against servers on 127.0.0.1 that the tests start."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from postback_studio.core.reachability import StepOutcome, check_destination
from tests.support.ports import refused_port as held_refused_port


@pytest.fixture
def plain_port() -> Iterator[int]:
    """A listening TCP socket; the kernel completes the handshake without an accept() call."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port nothing listens on, so the kernel answers RST; held bound until the test ends."""
    with held_refused_port() as port:
        yield port


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_port(ca: trustme.CA) -> Iterator[int]:
    """A TLS server for ``localhost`` whose certificate the test CA signed; one handshake per client."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() so the thread ends now
    server.close()
    thread.join(timeout=5)


def _local(host: str, port: int) -> list[tuple[str, int]]:
    return [("127.0.0.1", port)]


def test_plain_http_server_is_reachable_and_tls_is_skipped(plain_port: int) -> None:
    report = check_destination(f"http://127.0.0.1:{plain_port}/hook", timeout=5)
    assert report.reachable
    assert [s.outcome for s in report.steps] == [StepOutcome.PASSED, StepOutcome.PASSED, StepOutcome.SKIPPED]
    assert "unencrypted" in report.steps[2].message
    assert report.summary.startswith("Reachable")


def test_the_summary_does_not_show_user_info(plain_port: int) -> None:
    report = check_destination(f"http://psp:hunter22@127.0.0.1:{plain_port}/hook", timeout=5)
    assert report.summary == f"Reachable: 127.0.0.1:{plain_port} accepts connections."


def test_refused_port_says_nothing_listens(refused_port: int) -> None:
    report = check_destination(f"http://127.0.0.1:{refused_port}/", timeout=5)
    assert not report.reachable
    assert report.steps[-1].name == "Connection"
    assert "refused" in report.steps[-1].message
    assert f"port {refused_port}" in report.summary


def test_invalid_host_fails_at_name_resolution() -> None:
    report = check_destination("https://receiver.example.invalid/hook", timeout=5)
    assert [s.name for s in report.steps] == ["Name resolution"]
    assert "receiver.example.invalid" in report.steps[0].message


def test_tls_certificate_is_verified_against_the_given_ca(tls_port: int, ca: trustme.CA,
                                                           tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    report = check_destination(f"https://localhost:{tls_port}/", timeout=5, ca_file=str(ca_file),
                               resolver=_local)
    assert report.reachable, report.steps
    assert report.steps[-1].name == "TLS certificate"
    assert "valid for localhost" in report.steps[-1].message


def test_untrusted_certificate_fails_the_tls_step(tls_port: int) -> None:
    report = check_destination(f"https://localhost:{tls_port}/", timeout=5, resolver=_local)
    assert not report.reachable
    assert report.steps[-1].name == "TLS certificate"
    assert "not trusted" in report.steps[-1].message


@pytest.mark.parametrize("url", ["ftp://example.com/", "not a url", "https://", "http://[::1"])
def test_unusable_urls_fail_before_any_network_step(url: str) -> None:
    report = check_destination(url, resolver=lambda h, p: pytest.fail("resolved"))
    assert [s.name for s in report.steps] == ["Address"]
    assert not report.reachable
