"""A serving runtime follows the registry and records feedback; a test runtime does neither NLU part."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_settings
from bot.lifecycle.feedback import FeedbackRecorder
from bot.lifecycle.watcher import ModelWatcher
from bot.runtime import Runtime
from connectors.registry import ConnectorRegistry
from tests.fakes.nlu import ScriptedNLU


def test_runtime_with_the_real_nlu_watches_the_registry(data_dir: Path) -> None:
    settings = load_settings({"FLOWDESK_DATA_DIR": str(data_dir)})
    serving = Runtime(settings=settings, registry=ConnectorRegistry([]))
    assert isinstance(serving.model_watcher, ModelWatcher) and serving.model_watcher.target is serving.lazy_nlu
    assert isinstance(serving.dispatcher.feedback, FeedbackRecorder)
    scripted = Runtime(settings=settings, nlu=ScriptedNLU(), registry=ConnectorRegistry([]))
    assert scripted.model_watcher is None
