"""Is a webhook destination reachable? Name resolution, TCP connection, TLS certificate, in that order.

The help article's troubleshooting asks the integrator to check that the endpoint is reachable before
suspecting the template. Sending a postback to find out would deliver data the receiver then has to
ignore, so this check stops after the TLS handshake: it never sends an HTTP request. Each step is a
value with a plain message, so the trigger form, the CLI and the tests all show the same words.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

#: ``socket.getaddrinfo``'s shape, injectable so tests can pin resolution without a DNS server.
Resolver = Callable[[str, int], list[tuple[str, int]]]


class StepOutcome(StrEnum):
    """How one step of the check ended."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ReachabilityStep:
    """One step of the check (``name`` is what the user sees: "Name resolution", ...)."""

    name: str
    outcome: StepOutcome
    message: str


@dataclass(frozen=True)
class ReachabilityReport:
    """Every step that ran, in order; the first failure ends the check."""

    url: str
    steps: tuple[ReachabilityStep, ...]

    @property
    def reachable(self) -> bool:
        """True when no step failed (a skipped TLS step on plain HTTP is not a failure)."""
        return bool(self.steps) and all(s.outcome is not StepOutcome.FAILED for s in self.steps)

    @property
    def summary(self) -> str:
        """One line for a status label: the verdict, or the message of the step that failed.

        The host and port only: a URL's user info (a password) is not shown.
        """
        if self.reachable:
            return f"Reachable: {urlsplit(self.url).netloc.rpartition('@')[2]} accepts connections."
        failed = next(s for s in self.steps if s.outcome is StepOutcome.FAILED)
        return f"Not reachable ({failed.name.lower()}): {failed.message}"


def system_resolver(host: str, port: int) -> list[tuple[str, int]]:
    """Resolve with the operating system, keeping one entry per address, IPv4 first."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[tuple[str, int]] = []
    for family, _type, _proto, _name, sockaddr in sorted(infos, key=lambda i: i[0] != socket.AF_INET):
        entry = (str(sockaddr[0]), int(sockaddr[1]))
        if family in (socket.AF_INET, socket.AF_INET6) and entry not in addresses:
            addresses.append(entry)
    return addresses


def check_destination(
    url: str,
    timeout: float = 5.0,
    ca_file: str | None = None,
    *,
    resolver: Resolver = system_resolver,
) -> ReachabilityReport:
    """Check that ``url`` could receive a postback, without sending one.

    Args:
        url: The trigger's destination URL (http or https).
        timeout: Seconds allowed for the connection and for the TLS handshake, each.
        ca_file: A PEM bundle to trust instead of the system's CAs (a test or in-house CA).
        resolver: Name resolution; the operating system's unless a test injects its own.

    Returns:
        The report; it never raises for network trouble, because a failure is the answer.
    """
    steps: list[ReachabilityStep] = []
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        return _report(url, steps, "Address", StepOutcome.FAILED, f"not a valid URL ({exc})")
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("http", "https") or not host:
        return _report(url, steps, "Address", StepOutcome.FAILED,
                       "the URL must start with http:// or https:// and name a host")
    port = port or (443 if scheme == "https" else 80)

    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as exc:
        return _report(url, steps, "Name resolution", StepOutcome.FAILED,
                       f"the name '{host}' could not be resolved ({_os_reason(exc)}); check the spelling "
                       "and your DNS or VPN")
    if not addresses:
        return _report(url, steps, "Name resolution", StepOutcome.FAILED,
                       f"the name '{host}' resolves to no address")
    shown = ", ".join(address for address, _ in addresses[:3])
    steps.append(ReachabilityStep("Name resolution", StepOutcome.PASSED, f"{host} resolves to {shown}"))

    connected, connection_message = _connect(addresses, timeout)
    if connected is None:
        return _report(url, steps, "Connection", StepOutcome.FAILED, connection_message)
    steps.append(ReachabilityStep("Connection", StepOutcome.PASSED, connection_message))

    with connected:
        if scheme == "http":
            steps.append(ReachabilityStep(
                "TLS certificate", StepOutcome.SKIPPED,
                "plain http://: no TLS, the postback would travel unencrypted"))
            return ReachabilityReport(url, tuple(steps))
        outcome, message = _handshake(connected, host, timeout, ca_file)
        steps.append(ReachabilityStep("TLS certificate", outcome, message))
    return ReachabilityReport(url, tuple(steps))


def _report(url: str, steps: list[ReachabilityStep], name: str, outcome: StepOutcome,
            message: str) -> ReachabilityReport:
    return ReachabilityReport(url, (*steps, ReachabilityStep(name, outcome, message)))


def _connect(addresses: list[tuple[str, int]], timeout: float) -> tuple[socket.socket | None, str]:
    """Try each address in turn, as browsers do; report the last failure when all fail."""
    failure = ""
    for address, port in addresses:
        where = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        try:
            return socket.create_connection((address, port), timeout=timeout), f"connected to {where}"
        except ConnectionRefusedError:
            failure = f"{where} refused the connection: nothing is listening on port {port}"
        except TimeoutError:
            failure = (f"no answer from {where} within {timeout:g} s: a firewall may be dropping the "
                       "connection")
        except OSError as exc:
            failure = f"could not connect to {where} ({_os_reason(exc)})"
    return None, failure


def _handshake(sock: socket.socket, host: str, timeout: float,
               ca_file: str | None) -> tuple[StepOutcome, str]:
    context = ssl.create_default_context(cafile=ca_file)
    sock.settimeout(timeout)
    try:
        with context.wrap_socket(sock, server_hostname=host) as tls:
            certificate = tls.getpeercert() or {}
            version = tls.version() or "TLS"
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or str(exc)
        return StepOutcome.FAILED, f"the certificate is not trusted: {reason}"
    except ssl.SSLError as exc:
        return StepOutcome.FAILED, f"the TLS handshake failed: {exc.reason or exc}"
    except TimeoutError:
        return StepOutcome.FAILED, f"the TLS handshake did not finish within {timeout:g} s"
    except OSError as exc:
        return StepOutcome.FAILED, f"the connection broke during the TLS handshake ({_os_reason(exc)})"
    issuer = _name_field(certificate.get("issuer", ()), "organizationName") or _name_field(
        certificate.get("issuer", ()), "commonName")
    expires = certificate.get("notAfter", "an unknown date")
    by = f", issued by {issuer}" if issuer else ""
    return StepOutcome.PASSED, f"valid for {host}{by}, expires {expires} ({version})"


def _name_field(name: object, key: str) -> str:
    """Pick ``key`` out of ``getpeercert()``'s nested ``((("commonName", "x"),), ...)`` form."""
    if not isinstance(name, tuple):
        return ""
    for rdn in name:
        for pair in rdn if isinstance(rdn, tuple) else ():
            if isinstance(pair, tuple) and len(pair) == 2 and pair[0] == key:
                return str(pair[1])
    return ""


def _os_reason(exc: BaseException) -> str:
    """``[Errno -2] Name or service not known`` -> ``Name or service not known``."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
