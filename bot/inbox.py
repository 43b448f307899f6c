"""The inbox: inbound platform events stored before they are acknowledged, then processed once.

Slack does not retry an event it saw acknowledged, so a process killed between
the acknowledgement and the answer would lose the work. Each verified event is
therefore inserted here first, under its delivery key (unique: a retried
delivery finds its row and is dropped), leased to the process that received
it, which processes it at once. A processor that dies leaves a lease that
expires; any serving process then adopts the row with a compare-and-set, as
the outbox worker claims its rows, and runs it again. A live process renews
the leases of everything it holds every few seconds, however long its queue,
so only a stopped process's rows expire; each claim has its own token, so a
copy of an item held under an older claim stands down. The pipeline's de-dup
keys (``bot.dedup``) make a re-run change nothing twice; what a processor must
reuse on a re-run (the thread a command opened) is remembered on the row.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import structlog
from prometheus_client import Counter, Gauge
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage import Database
from bot.storage.tables import NAMING

log = structlog.get_logger(__name__)

metadata = sa.MetaData(naming_convention=NAMING)
TS = sa.DateTime(timezone=True)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(512), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("owner", sa.String(64)),
    sa.Column("locked_until", TS),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("done_at", TS),
    sa.UniqueConstraint("key", name="uq_inbox_key"),
    sa.Index("ix_inbox_due", "state", "locked_until"),
)

LEASE = timedelta(seconds=30)
"""How long a row stays held without renewal; half of it exceeds the Redis in-flight mark (10 s) of
``bot.scale.guard``, so a row adopted from a dead process is never refused as "in flight"."""
SWEEP_EVERY_S = 5.0
"""How often a serving process renews its leases and adopts expired rows."""
MAX_ATTEMPTS = 5
"""A row whose processing started this many times without finishing is set aside as ``dead``."""
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY_S = 3600.0
BATCH = 50
FACTS = "facts"

INBOX_DEPTH = Gauge("flowdesk_inbox_depth", "Inbound events stored and not processed yet")
INBOX_OLDEST_AGE = Gauge("flowdesk_inbox_oldest_age_seconds", "Age of the oldest inbound event not processed yet")
INBOX_ADOPTED = Counter("flowdesk_inbox_adopted_total", "Inbound events taken over after their processor stopped",
                        ["platform"])


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    """One stored event as its processor holds it (it travels as JSON to a work process)."""

    id: int
    key: str
    platform: str
    kind: str
    payload: dict[str, Any]
    owner: str
    leased_until: datetime
    attempts: int

    @property
    def facts(self) -> dict[str, Any]:
        """What an earlier run remembered (``Inbox.remember``)."""
        return dict(self.payload.get(FACTS) or {})

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "platform": self.platform, "kind": self.kind,
                "payload": self.payload, "owner": self.owner, "leased_until": self.leased_until.isoformat(),
                "attempts": self.attempts}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        return cls(id=int(data["id"]), key=str(data["key"]), platform=str(data["platform"]), kind=str(data["kind"]),
                   payload=dict(data["payload"]), owner=str(data["owner"]),
                   leased_until=_aware(datetime.fromisoformat(str(data["leased_until"]))),
                   attempts=int(data["attempts"]))

    @classmethod
    def from_row(cls, row: Any) -> Item:
        return cls(id=row.id, key=row.key, platform=row.platform, kind=row.kind, payload=dict(row.payload),
                   owner=row.owner or "", leased_until=_aware(row.locked_until), attempts=row.attempts)


Handler = Callable[[Item], Awaitable[None]]
Request = TypeVar("Request")
Result = TypeVar("Result")
MAX_GROUP = 200


class GroupCommit(Generic[Request, Result]):
    """One transaction for the writes that arrive while the previous one runs (group commit).

    Alone, a write goes at once; under load, the acknowledgements waiting to
    store their event share one transaction instead of queueing for the
    database's write lock one by one (SQLite has a single writer).
    """

    def __init__(self, flush: Callable[[list[Request]], Awaitable[list[Result]]]) -> None:
        self.flush = flush
        self._queue: list[tuple[Request, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._queue.append((request, future))
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            try:
                results = await self.flush([request for request, _ in batch])
            except Exception as exc:  # noqa: BLE001 - each waiter gets the error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


def beside(database: Database) -> Database | None:
    """For SQLite, a database file of the inbox's own beside the main one; None for PostgreSQL.

    SQLite lets one writer in at a time: in the main file, storing an event
    before the acknowledgement would wait behind the pipeline's transactions,
    and behind a work process at a lower priority that holds the lock. The
    inbox's own file is written only by its short statements. PostgreSQL
    locks rows, so there the inbox is the ``inbox`` table of migration 0008.
    """
    if not database.is_sqlite:
        return None
    url = sa.engine.make_url(database.url)
    if not url.database or url.database == ":memory:":
        return None
    main = Path(url.database)
    return _InboxFile(url.set(database=str(main.with_name(f"{main.stem}-inbox{main.suffix}"))).render_as_string(
        hide_password=False))


def _use_wal(cursor: Any, *, patience: float = 30.0) -> None:
    """Switch the file to WAL, retrying while another connection holds the lock.

    WAL is a property of the file, so only the first connection changes it;
    but when two processes open a new inbox together, SQLite answers the
    loser's ``journal_mode`` change with "database is locked" at once rather
    than through the busy handler, so the retry is ours.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception as exc:  # the driver's OperationalError, whichever adapter wraps sqlite3
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


