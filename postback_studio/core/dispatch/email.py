"""Emails through smtplib, with the SMTP conversation kept for the request log.

The connection classes subclass ``smtplib.SMTP`` / ``SMTP_SSL`` and hook ``send``/``getreply``: every
command and reply lands in a :class:`Transcript`, except the AUTH secrets and the message body, which
are replaced by placeholders. Failures come back as values with a plain diagnosis ("port 465 expects
implicit TLS", "the server refused the password") rather than smtplib's exception zoo.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path
from typing import Any

from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.core.validation import mail_header_problem

Clock = Callable[[], float]
DEFAULT_SMTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class EmailParts:
    """The rendered email: subject and the HTML and/or text alternative (either may be empty)."""

    subject: str
    html: str = ""
    text: str = ""


class InvalidEmailError(ValueError):
    """The message cannot be built: no body, no recipients, no sender, or a header that is refused."""


#: A line break in a folded header that is not followed by folding whitespace starts a new header.
_HEADER_LINE_BREAK = re.compile(r"[\r\n](?![ \t])")


def header_refusals(settings: SmtpSettings, recipients: tuple[str, ...], subject: str) -> list[str]:
    """Why the headers of this email may not be built, one sentence each (empty: they may).

    The same rule (:func:`~postback_studio.core.validation.mail_header_problem`) the preview and
    the settings and trigger forms apply, here applied to the values actually sent.
    """
    values = [("the subject", subject, "Subject"), ("the sender name", settings.sender_name, "From")]
    values.append(("the sender address", settings.sender_email, "From"))
    values += [(f"the recipient '{r}'", r, "To") for r in recipients]
    refusals = []
    for label, value, header in values:
        problem = mail_header_problem(value, header)
        if problem:
            refusals.append(f"{label} {problem}")
    return refusals


def build_message(
    settings: SmtpSettings, recipients: tuple[str, ...], parts: EmailParts, *, delivery_id: str = ""
) -> EmailMessage:
    """The MIME message: text/plain, text/html, or multipart/alternative with both.

    Every header is made from the literal values (addresses as ``Address`` objects, one per
    recipient) after :func:`header_refusals` has passed them, and the folded result is checked once
    more: a header that would still break onto a new line is refused, never written.

    Raises:
        InvalidEmailError: Both bodies empty, no recipients, the sender/recipients are not addresses,
            or a subject, name or address is refused as a header.
    """
    if not parts.html.strip() and not parts.text.strip():
        raise InvalidEmailError("the email has neither an HTML nor a text body")
    if not recipients:
        raise InvalidEmailError("the email has no recipients")
    if not settings.sender_email:
        raise InvalidEmailError("the SMTP settings have no sender address")
    refusals = header_refusals(settings, recipients, parts.subject)
    if refusals:
        raise InvalidEmailError("; ".join(refusals))
    message = EmailMessage()
    try:
        message["From"] = Address(display_name=settings.sender_name, addr_spec=settings.sender_email)
        message["To"] = tuple(Address(addr_spec=recipient) for recipient in recipients)
    except (ValueError, IndexError) as exc:
        raise InvalidEmailError(f"invalid address: {exc}") from exc
    message["Subject"] = parts.subject
    message["Date"] = formatdate(localtime=False)
    domain = settings.sender_email.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(idstring=delivery_id or None, domain=domain)
    if delivery_id:
        message["X-Postback-Delivery-Id"] = delivery_id
    for name, value in message.items():
        folded = message.policy.fold(name, value)
        if _HEADER_LINE_BREAK.search(folded.rstrip("\r\n")):
            raise InvalidEmailError(f"the {name} header would break onto a new line")
    if parts.text.strip():
        message.set_content(parts.text)
        if parts.html.strip():
            message.add_alternative(parts.html, subtype="html")
    else:
        message.set_content(parts.html, subtype="html")
    return message


class Transcript:
    """The SMTP conversation as lines: ``C:`` client, ``S:`` server, ``*`` notes.

    Secrets never enter it: the AUTH line keeps only the mechanism and each answer to a ``334``
    challenge is written as ``<redacted>``; the message itself becomes ``<message: N bytes>``.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.connected = False
        self.replies = 0
        self.last_code: int | None = None
        self._in_auth = False
        self._in_data = False

    @property
    def text(self) -> str:
        """The conversation, one line each."""
        return "\n".join(self.lines)

    def note(self, text: str) -> None:
        """Something that is not on the wire (connecting, TLS established)."""
        self.lines.append(f"* {text}")

    def sent(self, data: bytes | str) -> None:
        """Record what the client sent, redacted."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if self._in_data:
            self._in_data = False
            self.lines.append(f"C: <message: {len(data)} bytes>")
            return
        line = text.rstrip("\r\n")
        words = line.split(" ")
        if words[0].upper() == "AUTH":
            self._in_auth = True
            line = " ".join(words[:2]) + (" <redacted>" if len(words) > 2 else "")
        elif self._in_auth:
            line = "<redacted>"
        self.lines.append(f"C: {line}")

    def received(self, code: int, message: bytes) -> None:
        """Record one (possibly multi-line) reply."""
        self.replies += 1
        self.last_code = code
        lines = message.decode("utf-8", "replace").split("\n") or [""]
        for index, line in enumerate(lines):
            separator = "-" if index < len(lines) - 1 else " "
            self.lines.append(f"S: {code}{separator}{line}".rstrip())
        self._in_auth = self._in_auth and code == 334
        self._in_data = code == 354


class _Transcribing(smtplib.SMTP):
    """Hooks the wire into a :class:`Transcript`; shared by the plain and implicit-TLS classes."""

    def __init__(self, transcript: Transcript, **kwargs: Any) -> None:
        self.transcript = transcript
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        self.transcript.note(f"connecting to {host}:{port}")
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self.transcript.connected = True
        if isinstance(sock, ssl.SSLSocket):
            self.transcript.note(f"TLS established ({sock.version()})")
        return sock

    def send(self, s: Any) -> None:
        self.transcript.sent(s)
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        code, message = super().getreply()
        self.transcript.received(code, message)
        return code, message

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        reply = super().starttls(*args, **kwargs)
        if isinstance(self.sock, ssl.SSLSocket):
            self.transcript.note(f"TLS established ({self.sock.version()})")
        return reply


class TranscribingSMTP(_Transcribing):
    """``smtplib.SMTP`` (plain or STARTTLS) that writes a transcript."""


class TranscribingSMTPSSL(_Transcribing, smtplib.SMTP_SSL):
    """``smtplib.SMTP_SSL`` (implicit TLS) that writes a transcript."""


#: Opens a connected SMTP client that records into the transcript. Swap it to test the sender.
SmtpFactory = Callable[[SmtpSettings, ssl.SSLContext, float, Transcript], smtplib.SMTP]


def default_smtp_factory(
    settings: SmtpSettings, context: ssl.SSLContext, timeout: float, transcript: Transcript
) -> smtplib.SMTP:
    """Connect with implicit TLS for ``TlsMode.TLS``, in the clear otherwise (STARTTLS comes later).

    The host goes to the constructor, not ``connect()``: smtplib remembers it there for the TLS
    server-name check.
    """
    address = {"host": settings.host, "port": settings.port, "timeout": timeout}
    if settings.tls_mode is TlsMode.TLS:
        return TranscribingSMTPSSL(transcript, context=context, **address)
    return TranscribingSMTP(transcript, **address)


class MissingPasswordError(smtplib.SMTPException):
    """AUTH is configured (a username) but there is no password to send: nothing is connected."""


def password_missing(settings: SmtpSettings) -> str:
    """Why mail cannot be sent with ``settings`` for want of the SMTP password, or "".

    A username means the server wants AUTH; without the password the attempt would log in with an
    empty one (or not at all), so it is refused before connecting, saying what to enter and where.
    """
    if not settings.username or settings.password:
        return ""
    return (
        f"Not sent: the SMTP settings log in to {settings.host}:{settings.port} as '{settings.username}', "
        "but no password is stored for that server and account (the password is cleared when the "
        "server, port or username changes). Enter it in Settings › Outgoing email server, or with: "
        "postback-studio smtp --password-stdin"
    )


class EmailFailure(StrEnum):
    """Why an email attempt failed."""

    INVALID_MESSAGE = "invalid_message"
    WRONG_PORT = "wrong_port"
    CERTIFICATE = "certificate"
    TLS = "tls"
    STARTTLS_UNSUPPORTED = "starttls_unsupported"
    AUTH_UNSUPPORTED = "auth_unsupported"
    AUTH_REFUSED = "auth_refused"
    PASSWORD_MISSING = "password_missing"
    SENDER_REFUSED = "sender_refused"
    RECIPIENT_REFUSED = "recipient_refused"
    CONNECTION_REFUSED = "connection_refused"
    TIMEOUT = "timeout"
    DNS = "dns"
    DISCONNECTED = "disconnected"
    REJECTED = "rejected"
    OTHER = "other"


@dataclass(frozen=True)
class EmailResult:
    """One email attempt (or connection test) as a value.

    ``reply_code`` is the server's answer to the message (or the failing command, or the last reply
    of a connection test). ``transient`` says whether retrying may help (timeouts, 4xx replies, 421);
    a refused password or recipient will be refused again. ``message`` is the exact bytes handed to
    DATA (empty for a test).
    """

    ok: bool
    started_at: float
    duration: float
    transcript: str
    recipients: tuple[str, ...] = ()
    message: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    refused: tuple[tuple[str, int, str], ...] = ()
    reply_code: int | None = None
    failure: EmailFailure | None = None
    transient: bool = False
    error: str = ""
    diagnosis: str = ""


class EmailSender:
    """Sends emails with one set of SMTP settings, one connection per message.

    Args:
        settings: Server, port, TLS mode, credentials and sender.
        factory: Opens the connection (see :data:`SmtpFactory`).
        timeout: Socket timeout in seconds for every step.
        ca_file: Extra CA certificates to trust (a test server), besides the system store.
        clock: Wall clock for ``started_at``.
        monotonic: Interval timer for ``duration``.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        factory: SmtpFactory = default_smtp_factory,
        timeout: float = DEFAULT_SMTP_TIMEOUT,
        ca_file: Path | None = None,
        clock: Clock = time.time,
        monotonic: Clock = time.perf_counter,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._timeout = timeout
        self._ca_file = ca_file
        self._clock = clock
        self._monotonic = monotonic

    @property
    def settings(self) -> SmtpSettings:
        """The settings this sender uses."""
        return self._settings

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self._ca_file is not None:
            context.load_verify_locations(cafile=str(self._ca_file))
        return context

    def _open(self, transcript: Transcript) -> smtplib.SMTP:
        """Connect, EHLO, STARTTLS when asked, and AUTH when a username is set.

        Raises:
            MissingPasswordError: A username without a password; nothing was connected.
        """
        settings = self._settings
        missing = password_missing(settings)
        if missing:
            raise MissingPasswordError(missing)
        context = self._context()
        connection = self._factory(settings, context, self._timeout, transcript)
        try:
            connection.ehlo()
            if settings.tls_mode is TlsMode.STARTTLS:
                connection.starttls(context=context)
                connection.ehlo()
            if settings.username:
                connection.login(settings.username, settings.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def test_connection(self) -> EmailResult:
        """Connect, secure and authenticate without sending: the transcript and a diagnosis."""
        transcript = Transcript()
        started_at, start = self._clock(), self._monotonic()
        try:
            _quit_quietly(self._open(transcript))
        except (smtplib.SMTPException, OSError) as exc:
            return self._failed(exc, transcript, started_at, start)
        return EmailResult(
            ok=True,
            started_at=started_at,
            duration=self._monotonic() - start,
            transcript=transcript.text,
            reply_code=transcript.last_code,
        )

    def send(self, recipients: tuple[str, ...], parts: EmailParts, *, delivery_id: str = "") -> EmailResult:
        """Build and send one message; never raises for SMTP, TLS or network problems."""
        transcript = Transcript()
        started_at, start = self._clock(), self._monotonic()
        try:
            message = build_message(self._settings, recipients, parts, delivery_id=delivery_id)
        except InvalidEmailError as exc:
            return EmailResult(
                ok=False,
                started_at=started_at,
                duration=0.0,
                transcript="",
                recipients=recipients,
                failure=EmailFailure.INVALID_MESSAGE,
                error=str(exc),
                diagnosis=f"Not sent: {exc}.",
            )
        raw = message.as_bytes()
        headers = tuple((k, str(v)) for k, v in message.items())
        try:
            connection = self._open(transcript)
            try:
                refused = connection.send_message(message, self._settings.sender_email, list(recipients))
            except BaseException:
                connection.close()
                raise
            accepted_code = transcript.last_code
            _quit_quietly(connection)
        except (smtplib.SMTPException, OSError) as exc:
            failed = self._failed(exc, transcript, started_at, start)
            return _with_message(failed, recipients, raw, headers)
        refused_rows = tuple((r, code, msg.decode("utf-8", "replace")) for r, (code, msg) in refused.items())
        diagnosis = ""
        if refused_rows:
            diagnosis = "Delivered to some recipients only; refused: " + "; ".join(
                f"{r} ({code} {msg})" for r, code, msg in refused_rows
            )
        return EmailResult(
            ok=not refused_rows,
            started_at=started_at,
            duration=self._monotonic() - start,
            transcript=transcript.text,
            recipients=recipients,
            message=raw,
            headers=headers,
            refused=refused_rows,
            reply_code=accepted_code,
            failure=EmailFailure.RECIPIENT_REFUSED if refused_rows else None,
            error=diagnosis,
            diagnosis=diagnosis,
        )

    def _failed(
        self, exc: BaseException, transcript: Transcript, started_at: float, start: float
    ) -> EmailResult:
        failure, transient, diagnosis = diagnose_smtp(exc, self._settings, transcript, self._timeout)
        code = getattr(exc, "smtp_code", None)
        return EmailResult(
            ok=False,
            started_at=started_at,
            duration=self._monotonic() - start,
            transcript=transcript.text,
            reply_code=code if isinstance(code, int) else transcript.last_code,
            failure=failure,
            transient=transient,
            error=_one_line(exc),
            diagnosis=diagnosis,
        )


def test_connection(settings: SmtpSettings, **kwargs: Any) -> EmailResult:
    """Check SMTP settings without sending: ``EmailSender(settings, **kwargs).test_connection()``."""
    return EmailSender(settings, **kwargs).test_connection()


def _quit_quietly(connection: smtplib.SMTP) -> None:
    """Say QUIT; the message is already accepted, so a failing goodbye is not a failed delivery."""
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _with_message(
    result: EmailResult, recipients: tuple[str, ...], raw: bytes, headers: tuple[tuple[str, str], ...]
) -> EmailResult:
    return replace(result, recipients=recipients, message=raw, headers=headers)


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = f"{exc.smtp_code} {error.decode('utf-8', 'replace') if isinstance(error, bytes) else error}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{r}: {c} {m.decode('utf-8', 'replace')}" for r, (c, m) in exc.recipients.items())
    return " ".join(text.split()) or type(exc).__name__


