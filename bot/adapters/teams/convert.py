"""Activities -> flowdesk Messages and Interactions (pure functions, no I/O).

People are identified by their Azure AD object id, the id approvals compare
with the clicking user's; the Teams user id (``29:...``) is the fallback.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from bot.adapters.teams.cards import Click
from bot.models import Attachment, Interaction, Mention, Message

PLATFORM = "teams"
_THREAD = ";messageid="
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class MentionedPerson:
    """A person @mentioned in an activity: Teams id, AAD object id when sent, display name."""

    id: str
    name: str
    aad: str | None
    text: str


def conversation_of(activity: Activity) -> tuple[str, str | None]:
    """(conversation id without the thread suffix, id of the channel thread's root post)."""
    base, _, root = activity.conversation.id.partition(_THREAD)
    return base, root or None


def tenant_of(activity: Activity) -> str:
    tenant = getattr(activity.conversation, "tenant_id", None)
    if not tenant and isinstance(activity.channel_data, dict):
        data = activity.channel_data.get("tenant")
        tenant = data.get("id") if isinstance(data, dict) else None
    return str(tenant or "")


def user_of(activity: Activity) -> str:
    """The sender's AAD object id (what approvals compare), else the Teams user id."""
    sender = activity.from_property
    return str(sender.aad_object_id or sender.id)


def thread_of(activity: Activity) -> str:
    """A channel thread is its root post; a personal or group chat is one thread."""
    base, root = conversation_of(activity)
    return root or base


def reference_of(activity: Activity) -> dict[str, Any]:
    """The conversation reference (JSON) that reaches this conversation later, even after a restart."""
    return dict(TurnContext.get_conversation_reference(activity).serialize())


def activity_from(data: Mapping[str, Any]) -> Activity:
    """An activity from its JSON (msrest raises on shapes it cannot read)."""
    return Activity().deserialize(dict(data))


def reference_from(data: Mapping[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(dict(data))


def mentions_of(activity: Activity) -> tuple[list[MentionedPerson], bool]:
    """People mentioned (not the bot), and whether the bot itself was mentioned."""
    people: list[MentionedPerson] = []
    bot_mentioned = False
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        if (entity.type or "").lower() != "mention":
            continue
        props = entity.additional_properties or {}
        mentioned, text = props.get("mentioned"), props.get("text")
        if not isinstance(mentioned, dict) or not isinstance(mentioned.get("id"), str):
            continue
        name = str(mentioned.get("name") or "")
        markup = text if isinstance(text, str) and text else f"<at>{name}</at>"
        if mentioned["id"] == bot_id:
            bot_mentioned = True
            people.append(MentionedPerson(id=mentioned["id"], name=name, aad=None, text=markup))
            continue
        aad = mentioned.get("aadObjectId")
        people.append(MentionedPerson(id=mentioned["id"], name=name, aad=aad if isinstance(aad, str) else None,
                                      text=markup))
    return people, bot_mentioned


def clean_text(activity: Activity, people: list[MentionedPerson]) -> str:
    """The text without the bot's mention; people stay as ``<at>Name</at>``."""
    text = activity.text if isinstance(activity.text, str) else ""
    bot_id = activity.recipient.id if activity.recipient else None
    for person in people:
        if person.id == bot_id:
            text = text.replace(person.text, " ").replace(f"<at>{person.name}</at>", " ")
        elif person.text != f"<at>{person.name}</at>":
            text = text.replace(person.text, f"<at>{person.name}</at>")
    text = html.unescape(text)
    return _SPACES.sub(" ", text).strip()


def to_message(activity: Activity, people: list[MentionedPerson], aad_ids: Mapping[str, str],
               files: tuple[Attachment, ...] = ()) -> Message:
    """A flowdesk message; ``aad_ids`` maps Teams user ids to AAD object ids found by lookup."""
    base, _ = conversation_of(activity)
    bot_id = activity.recipient.id if activity.recipient else None
    mentions = tuple(
        Mention(id=p.aad or aad_ids.get(p.id) or p.id, name=p.name or None)
        for p in people if p.id != bot_id
    )
    return Message(
        platform=PLATFORM, workspace=tenant_of(activity), channel=base, thread=thread_of(activity),
        id=str(activity.id or ""), user=user_of(activity), user_name=activity.from_property.name,
        text=clean_text(activity, people), mentions=tuple(dict.fromkeys(mentions)),
        ref={"reference": reference_of(activity)}, attachments=files,
    )


def to_interaction(activity: Activity, click: Click) -> Interaction:
    """A click: who clicked comes from the activity, never from the card's data."""
    base, _ = conversation_of(activity)
    return Interaction(
        platform=PLATFORM, workspace=tenant_of(activity), channel=base, thread=thread_of(activity),
        user=user_of(activity), user_name=activity.from_property.name, action_id=click.action_id,
        value=click.value, message_id=str(activity.reply_to_id or ""), delivery_id=delivery_key(activity),
        ref={"reference": reference_of(activity)}, fields=click.fields,
    )


def delivery_key(activity: Activity) -> str:
    """De-dup key of a delivery: a retried activity keeps its id."""
    if not activity.id:
        return ""
    base, _ = conversation_of(activity)
    return f"teams:{base}:{activity.id}"


def seen_key(activity: Activity) -> str:
    """The adapter's own claim on a delivery (the pipeline claims ``delivery_key`` with its state change)."""
    key = delivery_key(activity)
    return key.replace("teams:", "teams:seen:", 1) if key else ""


def problem_of(activity: Activity) -> str | None:
    """Why an authenticated activity cannot be handled (None when it can)."""
    conversation, sender = activity.conversation, activity.from_property
    if conversation is None or not isinstance(conversation.id, str) or not conversation.id:
        return "conversation.id is required"
    if sender is None or not isinstance(sender.id, str) or not sender.id:
        return "from.id is required"
    if activity.recipient is None or not isinstance(activity.recipient.id, str):
        return "recipient.id is required"
    if not isinstance(activity.service_url, str) or not activity.service_url.startswith(("https://", "http://")):
        return "serviceUrl must be an http(s) URL"
    if activity.text is not None and not isinstance(activity.text, str):
        return "text must be a string"
    return None