class _InboxFile(Database):
    """The inbox's SQLite file: WAL without a sync per commit, and writers that wait in 1 ms steps.

    With ``synchronous=NORMAL`` in WAL mode a commit survives the process
    being killed (what the inbox is for); only a power loss or an operating
    system crash may lose the last commits.

    SQLite's own busy handler sleeps up to 100 ms at a time, far longer than
    the inbox's transactions hold the lock; here a writer retries ``BEGIN
    IMMEDIATE`` every millisecond (in the connection's thread, not the event
    loop) for up to 30 s.
    """

    def __init__(self, url: str) -> None:  # noqa: D107 - the parent's tuning is replaced, not extended
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        self.url = url
        self.is_sqlite = True
        Path(str(sa.engine.make_url(url).database)).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_async_engine(url, connect_args={"timeout": 30})
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

        @sa.event.listens_for(self.engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a killed process loses nothing committed
            cursor.execute("PRAGMA busy_timeout=0")
            cursor.close()

        @sa.event.listens_for(self.engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            deadline = time.monotonic() + 30
            while True:
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    return
                except sa.exc.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.001)


class Inbox:
    """Stores events, leases them to one processor at a time, records them done."""

    def __init__(self, database: Database, *, lease: timedelta | None = None) -> None:
        self._own = beside(database)
        self.database = self._own or database
        self._schema_ready = self._own is None
        self._schema: asyncio.Task[None] | None = None
        self.lease = lease
        self.owner = uuid.uuid4().hex
        """This inbox's name; each row it holds carries it with a claim number (``<owner>.<n>``)."""
        self._claims = itertools.count(1)
        insert = sqlite_insert if self.database.is_sqlite else pg_insert
        self._insert_statement = (insert(inbox).on_conflict_do_nothing(index_elements=["key"])
                                  .returning(inbox.c.id, inbox.c.key))
        """One statement, compiled once, for any number of rows (SQLAlchemy's "insertmanyvalues")."""
        self._insert = GroupCommit(self._insert_rows)
        self._finish_rows = GroupCommit(self._mark_done)
        self._remember_rows = GroupCommit(self._note)

    @property
    def lease_time(self) -> timedelta:
        return self.lease or LEASE

    async def close(self) -> None:
        """Close the inbox's own SQLite file (nothing to do on PostgreSQL)."""
        if self._own is not None:
            await self._own.close()

    async def _ready(self) -> None:
        """The inbox's own SQLite file gets its table on first use (PostgreSQL's comes from migration 0008)."""
        if self._schema_ready:
            return
        if self._schema is None or (self._schema.done() and self._schema.exception() is not None):
            self._schema = asyncio.get_running_loop().create_task(self._create_schema())
        await asyncio.shield(self._schema)  # callers go on in the order they came
        self._schema_ready = True

    async def _create_schema(self) -> None:
        async with self.database.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def put(self, *, platform: str, kind: str, key: str, payload: Mapping[str, Any]) -> Item | None:
        """Store a verified event, leased to this process; None when ``key`` was stored already (a retry)."""
        await self._ready()
        now = utcnow()
        until = now + self.lease_time
        token = self._token()
        row_id = await self._insert(dict(key=key, platform=platform, kind=kind, payload=dict(payload), state="pending",
                                         attempts=1, owner=token, locked_until=until, created_at=now))
        if row_id is None:
            return None
        return Item(id=int(row_id), key=key, platform=platform, kind=kind, payload=dict(payload), owner=token,
                    leased_until=until, attempts=1)

    async def run(self, item: Item, handler: Handler) -> bool:
        """Process ``item`` with ``handler`` and record it done; False when another process took it over.

        A handler that raises leaves the row to be retried after a pause (and
        set aside after ``MAX_ATTEMPTS`` starts); one that never returns (its
        process died) leaves a lease that expires, and the row is adopted.
        """
        await self._ready()
        if not await self._hold(item):
            log.info("inbox.taken_over", key=item.key)
            return False
        try:
            await handler(item)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried after a pause
            log.exception("inbox.processing_failed", key=item.key)
            await self._fail(item, f"{type(exc).__name__}: {exc}")
            return True
        await self._finish(item)
        return True

    async def remember(self, item: Item, **facts: Any) -> Item:
        """Record on the row what a re-run must reuse (the thread a command opened); the updated item."""
        await self._ready()
        payload = {**item.payload, FACTS: {**item.facts, **facts}}
        await self._remember_rows((item.id, item.owner, payload))
        return replace(item, payload=payload)

    async def adopt(self, platform: str, *, limit: int = BATCH, now: datetime | None = None) -> list[Item]:
        """Take over rows of ``platform`` whose lease expired (their processor stopped), leased to this process."""
        await self._ready()
        now = now or utcnow()
        expired = sa.and_(inbox.c.state == "pending", inbox.c.platform == platform,
                          sa.or_(inbox.c.locked_until.is_(None), inbox.c.locked_until < now))
        async with self.database.engine.connect() as conn:
            ids = (await conn.execute(sa.select(inbox.c.id).where(expired).order_by(inbox.c.id).limit(limit))).scalars().all()
        items = []
        for row_id in ids:
            async with self.database.engine.begin() as conn:
                taken = await conn.execute(
                    inbox.update().where(inbox.c.id == row_id, expired)
                    .values(owner=self._token(), locked_until=now + self.lease_time, attempts=inbox.c.attempts + 1))
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another process adopted it first
                row = (await conn.execute(sa.select(inbox).where(inbox.c.id == row_id))).one()
                if row.attempts > MAX_ATTEMPTS:
                    await conn.execute(inbox.update().where(inbox.c.id == row_id)
                                          .values(state="dead", locked_until=None))
                    log.error("inbox.dead", key=row.key, attempts=row.attempts - 1, error=row.last_error)
                    continue
            INBOX_ADOPTED.labels(platform=platform).inc()
            log.warning("inbox.adopted", key=row.key, attempt=row.attempts)
            items.append(Item.from_row(row))
        return items

    async def renew(self) -> int:
        """Extend the lease of every row this inbox holds (it is alive); returns how many."""
        await self._ready()
        async with self.database.engine.begin() as conn:
            result = await conn.execute(
                inbox.update().where(inbox.c.state == "pending", self._mine())
                .values(locked_until=utcnow() + self.lease_time))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def release(self) -> int:
        """Give up every row this inbox holds (its work process died with them): the next sweep adopts them."""
        await self._ready()
        async with self.database.engine.begin() as conn:
            result = await conn.execute(
                inbox.update().where(inbox.c.state == "pending", self._mine()).values(locked_until=utcnow()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _mine(self) -> Any:
        return inbox.c.owner.like(f"{self.owner}.%")

    def _token(self) -> str:
        return f"{self.owner}.{next(self._claims)}"

    async def prune(self, *, now: datetime | None = None) -> int:
        """Forget rows finished (or set aside) longer ago than any retry a platform would send."""
        await self._ready()
        cutoff = (now or utcnow()) - KEEP_FOR
        async with self.database.engine.begin() as conn:
            result = await conn.execute(
                inbox.delete().where(inbox.c.state != "pending", inbox.c.created_at < cutoff))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _hold(self, item: Item) -> bool:
        """Still ours? Renews the lease when half of it is gone (it waited in a queue), with a compare-and-set."""
        now = utcnow()
        if item.leased_until - now > self.lease_time / 2:
            return True
        async with self.database.engine.begin() as conn:
            result = await conn.execute(
                inbox.update().where(inbox.c.id == item.id, inbox.c.owner == item.owner, inbox.c.state == "pending")
                .values(locked_until=now + self.lease_time))
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def _finish(self, item: Item) -> None:
        await self._finish_rows((item.id, item.owner))

    async def _insert_rows(self, rows: list[dict[str, Any]]) -> list[int | None]:
        """Insert a group of events; the id of each, None for a key already stored (or earlier in the group)."""
        first = {row["key"]: row for row in reversed(rows)}
        async with self.database.engine.begin() as conn:
            found = await conn.execute(self._insert_statement, list(first.values()))
            ids = {key: row_id for row_id, key in found.all()}
        results: list[int | None] = []
        for row in rows:
            results.append(ids.pop(row["key"], None))
        return results

    async def _note(self, rows: list[tuple[int, str, dict[str, Any]]]) -> list[None]:
        async with self.database.engine.begin() as conn:
            for row_id, owner, payload in rows:
                await conn.execute(inbox.update().where(inbox.c.id == row_id, inbox.c.owner == owner)
                                      .values(payload=payload))
        return [None] * len(rows)

    async def _mark_done(self, rows: list[tuple[int, str]]) -> list[None]:
        async with self.database.engine.begin() as conn:
            await conn.execute(
                inbox.update().where(sa.tuple_(inbox.c.id, inbox.c.owner).in_(rows), inbox.c.state == "pending")
                .values(state="done", done_at=utcnow(), locked_until=None))
        return [None] * len(rows)

    async def _fail(self, item: Item, error: str) -> None:
        pause = timedelta(seconds=min(300, 2 ** item.attempts))
        async with self.database.engine.begin() as conn:
            await conn.execute(
                inbox.update().where(inbox.c.id == item.id, inbox.c.owner == item.owner, inbox.c.state == "pending")
                .values(locked_until=utcnow() + pause, last_error=error[:2000]))


    async def observe(self, *, now: datetime | None = None) -> None:
        """Set the depth and oldest-age gauges (read at scrape time, like the outbox's)."""
        await self._ready()
        now = now or utcnow()
        async with self.database.engine.connect() as conn:
            depth, oldest = (await conn.execute(
                sa.select(sa.func.count(inbox.c.id), sa.func.min(inbox.c.created_at))
                .where(inbox.c.state == "pending"))).one()
        INBOX_DEPTH.set(depth or 0)
        INBOX_OLDEST_AGE.set(max(0.0, (now - _aware(oldest)).total_seconds()) if oldest else 0.0)


async def observe(database: Database, *, now: datetime | None = None) -> None:
    """The inbox gauges of ``database`` (its SQLite file beside it, or its ``inbox`` table)."""
    box = Inbox(database)
    try:
        await box.observe(now=now)
    finally:
        await box.close()


class Sweeper:
    """In a serving process: renews its leases and adopts a platform's orphaned rows every few seconds,
    handing them to ``take``.

    ``take`` queues the item for processing and returns at once; every serving replica sweeps, and the compare-and-set
    gives each orphan to one of them.
    """

    def __init__(self, inbox: Inbox, *, platform: str, take: Callable[[Item], object],
                 every: float | None = None) -> None:
        self.inbox = inbox
        self.platform = platform
        self.take = take
        self.every = every
        self._task: asyncio.Task[None] | None = None
        self._pruned = 0.0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def sweep(self) -> int:
        """One round: renew this process's leases, adopt expired rows and hand them over; how many were adopted."""
        await self.inbox.renew()
        items = await self.inbox.adopt(self.platform)
        for item in items:
            self.take(item)
        loop = asyncio.get_running_loop()
        if loop.time() - self._pruned >= PRUNE_EVERY_S:
            self._pruned = loop.time()
            await self.inbox.prune()
        return len(items)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every or SWEEP_EVERY_S)
            try:
                await self.sweep()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("inbox.sweep_failed", platform=self.platform)
