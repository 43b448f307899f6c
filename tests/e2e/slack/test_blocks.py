"""Block Kit rendering stays inside Slack's limits and never lets user text forge markup."""

from __future__ import annotations

from bot.adapters.slack.blocks import to_message
from bot.models import Button, Card, Reply


def test_long_cards_are_cut_to_slack_limits() -> None:
    card = Card(title="T" * 400, fields=tuple((f"Field {i}", "v" * 2500) for i in range(23)), text="x" * 5000,
                buttons=(Button(label="L" * 100, action_id="approval.approve", value="{}", style="primary"),
                         Button(label="Reject", action_id="approval.reject", style="danger"),
                         Button(label="Later", action_id="approval.later")),
                footer="f" * 3000)
    message = to_message(Reply(text="hello", card=card))
    blocks = message["blocks"]
    header = next(b for b in blocks if b["type"] == "header")
    assert len(header["text"]["text"]) <= 150
    sections = [b for b in blocks if b["type"] == "section" and "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 10, 3]
    assert all(len(f["text"]) <= 2000 for s in sections for f in s["fields"])
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)
    buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [len(b["text"]["text"]) <= 75 for b in buttons] == [True] * 3
    assert [b.get("style") for b in buttons] == ["primary", "danger", None]
    assert len(blocks) <= 50 and message["text"] == "hello"


def test_user_text_cannot_ping_channels_or_forge_links() -> None:
    card = Card(title="<!channel> hi", fields=(("Subject", "<!here> <http://evil|click> & co"),))
    message = to_message(Reply(text="<@U123> <!everyone>", card=card))
    mrkdwn = [message["text"]] + [
        t["text"] for b in message["blocks"] for t in [b.get("text", {}), *b.get("fields", []), *b.get("elements", [])]
        if isinstance(t, dict) and t.get("type") == "mrkdwn"]
    rendered = "\n".join(mrkdwn)
    assert "<!here>" not in rendered and "<!everyone>" not in rendered and "<@U123>" not in rendered
    assert "<http://evil|click>" not in rendered and "&amp; co" in rendered
    header = next(b for b in message["blocks"] if b["type"] == "header")["text"]
    assert header["type"] == "plain_text"  # Slack shows plain_text literally: no ping from the title


def test_text_only_reply_has_no_blocks() -> None:
    assert to_message(Reply(text="done")) == {"text": "done"}
