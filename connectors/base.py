"""The connector plugin interface.

A connector declares actions, each with a pydantic argument model and an async
handler, and is found through the ``flowdesk.connectors`` entry-point group.

>>> class Echo(Connector):
...     name = "echo"
...     @action("echo.say", args=EchoArgs)
...     async def say(self, ctx: ActionContext, args: EchoArgs) -> ActionResult:
...         return ActionResult(action="echo.say", summary=args.text)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.models import Action, ActionResult, Actor, Address, Card, Interaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ArgsT = TypeVar("ArgsT", bound=BaseModel)
Handler = Callable[..., Awaitable[ActionResult]]
"""An action handler: ``(self, ctx, args)`` when declared, ``(ctx, args)`` once bound."""


class Person(BaseModel):
    """A person resolved on the platform: ``user`` is the platform's stable id."""

    model_config = ConfigDict(frozen=True)

    user: str
    name: str | None = None
    email: str | None = None


class Outbox(Protocol):
    """Records a side effect in the caller's transaction; a worker performs it later."""

    async def enqueue(
        self, session: AsyncSession, *, kind: str, key: str, payload: Mapping[str, Any]
    ) -> bool:
        """Add a row; returns False when ``key`` was already enqueued (idempotent)."""
        ...


@dataclass(frozen=True, kw_only=True)
class ActionContext:
    """Everything a handler may use; built by the pipeline for one action.

    ``session`` is an open transaction: the pipeline commits it after the handler
    returns (together with the notices of the result) or rolls it back on error.
    """

    actor: Actor
    origin: Address
    session: AsyncSession
    outbox: Outbox
    now: datetime
    resolve_person: Callable[[str], Awaitable[Person]]
    run: Callable[[Action, ActionContext], Awaitable[ActionResult]]
    interaction: Interaction | None = None
    idempotency_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ActionSpec:
    """One action a connector offers.

    Attributes:
        name: the intent/action name (``approval.request``).
        args: pydantic model validating the arguments.
        confirm: the action leaves the chat, so the user sees a preview with Send/Cancel first.
        ask: the question to ask for each required argument when it is missing.
        internal: reached only by buttons or other connectors, never offered to the NLU.
        description: one line for ``help``.
    """

    name: str
    args: type[BaseModel]
    handler: Handler
    confirm: bool = False
    ask: Mapping[str, str] = field(default_factory=dict)
    internal: bool = False
    description: str = ""
    preview: Callable[[Any, Any], Card] | None = None


def action(
    name: str,
    *,
    args: type[BaseModel],
    confirm: bool = False,
    ask: Mapping[str, str] | None = None,
    internal: bool = False,
    description: str = "",
) -> Callable[[Handler], Handler]:
    """Mark a connector method as the handler of ``name``; validated early, returned unchanged."""
    if "." not in name:
        raise ValueError(f"action name {name!r} must look like 'area.verb'")
    if not (isinstance(args, type) and issubclass(args, BaseModel)):
        raise TypeError(f"action {name!r}: args must be a pydantic model class")

    def register(func: Handler) -> Handler:
        func.__flowdesk_action__ = dict(  # type: ignore[attr-defined]
            name=name, args=args, confirm=confirm, ask=dict(ask or {}),
            internal=internal, description=description or (func.__doc__ or "").strip().split("\n")[0],
        )
        return func

    return register


class ConnectorConfig(BaseModel):
    """Base of a connector's settings; built from flowdesk's settings (unknown keys ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Connector:
    """Base class of connectors.

    Subclasses set ``name``, may nest a ``Config(ConnectorConfig)``, and mark
    handlers with ``@action``. Optional hooks: ``start``/``close`` for resources,
    ``deliver`` for the outbox kinds listed in ``outbox_kinds``, and ``tick`` for
    scheduled work (reminders, expiries) run by the background worker.
    """

    name: ClassVar[str] = ""
    Config: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    outbox_kinds: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, config: ConnectorConfig) -> None:
        self.config = config

    def actions(self) -> list[ActionSpec]:
        """The actions this connector declares with ``@action``."""
        specs = []
        for attr in dir(type(self)):
            func = getattr(type(self), attr, None)
            meta = getattr(func, "__flowdesk_action__", None)
            if meta is None:
                continue
            preview = getattr(self, f"preview_{attr}", None)
            specs.append(ActionSpec(handler=getattr(self, attr), preview=preview, **meta))
        return specs

    async def start(self) -> None:
        """Open resources (clients, pools). Called once before any action."""

    async def close(self) -> None:
        """Release resources."""

    async def deliver(self, kind: str, payload: Mapping[str, Any], *, key: str) -> None:
        """Perform one outbox side effect of a kind in ``outbox_kinds``; raise to retry later."""
        raise NotImplementedError(f"{self.name} does not deliver {kind!r}")

    async def tick(self, session: AsyncSession, *, now: datetime, outbox: Outbox) -> list[Any]:
        """Scheduled work; returns ``Notice`` objects to send. Default: nothing."""
        return []
