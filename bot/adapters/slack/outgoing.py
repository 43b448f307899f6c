"""Everything flowdesk posts to Slack: messages in threads, ephemeral notices, card updates, look-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.client import Tokens, error_code, webhook
from bot.errors import AdapterError
from bot.models import Address, Attachment, Reply
from connectors.base import Person

log = structlog.get_logger(__name__)

NOT_POSTABLE = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action"})
NAME_CACHE = 5000


class SlackPoster:
    """Posts replies and notices; a failure raises so the outbox retries it later."""

    def __init__(self, *, client: AsyncWebClient, tokens: Tokens) -> None:
        self.client = client
        self.tokens = tokens
        self._names: dict[tuple[str, str], str | None] = {}

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        """Post ``reply`` to a thread, a channel or a person, then its files; returns where it went."""
        where = await self._post(to, reply)
        if reply.attachments:
            await self.upload(to, reply.attachments)
        return where

    async def _post(self, to: Address, reply: Reply) -> dict[str, Any]:
        """The message itself; returns where it went (for ``update``)."""
        message = blocks.to_message(reply)
        response_url = to.ref.get("response_url")
        if reply.private and response_url:
            await self.respond(response_url, {**message, "response_type": "ephemeral", "replace_original": False})
            return {"response_url": response_url}
        token = await self.tokens.for_workspace(to.workspace, to.ref.get("enterprise_id"))
        channel = to.channel or to.user or ""
        try:
            if reply.private and to.user:
                await self.client.chat_postEphemeral(token=token, channel=channel, user=to.user,
                                                     thread_ts=to.thread, **message)
                return {"channel": channel, "ephemeral": True}
            posted = await self.client.chat_postMessage(token=token, channel=channel, thread_ts=to.thread, **message)
        except SlackApiError as exc:
            if error_code(exc) in NOT_POSTABLE and response_url:
                await self.respond(response_url, {**message, "response_type": "in_channel", "replace_original": False})
                return {"response_url": response_url}
            raise AdapterError(f"Slack refused the message: {error_code(exc) or exc}", status=502) from exc
        return {"channel": posted["channel"], "ts": posted["ts"], "workspace": to.workspace,
                **({"enterprise_id": to.ref["enterprise_id"]} if to.ref.get("enterprise_id") else {})}

    async def upload(self, to: Address, files: Sequence[Attachment]) -> None:
        """Share result files (a report) in the conversation, through Slack's upload flow v2.

        Slack has no private files: a file that answers a private reply is shared in the
        thread it belongs to; where the bot may not share, it goes to the person's direct messages.
        """
        uploads = [{"filename": f.name, "content": f.content, "title": f.name} for f in files if f.content is not None]
        if not uploads or not (to.channel or to.user):
            return
        token = await self.tokens.for_workspace(to.workspace, to.ref.get("enterprise_id"))
        try:
            try:
                await self._upload(token, uploads, channel=to.channel or None, user=to.user, thread=to.thread)
            except SlackApiError as exc:
                if error_code(exc) not in NOT_POSTABLE or not to.user or not to.channel:
                    raise
                await self._upload(token, uploads, channel=None, user=to.user, thread=None)
        except SlackApiError as exc:
            raise AdapterError(f"Slack refused the file: {error_code(exc) or exc}", status=502) from exc
        except SlackRequestError as exc:
            raise AdapterError(f"Slack did not take the file: {exc}", status=502) from exc

    async def _upload(self, token: str, uploads: list[dict[str, Any]], *, channel: str | None, user: str | None,
                      thread: str | None) -> None:
        where: dict[str, Any] = {"channel": channel, "thread_ts": thread} if channel else {"channels": [user]}
        await self.client.files_upload_v2(token=token, file_uploads=uploads, **where)

    async def announce(self, *, workspace: str, enterprise_id: str | None, channel: str, mrkdwn: str) -> str | None:
        """Post Slack-formatted text (a command, echoed); its ts, or None where the bot may not post."""
        token = await self.tokens.for_workspace(workspace, enterprise_id)
        try:
            posted = await self.client.chat_postMessage(token=token, channel=channel, text=mrkdwn)
        except SlackApiError as exc:
            if error_code(exc) in NOT_POSTABLE:
                return None
            raise AdapterError(f"Slack refused the message: {error_code(exc) or exc}", status=502) from exc
        return str(posted["ts"])

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        """Edit a posted message in place (chat.update), or through its response_url."""
        message = blocks.to_message(reply)
        if ref.get("channel") and ref.get("ts") and not ref.get("ephemeral"):
            token = await self.tokens.for_workspace(str(ref.get("workspace", "")), ref.get("enterprise_id"))
            try:
                await self.client.chat_update(token=token, channel=ref["channel"], ts=ref["ts"],
                                              blocks=message.pop("blocks", []), **message)
            except SlackApiError as exc:
                raise AdapterError(f"Slack refused the update: {error_code(exc) or exc}", status=502) from exc
        elif ref.get("response_url"):
            await self.respond(ref["response_url"], {**message, "replace_original": True})
        else:
            raise AdapterError("this Slack message cannot be updated (no channel/ts or response_url)")

    async def respond(self, url: str, body: dict[str, Any]) -> None:
        """POST to a response_url (up to 5 uses within 30 minutes of the click or command)."""
        sent = await webhook(url, self.client).send_dict(body)
        if sent.status_code != 200:
            raise AdapterError(f"response_url answered {sent.status_code}: {sent.body[:200]}", status=502)

    async def lookup_email(self, workspace: str, email: str) -> Person | None:
        """users.lookupByEmail: the Slack user with that address, or None."""
        token = await self.tokens.for_workspace(workspace)
        try:
            found = await self.client.users_lookupByEmail(token=token, email=email)
        except SlackApiError as exc:
            if error_code(exc) == "users_not_found":
                return None
            raise AdapterError(f"Slack could not look up {email}: {error_code(exc) or exc}", status=502) from exc
        user = found["user"]
        name = display_name(user)
        self._remember(workspace, user["id"], name)
        return Person(user=user["id"], name=name, email=email)

    async def name(self, workspace: str, user: str, enterprise_id: str | None = None) -> str | None:
        """users.info: how people see ``user`` (cached; None when Slack won't say)."""
        key = (workspace, user)
        if key in self._names:
            return self._names[key]
        try:
            token = await self.tokens.for_workspace(workspace, enterprise_id)
            found = await self.client.users_info(token=token, user=user)
            name = display_name(found["user"])
        except (SlackApiError, AdapterError) as exc:
            log.info("slack.users_info_failed", user=user, error=str(exc))
            return None
        self._remember(workspace, user, name)
        return name

    def _remember(self, workspace: str, user: str, name: str | None) -> None:
        if len(self._names) >= NAME_CACHE:
            self._names.pop(next(iter(self._names)))
        self._names[(workspace, user)] = name


def display_name(user: dict[str, Any]) -> str | None:
    profile = user.get("profile") or {}
    return (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            or user.get("name") or None)
