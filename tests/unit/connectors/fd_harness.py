"""Runs connector actions the way the pipeline does: one transaction per action, notices to the outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.errors import ActionRejected
from bot.models import Action, ActionResult, Actor, Address, Interaction
from bot.outbox import SqlOutbox
from bot.storage.database import Database
from bot.storage.tables import outbox
from connectors.base import ActionContext, Connector, Person
from connectors.registry import ConnectorRegistry

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

PEOPLE = {
    "U1": Person(user="U1", name="Alice Requester", email="alice@example.com"),
    "U2": Person(user="U2", name="Dana Kim", email="dana.kim@example.com"),
    "U3": Person(user="U3", name="Finn Finance", email="finn@example.com"),
    "U4": Person(user="U4", name="Sam Sales", email="sam@example.com"),
    "U5": Person(user="U5", name="Eve Else", email="eve@example.com"),
}


def actor(user: str) -> Actor:
    person = PEOPLE[user]
    return Actor(platform="test", workspace="T1", user=user, name=person.name, email=person.email)


ORIGIN = Address(platform="test", workspace="T1", channel="C1", thread="1700000000.000100", user="U1")


class Harness:
    """A minimal pipeline: validates args, runs handlers, enqueues the result's notices."""

    def __init__(self, database: Database, connectors: list[Connector],
                 clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.registry = ConnectorRegistry(connectors)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.outbox = SqlOutbox()

    async def resolve(self, text: str) -> Person:
        for person in PEOPLE.values():
            if text in (person.user, person.name, person.email):
                return person
        raise ActionRejected(f"I don't know who {text!r} is.")

    async def run(self, action: Action, ctx: ActionContext) -> ActionResult:
        spec = self.registry.spec(action.type)
        assert spec is not None, action.type
        return await spec.handler(ctx, spec.args.model_validate(action.args))

    def context(self, session: Any, user: str, *, origin: Address = ORIGIN, key: str = "",
                interaction: Interaction | None = None) -> ActionContext:
        return ActionContext(actor=actor(user), origin=origin, session=session, outbox=self.outbox,
                             now=self.clock(), resolve_person=self.resolve, run=self.run,
                             interaction=interaction, idempotency_key=key)

    async def call(self, name: str, args: dict[str, Any], *, user: str, key: str = "") -> ActionResult:
        async with self.database.transaction() as session:
            ctx = self.context(session, user, key=key)
            result = await self.run(Action(type=name, args=args), ctx)
            await self.enqueue_notices(session, result.notices)
        return result

    async def click(self, action_id: str, value: str, *, user: str) -> ActionResult:
        """A button click: the args come from the button value, the actor from the platform."""
        interaction = Interaction(platform="test", workspace="T1", channel="C1", user=user,
                                  action_id=action_id, value=value, delivery_id=uuid.uuid4().hex)
        async with self.database.transaction() as session:
            ctx = self.context(session, user, interaction=interaction)
            result = await self.run(Action(type=action_id, args=json.loads(value)), ctx)
            await self.enqueue_notices(session, result.notices)
        return result

    async def tick(self, connector: Connector, now: datetime) -> list[Any]:
        async with self.database.transaction() as session:
            notices = await connector.tick(session, now=now, outbox=self.outbox)
            await self.enqueue_notices(session, notices)
        return notices

    async def enqueue_notices(self, session: Any, notices: Any) -> None:
        for notice in notices:
            await self.outbox.enqueue(session, kind="notice", key=notice.key, payload=notice.model_dump(mode="json"))

    async def outbox_rows(self, kind: str) -> list[Any]:
        async with self.database.sessions() as session:
            rows = await session.execute(sa.select(outbox).where(outbox.c.kind == kind).order_by(outbox.c.id))
            return list(rows.all())


@asynccontextmanager
async def sqlite_database(path: Any) -> AsyncIterator[Database]:
    database = Database(url=f"sqlite+aiosqlite:///{path}")
    await database.upgrade()
    try:
        yield database
    finally:
        await database.close()


@asynccontextmanager
async def postgres_database() -> AsyncIterator[Database]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    import asyncpg

    name = f"fd_connectors_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    database = Database(url=PG_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        await database.upgrade()
        yield database
    finally:
        await database.close()
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def postgres_reachable() -> bool:
    try:
        import asyncpg

        conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=2)
    except Exception:  # noqa: BLE001 - any failure means: skip
        return False
    await conn.close()
    return True
