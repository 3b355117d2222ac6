"""Where a secret goes: the destination a stored secret is bound to, as one canonical fingerprint.

A secret is entered for one receiver. A webhook secret (a header marked secret, the signing secret)
is bound to the scheme, host and port of the trigger's URL; the SMTP password to the host, port and
username of the SMTP settings. The path, the query and the URL's user info are not part of it: a
receiver that moves its endpoint to another path on the same host is the same receiver, and a
different port or scheme may be a different program.

Two spellings of one destination have one fingerprint, so only a real change counts: the scheme
and host compare case-insensitively, a default port (80 for http, 443 for https) equals no port,
an internationalised host equals its IDNA (punycode) form (encoded as requests encodes it before
connecting), an IPv6 address equals its compressed form, and a trailing dot of a host name is
dropped. The fingerprint is stored beside each secret; :mod:`postback_studio.services.secret_policy`
compares it with the current destination wherever a secret could leave the machine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import idna

#: The port a URL means when it names none.
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Destination:
    """One receiver of secrets: ``scheme://[username@]host:port`` with every part normalised.

    ``scheme`` is ``http`` or ``https`` for a webhook and ``smtp`` for the SMTP server, whose
    ``username`` is part of the destination (a password belongs to one account).
    """

    scheme: str
    host: str
    port: int
    username: str = ""

    @property
    def fingerprint(self) -> str:
        """The canonical text stored with a secret: ``https://hooks.example.com:443``."""
        user = quote(self.username, safe="") + "@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"

    def __str__(self) -> str:
        return self.fingerprint


def normalise_host(host: str) -> str:
    """A host name or address in the one spelling two equal hosts share (see the module docstring)."""
    host = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).compressed
    except ValueError:
        pass
    host = host.rstrip(".")
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return host.lower()


def webhook_destination(url: str) -> Destination | None:
    """The destination of a webhook URL, or None when the URL names none (not http(s), no host)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return Destination(scheme, normalise_host(parts.hostname), port or DEFAULT_PORTS[scheme])


def smtp_destination(host: str, port: int, username: str) -> Destination | None:
    """The destination of the SMTP password: server, port and account; None without a server."""
    if not host.strip():
        return None
    return Destination("smtp", normalise_host(host), port, username)


def fingerprint(destination: Destination | None) -> str:
    """The stored form of ``destination``; "" for none, which no stored secret is ever bound to."""
    return "" if destination is None else destination.fingerprint


@dataclass(frozen=True)
class DestinationChange:
    """Stored secrets whose destination a save would change: what they belong to and where they go.

    ``owner`` names what holds them (``trigger 'Shipped' of customer 'Acme'``, ``the SMTP
    settings``), ``secrets`` each one (``header 'X-Api-Key'``, ``signing secret``, ``SMTP
    password``), ``before`` what they are bound to ("" when nothing) and ``after`` the new
    destination. ``slots`` are the store's names for them, for the code that clears or rebinds.
    """

    owner: str
    secrets: tuple[str, ...]
    before: str
    after: str
    slots: tuple[str, ...] = ()

    def cleared(self) -> str:
        """The sentence an import, a dry run or a command prints once the secrets are cleared."""
        return (
            f"secrets cleared for {self.owner} because its destination changed "
            f"({self.before or 'none'} -> {self.after or 'none'}): {', '.join(self.secrets)}"
        )

    def kept(self) -> str:
        """The sentence for secrets the user chose to keep for the new destination."""
        return f"secrets of {self.owner} kept for its new destination {self.after}: {', '.join(self.secrets)}"

    def question(self) -> str:
        """What the app asks before it saves the change."""
        return (
            f"The destination of {self.owner} changes from {self.before or 'none'} to "
            f"{self.after or 'none'}. Its stored secrets ({', '.join(self.secrets)}) were entered for the "
            "old destination.\n\nKeep them and send them to the new destination, or clear them "
            "(you enter them again for the new one)?"
        )
