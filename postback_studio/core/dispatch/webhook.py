"""One webhook attempt: the exact rendered bytes, sent through an injected ``requests.Session``.

The body is handed to requests as bytes and never re-serialised, so what was previewed is what was
sent and a Standard Webhooks signature computed over it verifies at the receiver. Redirects are not
followed (a 3xx is a configuration problem, not a success), the response body is read only up to a
cap so a misbehaving receiver cannot exhaust memory, and network failures come back as a value with a
plain-language diagnosis instead of an exception.

An attempt can be cut off from another thread (:class:`SendStop`): closing a workspace must not wait
for a receiver that holds its answer for the whole read timeout.
"""

from __future__ import annotations

import base64
import binascii
import errno
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3
from standardwebhooks import Webhook

from postback_studio.core.dispatch.transport import SendStop
from postback_studio.core.model import HTTP_METHODS, Header, OutputFormat
from postback_studio.core.url_safety import redact_userinfo, redact_userinfo_in_text
from postback_studio.core.validation import http_header_issues

if TYPE_CHECKING:
    pass

#: Seconds since the epoch, shaped like ``time.time``.
Clock = Callable[[], float]

ALLOWED_METHODS = HTTP_METHODS
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024


class FailureKind(StrEnum):
    """Why no (complete) response arrived."""

    CONNECTION_REFUSED = "connection_refused"
    CONNECTION_RESET = "connection_reset"
    TIMEOUT = "timeout"
    DNS = "dns"
    CERTIFICATE = "certificate"
    INVALID_REQUEST = "invalid_request"
    STOPPED = "stopped"
    OTHER = "other"

    @property
    def transient(self) -> bool:
        """Whether waiting could help: a bad URL or an untrusted certificate stays so on retry."""
        return self not in (FailureKind.INVALID_REQUEST, FailureKind.CERTIFICATE)


@dataclass(frozen=True)
class WebhookRequest:
    """What to send. ``delivery_id`` is the ``webhook-id``: the same for every attempt of a delivery.

    ``signing_secret`` is a Standard Webhooks ``whsec_...`` secret; empty means unsigned.
    """

    url: str
    body: bytes
    method: str = "POST"
    headers: tuple[Header, ...] = ()
    format: OutputFormat = OutputFormat.JSON
    delivery_id: str = ""
    signing_secret: str = ""


@dataclass(frozen=True)
class WebhookOptions:
    """Transport limits: timeouts (seconds) and the response-body cap (bytes).

    ``read_timeout`` bounds each wait for the next bytes; ``body_timeout`` bounds reading the whole
    response body, so a receiver that drips one byte just inside the read timeout cannot hold an
    attempt (and its thread) for days.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    body_timeout: float = 120.0


@dataclass(frozen=True)
class WebhookResult:
    """The outcome of one attempt, as a value that can cross threads.

    ``request_headers`` are the headers as sent, unredacted: redaction happens when the attempt
    becomes a log record. ``failure`` and ``diagnosis`` are set when no complete response arrived;
    ``response_truncated`` when the body exceeded the cap (the status still counts).
    """

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    started_at: float
    duration: float
    status: int | None = None
    reason: str = ""
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    response_truncated: bool = False
    failure: FailureKind | None = None
    error: str = ""
    diagnosis: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx status with a complete response: the only success."""
        return self.failure is None and self.status is not None and 200 <= self.status < 300


class SigningError(ValueError):
    """The body or secret cannot be signed (not UTF-8, or not a valid ``whsec_`` secret)."""


def signature_headers(secret: str, delivery_id: str, timestamp: float, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, computed by the ``standardwebhooks`` library.

    Args:
        secret: ``whsec_`` + base64 key (the prefix is optional).
        delivery_id: The ``webhook-id``; stays the same across retries so receivers can deduplicate.
        timestamp: Seconds since the epoch; the signature covers its whole seconds.
        body: The exact bytes that will be sent.

    Raises:
        SigningError: The secret is not valid base64 or the body is not UTF-8 (the library signs text).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SigningError("the body is not UTF-8, so it cannot be signed") from exc
    if secret.removeprefix("whsec_") == "":
        raise SigningError("the signing secret is missing (not restored from the keyring?)")
    try:
        hook = Webhook(secret)
    except Exception as exc:  # the library raises binascii.Error, EmptyWebhookSecretError, ...
        raise SigningError("the signing secret is not a valid whsec_ secret") from exc
    when = datetime.fromtimestamp(int(timestamp), tz=UTC)
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": hook.sign(msg_id=delivery_id, timestamp=when, data=text),
    }


