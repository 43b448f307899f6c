"""Validation in front of bolt: malformed, unsigned, forged or stale requests never reach it.

Bolt answers some bad input with 500 (a non-numeric timestamp, a signed body
that is not JSON or has no valid ``payload``); here each gets 400 or 401 and
causes nothing. Signatures are checked with slack_sdk's ``SignatureVerifier``
(HMAC-SHA256, constant-time compare, 5-minute window) before the body is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_sdk.signature import SignatureVerifier

from bot.errors import AdapterError

MAX_BODY = 512 * 1024
"""Slack's own requests are a few KiB; a block_actions payload with a large message stays far below."""


class Rejected(AdapterError):
    """A request the guard refuses; ``status`` is the HTTP answer (400, 401 or 413)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason, status=status)


@dataclass(frozen=True, kw_only=True)
class Checked:
    """A verified request: the raw text bolt needs and the body as parsed here."""

    raw: str
    body: dict[str, Any]


class SlackRequestGuard:
    """Checks size, encoding, signature and payload shape of a request to /slack/events."""

    def __init__(self, *, signing_secret: str, is_known_action: Callable[[str], bool],
                 max_body: int = MAX_BODY) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.is_known_action = is_known_action
        self.max_body = max_body

    async def check(self, request: web.Request) -> Checked:
        """The verified, parsed request, or ``Rejected`` (4xx)."""
        if request.content_length is not None and request.content_length > self.max_body:
            raise Rejected(413, "body_too_large")
        raw_bytes = await request.read()
        if len(raw_bytes) > self.max_body:
            raise Rejected(413, "body_too_large")
        raw = self._verify(request.headers, raw_bytes)
        body = parse(raw, request.content_type)
        self._check_shape(body)
        return Checked(raw=raw, body=body)

    def _verify(self, headers: Mapping[str, str], body: bytes) -> str:
        """The body as text once its signature is right; Slack only sends UTF-8."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or len(timestamp) > 12 or not signature.startswith("v0="):
            raise Rejected(401, "invalid_request")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "body_not_utf8") from None
        if not self.verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
            raise Rejected(401, "invalid_request")
        return text

    def _check_shape(self, body: dict[str, Any]) -> None:
        try:  # bolt reads ids from many places and fails with 500 on odd types
            build_async_context(AsyncBoltContext({}), body)
        except (TypeError, KeyError, AttributeError, IndexError, ValueError):
            raise Rejected(400, "malformed_payload") from None
        _require(_is_url_or_absent(body.get("response_url")), "malformed_response_url")
        kind = body.get("type")
        if "command" in body:
            _require(isinstance(body.get("user_id"), str) and body["user_id"], "command_without_user")
        elif kind == "block_actions":
            actions, user = body.get("actions"), body.get("user")
            _require(isinstance(user, dict) and isinstance(user.get("id"), str), "payload_without_user")
            _require(isinstance(actions, list) and actions and isinstance(actions[0], dict), "payload_without_actions")
            _require(all(isinstance(actions[0].get(k, ""), str) for k in ("value", "action_ts")), "malformed_action")
            action_id = actions[0].get("action_id")
            _require(isinstance(action_id, str) and self.is_known_action(action_id), "unknown_action")
            _require(all(isinstance(body.get(k, {}) or {}, dict) for k in ("container", "message", "team", "channel")),
                     "malformed_payload")
        elif kind == "event_callback":
            event = body.get("event")
            _require(isinstance(event, dict) and isinstance(event.get("type"), str), "malformed_event")
            _require(isinstance(body.get("event_id"), str), "event_without_id")
            _require(all(isinstance(event.get(k, ""), str) for k in ("user", "text", "ts", "channel", "thread_ts")),
                     "malformed_event")
        elif kind not in ("url_verification", "app_rate_limited", "ssl_check") and "ssl_check" not in body:
            _require(isinstance(kind, str), "unknown_request")


def parse(raw: str, content_type: str) -> dict[str, Any]:
    """The body as bolt reads it: JSON, a form, or a form whose ``payload`` field is JSON.

    Unlike bolt, a form whose text merely contains the word "payload" stays a form.
    """
    if not raw:
        raise Rejected(400, "empty_body")
    try:
        if content_type == "application/json" or raw.startswith("{"):
            body = json.loads(raw)
        else:
            form = dict(parse_qsl(raw, keep_blank_values=True, strict_parsing=True, max_num_fields=200))
            body = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):
        raise Rejected(400, "malformed_body") from None
    if not isinstance(body, dict):
        raise Rejected(400, "body_not_an_object")
    return body


def _is_url_or_absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.startswith(("https://", "http://")))


def _require(condition: Any, reason: str) -> None:
    if not condition:
        raise Rejected(400, reason)
