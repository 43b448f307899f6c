"""The whole lifecycle with real (tiny) models: feedback from chat -> retrain -> register ->
promote -> serve -> hot swap with a request in flight -> refused promotion -> rollback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.lifecycle.feedback import export
from bot.lifecycle.registry import ModelRegistry, PromotionRefused, eval_file_evaluator
from bot.lifecycle.watcher import ModelWatcher
from bot.models import Message
from bot.runtime import LazyNLU
from connectors.base import ConnectorConfig
from tests.fakes.connectors import NotebookConnector
from tests.fakes.nlu import ScriptedNLU
from tests.fakes.runtime import started_runtime
from tests.unit.intents.conftest import write_tiny

NOTES = ["take a note", "jot this down", "write a note for me", "make a note please", "note that down",
         "add a note to my notebook"]


def said(text: str, n: int) -> Message:
    return Message(platform="console", channel="c", thread=f"t{n}", id=f"m{n}", user="alex", text=text)


async def test_models_are_versioned_promoted_swapped_guarded_and_rolled_back(data_dir: Path, tmp_path: Path) -> None:
    from intents.pipeline import NLU
    from intents.train import train

    team = write_tiny(tmp_path / "team.jsonl")
    v1_out = await asyncio.to_thread(train, team, tmp_path / "v1", generator=False)

    # In chat, the bot had to ask for each note's title; the first messages become examples.
    nlu = ScriptedNLU()
    for text in NOTES:
        nlu.teach(text, "note.add")
    async with started_runtime(data_dir, connectors=[NotebookConnector(config=ConnectorConfig())], nlu=nlu) as rt:
        for n, text in enumerate(NOTES):
            assert (await rt.dispatcher.handle_message(said(text, n))).text == "What should the note be called?"  # type: ignore[union-attr]
            await rt.dispatcher.handle_message(said(f"Title {n}", n))
        exported = tmp_path / "feedback.jsonl"
        assert await export(rt.database, exported) == len(NOTES)

    retrain = tmp_path / "retrain.jsonl"
    retrain.write_text(team.read_text() + exported.read_text())
    v2_out = await asyncio.to_thread(train, retrain, tmp_path / "v2", generator=False)
    assert "note.add" not in NLU.load(v1_out).parse_many([said("jot this down", 0)])[0].intent
    assert NLU.load(v2_out).parse_many([said("jot this down", 0)])[0].intent == "note.add"

    evaluation = tmp_path / "eval.jsonl"
    evaluation.write_text("".join(json.dumps({"text": t, "intent": "note.add"}) + "\n" for t in NOTES[:3])
                          + "".join(json.dumps({"text": t, "intent": i}) + "\n" for t, i in
                                    [("order me a latte", "coffee.order"), ("will it rain tomorrow", "weather.get")]))
    evaluator = eval_file_evaluator(evaluation)
    async with started_runtime(data_dir, connectors=[]) as rt:
        registry = ModelRegistry(rt.database, data_dir)
        v1 = await registry.register(v1_out, metrics=dict(evaluator(v1_out)))
        await registry.promote(v1.version)
        v2 = await registry.register(v2_out, metrics=dict(evaluator(v2_out)))
        assert v2.parent == v1.version and v2.data_sha256 != v1.data_sha256
        assert v2.metrics["intent_accuracy"] > v1.metrics["intent_accuracy"]

        def no_configured_model() -> NLU:
            raise AssertionError("the registry's promoted model must serve")

        serving = LazyNLU(no_configured_model)
        watcher = ModelWatcher(registry, serving, interval=0.05)
        assert await watcher.check()
        assert (await serving.parse(said("order me a latte", 1))).intent == "coffee.order"
        assert serving.info["version"] == v1.version
        assert REGISTRY.get_sample_value("flowdesk_nlu_model_info", {"version": v1.version}) == 1

        # v2 is promoted (it is better on the team's evaluation file) while a request is in flight on v1.
        await registry.promote(v2.version, evaluator=evaluator)
        old = await serving.engine()
        old._lock.acquire()  # type: ignore[attr-defined]  # holds v1's worker mid-request
        try:
            in_flight = asyncio.create_task(serving.parse(said("will it rain tomorrow", 2)))
            await asyncio.sleep(0.2)
            watcher.start()
            for _ in range(200):
                if serving.info.get("version") == v2.version:
                    break
                await asyncio.sleep(0.05)
            assert serving.info["version"] == v2.version
            assert (await serving.parse(said("jot this down", 3))).intent == "note.add"
            assert not in_flight.done()
        finally:
            old._lock.release()  # type: ignore[attr-defined]
        assert (await in_flight).intent == "weather.get"
        assert REGISTRY.get_sample_value("flowdesk_nlu_model_info", {"version": v2.version}) == 1
        assert REGISTRY.get_sample_value("flowdesk_nlu_model_info", {"version": v1.version}) is None

        # Going back to v1 would lose the notes: refused unless forced.
        with pytest.raises(PromotionRefused, match="intent_accuracy"):
            await registry.promote(v1.version, evaluator=evaluator, margin=0.05)
        assert await registry.serving_version() == v2.version

        assert await registry.rollback() == v1.version
        for _ in range(200):
            if serving.info.get("version") == v1.version:
                break
            await asyncio.sleep(0.05)
        await watcher.stop()
        assert (await serving.parse(said("jot this down", 4))).intent != "note.add"
