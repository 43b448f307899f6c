"""What happens after the acknowledgement: run a stored delivery through the pipeline, answer.

Each delivery reaches this module as an inbox item (``bot.inbox``), stored
before Slack got its acknowledgement; a retried event or a repeated click was
dropped there. An item may run again when the process that first ran it
died: the pipeline's de-dup keys keep its state changes single, and the
thread a command opened is remembered on the item so a re-run answers in it.
If the work fails, the user is told politely.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from bot.adapters.slack import convert
from bot.adapters.slack.outgoing import SlackPoster
from bot.errors import AdapterError
from bot.inbox import Inbox, Item
from bot.models import Address, Interaction, Message, Notice, Reply
from bot.outbox import SqlOutbox

log = structlog.get_logger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again."


class SlackWork:
    """Runs commands, events and clicks through the pipeline and posts the replies."""

    def __init__(self, *, runtime: Any, poster: SlackPoster, inbox: Inbox, adapter: Any) -> None:
        self.runtime = runtime
        self.poster = poster
        self.inbox = inbox
        self.adapter = adapter

    async def run(self, item: Item) -> None:
        """One stored delivery, recorded done in the inbox once handled (unless another process took it over)."""
        await self.inbox.run(item, lambda held: self.run_job(held.payload, held))

    async def run_job(self, job: dict[str, Any], item: Item | None = None) -> None:
        """One job: ``command``, ``event``, ``click`` or ``file_shared`` with the payloads bolt parsed."""
        kind = job["kind"]
        if kind == "command":
            await self.command(job["body"], item)
        elif kind == "event":
            await self.event(job["body"], job["event"], mention=bool(job["mention"]))
        elif kind == "click":
            await self.click(job["body"])
        elif kind == "file_shared":
            event = await self.adapter.files.shared(job["body"], job["event"])
            if event is not None:
                await self.event(job["body"], event, mention=False)
        else:
            log.error("slack.unknown_job", kind=kind)

    async def command(self, body: dict[str, Any], item: Item | None = None) -> None:
        """``/flowdesk <text>``: open a thread for the conversation, then answer in it."""
        key = delivery_key({"kind": "command", "body": body})
        text = convert.clean_text(str(body.get("text", "")))

        async def run() -> Address:
            thread = await self._thread_of(body, item)
            message = convert.command_message(body, thread=thread, text=text)
            name = await self.poster.name(message.workspace, message.user, body.get("enterprise_id"))
            message = await self._with_names(message.model_copy(update={"user_name": name or message.user_name}))
            reply = await self.runtime.dispatcher.handle_message(message, delivery_key=key)
            if reply is not None:
                await self._deliver(message.address(), reply, key)
            return message.address()

        fallback = convert.command_message(body, thread=None, text=text).address()
        await self._once(key, run, fallback, sorry_private=True)

    async def event(self, body: dict[str, Any], event: dict[str, Any], *, mention: bool) -> None:
        """An app_mention or a direct message, answered once in its thread."""
        key = delivery_key({"kind": "event", "body": body, "event": event})
        raw = str(event.get("text", ""))
        bot = self.adapter.bot_user_id or _bot_id(body)
        text = convert.clean_text(raw, bot_user_id=bot, strip_leading_mention=mention)
        workspace = str(event.get("team") or body.get("team_id") or "")
        base = convert.event_message(body, event, text=text, user_name=None, mentions=())

        async def run() -> Address:
            name = await self.poster.name(workspace, str(event["user"]), body.get("enterprise_id"))
            mentions = convert.mentions_in(raw, bot_user_id=bot)
            message = await self._with_names(base.model_copy(update={"user_name": name, "mentions": mentions}))
            with_files = await self.adapter.files.attach(message, event, tell=lambda r: self._deliver(
                message.address(), r, key))
            if with_files is None:  # a file was refused (the sender was told) or another event took it
                return message.address()
            reply = await self.runtime.dispatcher.handle_message(with_files, delivery_key=key)
            if reply is not None:
                await self._deliver(message.address(), reply, key)
            return message.address()

        await self._once(key, run, base.address())

    async def click(self, body: dict[str, Any]) -> None:
        """A button: the pipeline decides; the card is updated in place or a private notice sent."""
        interaction = convert.click(body)

        async def run() -> Address:
            try:
                reply = await self.runtime.dispatcher.handle_interaction(interaction)
            except AdapterError as exc:
                log.info("slack.click_refused", action=interaction.action_id, error=exc.message)
                reply = Reply(text=f"That button didn't work: {exc.message}", private=True)
            if reply is not None:
                await self._answer_click(interaction, reply)
            return interaction.address()

        private = interaction.address().model_copy(update={"thread": None})
        await self._once(interaction.delivery_id, run, private, sorry_private=True)

    async def busy_event(self, body: dict[str, Any], event: dict[str, Any], text: str) -> None:
        """Tell the sender we could not take their message on (the backlog is full)."""
        where = convert.event_message(body, event, text=".", user_name=None, mentions=()).address()
        await self._quietly(self.poster.send(where, Reply(text=text)))

    async def busy_click(self, body: dict[str, Any], text: str) -> None:
        where = convert.click(body).address().model_copy(update={"thread": None})
        await self._quietly(self.poster.send(where, Reply(text=text, private=True)))

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> None:
        try:
            await call
        except Exception as exc:  # noqa: BLE001 - a "busy" notice is best effort
            log.warning("slack.busy_notice_failed", error=str(exc))

    async def _answer_click(self, interaction: Interaction, reply: Reply) -> None:
        if reply.replace and not reply.private:
            await self.poster.update({**interaction.ref, "workspace": interaction.workspace}, reply)
            return
        await self._deliver(interaction.address(), reply, interaction.delivery_id)

    async def _once(self, key: str, run: Callable[[], Awaitable[Address]], where: Address,
                    *, sorry_private: bool = False) -> None:
        try:
            await run()
        except Exception:  # noqa: BLE001 - the user is told
            log.exception("slack.work_failed", key=key)
            await self._deliver(where, Reply(text=SORRY, private=sorry_private), f"{key}:sorry")

    async def _deliver(self, to: Address, reply: Reply, key: str) -> None:
        """Post now; if Slack refuses for now (rate limit, outage), the outbox retries it later."""
        try:
            await self.poster.send(to, reply)
        except Exception as exc:  # noqa: BLE001 - never drop an answer: queue it
            log.warning("slack.reply_queued", key=key, error=str(exc))
            notice = Notice(to=to, reply=reply, key=f"{key}:reply")
            async with self.runtime.database.transaction() as session:
                await SqlOutbox().enqueue_notices(session, [notice])
            self.runtime.worker.wake()

    async def _thread_of(self, body: dict[str, Any], item: Item | None) -> str | None:
        """The command's thread: the one an earlier run opened, else a new one, remembered for a re-run.

        A run that died between posting the thread's first message and
        remembering it leaves ``opening``: the re-run answers without a thread
        rather than post that message twice.
        """
        if item is None:
            return await self._open_thread(body)
        if "thread" in item.facts or item.facts.get("opening"):
            return item.facts.get("thread")  # type: ignore[no-any-return]
        item = await self.inbox.remember(item, opening=True)
        thread = await self._open_thread(body)
        await self.inbox.remember(item, thread=thread)
        return thread

    async def _open_thread(self, body: dict[str, Any]) -> str | None:
        """The message that holds a command's conversation; None where the bot may not post."""
        shown = str(body.get("text", "")).replace("<!", "&lt;!")
        try:
            return await self._announce(body, shown)
        except AdapterError as exc:  # rate limited for too long, Slack down: answer without a thread
            log.warning("slack.thread_not_opened", error=exc.message)
            return None

    async def _announce(self, body: dict[str, Any], shown: str) -> str | None:
        return await self.poster.announce(
            workspace=str(body.get("team_id", "")), enterprise_id=body.get("enterprise_id"),
            channel=str(body.get("channel_id", "")), mrkdwn=f"<@{body['user_id']}> asked: /flowdesk {shown}")

    async def _with_names(self, message: Message) -> Message:
        """Mentions with the names people see, so cards say "Dana Kim" rather than an id."""
        named = []
        for mention in message.mentions:
            name = mention.name or await self.poster.name(message.workspace, mention.id, message.ref.get("enterprise_id"))
            named.append(mention.model_copy(update={"name": name}))
        return message.model_copy(update={"mentions": tuple(named)})


def delivery_key(job: dict[str, Any]) -> str:
    """The key a delivery is stored and de-duplicated under: Slack sends a retry with the same ids."""
    body, kind = job["body"], job["kind"]
    if kind == "command":
        return f"slack:command:{body.get('team_id', '')}:{body.get('trigger_id', '')}"
    if kind == "click":
        return convert.click(body).delivery_id
    event = job.get("event") or body.get("event") or {}
    return f"slack:event:{body.get('event_id') or event.get('client_msg_id') or event.get('ts')}"


def _bot_id(body: dict[str, Any]) -> str | None:
    for item in body.get("authorizations") or []:
        if isinstance(item, dict) and item.get("is_bot"):
            return str(item.get("user_id") or "") or None
    return None
