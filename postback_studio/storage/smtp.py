"""The one set of outgoing-mail settings; its password lives in the secret store.

A password that is written is bound to the settings' destination as saved (host, port and
username); whether it follows a changed destination is decided above this layer
(:mod:`postback_studio.services.secret_policy`).
"""

from __future__ import annotations

from postback_studio.core.destination import fingerprint, smtp_destination
from postback_studio.core.errors import raise_if
from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.core.records import StoredSecret
from postback_studio.core.validation import validate_smtp
from postback_studio.storage.repository import Repository
from postback_studio.storage.secrets import smtp_password_key


def destination_of(settings: SmtpSettings) -> str:
    """The fingerprint of the destination the SMTP password goes to ("" without a server)."""
    return fingerprint(smtp_destination(settings.host, settings.port, settings.username))


class SmtpRepository(Repository):
    """The one set of outgoing-mail settings; the password lives in the secret store."""

    table = "smtp"
    what = "SMTP settings"

    def _key(self) -> str:
        return smtp_password_key(self._ws.workspace_id)

    def get(self) -> SmtpSettings:
        """The settings (defaults when never set), password filled in from the secret store."""
        row = self._first("id = 1", ())
        password = self._ws.secrets.get(self._key()) or ""
        if row is None:
            return SmtpSettings(password=password)
        return SmtpSettings(
            sender_email=row["sender_email"],
            sender_name=row["sender_name"],
            host=row["host"],
            port=row["port"],
            username=row["username"],
            password=password,
            tls_mode=TlsMode(row["tls_mode"]),
        )

    def has_password(self) -> bool:
        """Whether a password is stored (without reading it into memory for display)."""
        return bool(self._ws.secrets.get(self._key()))

    def stored_password(self) -> StoredSecret:
        """The password as a stored secret: whether one is stored, and what it is bound to."""
        key = self._key()
        stored = bool(self._ws.secrets.get(key))
        return StoredSecret("password", "SMTP password", stored, self._ws.bindings.get(key))

    def password_binding(self) -> str:
        """The destination the stored password is bound to ("" when none); reads no secret."""
        return self._ws.bindings.get(self._key())

    def bind_password(self, destination: str) -> None:
        """Bind the stored password to ``destination`` (the user kept it for a new server)."""
        with self._ws.transaction():
            self._ws.bindings.set(self._key(), destination)

    def clear_password(self) -> None:
        """Delete the stored password and its binding."""
        with self._ws.transaction():
            self._ws.secrets.delete(self._key())
            self._ws.bindings.delete(self._key())

    def set(self, settings: SmtpSettings, *, keep_password: bool = True) -> SmtpSettings:
        """Save after validation; an empty password keeps the stored one unless ``keep_password`` is False."""
        raise_if(validate_smtp(settings), "SMTP settings")
        with self._ws.transaction():
            self._rows_table.upsert(
                {
                    "id": 1,
                    "sender_email": settings.sender_email,
                    "sender_name": settings.sender_name,
                    "host": settings.host,
                    "port": settings.port,
                    "username": settings.username,
                    "tls_mode": settings.tls_mode.value,
                },
                pk="id",
            )
            if settings.password:
                self._ws.secrets.set(self._key(), settings.password)
                self._ws.bindings.set(self._key(), destination_of(settings))
            elif not keep_password:
                self._ws.secrets.delete(self._key())
                self._ws.bindings.delete(self._key())
        return self.get()

    def is_configured(self) -> bool:
        """True once settings were saved (an email trigger can then send)."""
        return self._first("id = 1 AND host != ''", ()) is not None
