"""What a trigger URL may hide: a password in its user info, a cloud machine's metadata service.

**User info** (``https://user:password@host/``) is a secret written into the URL. requests sends
it as HTTP Basic authentication; it is kept where the URL is kept (the workspace file, not the
keyring), so the app warns where a URL is entered, leaves it out of every export and redacts it
from the request log and its search index.

**Link-local and metadata addresses** are where a cloud machine answers questions about itself,
credentials included (169.254.169.254 on AWS, Azure, GCP, Oracle and others). A postback aimed
there from a machine in the cloud reads or leaks those. Such a URL is not refused (a test rig may
use a link-local address on purpose) but warned about wherever it is entered or used.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import unquote, urlsplit, urlunsplit

from postback_studio.core.destination import normalise_host
from postback_studio.core.requestlog import REDACTED

#: Networks where a metadata service answers: IPv4 and IPv6 link-local (AWS, Azure, GCP, Oracle,
#: OpenStack and DigitalOcean use 169.254.169.254), AWS's IPv6 endpoint, Alibaba Cloud's address
#: and Oracle Cloud Classic's.
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "169.254.0.0/16",
        "fe80::/10",
        "fd00:ec2::254/128",
        "100.100.100.200/32",
        "192.0.0.192/32",
    )
)
#: Host names that resolve to a metadata service on the cloud that defines them (GCP's two, and
#: the ones EC2's resolver answers).
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)

_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
#: ``scheme://userinfo@`` inside free text (an error message that quotes a URL).
_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#@\[\]]+)@")


def userinfo(url: str) -> str:
    """The user info of ``url`` as written (``user:password``), or "" when it has none."""
    if "@" not in url:
        return ""
    netloc = _netloc(url)
    return netloc.rpartition("@")[0] if "@" in netloc else ""


def without_userinfo(url: str) -> str:
    """``url`` with its user info removed and everything else exactly as written."""
    if not userinfo(url):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def with_userinfo(url: str, info: str) -> str:
    """``url`` (without user info) with ``info`` put back in front of its host."""
    if not info:
        return url
    parts = urlsplit(without_userinfo(url))
    return urlunsplit(parts._replace(netloc=f"{info}@{parts.netloc}"))


def redact_userinfo(url: str) -> str:
    """``url`` with its user info replaced by ``<redacted>``, for the log and its search index."""
    if not userinfo(url):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{REDACTED}@{parts.netloc.rpartition('@')[2]}"))


def redact_userinfo_in_text(text: str) -> str:
    """Every ``scheme://user:password@`` in free text with the user info replaced by ``<redacted>``."""
    if "@" not in text:
        return text
    return _USERINFO_IN_TEXT.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


def userinfo_values(url: str) -> list[str]:
    """The secret strings user info puts into the world: as written, decoded, and the password alone."""
    info = userinfo(url)
    if not info:
        return []
    password = info.partition(":")[2]
    values = {info, unquote(info), password, unquote(password)}
    return sorted((v for v in values if v), key=len, reverse=True)


def _netloc(url: str) -> str:
    try:
        return urlsplit(url.strip()).netloc
    except ValueError:
        return ""


def metadata_address(host: str) -> str:
    """Why ``host`` is a metadata or link-local address, or "" when it is neither.

    Numeric spellings that resolvers accept (``2852039166``, ``0xa9.0xfe.0xa9.0xfe``,
    ``169.254.43518``) and IPv4-mapped IPv6 addresses count as the address they spell.
    """
    name = normalise_host(host)
    if name in METADATA_HOSTS:
        return f"{name} is a cloud metadata service, which serves a cloud machine's metadata"
    address = _address(name)
    if address is None:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for network in METADATA_NETWORKS:
        if address.version == network.version and address in network:
            kind = "link-local" if address.is_link_local else "cloud metadata"
            return f"{address} is a {kind} address, where cloud machines serve their metadata"
    return ""


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(name):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return None
    return None


def url_warnings(url: str) -> list[str]:
    """Warnings about a trigger URL (user info, a metadata address); empty when there are none.

    Warnings, not refusals: the URL can still be saved and used.
    """
    warnings: list[str] = []
    if userinfo(url):
        warnings.append(
            "the URL carries a user name and password (user info): kept in the workspace file as written, "
            "never exported, redacted in the log. A secret Authorization header keeps them in the keyring"
        )
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        host = ""
    reason = metadata_address(host) if host else ""
    if reason:
        warnings.append(
            f"the URL's host {reason} and credentials: a postback sent there from a cloud machine can "
            "read or leak them"
        )
    return warnings
