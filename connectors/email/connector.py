"""EmailConnector: email.send records the mail in the outbox; the worker delivers it once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.errors import ActionRejected, ConfigError
from bot.models import ActionResult, Card
from connectors.base import ActionContext, Connector, ConnectorConfig, action
from connectors.email.message import check_address, clean_header, message_id, to_message
from connectors.email.transport import MailFolderTransport, SmtpTransport, Transport

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
KIND = "email"


class EmailConfig(ConnectorConfig):
    data_dir: Path = Path(".flowdesk")
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_cert_bundle: str | None = None
    email_from: str = "flowdesk@localhost"
    email_allowed_domains: tuple[str, ...] = ()
    email_templates_dir: Path | None = None


class SendArgs(BaseModel):
    """``email.send``: recipients, and either a body or a template with its variables."""

    model_config = ConfigDict(extra="forbid")

    to: list[str] = Field(min_length=1, max_length=50)
    subject: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=100_000)
    template: str = Field(default="message", pattern=r"^[a-z0-9_]+$")
    context: dict[str, Any] = Field(default_factory=dict)

    @field_validator("to", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class EmailConnector(Connector):
    """Sends mail through SMTP or into a local folder, exactly once per send."""

    name = "email"
    Config = EmailConfig
    config: EmailConfig
    outbox_kinds = frozenset({KIND})

    def __init__(self, *, config: ConnectorConfig) -> None:
        super().__init__(config=config)
        sender = self.config.email_from
        if "@" not in sender or _has_control(sender):
            raise ConfigError("FLOWDESK_EMAIL_FROM", f"{sender!r} is not an email address")
        loaders = [str(p) for p in (self.config.email_templates_dir, TEMPLATES) if p]
        self.templates = SandboxedEnvironment(
            loader=FileSystemLoader(loaders), undefined=StrictUndefined,
            autoescape=select_autoescape(["html", "html.j2"]), keep_trailing_newline=True,
        )
        self.transport = self._transport()

    def _transport(self) -> Transport:
        cfg = self.config
        if cfg.smtp_host:
            return SmtpTransport(host=cfg.smtp_host, port=cfg.smtp_port, username=cfg.smtp_username,
                                 password=cfg.smtp_password, starttls=cfg.smtp_starttls,
                                 cert_bundle=cfg.smtp_cert_bundle)
        return MailFolderTransport(folder=cfg.data_dir / "mail")

    @action("email.send", args=SendArgs, confirm=True, ask={"to": "Who should I send it to?"})
    async def send(self, ctx: ActionContext, args: SendArgs) -> ActionResult:
        """Send an email."""
        recipients = [await self._address(ctx, person) for person in args.to]
        payload = self.compose(args, recipients, sender_name=ctx.actor.name or ctx.actor.user)
        key = f"email:{_digest(ctx, args)}"
        payload["message_id"] = message_id(key, self.config.email_from)
        added = await ctx.outbox.enqueue(ctx.session, kind=KIND, key=key, payload=payload)
        return ActionResult(
            action="email.send", summary=f"Email to {', '.join(recipients)} queued: {payload['subject']}",
            data={"to": recipients, "subject": payload["subject"], "message_id": payload["message_id"],
                  "queued": added},
        )

    def preview_send(self, args: SendArgs) -> Card:
        """What the user confirms with Send or Cancel before anything leaves the chat."""
        subject = args.subject or self._render(f"{args.template}.subject.j2", dict(args.context), "")
        body = args.body or self._render(
            f"{args.template}.txt.j2", {"body": "", "sender_name": "you", **args.context}, "")
        return Card(title="Send this email?", fields=(("To", ", ".join(args.to)), ("Subject", subject.strip())),
                    text=body[:1500])

    def compose(self, args: SendArgs, recipients: list[str], *, sender_name: str) -> dict[str, Any]:
        """Rendered subject, plain and HTML parts, validated."""
        variables = {"body": args.body or "", "sender_name": sender_name, **args.context}
        subject = args.subject or self._render(f"{args.template}.subject.j2", variables, "")
        subject = clean_header(subject.strip() or "(no subject)", what="subject")
        text = self._render(f"{args.template}.txt.j2", variables, None)
        html = self._render(f"{args.template}.html.j2", variables, "")
        return {"from": self.config.email_from, "to": recipients, "subject": subject, "text": text, "html": html}

    def _render(self, name: str, variables: Mapping[str, Any], missing: str | None) -> str:
        try:
            template = self.templates.get_template(name)
        except TemplateNotFound:
            if missing is None:
                raise ActionRejected(f"There is no email template {name.split('.')[0]!r}.") from None
            return missing
        try:
            return template.render(**variables)
        except Exception as exc:  # noqa: BLE001 - a template error is the user's to fix, not a crash
            raise ActionRejected(f"The email template {name!r} could not be filled in: {exc}") from None

    async def _address(self, ctx: ActionContext, person: str) -> str:
        if "@" not in person:
            resolved = await ctx.resolve_person(person)
            if not resolved.email:
                raise ActionRejected(f"I don't know an email address for {person}.")
            person = resolved.email
        return check_address(person, allowed_domains=self.config.email_allowed_domains)

    async def deliver(self, kind: str, payload: Mapping[str, Any], *, key: str) -> None:
        """Send one queued mail; raises (and the worker retries later) when the server fails."""
        if kind != KIND:
            await super().deliver(kind, payload, key=key)
            return
        message = to_message(payload)
        await self.transport.send(message, name=hashlib.sha256(key.encode()).hexdigest()[:40])


def _has_control(value: str) -> bool:
    try:
        clean_header(value, what="sender")
    except ActionRejected:
        return True
    return False


def _digest(ctx: ActionContext, args: SendArgs) -> str:
    """The idempotency key of one send: the pipeline's key when it gave one."""
    basis = ctx.idempotency_key or "|".join(
        (ctx.actor.user, ctx.origin.conversation_key, ctx.now.isoformat(), args.model_dump_json())
    )
    return hashlib.sha256(f"{basis}|{args.model_dump_json()}".encode()).hexdigest()[:40]
