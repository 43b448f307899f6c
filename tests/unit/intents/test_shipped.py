"""The model that ships with the package, as `flowdesk serve` loads it with no configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.models import Message
from intents.data import data_sha256
from intents.pipeline import SHIPPED, NLU

CORPUS = Path(__file__).parents[3] / "intents" / "corpus" / "builtin.jsonl"


def test_shipped_model_was_trained_on_the_corpus_in_the_repo() -> None:
    manifest = json.loads((SHIPPED / "model.json").read_text())
    assert manifest["data"]["sha256"] == data_sha256(CORPUS)
    assert set(manifest["labels"]) == {"approval.request", "approval.list", "approval.cancel",
                                       "email.send", "record.create", "record.query", "help"}


def test_shipped_model_reads_built_in_requests() -> None:
    nlu = NLU.load()
    cases = {
        "could <@U0ABCDEF12> okay €2,300 for the new design laptops": "approval.request",
        "which approvals are sitting with me right now": "approval.list",
        "please withdraw APR-7731": "approval.cancel",
        "send a quick email to <at>Rosa Diaz</at> saying the demo moved to 3pm": "email.send",
        "log 6 hours on Borealis for yesterday": "record.create",
        "show every ticket for Umbra Ltd": "record.query",
        "what sort of things can you do": "help",
        "what's a good recipe for banana bread": "out_of_scope",
    }
    parses = nlu.parse_many([Message(platform="test", user="U1", text=t) for t in cases])
    assert [p.intent for p in parses] == list(cases.values())
    assert all(0.0 <= p.confidence <= 1.0 for p in parses)
    assert nlu.info["name"].startswith("flowdesk.intents.")


def test_shipped_model_has_every_part_and_stays_under_30_mb() -> None:
    files = [p for p in SHIPPED.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 30 * 1024 * 1024
    assert (SHIPPED / "generator" / "generator.json").exists()
    assert (SHIPPED / "tagger" / "tagger.json").exists()
    assert NLU.load().tagger is not None


def test_shipped_model_fills_arguments_with_the_tagger() -> None:
    [parse] = NLU.load().parse_many([Message(platform="test", user="U1",
                                             text="ask <@U024BE7LH> to approve $1,200 for the new laptop")])
    assert parse.intent == "approval.request"
    assert parse.args["approver"] == "U024BE7LH"
    assert parse.args["amount"] == 1200 and parse.args["currency"] == "USD"


@pytest.mark.parametrize(("text", "intent", "path", "value"), [
    ("get <@U024BE7LH> to OK the lease renewal with Initech", "approval.request", "subject",
     "the lease renewal with Initech"),
    ("email @dana that the launch moved to Friday after the review", "email.send", "body",
     "the launch moved to Friday after the review"),
    ("please get @omar to approve the security audit for release 7.1", "approval.request", "subject",
     "the security audit for release 7.1"),
    ("new customer Maria Gonzalez, phone +44 20 7946 0958, company Bluebird Ltd", "record.create",
     "fields.phone", "+44 20 7946 0958"),
    ("new customer Maria Gonzalez, phone +44 20 7946 0958, company Bluebird Ltd", "record.create",
     "fields.name", "Maria Gonzalez"),
])
def test_a_value_the_tagger_reads_whole_is_not_cut_short(text: str, intent: str, path: str, value: str) -> None:
    """The tagger chooses a stated value, so it is not cut after the words the corpus made familiar,
    and a number inside a subject stays in it."""
    [args] = NLU.load().fill([text], [intent])
    node = args
    for part in path.split("."):
        node = node[part]
    assert node == value
    assert "amount" not in args