def signing_secret_problem(secret: str) -> str:
    """Why ``secret`` is not a Standard Webhooks signing secret (``whsec_`` + base64 key), or "".

    Stricter than the library, which ignores characters outside base64: a typo must not sign with
    another key than the receiver's.
    """
    if not secret.startswith("whsec_"):
        return "a Standard Webhooks signing secret starts with whsec_"
    key = secret.removeprefix("whsec_")
    try:
        decoded = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return "the part after whsec_ is not base64"
    if len(decoded) < 16:
        return "the key after whsec_ is shorter than 16 bytes"
    return ""


class WebhookSender:
    """Sends single webhook attempts through one session (one sender per thread).

    Args:
        session: The HTTP session; its adapters decide pooling and trusted CAs (see
            :func:`make_session`).
        options: Timeouts and the response cap.
        clock: Wall clock for ``started_at`` and the signature timestamp.
        monotonic: Interval timer for ``duration``.
        stop: Cuts off the attempt in flight (see :class:`SendStop`); none by default.
    """

    def __init__(
        self,
        session: requests.Session,
        options: WebhookOptions | None = None,
        *,
        clock: Clock = time.time,
        monotonic: Clock = time.perf_counter,
        stop: SendStop | None = None,
    ) -> None:
        self._session = session
        self._options = options or WebhookOptions()
        self._clock = clock
        self._monotonic = monotonic
        self._stop = stop or SendStop()
        self._environment: dict[str, dict[str, Any]] = {}

    def _environment_settings(self, url: str) -> dict[str, Any]:
        """The proxies and CA bundle the environment sets for ``url``'s scheme and host.

        requests reads them from the environment for every request (a walk over every variable,
        a fifth of a millisecond, as much as a quarter of an attempt to a local receiver); they depend
        only on the scheme and the host, and the process's environment does not change under a run,
        so each destination's are read once per sender. What is sent is the same.
        """
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._environment:
            self._environment[key] = dict(self._session.merge_environment_settings(url, {}, True, None, None))
        settings = self._environment[key]
        return {**settings, "proxies": dict(settings["proxies"])}

    def build_headers(self, request: WebhookRequest, timestamp: float) -> dict[str, str]:
        """The headers the request will carry besides those requests adds itself.

        ``Content-Type`` comes from the format unless the trigger sets its own; signature headers come
        last so a trigger header cannot shadow them.

        Raises:
            SigningError: See :func:`signature_headers`.
        """
        headers = {"Content-Type": request.format.content_type}
        for header in request.headers:
            for existing in [k for k in headers if k.lower() == header.name.lower()]:
                del headers[existing]
            headers[header.name] = header.value
        if request.signing_secret:
            headers.update(
                signature_headers(request.signing_secret, request.delivery_id, timestamp, request.body)
            )
        return headers

    def send(self, request: WebhookRequest) -> WebhookResult:
        """Make one attempt; never raises for network, TLS or URL problems."""
        started_at = self._clock()
        start = self._monotonic()
        method = request.method.upper()

        def failed(kind: FailureKind, error: str, diagnosis: str, headers: Any = ()) -> WebhookResult:
            return WebhookResult(
                method=method,
                url=request.url,
                request_headers=tuple(headers),
                request_body=request.body,
                started_at=started_at,
                duration=self._monotonic() - start,
                failure=kind,
                error=error,
                diagnosis=diagnosis,
            )

        if self._stop.stopped:
            return failed(FailureKind.STOPPED, "stopped", "Not sent: the workspace was closing.")
        if method not in ALLOWED_METHODS:
            return failed(
                FailureKind.INVALID_REQUEST,
                f"method {method} is not allowed",
                f"Webhooks are sent with {', '.join(ALLOWED_METHODS)}; choose one of them.",
            )
        refused = [i.message for h in request.headers for i in http_header_issues(h.name, h.value, "")]
        if refused:
            return failed(FailureKind.INVALID_REQUEST, refused[0], f"Not sent: {'; '.join(refused)}.")
        try:
            headers = self.build_headers(request, started_at)
            prepared = self._session.prepare_request(
                requests.Request(method, request.url, headers=headers, data=request.body)
            )
        except SigningError as exc:
            return failed(FailureKind.INVALID_REQUEST, str(exc), f"Not sent: {exc}.")
        except (requests.RequestException, ValueError) as exc:
            return failed(FailureKind.INVALID_REQUEST, str(exc), diagnose_url(request.url, exc))
        sent_headers = tuple((k, str(v)) for k, v in prepared.headers.items())
        settings = self._environment_settings(str(prepared.url))
        with self._stop.sending():
            try:
                response = self._session.send(
                    prepared,
                    timeout=(self._options.connect_timeout, self._options.read_timeout),
                    allow_redirects=False,
                    **settings,
                )
            except (requests.RequestException, OSError) as exc:
                return failed(*self._failure(exc, request.url), sent_headers)
            body, truncated = b"", False
            failure: FailureKind | None = None
            error = diagnosis = ""
            try:
                deadline = self._monotonic() + self._options.body_timeout
                body, truncated = _read_capped(
                    response, self._options.max_response_bytes, deadline, self._monotonic
                )
            except _BodyTooSlowError:
                failure, error = FailureKind.TIMEOUT, "response body timeout"
                diagnosis = (
                    f"The response body was still arriving after {self._options.body_timeout:g} s: the "
                    "server sends it too slowly, so the attempt was stopped."
                )
                response.close()
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                failure, error, diagnosis = self._failure(exc, request.url)
                if failure is not FailureKind.STOPPED:
                    diagnosis = "The response was cut off: " + diagnosis
                response.close()
        return WebhookResult(
            method=method,
            url=request.url,
            request_headers=sent_headers,
            request_body=request.body,
            started_at=started_at,
            duration=self._monotonic() - start,
            status=response.status_code,
            reason=response.reason or "",
            response_headers=tuple(response.headers.items()),
            response_body=body,
            response_truncated=truncated,
            failure=failure,
            error=error,
            diagnosis=diagnosis,
        )


    def _failure(self, exc: BaseException, url: str) -> tuple[FailureKind, str, str]:
        """The kind, error and diagnosis of an exchange that raised ``exc`` (a stop's cut says so)."""
        if self._stop.stopped:
            return FailureKind.STOPPED, "stopped", (
                "The attempt was stopped: the workspace was closed while it was under way; the receiver "
                "may still have acted on it."
            )
        kind, diagnosis = diagnose(exc, url, self._options)
        return kind, _root_cause(exc), diagnosis