def diagnose_smtp(
    exc: BaseException, settings: SmtpSettings, transcript: Transcript, timeout: float
) -> tuple[EmailFailure, bool, str]:
    """Map an smtplib/ssl/socket exception to (failure, transient, plain words).

    The transcript tells the stages apart: a timeout or hang-up after the TCP connection but before
    any server line means the port speaks a different TLS mode than the one chosen.
    """
    if isinstance(exc, MissingPasswordError):
        return EmailFailure.PASSWORD_MISSING, False, str(exc)
    where = f"{settings.host}:{settings.port}"
    mode = settings.tls_mode
    no_greeting = transcript.connected and transcript.replies == 0
    if isinstance(exc, ssl.SSLCertVerificationError):
        return EmailFailure.CERTIFICATE, False, (
            f"The certificate of {where} was not trusted ({exc.verify_message}). For a test server, "
            "add its CA file; otherwise the server's certificate must be fixed."
        )
    if isinstance(exc, ssl.SSLError):
        if mode is TlsMode.TLS and transcript.replies == 0:
            return EmailFailure.WRONG_PORT, False, (
                f"Port {settings.port} did not answer with TLS: it probably expects STARTTLS (usually "
                "port 587) or no TLS. Choose STARTTLS, or use the implicit-TLS port (usually 465)."
            )
        return EmailFailure.TLS, False, f"The TLS handshake with {where} failed ({_one_line(exc)})."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc).upper():
            return EmailFailure.STARTTLS_UNSUPPORTED, False, (
                f"{where} does not offer STARTTLS. If it is an implicit-TLS port (465) choose TLS; "
                "choose no TLS only for a local test server."
            )
        return EmailFailure.AUTH_UNSUPPORTED, False, (
            f"{where} does not offer AUTH on this connection. Some servers offer it only after "
            "STARTTLS; otherwise clear the username."
        )
    if transcript.last_code == 421 and transcript.replies > 1:
        return EmailFailure.DISCONNECTED, True, (
            f"The server closed the session mid-way (421): it is busy or rate-limiting. Try again later. "
            f"({_one_line(exc)})"
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return EmailFailure.AUTH_REFUSED, False, (
            f"The server refused the username or password ({_one_line(exc)}). Check both; some "
            "providers require an app password."
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        sender = exc.sender
        return EmailFailure.SENDER_REFUSED, 400 <= exc.smtp_code < 500, (
            f"The server refused the sender {sender} ({_one_line(exc)}). Many servers accept only the "
            "address of the account you authenticate as."
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        transient = all(400 <= code < 500 for code, _ in exc.recipients.values())
        return EmailFailure.RECIPIENT_REFUSED, transient, (
            f"The server refused every recipient: {_one_line(exc)}."
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        if no_greeting and mode is not TlsMode.TLS:
            return _wrong_port_for_plain(settings)
        return EmailFailure.DISCONNECTED, True, f"{where} closed the connection unexpectedly."
    if isinstance(exc, smtplib.SMTPResponseException):
        transient = 400 <= exc.smtp_code < 500
        return EmailFailure.REJECTED, transient, f"The server answered {_one_line(exc)}."
    if isinstance(exc, ConnectionRefusedError):
        return EmailFailure.CONNECTION_REFUSED, True, (
            f"The connection to {where} was refused: nothing listens on that port."
        )
    if isinstance(exc, socket.gaierror):
        return EmailFailure.DNS, True, f"The host name {settings.host!r} could not be resolved (DNS)."
    if isinstance(exc, TimeoutError):
        if no_greeting and mode is not TlsMode.TLS:
            return _wrong_port_for_plain(settings)
        if not transcript.connected:
            return EmailFailure.TIMEOUT, True, f"No connection to {where} within {timeout:g} s."
        return EmailFailure.TIMEOUT, True, f"{where} stopped answering for {timeout:g} s."
    if isinstance(exc, ConnectionResetError):
        return EmailFailure.DISCONNECTED, True, f"{where} reset the connection."
    return EmailFailure.OTHER, True, f"Sending failed: {_one_line(exc)}."


def _wrong_port_for_plain(settings: SmtpSettings) -> tuple[EmailFailure, bool, str]:
    return EmailFailure.WRONG_PORT, False, (
        f"Connected to port {settings.port} but the server sent no greeting: it probably expects "
        "implicit TLS (usually port 465). Choose TLS, or use the STARTTLS port (usually 587)."
    )
