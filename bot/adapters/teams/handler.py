"""The botbuilder ActivityHandler: messages and card clicks through flowdesk's pipeline."""

from __future__ import annotations

from typing import Any

import structlog
from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ConversationParameters

from bot.adapters.teams import cards, convert
from bot.adapters.teams.consent import INVOKE as FILE_CONSENT
from bot.adapters.teams.consent import ConsentError, ConsentFiles
from bot.adapters.teams.files import FileFetcher, files_of
from bot.adapters.teams.jobs import Jobs
from bot.adapters.teams.store import ReferenceStore
from bot.errors import ActionRejected, AdapterError
from bot.models import Address, Attachment, Notice, Reply

log = structlog.get_logger(__name__)

CARD_ACTION = "adaptiveCard/action"
FOREIGN = "That button isn't one of flowdesk's, so I can't act on it."
WELCOME = ("Hi, I'm flowdesk. Mention me to ask for an approval, send an email or log a record, "
           "e.g. “ask <at>Dana Kim</at> to approve $1,200 for a laptop”. Say “help” to see everything.")
SORRY = "Sorry, something went wrong on my side while handling that. Please try again."
BUSY = "I'm very busy right now and couldn't take that on. Please try again in a minute."


class FlowdeskTeamsBot(ActivityHandler):  # type: ignore[misc]  # untyped SDK
    """Turns Teams activities into Messages and Interactions; answers in the same conversation."""

    def __init__(self, *, dispatcher: Any, store: ReferenceStore, app_id: str, jobs: Jobs,
                 files: FileFetcher, consent: ConsentFiles | None = None) -> None:
        self.dispatcher = dispatcher
        self.store = store
        self.app_id = app_id
        self.jobs = jobs
        self.files = files
        self.consent = consent

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await self.store.remember(turn_context.activity)
        except Exception:  # noqa: BLE001 - a lost reference must not lose the message
            log.warning("teams.remember_failed", exc_info=True)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        click = cards.click_of(activity.value)
        if click is not None:
            await self._on_submit(turn_context, click)
            return
        if activity.value is not None and not (activity.text or "").strip() and not files_of(activity):
            await turn_context.send_activity(MessageFactory.text(FOREIGN))
            return
        seen = convert.seen_key(activity)
        if seen and not await self.store.claim(seen):
            log.info("teams.duplicate_delivery", key=seen)
            return
        if not self.jobs.offer(lambda: self._on_message(turn_context, seen)):
            await self.store.release(seen)
            await turn_context.send_activity(MessageFactory.text(BUSY))

    async def _on_message(self, turn_context: TurnContext, seen: str) -> None:
        """After the acknowledgement: the NLU and the action may take longer than Teams waits."""
        try:
            await self._answer(turn_context)
        except Exception:  # noqa: BLE001 - the user is told; a redelivery may succeed
            log.exception("teams.message_failed", key=seen)
            await self.store.release(seen)
            await turn_context.send_activity(MessageFactory.text(SORRY))

    async def _answer(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        people, _ = convert.mentions_of(activity)
        aad_ids = {p.id: aad for p in people if not p.aad and p.id != activity.recipient.id
                   and (aad := await self._aad_id(turn_context, p.id))}
        try:
            files = await self.files.fetch(files_of(activity))
        except ActionRejected as exc:
            await turn_context.send_activity(MessageFactory.text(exc.message))
            return
        message = convert.to_message(activity, people, aad_ids, files)
        key = convert.delivery_key(activity)
        reply = await self.dispatcher.handle_message(message, delivery_key=key)
        if reply is None:
            return
        try:
            await self._say(turn_context, reply)
        except Exception:  # noqa: BLE001 - the state change is committed; the answer must still arrive
            log.warning("teams.reply_deferred", key=key, exc_info=True)
            await self._say_later(message.address(), reply, key=f"{key or message.id}:reply")

    async def _say_later(self, to: Address, reply: Reply, *, key: str) -> None:
        """Hand a reply Teams refused for now to the outbox, which retries it with backoff."""
        notice = Notice(to=to, reply=reply, key=key)
        async with self.dispatcher.database.transaction() as session:
            await self.dispatcher.outbox.enqueue_notices(session, [notice])
        self.dispatcher.on_commit()

    async def on_members_added_activity(self, members_added: list[Any], turn_context: TurnContext) -> None:
        """Say hello once, when the bot itself joins a chat or team."""
        if any(m.id == turn_context.activity.recipient.id for m in members_added or []):
            await turn_context.send_activity(MessageFactory.text(WELCOME))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Universal Actions; returns the invoke response itself (botbuilder's own path answers 500)."""
        activity = turn_context.activity
        if activity.name == FILE_CONSENT and self.consent is not None:
            await self._on_file_consent(turn_context)
            return InvokeResponse(status=200)
        if activity.name != CARD_ACTION:
            return InvokeResponse(status=400, body={"error": f"unsupported invoke {activity.name!r}"})
        click = cards.click_of(cards.execute_data(activity.value))
        if click is None:
            return InvokeResponse(status=200, body=cards.error_response(400, FOREIGN))
        return InvokeResponse(status=200, body=await self._on_execute(turn_context, click))

    async def _on_execute(self, turn_context: TurnContext, click: cards.Click) -> dict[str, Any]:
        try:
            reply = await self.dispatcher.handle_interaction(convert.to_interaction(turn_context.activity, click))
        except AdapterError as exc:
            return cards.error_response(exc.status, exc.message)
        if reply is None:
            return cards.message_response("That click was already handled.")
        if reply.private:
            await self._hand_files(turn_context, reply.attachments)
            return cards.message_response(reply.text or "Done.")
        if reply.replace and reply.card is not None:
            await self._replace_clicked(turn_context, reply)
            return cards.card_response(reply.card)
        await self._say(turn_context, reply)
        return cards.message_response(reply.text or "Done.")

    async def _on_submit(self, turn_context: TurnContext, click: cards.Click) -> None:
        """Action.Submit (clients without Universal Actions): answers are messages."""
        try:
            reply = await self.dispatcher.handle_interaction(convert.to_interaction(turn_context.activity, click))
        except AdapterError as exc:
            log.info("teams.bad_click", error=exc.message)
            await turn_context.send_activity(MessageFactory.text("That button doesn't work any more."))
            return
        if reply is None:
            return
        if reply.replace and reply.card is not None and not reply.private:
            await self._replace_clicked(turn_context, reply)
        else:
            await self._say(turn_context, reply)

    async def _replace_clicked(self, turn_context: TurnContext, reply: Reply) -> None:
        """Update the clicked card for everyone in the conversation."""
        card_id = turn_context.activity.reply_to_id
        if not card_id:
            await self._say(turn_context, reply)
            return
        activity = cards.to_activity(reply)
        activity.id = card_id
        try:
            await turn_context.update_activity(activity)
        except Exception:  # noqa: BLE001 - the decision is stored; the card is refreshed on the next view
            log.warning("teams.update_failed", activity_id=card_id, exc_info=True)

    async def _say(self, turn_context: TurnContext, reply: Reply) -> None:
        """The reply where it belongs; its files are offered in the person's 1:1 chat (file consent)."""
        kind = getattr(turn_context.activity.conversation, "conversation_type", None)
        files = reply.attachments if self.consent is not None else ()
        message = cards.to_activity(reply.model_copy(update={"attachments": ()}) if files else reply)
        if reply.private and kind != "personal":
            await self._say_privately(turn_context, message, *(await self._offers(turn_context, files)))
            return
        await turn_context.send_activity(message)
        await self._hand_files(turn_context, files)

    async def _hand_files(self, turn_context: TurnContext, files: tuple[Attachment, ...]) -> None:
        """Offer result files in the person's 1:1 chat (file consent cards work only there)."""
        offers = await self._offers(turn_context, files)
        if not offers:
            return
        if getattr(turn_context.activity.conversation, "conversation_type", None) == "personal":
            for offer in offers:
                await turn_context.send_activity(offer)
        else:
            await self._say_privately(turn_context, *offers)

    async def _offers(self, turn_context: TurnContext, files: tuple[Attachment, ...]) -> list[Activity]:
        """File consent cards for ``files``, for the person who caused the reply."""
        if self.consent is None:
            return []
        user = convert.user_of(turn_context.activity)
        return [await self.consent.offer(file, user=user) for file in files if file.content is not None]

    async def _on_file_consent(self, turn_context: TurnContext) -> None:
        """Allow: upload the file to the person's OneDrive and show it; Decline: drop it."""
        assert self.consent is not None
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        try:
            offered = await self.consent.take(value.get("context"), user=convert.user_of(activity))
            if value.get("action") != "accept":
                await self.consent.forget(offered.id)
                await turn_context.send_activity(MessageFactory.text(f"OK, I won't save {offered.name}."))
                return
            await turn_context.send_activity(await self.consent.upload(offered, value.get("uploadInfo")))
        except ConsentError as exc:
            await turn_context.send_activity(MessageFactory.text(str(exc)))

    async def _say_privately(self, turn_context: TurnContext, *activities: Activity) -> None:
        """Teams has no ephemeral messages: a private reply goes to a 1:1 chat with the user."""
        activity = turn_context.activity
        try:
            conversation_id = await open_personal_chat(turn_context, activity.from_property, self.store)
            for message in activities:
                await send_to(turn_context, conversation_id, message)
        except Exception:  # noqa: BLE001 - the user is told where to look instead
            log.warning("teams.private_failed", exc_info=True)
            await turn_context.send_activity(MessageFactory.text(
                "I couldn't open a private chat with you; message me directly to see that."))

    async def _aad_id(self, turn_context: TurnContext, teams_id: str) -> str | None:
        """The AAD object id of a mentioned person: stored, else asked from Teams."""
        known = await self.store.person(teams_id)
        if known is not None and known["teams_id"] == teams_id and known["user"] != teams_id:
            return str(known["user"])
        try:
            member = await TeamsInfo.get_member(turn_context, teams_id)
        except Exception:  # noqa: BLE001 - the Teams id still names the person
            log.info("teams.member_lookup_failed", member=teams_id)
            return None
        return getattr(member, "aad_object_id", None) or None


async def open_personal_chat(turn_context: TurnContext, user: Any, store: ReferenceStore) -> str:
    """Id of the 1:1 chat between the bot and ``user`` (created when needed)."""
    client = turn_context.turn_state[turn_context.adapter.BOT_CONNECTOR_CLIENT_KEY]
    tenant = convert.tenant_of(turn_context.activity)
    params = ConversationParameters(is_group=False, bot=turn_context.activity.recipient, members=[user],
                                    tenant_id=tenant or None, channel_data={"tenant": {"id": tenant}})
    created = await client.conversations.create_conversation(params)
    if getattr(user, "aad_object_id", None):
        await store.set_personal(user.aad_object_id, created.id)
    return str(created.id)


async def send_to(turn_context: TurnContext, conversation_id: str, activity: Activity) -> str:
    """Post ``activity`` as a new message in another conversation; returns its id."""
    client = turn_context.turn_state[turn_context.adapter.BOT_CONNECTOR_CLIENT_KEY]
    activity.from_property = turn_context.activity.recipient
    activity.channel_id = turn_context.activity.channel_id
    activity.service_url = turn_context.activity.service_url
    activity.conversation = type(turn_context.activity.conversation)(id=conversation_id)
    response = await client.conversations.send_to_conversation(conversation_id, activity)
    return str(getattr(response, "id", "") or "")
