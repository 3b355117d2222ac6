"""What a log entry must not contain, and the cleaning that keeps it out (defence in depth).

The dispatcher already redacts the headers marked secret when it builds an attempt; before an entry
is stored, the log cleans it once more of every secret value it knows: the trigger's secret header
values and signing secret (and, for ``Bearer <token>`` values, the token alone, which receivers
quote back), and the SMTP password. A :class:`Redaction` is built once per delivery from the trigger
the delivery read, and carried with its attempts, so logging an attempt reads no trigger again.
The user info of the attempt's URL (``https://user:password@host/``) is a secret too: it is
redacted from every entry, whoever sent it, so neither the log nor its search index holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from postback_studio.core.model import Trigger
from postback_studio.core.requestlog import REDACTED, RequestRecord
from postback_studio.core.url_safety import redact_userinfo, redact_userinfo_in_text, userinfo_values

_AUTH_SCHEME = re.compile(r"^[A-Za-z][\w-]*\s+(\S.*)$")
#: Shorter values are not looked for in free text: "abc" would blank every word that contains it.
_MIN_SECRET = 4


def credential_forms(value: str) -> list[str]:
    """A secret value as stored and without surrounding whitespace, and for ``Bearer <token>``-style
    values the token alone.

    A receiver quoting the token back (``WWW-Authenticate: Bearer error=<token>``) would otherwise
    bring it into the log without the scheme word in front, where the whole value does not match;
    and HTTP strips the whitespace around a header value, so a value stored with a trailing space
    comes back without it.
    """
    stripped = value.strip()
    match = _AUTH_SCHEME.match(stripped)
    forms = [value, stripped, match.group(1)] if match else [value, stripped]
    return sorted(set(forms), key=len, reverse=True)


@dataclass(frozen=True)
class Redaction:
    """The secret values to blank out of a log entry, and the header names whose values are secret."""

    values: tuple[str, ...] = ()
    header_names: frozenset[str] = frozenset()

    @classmethod
    def of_trigger(cls, trigger: Trigger) -> Redaction:
        """What ``trigger`` (read with its secrets) must never leave in the log."""
        values = [h.value for h in trigger.headers if h.secret and h.value]
        if trigger.signing_secret:
            values.append(trigger.signing_secret)
        values += userinfo_values(trigger.url)
        return cls(tuple(values), frozenset(h.name.lower() for h in trigger.headers if h.secret))

    def with_values(self, values: Iterable[str]) -> Redaction:
        """This redaction and ``values`` (the SMTP password) too."""
        return replace(self, values=(*self.values, *values))

    def apply(self, record: RequestRecord) -> RequestRecord:
        """``record`` with every known secret replaced by ``<redacted>``.

        The response body is cleaned too (a receiver that refuses a key often quotes it back); the
        request body stays the exact bytes sent (templates cannot read secrets).
        """
        secrets = sorted(
            {
                s
                for v in (*self.values, *userinfo_values(record.target))
                for s in credential_forms(v)
                if len(s) >= _MIN_SECRET
            },
            key=len,
            reverse=True,
        )
        names = self.header_names
        target, error = redact_userinfo(record.target), redact_userinfo_in_text(record.error)
        if (target, error) != (record.target, record.error):
            record = replace(record, target=target, error=error)
        if not secrets and not names:
            return record

        def clean(text: str) -> str:
            for secret in secrets:
                text = text.replace(secret, REDACTED)
            return text

        def clean_bytes(data: bytes) -> bytes:
            for secret in secrets:
                data = data.replace(secret.encode("utf-8"), REDACTED.encode("utf-8"))
            return data

        def headers(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
            return tuple((k, REDACTED if k.lower() in names else clean(v)) for k, v in pairs)

        return replace(
            record,
            request_headers=headers(record.request_headers),
            response_headers=headers(record.response_headers),
            response_body=clean_bytes(record.response_body),
            error=clean(record.error),
            smtp_transcript=clean(record.smtp_transcript),
            processing=clean(record.processing),
        )
