"""Email: Jinja2 templates, validated addresses, sent through the transactional outbox."""

from __future__ import annotations

from connectors.email.connector import EmailConfig, EmailConnector, SendArgs

__all__ = ["EmailConfig", "EmailConnector", "SendArgs"]
