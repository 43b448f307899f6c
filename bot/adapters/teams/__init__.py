"""Microsoft Teams (Bot Framework) adapter; the only package that imports botbuilder."""

from __future__ import annotations

from bot.adapters.teams.adapter import TeamsAdapter

__all__ = ["TeamsAdapter"]
