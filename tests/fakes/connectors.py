"""A small connector for pipeline tests: a note book and a message that needs Send/Cancel."""

from __future__ import annotations

from pydantic import BaseModel

from bot.models import ActionResult, Card
from connectors.base import ActionContext, Connector, action


class NoteArgs(BaseModel):
    title: str
    body: str | None = None


class ShoutArgs(BaseModel):
    to: list[str]
    words: str


class NotebookConnector(Connector):
    """Keeps notes in memory; ``shout`` leaves the chat, so it is previewed first."""

    name = "notebook"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.notes: list[tuple[str, str, str | None]] = []
        self.shouts: list[tuple[str, tuple[str, ...], str]] = []

    @action("note.add", args=NoteArgs, ask={"title": "What should the note be called?"})
    async def add(self, ctx: ActionContext, args: NoteArgs) -> ActionResult:
        """Write a note."""
        self.notes.append((ctx.actor.user, args.title, args.body))
        return ActionResult(action="note.add", summary=f"Noted “{args.title}”.")

    @action("note.shout", args=ShoutArgs, confirm=True, ask={"to": "Who should hear it?"})
    async def shout(self, ctx: ActionContext, args: ShoutArgs) -> ActionResult:
        """Shout at people (leaves the chat)."""
        self.shouts.append((ctx.actor.user, tuple(args.to), args.words))
        return ActionResult(action="note.shout", summary=f"Shouted at {', '.join(args.to)}.")

    def preview_shout(self, args: ShoutArgs) -> Card:
        return Card(title="Shout", fields=(("To", ", ".join(args.to)), ("Words", args.words)))
