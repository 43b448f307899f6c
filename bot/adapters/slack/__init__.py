"""The Slack adapter: Events API, the /flowdesk command and buttons, through slack-bolt."""

from __future__ import annotations

from bot.adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
