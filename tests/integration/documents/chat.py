"""Sharing files and clicking buttons in a started runtime, as a person in a thread would."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from bot.models import Attachment, Interaction, Reply
from bot.runtime import Runtime
from connectors.documents import RECEIVE
from connectors.tables import records


def interaction(action_id: str, value: str, *, user: str = "alex",
                fields: dict[str, str] | None = None) -> Interaction:
    return Interaction(platform="console", workspace="local", channel="console", thread="t1", user=user,
                       action_id=action_id, value=value, delivery_id=uuid.uuid4().hex, fields=fields or {})


async def share(runtime: Runtime, name: str, data: bytes, *, user: str = "alex", text: str = "") -> Reply:
    """A file shared in the thread, handed to ``document.receive`` as the pipeline does."""
    file = Attachment(name=name, size=len(data), content=data).model_dump(mode="json")
    value = json.dumps({"attachments": [file], "text": text})
    reply = await runtime.dispatcher.handle_interaction(interaction(RECEIVE, value, user=user))
    assert reply is not None
    return reply


async def click(runtime: Runtime, reply: Reply, label: str, *, user: str = "alex",
                typed: dict[str, str] | None = None) -> Reply:
    """Click the button with ``label`` on the card of ``reply``, its inputs holding ``typed`` over their values."""
    assert reply.card is not None, reply.text
    button = next(b for b in reply.card.buttons if b.label == label)
    fields = {i.name: i.value for i in reply.card.inputs} | (typed or {})
    result = await runtime.dispatcher.handle_interaction(
        interaction(button.action_id, button.value, user=user, fields=fields))
    assert result is not None
    return result


async def stored(runtime: Runtime, form: str) -> list[dict[str, Any]]:
    async with runtime.database.transaction() as session:
        rows = await session.execute(sa.select(records.c.data).where(records.c.form == form).order_by(records.c.id))
        return [dict(r.data) for r in rows]


async def count(runtime: Runtime) -> int:
    async with runtime.database.transaction() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(records)) or 0)


def inputs(reply: Reply) -> dict[str, str]:
    """The values the card's inputs show."""
    assert reply.card is not None
    return {i.name: i.value for i in reply.card.inputs}


def import_id(reply: Reply) -> str:
    assert reply.card is not None
    return str(json.loads(reply.card.buttons[-1].value)["import_id"])
