"""The credential policy: credentials never travel unencrypted to another machine unless allowed.

Credentials are secret-marked headers and the usual authentication headers (``Authorization``,
``X-API-KEY``, ``Cookie``...) and the URL's user info (sent as Basic authentication) on a webhook,
and the SMTP password on an email. Sending them over plain ``http://`` (or SMTP without TLS) to a
host other than this one is refused unless the user allows it for that one send. The decision is
made here only; every sender (Send Test, Resend, Simulate, the command line) gets it back as a
value, and the app asks its question from that value.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from postback_studio.core.dispatch.delivery import SECRET_HEADER_NAMES
from postback_studio.core.dispatch.plan import WebhookTarget
from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.core.url_safety import redact_userinfo, userinfo


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address is this machine (``localhost``, ``127.x``, ``::1``)."""
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_credentials(target: WebhookTarget) -> str:
    """Why sending ``target`` would expose credentials, or "" when it would not.

    The signing secret is never sent, so it does not count; nor does a secret header without a
    value (the dispatcher refuses that delivery for the missing secret instead).
    """
    parts = urlsplit(target.url)
    if parts.scheme.lower() != "http" or is_loopback_host(parts.hostname or ""):
        return ""
    names = [
        h.name for h in target.headers if (h.secret or h.name.lower() in SECRET_HEADER_NAMES) and h.value
    ]
    what = [f"the header {', '.join(names)}"] if names else []
    if userinfo(target.url):
        what.append("the URL's user info (user name and password)")
    if not what:
        return ""
    return (
        f"Not sent: {' and '.join(what)} would travel unencrypted over plain http:// to "
        f"{redact_userinfo(target.url)}. Use https://, or allow insecure sending explicitly "
        "(--allow-insecure)."
    )


def insecure_smtp(settings: SmtpSettings) -> str:
    """Why sending mail with ``settings`` would expose the SMTP password, or "".

    Without a password nothing is exposed (the email sender refuses for the missing password).
    """
    if not (settings.username and settings.password) or settings.tls_mode is not TlsMode.NONE:
        return ""
    if is_loopback_host(settings.host):
        return ""
    return (
        f"Not sent: SMTP AUTH as '{settings.username}' would send the password unencrypted to "
        f"{settings.host}:{settings.port} (security: none). Use STARTTLS or TLS, or allow insecure "
        "sending explicitly (--allow-insecure)."
    )
