"""The pipeline: Message -> NLU -> action -> connector -> Reply.

The only module that calls both the NLU and the connectors. State changes,
de-dup keys and the outbox rows of notices are written in one transaction, so a
failure leaves nothing half-done and a retried delivery changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import confirmations, conversation, dedup, replies, slots
from bot.directory import PeopleDirectory
from bot.errors import ActionRejected, AdapterError, BotError
from bot.metrics import ACTIONS, NLU_CONFIDENCE, NLU_LATENCY
from bot.models import Action, ActionResult, Actor, Address, Interaction, Message, Parse, Reply
from bot.nlu import HELP, OUT_OF_SCOPE, NLUEngine
from bot.outbox import SqlOutbox, utcnow
from bot.storage import Database
from connectors.base import ActionContext, ActionSpec, Person
from connectors.registry import ConnectorRegistry

log = structlog.get_logger(__name__)

MAX_TEXT = 4000
STOP_WORDS = {"cancel", "stop", "never mind", "nevermind", "forget it"}
SAY_TIMEOUT = 2.0
DOCUMENTS = "document.receive"
"""The action that receives a message's files (spreadsheets, receipts)."""

ParseObserver = Callable[[Message, Parse], None]
"""Told what the NLU read in each message (the local console shows it to people tuning data)."""


