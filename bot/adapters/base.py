"""What every platform adapter offers the rest of the bot."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from bot.models import Address, Reply


class PlatformAdapter(Protocol):
    """An adapter converts in both directions and nothing else.

    ``send`` posts a reply somewhere (a thread, a channel, a person) and returns a
    reference to the posted message; ``update`` edits that message in place.
    """

    platform: str

    def add_routes(self, app: web.Application) -> None:
        """Mount the adapter's HTTP endpoints."""
        ...

    async def start(self) -> None:
        """Open clients or sockets (after the app started)."""
        ...

    async def close(self) -> None:
        ...

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        ...

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        ...
