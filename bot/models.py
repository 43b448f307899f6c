"""Platform-neutral contracts that flow through the pipeline.

Platform event -> ``Message`` -> ``Parse`` -> ``Action`` -> ``ActionResult`` -> ``Reply``.
This is a leaf module (pydantic only): adapters, NLU and connectors all import it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["slack", "teams", "console", "cli", "test"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Mention(_Frozen):
    """A person mentioned in a message, as the platform identified them."""

    id: str
    name: str | None = None


class Address(_Frozen):
    """Where a reply or notice goes: a thread, a channel, or one person.

    ``ref`` carries opaque platform data the adapter needs to reach the place
    later (a Teams conversation reference, a Slack response_url); only the
    adapter that wrote it reads it.
    """

    platform: str
    workspace: str = ""
    channel: str = ""
    thread: str | None = None
    user: str | None = None
    ref: dict[str, Any] = Field(default_factory=dict)

    @property
    def conversation_key(self) -> str:
        """Stable key of the conversation thread this address names."""
        return "|".join((self.platform, self.workspace, self.channel, self.thread or ""))


class Attachment(_Frozen):
    """A file shared with the bot (Slack file, Teams attachment, console upload).

    Only the adapter that made it may fetch ``url`` (with the platform's own
    authentication); a surface that already holds the bytes (the console upload)
    puts them in ``content``. ``size`` and ``mime_type`` are what the platform
    declared: readers check the bytes themselves and never trust either.
    In JSON, ``content`` travels as base64.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    name: str
    mime_type: str = "application/octet-stream"
    size: int | None = None
    id: str = ""
    url: str | None = None
    content: bytes | None = Field(default=None, repr=False)


class Message(_Frozen):
    """One thing a person said to the bot, whatever the platform."""

    platform: str
    workspace: str = ""
    channel: str = ""
    thread: str | None = None
    id: str = ""
    user: str
    user_name: str | None = None
    text: str
    mentions: tuple[Mention, ...] = ()
    ref: dict[str, Any] = Field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    """Files shared with the message; empty for plain text."""

    def address(self) -> Address:
        """The thread this message belongs to (a new thread starts at the message itself)."""
        return Address(
            platform=self.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=self.thread or self.id or None,
            user=self.user,
            ref=self.ref,
        )


class Interaction(_Frozen):
    """A click on a button the bot rendered (Approve, Reject, Send, Cancel, ...)."""

    platform: str
    workspace: str = ""
    channel: str = ""
    thread: str | None = None
    user: str
    user_name: str | None = None
    action_id: str
    value: str = ""
    message_id: str = ""
    delivery_id: str = ""
    ref: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, str] = Field(default_factory=dict)
    """What the person typed in the card's inputs (``Input.name`` -> text) when clicking."""

    def address(self) -> Address:
        return Address(
            platform=self.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=self.thread,
            user=self.user,
            ref=self.ref,
        )


class Action(_Frozen):
    """A structured request: the intent name and its validated arguments."""

    type: str
    args: dict[str, Any] = Field(default_factory=dict)


class Parse(_Frozen):
    """What the NLU read in a message."""

    intent: str
    confidence: float
    args: dict[str, Any] = Field(default_factory=dict)
    text: str | None = None
    """A generated reply, when the NLU has one (used for help and small talk)."""
    alternatives: tuple[tuple[str, float], ...] = ()


ButtonStyle = Literal["primary", "danger", "default"]


class Button(_Frozen):
    """A button; ``action_id`` names the action a click runs and ``value`` its JSON arguments."""

    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = "default"


class Input(_Frozen):
    """A one-line text box on a card, filled in with ``value``; a click sends what it holds then."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""


class Card(_Frozen):
    """A rich message that adapters render natively (Block Kit, Adaptive Cards, HTML).

    ``inputs`` are editable (a receipt's amount, currency, merchant, date): a click
    on any button carries their text as ``Interaction.fields``.
    """

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    text: str = ""
    inputs: tuple[Input, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""


class Reply(_Frozen):
    """What the bot says back.

    ``replace`` asks the adapter to update the card that was clicked in place;
    ``private`` shows the reply only to the user who caused it.
    """

    text: str = ""
    card: Card | None = None
    replace: bool = False
    private: bool = False
    attachments: tuple[Attachment, ...] = ()
    """Files to hand to the user with the reply (a report to download); adapters upload them."""


class Notice(_Frozen):
    """A message the bot sends somewhere else than the reply (approver's card, requester's result).

    Delivered through the outbox; ``key`` makes each delivery idempotent.
    """

    to: Address
    reply: Reply
    key: str
    update_of: str | None = None
    """Key of an earlier notice whose message this one replaces in place."""


ResultStatus = Literal["done", "pending", "rejected", "failed", "cancelled"]


class ActionResult(_Frozen):
    """What a connector did, in platform-neutral terms."""

    action: str
    status: ResultStatus = "done"
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    card: Card | None = None
    replace: bool = False
    private: bool = False
    notices: tuple[Notice, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    """Files the result offers the user (a CSV report); ``content`` holds the bytes."""


class Actor(_Frozen):
    """Who asked for an action, as the platform identified them (never taken from message text)."""

    platform: str
    workspace: str = ""
    user: str
    name: str | None = None
    email: str | None = None