class Dispatcher:
    """Runs the pipeline for messages and button clicks from any adapter."""

    def __init__(
        self, *, database: Database, registry: ConnectorRegistry, nlu: NLUEngine,
        directory: PeopleDirectory | None = None, on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.registry = registry
        self.nlu = nlu
        self.directory = directory or PeopleDirectory()
        self.outbox = SqlOutbox()
        self.on_commit = on_commit
        self.parse_observers: list[ParseObserver] = []
        self.feedback: Any = None
        """A ``bot.lifecycle.feedback.FeedbackRecorder``: keeps clarified messages as training data."""

    async def handle_message(self, message: Message, *, delivery_key: str = "") -> Reply | None:
        """The reply to one message; None when this delivery was already handled."""
        if message.attachments:
            return await self._receive_files(message, delivery_key)
        problem = _check_text(message.text)
        if problem:
            return Reply(text=problem)
        key = message.address().conversation_key
        async with self.database.transaction() as session:
            question = await conversation.load(session, key, now=utcnow())
        if question is not None:
            return await self._answer(message, question, delivery_key)
        started = time.perf_counter()
        parse = await self.nlu.parse(message)
        NLU_LATENCY.observe(time.perf_counter() - started)
        NLU_CONFIDENCE.labels(intent=parse.intent).observe(parse.confidence)
        log.info("nlu.parsed", intent=parse.intent, confidence=round(parse.confidence, 3))
        for observe in self.parse_observers:
            observe(message, parse)
        if parse.intent == OUT_OF_SCOPE:
            return parse_reply(parse.text) or replies.out_of_scope()
        if parse.intent == HELP:
            return replies.help_text((s.name, s.description) for s in self.registry.specs())
        spec = self.registry.spec(parse.intent)
        if spec is None:
            return replies.out_of_scope()
        return await self._advance(message, spec, dict(parse.args), delivery_key)

    def handles(self, action_id: str) -> bool:
        """Whether a button ``action_id`` is one this pipeline answers (adapters refuse other clicks)."""
        return (action_id in (replies.CONFIRM, replies.CANCEL) or self.registry.spec(action_id) is not None
                or (self.feedback is not None and self.feedback.handles(action_id)))

    async def handle_interaction(self, interaction: Interaction) -> Reply | None:
        """The reply to a click; None when this delivery was already handled."""
        if interaction.action_id in (replies.CONFIRM, replies.CANCEL):
            return await self._confirm(interaction)
        if self.feedback is not None and self.feedback.handles(interaction.action_id):
            return await self.feedback.on_rating(interaction)  # type: ignore[no-any-return]
        spec = self.registry.spec(interaction.action_id)
        if spec is None:
            raise AdapterError(f"unknown action {interaction.action_id!r}", status=400)
        try:
            args = spec.args.model_validate_json(interaction.value or "{}")
            if interaction.fields and "fields" in spec.args.model_fields:  # what was typed in the card's inputs
                args = spec.args.model_validate({**args.model_dump(), "fields": dict(interaction.fields)})
        except ValidationError as exc:
            raise AdapterError(f"invalid value for {spec.name}: {exc.errors()[0]['msg']}") from None
        actor = Actor(platform=interaction.platform, workspace=interaction.workspace,
                      user=interaction.user, name=interaction.user_name)
        return await self._execute(spec, args, actor=actor, origin=interaction.address(),
                                   delivery_key=interaction.delivery_id, interaction=interaction)

    async def _receive_files(self, message: Message, delivery_key: str) -> Reply | None:
        """Files go to the documents action with the words that came with them."""
        problem = _check_text(message.text or "-")
        spec = self.registry.spec(DOCUMENTS)
        if problem or spec is None:
            return Reply(text=problem or "I can't read files here: no connector handles them.")
        try:
            args = spec.args.model_validate({"attachments": list(message.attachments), "text": message.text})
        except ValidationError as exc:
            return Reply(text=f"I couldn't take those files: {exc.errors()[0]['msg']}.")
        prepare = getattr(self.registry.owner(DOCUMENTS), "prepare_files", None)
        if prepare is not None:  # parse and OCR before the transaction, not while holding its write lock
            try:
                args = await prepare(args)
            except ActionRejected as exc:
                ACTIONS.labels(action=spec.name, outcome="rejected").inc()
                return Reply(text=exc.message, private=exc.private)
        actor = _actor(message)
        return await self._execute(spec, args, actor=actor, origin=message.address(),
                                   delivery_key=delivery_key, message=message)

    async def _answer(self, message: Message, question: conversation.OpenQuestion, delivery_key: str) -> Reply | None:
        key = message.address().conversation_key
        if message.text.strip().lower().strip(".!") in STOP_WORDS:
            async with self.database.transaction() as session:
                await conversation.clear(session, key)
            return Reply(text="OK, I dropped that request.")
        spec = self.registry.spec(question.intent)
        if spec is None:
            async with self.database.transaction() as session:
                await conversation.clear(session, key)
            return replies.out_of_scope()
        field = spec.args.model_fields.get(question.awaiting)
        value = slots.answer_value(question.awaiting, field.annotation if field else None, message)
        return await self._advance(message, spec, {**question.args, question.awaiting: value}, delivery_key,
                                   answering=True)

    async def _advance(self, message: Message, spec: ActionSpec, args: dict[str, Any], delivery_key: str,
                       *, answering: bool = False) -> Reply | None:
        """Ask for what is missing, show a preview, or run the action."""
        key = message.address().conversation_key
        actor = _actor(message)
        missing = [n for n, f in spec.args.model_fields.items() if f.is_required() and args.get(n) in (None, "", [])]
        if missing:
            if not await self._ask(message, spec, args, missing[0], actor, delivery_key,
                                   learned=None if answering else args):
                return None
            return replies.ask(question_text(spec, missing[0]))
        try:
            model = spec.args.model_validate(args)
        except ValidationError as exc:
            return await self._reask(message, spec, args, exc, actor, delivery_key, answering=answering)
        if self.feedback is not None and answering:
            await self.feedback.completed(key=key, intent=spec.name,
                                          args=model.model_dump(mode="json", exclude_none=True))
        if spec.confirm:
            reply = await self._preview(spec, model, actor=actor, message=message, delivery_key=delivery_key)
        else:
            reply = await self._execute(spec, model, actor=actor, origin=message.address(),
                                        delivery_key=delivery_key, message=message)
        if self.feedback is not None and reply is not None and not answering:  # thumbs on the reading
            return self.feedback.rated(reply, text=message.text, intent=spec.name, args=args)  # type: ignore[no-any-return]
        return reply

    async def _reask(self, message: Message, spec: ActionSpec, args: dict[str, Any], exc: ValidationError,
                     actor: Actor, delivery_key: str, *, answering: bool = False) -> Reply | None:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        if field not in spec.args.model_fields:
            return Reply(text=f"I couldn't use that request: {error['msg']}.")
        args = {k: v for k, v in args.items() if k != field}
        if not await self._ask(message, spec, args, field, actor, delivery_key,
                               learned=None if answering else {**args, field: None}):
            return None
        return Reply(text=f"That {field.replace('_', ' ')} doesn't look right ({error['msg']}). "
                          f"{question_text(spec, field)}")

    async def _ask(self, message: Message, spec: ActionSpec, args: dict[str, Any], field: str, actor: Actor,
                   delivery_key: str, *, learned: dict[str, Any] | None) -> bool:
        """Remember that this thread waits for ``field``; False when the delivery was handled already.

        ``learned``: the arguments the first message carried, kept as a training example.
        """
        key = message.address().conversation_key
        question = conversation.OpenQuestion(intent=spec.name, args=args, awaiting=field, actor=actor)
        async with self.database.transaction() as session:
            if not await dedup.claim(session, delivery_key):
                return False
            await conversation.save(session, key, question, now=utcnow())
            if self.feedback is not None and learned is not None:
                await self.feedback.asked(session, key=key, user=message.user, text=message.text,
                                          intent=spec.name, args=learned)
        return True

    async def _preview(self, spec: ActionSpec, model: BaseModel, *, actor: Actor, message: Message,
                       delivery_key: str) -> Reply | None:
        args = model.model_dump(mode="json", exclude_none=True)
        card = spec.preview(model) if spec.preview else replies.default_preview(spec.name, args)
        async with self.database.transaction() as session:
            if not await dedup.claim(session, delivery_key):
                return None
            await conversation.clear(session, message.address().conversation_key)
            pending = await confirmations.create(session, action=spec.name, args=args, actor=actor,
                                                 origin=message.address(), now=utcnow())
        return replies.preview(pending_id=pending.id, card=card)

    async def _confirm(self, interaction: Interaction) -> Reply | None:
        try:
            pending_id = str(json.loads(interaction.value)["id"])
        except (ValueError, KeyError, TypeError):
            raise AdapterError("invalid confirmation value", status=400) from None
        send = interaction.action_id == replies.CONFIRM
        async with self.database.transaction() as session:
            pending = await confirmations.get(session, pending_id)
        if pending is None:
            return replies.notice("That request is no longer available.")
        if interaction.user != pending.actor.user:
            return replies.notice("Only the person who asked can send or cancel this.")
        spec = self.registry.spec(pending.action)
        if spec is None:
            return replies.notice(f"The action {pending.action} is no longer available.")
        if not send:
            async with self.database.transaction() as session:
                if not await confirmations.decide(session, pending_id, state="cancelled", by=interaction.user, now=utcnow()):
                    return replies.notice("This was already handled.")
            return replies.decided(interaction_card(spec, pending.args), f"Cancelled by {_who(interaction)}.")
        model = spec.args.model_validate(pending.args)
        claim = lambda session: confirmations.decide(session, pending_id, state="sent", by=interaction.user, now=utcnow())  # noqa: E731
        reply = await self._execute(spec, model, actor=pending.actor, origin=pending.origin,
                                    delivery_key=interaction.delivery_id, interaction=interaction, claim=claim)
        if reply is None or reply.private:
            return reply
        card = interaction_card(spec, pending.args)
        footer = f"Sent by {_who(interaction)} at {utcnow():%Y-%m-%d %H:%M} UTC. {reply.text}".strip()
        return replies.decided(card, footer)

    async def _execute(self, spec: ActionSpec, args: BaseModel, *, actor: Actor, origin: Address,
                       delivery_key: str, interaction: Interaction | None = None,
                       message: Message | None = None, claim: Any = None) -> Reply | None:
        """Run a handler in one transaction with its de-dup key and the outbox rows of its notices."""
        mentions = message.mentions if message else ()
        try:
            async with self.database.transaction() as session:
                if not await dedup.claim(session, delivery_key):
                    return None
                if claim is not None and not await claim(session):
                    return replies.notice("This was already handled.")
                if message is not None:
                    await conversation.clear(session, message.address().conversation_key)
                ctx = self._context(session, actor=actor, origin=origin, mentions=mentions,
                                    interaction=interaction, key=delivery_key)
                result = await spec.handler(ctx, args)
                await self.outbox.enqueue_notices(session, result.notices)
        except ActionRejected as exc:
            ACTIONS.labels(action=spec.name, outcome="rejected").inc()
            return Reply(text=exc.message, private=exc.private)
        except BotError as exc:
            ACTIONS.labels(action=spec.name, outcome="failed").inc()
            log.warning("action.failed", action=spec.name, error=str(exc))
            return Reply(text=f"Sorry, {spec.name} failed: {exc.message}")
        ACTIONS.labels(action=spec.name, outcome=result.status).inc()
        self.on_commit()
        return replies.from_result(result, await self._say(spec.name, args, result))

    def _context(self, session: AsyncSession, *, actor: Actor, origin: Address, mentions: tuple[Any, ...],
                 interaction: Interaction | None, key: str) -> ActionContext:
        async def resolve(value: str) -> Person:
            return await self.directory.resolve(value, platform=actor.platform,
                                                workspace=actor.workspace, mentions=mentions)

        return ActionContext(actor=actor, origin=origin, session=session, outbox=self.outbox,
                             now=utcnow(), resolve_person=resolve, run=self._run_nested,
                             interaction=interaction, idempotency_key=key)

    async def _run_nested(self, action: Action, ctx: ActionContext) -> ActionResult:
        """Run another connector's action inside the caller's transaction (workflows)."""
        spec = self.registry.spec(action.type)
        if spec is None:
            raise ActionRejected(f"unknown action {action.type!r}")
        try:
            model = spec.args.model_validate(action.args)
        except ValidationError as exc:
            raise ActionRejected(f"{action.type}: {exc.errors()[0]['msg']}") from None
        result = await spec.handler(ctx, model)
        await self.outbox.enqueue_notices(ctx.session, result.notices)
        return result

    async def _say(self, intent: str, args: BaseModel, result: ActionResult) -> str | None:
        try:
            return await asyncio.wait_for(
                self.nlu.say(intent=intent, args=args.model_dump(mode="json", exclude_none=True),
                             status=result.status, summary=result.summary),
                timeout=SAY_TIMEOUT,
            )
        except Exception:  # noqa: BLE001 - the connector's summary is the fallback wording
            log.warning("nlu.say_failed", intent=intent, exc_info=True)
            return None


def interaction_card(spec: ActionSpec, args: dict[str, Any]) -> Any:
    model = spec.args.model_validate(args)
    return spec.preview(model) if spec.preview else replies.default_preview(spec.name, args)


def question_text(spec: ActionSpec, field: str) -> str:
    """The connector's question for ``field``, or a plain one."""
    return spec.ask.get(field) or f"What {field.replace('_', ' ')} should I use?"


def parse_reply(text: str | None) -> Reply | None:
    return Reply(text=text) if text else None


def _actor(message: Message) -> Actor:
    """Who sent the message, as the platform identified them."""
    return Actor(platform=message.platform, workspace=message.workspace, user=message.user, name=message.user_name)


def _who(interaction: Interaction) -> str:
    return interaction.user_name or interaction.user


def _check_text(text: str) -> str | None:
    if not text or not text.strip():
        return "I didn't catch anything there. Tell me what you need, or say “help”."
    if len(text) > MAX_TEXT:
        return f"That message is too long for me ({len(text):,} characters; the limit is {MAX_TEXT:,}). Please shorten it."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "That message contains characters I can't read (invalid UTF-8). Please send it again."
    return None
