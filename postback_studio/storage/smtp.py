"""The one set of outgoing-mail settings; its password lives in the secret store."""

from __future__ import annotations

from postback_studio.core.errors import raise_if
from postback_studio.core.model import SmtpSettings, TlsMode
from postback_studio.core.validation import validate_smtp
from postback_studio.storage.repository import Repository


class SmtpRepository(Repository):
    """The one set of outgoing-mail settings; the password lives in the secret store."""

    table = "smtp"
    what = "SMTP settings"

    def _key(self) -> str:
        return f"{self._ws.workspace_id}/smtp/password"

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
            elif not keep_password:
                self._ws.secrets.delete(self._key())
        return self.get()

    def is_configured(self) -> bool:
        """True once settings were saved (an email trigger can then send)."""
        return self._first("id = 1 AND host != ''", ()) is not None
