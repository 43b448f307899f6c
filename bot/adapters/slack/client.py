"""The Slack Web API client: configurable base URL, 429 + Retry-After honoured, tokens per workspace."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.errors import AdapterError

RATE_LIMIT_RETRIES = 6
"""Waits of Retry-After seconds before a call gives up; the outbox then retries the notice later."""
TIMEOUT = 15


def retry_handlers() -> list[Any]:
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def make_client(base_url: str) -> AsyncWebClient:
    """A token-less client; every call names the token of its workspace."""
    url = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(base_url=url, timeout=TIMEOUT, retry_handlers=retry_handlers())


def webhook(url: str, client: AsyncWebClient) -> AsyncWebhookClient:
    """A response_url poster sharing the Web API client's session and retry policy."""
    return AsyncWebhookClient(url=url, timeout=TIMEOUT, session=client.session, retry_handlers=retry_handlers())


def error_code(exc: SlackApiError) -> str:
    """Slack's error string (``channel_not_found``, ``ratelimited``...)."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


class Tokens:
    """The bot token of a workspace: the configured one, or the OAuth installation's."""

    def __init__(self, *, bot_token: str | None, store: AsyncInstallationStore | None) -> None:
        self.bot_token = bot_token
        self.store = store

    async def for_workspace(self, workspace: str, enterprise_id: str | None = None) -> str:
        if self.bot_token:
            return self.bot_token
        if self.store is not None:
            bot = await self.store.async_find_bot(enterprise_id=enterprise_id, team_id=workspace or None)
            if bot is None and enterprise_id:
                bot = await self.store.async_find_bot(enterprise_id=enterprise_id, team_id=None,
                                                      is_enterprise_install=True)
            if bot is not None and bot.bot_token:
                return str(bot.bot_token)
        raise AdapterError(f"flowdesk is not installed in Slack workspace {workspace!r}", status=404)
