"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import socket
import ssl
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class SmtpSink:
    """Starts and stops on a fixed loopback port (port 0 picks a free one), so it can go down and come back."""

    def __init__(self, *, port: int = 0, tls_cert: Path | None = None, tls_key: Path | None = None,
                 users: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.handler = _Handler()
        self.tls_context: ssl.SSLContext | None = None
        if tls_cert and tls_key:
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls_context.load_cert_chain(tls_cert, tls_key)
        self.users = users
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.users is not None and \
            self.users.get(data.login.decode()) == data.password.decode()
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.tls_context:
            options.update(tls_context=self.tls_context, require_starttls=True)
        if self.users is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", ready_timeout=10, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