class _BodyTooSlowError(Exception):
    """The response body did not arrive completely within ``WebhookOptions.body_timeout``."""


def _read_once(raw: Any) -> bytes:
    """One network read from urllib3 (decoded); other file-likes (test transports) read plainly."""
    if isinstance(raw, urllib3.response.BaseHTTPResponse):
        return bytes(raw.read1(64 * 1024, decode_content=True))
    return bytes(raw.read(64 * 1024))


def _read_capped(
    response: requests.Response, cap: int, deadline: float, monotonic: Clock
) -> tuple[bytes, bool]:
    """Read at most ``cap`` bytes of the body before ``deadline``; close the connection if more was coming.

    ``read1`` makes one network read at a time (each bounded by the read timeout), so the deadline
    is checked between reads however slowly the bytes arrive.
    """
    chunks: list[bytes] = []
    size = 0
    truncated = False
    raw = response.raw
    while True:
        if monotonic() > deadline:
            raise _BodyTooSlowError
        chunk = _read_once(raw)
        if not chunk:
            break
        if size + len(chunk) > cap:
            chunks.append(chunk[: cap - size])
            truncated = True
            break
        chunks.append(chunk)
        size += len(chunk)
    response.close()
    return b"".join(chunks), truncated


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _root_cause(exc: BaseException) -> str:
    """The innermost words of a requests -> urllib3 -> socket chain: ``[Errno 111] Connection refused``.

    requests wraps one socket error in three layers (``HTTPConnectionPool(...): Max retries exceeded
    ... (Caused by NewConnectionError(...))``); the log keeps the part a reader can act on.
    """
    chain = list(_causes(exc))
    for current in reversed(chain):
        if isinstance(current, OSError) and current.strerror:
            return f"[Errno {current.errno}] {current.strerror}" if current.errno else current.strerror
    text = _one_line(chain[-1])
    return text.rsplit(": ", 1)[-1] if "ConnectionPool(" in text else text


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (requests -> urllib3 -> socket/ssl)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for attr in ("reason", "__cause__", "__context__"):
            inner = getattr(current, attr, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))


