from __future__ import annotations

import asyncio
from pathlib import Path

from bot.models import Message
from intents.pipeline import NLU


def _msg(text: str) -> Message:
    return Message(platform="test", user="U1", text=text)


def test_parse_many_batches_and_rejects(tiny_model: Path) -> None:
    nlu = NLU.load(tiny_model)
    assert NLU.load(tiny_model) is nlu  # loaded once per process
    parses = nlu.parse_many([_msg("one espresso please"), _msg("who wrote Moby Dick")])
    assert [p.intent for p in parses] == ["coffee.order", "out_of_scope"]
    assert parses[0].args == {} and 0.0 <= parses[1].confidence <= 1.0
    assert nlu.info["labels"] == ["alarm.set", "coffee.order", "weather.get"]


async def test_parse_runs_off_the_event_loop_in_batches(tiny_model: Path, monkeypatch) -> None:
    nlu = NLU.load(tiny_model)
    sizes: list[int] = []
    real = nlu.parse_many

    def counting(messages):  # type: ignore[no-untyped-def]
        sizes.append(len(messages))
        return real(messages)

    monkeypatch.setattr(nlu, "parse_many", counting)
    texts = ["set an alarm for 7am", "will it rain tomorrow", "order me a latte"] * 4
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    parses = await asyncio.gather(*(nlu.parse(_msg(t)) for t in texts))
    task.cancel()
    assert [p.intent for p in parses] == ["alarm.set", "weather.get", "coffee.order"] * 4
    assert sizes == [12]  # one forward pass for the burst
    assert ticks >= 2  # the event loop kept running while the model worked


async def test_say_without_a_generator_is_none(tiny_model: Path) -> None:
    nlu = NLU.load(tiny_model)
    assert await nlu.say(intent="help", args={}, status="done", summary="ok") is None
