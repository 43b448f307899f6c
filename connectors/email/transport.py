"""Where mail goes: an SMTP server (STARTTLS, auth) or, unconfigured, a local mail folder."""

from __future__ import annotations

import os
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from bot.errors import ConnectorError


class Transport(Protocol):
    async def send(self, message: EmailMessage, *, name: str) -> None: ...


class SmtpTransport:
    """aiosmtplib against the configured server; any failure raises so the outbox retries."""

    def __init__(self, *, host: str, port: int, username: str | None, password: str | None,
                 starttls: bool, cert_bundle: str | None = None, timeout: float = 30.0) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout = starttls, timeout
        self.tls_context = ssl.create_default_context(cafile=cert_bundle) if cert_bundle else None

    async def send(self, message: EmailMessage, *, name: str) -> None:
        try:
            await aiosmtplib.send(
                message, hostname=self.host, port=self.port, username=self.username, password=self.password,
                start_tls=self.starttls, tls_context=self.tls_context if self.starttls else None,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ConnectorError(f"SMTP {self.host}:{self.port}: {exc}") from exc


class MailFolderTransport:
    """Writes each message once as ``<name>.eml``; a second write of the same name is a no-op."""

    def __init__(self, *, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage, *, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{name}.eml"
        if target.exists():
            return
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(tmp, target)
