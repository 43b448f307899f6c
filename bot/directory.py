"""Who people are: resolves a person named in a request to the platform's user id.

Mentions carry the platform's own ids; an email address is looked up through the
platform's directory when the adapter offers one (Slack ``users.lookupByEmail``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from connectors.base import Person

from bot.models import Mention

EmailLookup = Callable[[str, str], Awaitable[Person | None]]
"""``(workspace, email) -> Person`` as the platform knows them, or None."""


class PeopleDirectory:
    """Resolves people for one request, using its mentions and the platforms' lookups."""

    def __init__(self, lookups: Mapping[str, EmailLookup] | None = None) -> None:
        self.lookups = dict(lookups or {})

    def register(self, platform: str, lookup: EmailLookup) -> None:
        self.lookups[platform] = lookup

    async def resolve(
        self, value: str, *, platform: str, workspace: str, mentions: tuple[Mention, ...] = ()
    ) -> Person:
        """The person ``value`` names: a mention's id or name, an email, or the value itself."""
        cleaned = value.strip().lstrip("@")
        for mention in mentions:
            if cleaned in (mention.id, mention.name) or cleaned.lower() == (mention.name or "").lower():
                return Person(user=mention.id, name=mention.name or mention.id)
        if "@" in cleaned:
            lookup = self.lookups.get(platform)
            found = await lookup(workspace, cleaned.lower()) if lookup else None
            return found or Person(user=cleaned.lower(), email=cleaned.lower(), name=cleaned.lower())
        return Person(user=cleaned, name=cleaned)
