"""TeamsAdapter: ``POST /api/messages`` with botbuilder's CloudAdapter, and proactive notices.

Every botbuilder import lives in this package, so moving to the Microsoft 365
Agents SDK (botbuilder-python's successor) changes this package only.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationReference
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.serialization import Model

from bot.adapters.teams import cards, convert
from bot.adapters.teams.auth import authenticate, build_authentication, warm_signing_keys
from bot.adapters.teams.consent import ConsentFiles
from bot.adapters.teams.files import FileFetcher, max_bytes_of
from bot.adapters.teams.handler import FlowdeskTeamsBot, open_personal_chat, send_to
from bot.adapters.teams.jobs import Jobs
from bot.adapters.teams.store import ReferenceStore
from bot.config import Settings
from bot.errors import AdapterError
from bot.models import Address, Reply

log = structlog.get_logger(__name__)

ROUTE = "/api/messages"
KNOWN_TYPES = frozenset(t.value for t in ActivityTypes) - {ActivityTypes.invoke_response.value}


class TeamsAdapter:
    """Microsoft Teams through the Bot Framework."""

    platform = convert.PLATFORM

    def __init__(self, *, settings: Settings, runtime: Any,
                 credentials_factory: ServiceClientCredentialsFactory | None = None) -> None:
        self.settings = settings
        self.app_id = settings.teams_app_id or ""
        self.auth = build_authentication(settings, credentials_factory=credentials_factory)
        self.cloud = CloudAdapter(self.auth)
        self.store = ReferenceStore(database=runtime.database)
        self.jobs = Jobs()
        self.files = FileFetcher(max_bytes=max_bytes_of(runtime.registry))
        self.consent = ConsentFiles(database=runtime.database)
        self.bot = FlowdeskTeamsBot(dispatcher=runtime.dispatcher, store=self.store, app_id=self.app_id,
                                    jobs=self.jobs, files=self.files, consent=self.consent)
        self._warming: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.on_activity)

    async def start(self) -> None:
        self._warming = asyncio.get_running_loop().create_task(warm_signing_keys(self.settings))

    async def close(self) -> None:
        if self._warming is not None and not self._warming.done():
            self._warming.cancel()
        await self.jobs.close()
        await self.files.close()
        await self.consent.close()

    async def on_activity(self, request: web.Request) -> web.Response:
        """One Bot Framework activity: 401 unless authenticated, 4xx for what cannot be handled."""
        try:
            activity = await _read_activity(request)
            result = await authenticate(self.auth, activity, request.headers.get("Authorization"))
            if activity.type not in KNOWN_TYPES:
                raise AdapterError(f"unknown activity type {activity.type!r}")
            problem = convert.problem_of(activity)
            if problem:
                raise AdapterError(problem)
            self._check_tenant(activity)
            invoke = await self.cloud.process_activity(result, activity, self.bot.on_turn)
        except AdapterError as exc:
            return web.json_response({"error": exc.message}, status=exc.status)
        if invoke is None:
            return web.Response(status=201)
        body = serializer_helper(invoke.body) if isinstance(invoke.body, Model) else invoke.body
        return web.json_response(body, status=int(invoke.status or 200))

    def _check_tenant(self, activity: Activity) -> None:
        """A single-tenant registration serves its own tenant only."""
        tenant = convert.tenant_of(activity)
        if self.settings.teams_tenant_id and tenant and tenant != self.settings.teams_tenant_id:
            raise AdapterError(f"this bot serves tenant {self.settings.teams_tenant_id} only", status=403)

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        """Post a notice where ``to`` points (its stored conversation, or the person's 1:1 chat)."""
        reference, user = await self._reference(to)
        posted: dict[str, Any] = {}

        async def post(turn_context: TurnContext) -> None:
            # botbuilder gives the continuation a random id; reply to the message the reference names.
            turn_context.activity.id = reference.activity_id
            kind = getattr(turn_context.activity.conversation, "conversation_type", None)
            if user is not None and (reply.private or reference.conversation.id == ""):
                conversation_id = await open_personal_chat(turn_context, user, self.store)
                posted["id"] = await send_to(turn_context, conversation_id, cards.to_activity(reply))
                posted["conversation"] = conversation_id
                return
            if reply.private and kind != "personal":
                raise AdapterError("a private notice needs the person it is for")
            response = await turn_context.send_activity(cards.to_activity(reply))
            posted["id"] = getattr(response, "id", "") or ""
            posted["conversation"] = reference.conversation.id

        await self.cloud.continue_conversation(reference, post, bot_app_id=self.app_id)
        data = reference.serialize()
        data["conversation"] = {**data.get("conversation", {}), "id": posted["conversation"]}
        return {"reference": data, "activity_id": posted.get("id", "")}

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        """Edit a posted message in place (a card that was decided elsewhere)."""
        reference = convert.reference_from(ref.get("reference") or {})
        activity_id = str(ref.get("activity_id") or "")
        if not activity_id or reference.conversation is None:
            raise AdapterError("this Teams message reference cannot be updated")

        async def edit(turn_context: TurnContext) -> None:
            activity = cards.to_activity(reply)
            activity.id = activity_id
            await turn_context.update_activity(activity)

        await self.cloud.continue_conversation(reference, edit, bot_app_id=self.app_id)

    async def _reference(self, to: Address) -> tuple[ConversationReference, ChannelAccount | None]:
        """How to reach ``to``: its own reference, the stored one, or the person's chat."""
        data = to.ref.get("reference") if isinstance(to.ref.get("reference"), dict) else None
        if data is None and to.channel:
            data = await self.store.conversation(to.channel)
        person = await self.store.person(to.user) if to.user else None
        user = ChannelAccount(id=person["teams_id"], name=person["name"], aad_object_id=person["user"]) \
            if person else None
        if data is None and person is not None:
            data = await self.store.conversation(person["personal_conversation_id"] or "") or {
                "channelId": "msteams", "serviceUrl": person["service_url"],
                "bot": {"id": f"28:{self.app_id}"}, "conversation": {"id": "", "tenantId": person["tenant_id"]},
            }
        if data is None:
            raise AdapterError(f"no Teams conversation is known for {to.conversation_key!r}", status=404)
        return convert.reference_from(data), user


async def _read_activity(request: web.Request) -> Activity:
    if not request.headers.get("Authorization"):
        raise AdapterError("a Bot Framework bearer token is required", status=401)
    if request.content_type != "application/json":
        raise AdapterError("activities are JSON (application/json)", status=415)
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise AdapterError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise AdapterError("an activity is a JSON object")
    if not isinstance(body.get("text"), (str, type(None))):
        raise AdapterError("text must be a string")
    try:
        activity = convert.activity_from(body)
    except Exception:  # noqa: BLE001 - msrest raises several types for bad shapes
        raise AdapterError("the body is not a Bot Framework activity") from None
    if not isinstance(activity.type, str) or not activity.type:
        raise AdapterError("an activity needs a type")
    return activity
