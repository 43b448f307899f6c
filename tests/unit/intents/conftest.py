"""A tiny trained model shared by the intent tests (one MiniLM fine-tune of a few seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TINY = {
    "coffee.order": [
        "order me a latte", "can I get a cappuccino", "one espresso please", "get me a flat white",
        "I'd like an americano", "order a large mocha", "coffee please, black", "a cortado to go",
        "buy me an iced coffee", "one oat milk latte please",
    ],
    "weather.get": [
        "what's the weather in Oslo", "will it rain tomorrow", "how hot is it outside",
        "is it sunny in Paris today", "forecast for the weekend", "do I need an umbrella today",
        "how cold will it be tonight", "weather in Tokyo please", "is it going to snow",
        "what's the temperature right now",
    ],
    "alarm.set": [
        "set an alarm for 7am", "wake me up at six", "alarm at 5:30 tomorrow",
        "set a wake-up alarm for 8", "remind me at noon with an alarm", "alarm for 6:45 please",
        "set my alarm to 9 am", "wake me at 7:15", "new alarm at 10pm", "alarm tomorrow at 4",
    ],
}
OOS_PROBES = [
    "what is the capital of Peru", "translate cat into German", "how do I reset my password",
    "who wrote Moby Dick", "book a table for two at an Italian restaurant",
]


def write_tiny(path: Path) -> Path:
    lines = [json.dumps({"text": t, "intent": i}) for i, texts in TINY.items() for t in texts]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from intents.train import train

    root = tmp_path_factory.mktemp("tiny")
    return train(write_tiny(root / "tiny.jsonl"), root / "model", generator=False)