def diagnose_url(url: str, exc: BaseException) -> str:
    """Plain words for a URL requests refused to send (its user info, a password, redacted).

    The exception's own words go to the log's error detail beside this, so they are not repeated here.
    """
    shown = redact_userinfo(url)
    if not url.lower().startswith(("http://", "https://")):
        return f"The URL {shown!r} cannot be used: it must start with http:// or https://."
    return redact_userinfo_in_text(f"The URL {shown!r} cannot be used: it is not a valid http(s) URL.")


def diagnose(exc: BaseException, url: str, options: WebhookOptions) -> tuple[FailureKind, str]:
    """Map a requests/urllib3/socket exception chain to a failure kind and plain words."""
    chain = list(_causes(exc))
    names = " ".join(type(e).__name__ for e in chain)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in text:
        detail = next(
            (e.verify_message for e in chain if isinstance(e, ssl.SSLCertVerificationError)), "not trusted"
        )
        return FailureKind.CERTIFICATE, (
            f"The server's TLS certificate was rejected ({detail}). If this is your own test server, "
            "add its CA file; otherwise the server's certificate must be fixed."
        )
    if isinstance(exc, requests.exceptions.SSLError) or any(isinstance(e, ssl.SSLError) for e in chain):
        return FailureKind.CERTIFICATE, (
            "The TLS handshake failed. Check that the URL's port really speaks HTTPS (or use http://)."
        )
    if "NameResolutionError" in names or any(isinstance(e, socket.gaierror) for e in chain):
        return FailureKind.DNS, "The host name could not be resolved (DNS). Check the URL for typos."
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return FailureKind.TIMEOUT, (
            f"No connection within {options.connect_timeout:g} s: the host is unreachable or a firewall "
            "drops the traffic."
        )
    if isinstance(exc, requests.exceptions.Timeout) or any(isinstance(e, TimeoutError) for e in chain) or (
        "ReadTimeoutError" in names
    ):
        return FailureKind.TIMEOUT, (
            f"The server accepted the connection but did not answer within {options.read_timeout:g} s."
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or _has_errno(chain, errno.ECONNREFUSED):
        return FailureKind.CONNECTION_REFUSED, (
            "The connection was refused: nothing is listening on that host and port."
        )
    if "BadStatusLine" in names:
        return FailureKind.CONNECTION_RESET, _not_http(chain, url)
    if (
        any(isinstance(e, ConnectionResetError | BrokenPipeError) for e in chain)
        or "RemoteDisconnected" in names
        or "ProtocolError" in names
        or isinstance(exc, requests.exceptions.ChunkedEncodingError)
    ):
        return FailureKind.CONNECTION_RESET, (
            "The server closed or reset the connection before a complete response arrived."
        )
    invalid = (
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
    )
    if isinstance(exc, invalid):
        return FailureKind.INVALID_REQUEST, diagnose_url(url, exc)
    return FailureKind.OTHER, f"The request failed: {_one_line(exc)}."


def _not_http(chain: list[BaseException], url: str) -> str:
    """Words for an answer that is not HTTP; a TLS record (0x15/0x16, 0x03) means an HTTPS port."""
    line = next((str(e.args[0]) for e in chain if type(e).__name__ == "BadStatusLine" and e.args), "")
    if url.lower().startswith("http://") and len(line) >= 2 and line[0] in "\x15\x16" and line[1] == "\x03":
        return "The server answered in TLS, not plain HTTP: the port speaks HTTPS, so use an https:// URL."
    return "The server's answer is not HTTP: check that the URL's host and port belong to the receiver."


def _has_errno(chain: list[BaseException], number: int) -> bool:
    return any(isinstance(e, OSError) and e.errno == number for e in chain)
