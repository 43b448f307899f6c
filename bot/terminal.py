"""``flowdesk chat``: one thread in the terminal, through the same pipeline as the platforms.

Cards show numbered buttons; type ``:1`` to click the first. ``/as NAME`` switches
who you are (to play requester and approver), ``/quit`` leaves.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from rich.console import Console

from bot.config import Settings
from bot.errors import AdapterError
from bot.models import Address, Interaction, Message, Reply
from bot.runtime import Runtime

PLATFORM = "cli"


class TerminalAdapter:
    """Prints replies and notices; remembers the buttons of the last card."""

    platform = PLATFORM

    def __init__(self, console: Console) -> None:
        self.console = console
        self.buttons: list[tuple[str, Any]] = []
        self._ids = itertools.count(1)

    def add_routes(self, app: Any) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        entry = f"t{next(self._ids)}"
        self.show(reply, to=to.user if reply.private else None)
        return {"entry": entry}

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        self.show(reply)

    def show(self, reply: Reply, *, to: str | None = None) -> None:
        prefix = f"(only {to}) " if to else ""
        if reply.text:
            self.console.print(f"[bold magenta]flowdesk[/]: {prefix}{reply.text}")
        card = reply.card
        if card is None:
            return
        self.console.print(f"  [bold]{card.title}[/]")
        for name, value in card.fields:
            self.console.print(f"  {name}: {value}")
        if card.text:
            self.console.print(f"  {card.text}")
        for button in card.buttons:
            self.buttons.append((button.action_id, button.value))
            self.console.print(f"  [cyan][:{len(self.buttons)}] {button.label}[/]")
        if card.footer:
            self.console.print(f"  [dim]{card.footer}[/]")


async def run_chat(settings: Settings, *, user: str) -> None:
    console = Console()
    runtime = Runtime(settings=settings)
    adapter = TerminalAdapter(console)
    runtime.add_adapter(adapter)
    await runtime.start()
    console.print("[dim]Loading the language model…[/]")
    await runtime.nlu.engine() if hasattr(runtime.nlu, "engine") else None
    console.print("Talk to flowdesk. ':N' clicks button N, '/as NAME' changes who you are, '/quit' leaves.")
    thread, counter = "terminal", itertools.count(1)
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, f"{user}> ")
            except EOFError:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            if line.startswith("/as "):
                user = line[4:].strip() or user
                continue
            number = next(counter)
            await _turn(runtime, adapter, line, user=user, thread=thread, number=number)
            await asyncio.sleep(0.3)
    finally:
        await runtime.close()


async def _turn(runtime: Runtime, adapter: TerminalAdapter, line: str, *, user: str, thread: str, number: int) -> None:
    to = Address(platform=PLATFORM, thread=thread, user=user)
    if line.startswith(":") and line[1:].strip().isdigit():
        index = int(line[1:]) - 1
        if not 0 <= index < len(adapter.buttons):
            adapter.console.print("[red]no such button[/]")
            return
        action_id, value = adapter.buttons[index]
        click = Interaction(platform=PLATFORM, thread=thread, user=user, user_name=user,
                            action_id=action_id, value=value, delivery_id=f"cli:{number}")
        try:
            reply = await runtime.dispatcher.handle_interaction(click)
        except AdapterError as exc:
            reply = Reply(text=exc.message)
    else:
        from bot.console.adapter import mentions_in

        message = Message(platform=PLATFORM, thread=thread, id=f"cli{number}", user=user, user_name=user,
                          text=line, mentions=mentions_in(line))
        reply = await runtime.dispatcher.handle_message(message, delivery_key=f"cli:{number}")
    if reply is not None:
        await adapter.send(to, reply)
