"""``NLU``: the serving entry point. Message -> Parse, batched, off the event loop.

The classifier decides the intent (``out_of_scope`` when it rejects the message); a
generator, when the model directory has one, fills the arguments and words replies. The
model runs in one worker thread: concurrent ``parse`` calls are gathered into micro-batches
so a burst costs one forward pass, and the event loop only ever awaits a future.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from bot.models import Message, Parse
from intents.classifier import IntentClassifier
from intents.encoder import Encoder
from intents.labels import OUT_OF_SCOPE

SHIPPED = Path(__file__).with_name("model")
MAX_BATCH = 32
_LOADED: dict[Path, NLU] = {}
_LOAD_LOCK = threading.Lock()


class ArgumentGenerator(Protocol):
    """What the NLU needs from a generator (``intents.generator.ReplyGenerator`` provides it)."""

    def act_many(self, texts: list[str], intents: list[str]) -> list[dict[str, Any]]:
        """Normalised, validated arguments for each (message, intent)."""
        ...

    # A generator that accepts ``taggings=`` (one span-tagger reading per text) gets them
    # when the model directory has a tagger.

    def say(self, *, intent: str, args: Mapping[str, Any], status: str, summary: str) -> str | None:
        """A reply to an action's result, or None when unsure."""
        ...


def load_tagger(path: Path) -> Any:
    """The span tagger in ``path`` when there is one (models trained before it had none)."""
    from intents.tagger import CONFIG, SpanTagger

    if not (path / CONFIG).exists():
        return None
    return SpanTagger.from_pretrained(path)


def load_generator(path: Path) -> ArgumentGenerator | None:
    """The generator in ``path`` when there is one and the generator code is installed."""
    if not (path / "generator.json").exists():
        return None
    try:
        from intents.generator import ReplyGenerator
    except ImportError:
        return None
    gen: ArgumentGenerator = ReplyGenerator.from_pretrained(path)
    return gen


class NLU:
    """Loaded once per process; thread-safe; ``parse``/``say`` never block the event loop.

    >>> nlu = NLU.load()  # doctest: +SKIP
    >>> nlu.parse_many([Message(platform="test", user="u", text="what can you do?")])[0].intent
    'help'
    """

    def __init__(
        self, *, classifier: IntentClassifier, generator: ArgumentGenerator | None = None,
        model_dir: Path | None = None, tagger: Any = None,
    ) -> None:
        self.classifier = classifier
        self.generator = generator
        self.tagger = tagger
        """``intents.tagger.SpanTagger`` proposing argument spans to the generator, or None."""
        self.model_dir = model_dir
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flowdesk-nlu")
        self._batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_dir: str | Path | None = None) -> NLU:
        """The NLU in ``model_dir`` (None: the model shipped in the package), cached per path."""
        path = Path(model_dir or SHIPPED).resolve()
        with _LOAD_LOCK:
            if path not in _LOADED:
                _limit_threads()
                classifier = IntentClassifier.from_pretrained(path)
                generator = load_generator(path / "generator")
                tagger = load_tagger(path / "tagger") if generator is not None else None
                _LOADED[path] = cls(classifier=classifier, generator=generator, model_dir=path,
                                    tagger=tagger)
            return _LOADED[path]

    @classmethod
    def forget(cls, model_dir: str | Path | None = None, *, instance: NLU | None = None) -> bool:
        """Drop a model from the cache (a replaced version) so it is freed once its last user lets go.

        With ``instance``, only when that is the one cached (a later load of the same path stays).
        """
        path = Path(model_dir or SHIPPED).resolve()
        with _LOAD_LOCK:
            if path not in _LOADED or (instance is not None and _LOADED[path] is not instance):
                return False
            del _LOADED[path]
            Encoder.forget(path)  # its fine-tuned encoder, which the encoder cache holds apart
            return True

    @classmethod
    def cached(cls) -> list[Path]:
        """The model directories loaded in this process."""
        with _LOAD_LOCK:
            return list(_LOADED)

    @property
    def info(self) -> dict[str, Any]:
        """What is loaded (for /readyz and logs)."""
        m = self.classifier.manifest
        gen_info = None
        if self.generator is not None:
            gen_info = getattr(self.generator, "meta", {}).get("name", type(self.generator).__name__)
        return {"name": m["name"], "version": m["version"], "labels": list(self.classifier.labels),
                "threshold": self.classifier.threshold, "temperature": self.classifier.temperature,
                "probability_floor": self.classifier.probability_floor,
                "data_sha256": m.get("data", {}).get("sha256"), "model_dir": str(self.model_dir),
                "generator": gen_info, "tagger": getattr(self.tagger, "meta", {}).get("name")}

    def parse_many(self, messages: Sequence[Message]) -> list[Parse]:
        """Parse a batch synchronously (call from a worker thread, a script or a test)."""
        texts = [m.text for m in messages]
        _limit_threads()  # per thread: OpenMP settings do not carry over to new threads
        with self._lock:
            scores = self.classifier.predict(texts)
            args: list[dict[str, Any]] = [{} for _ in texts]
            if self.generator is not None:
                todo = [i for i, s in enumerate(scores) if s.intent != OUT_OF_SCOPE]
                if todo:
                    filled = self.fill([texts[i] for i in todo], [scores[i].intent for i in todo])
                    for i, a in zip(todo, filled, strict=True):
                        args[i] = a
        return [
            Parse(intent=s.intent, confidence=round(s.confidence, 4), args=a, alternatives=s.alternatives)
            for s, a in zip(scores, args, strict=True)
        ]

    def fill(self, texts: list[str], intents: list[str]) -> list[dict[str, Any]]:
        """Arguments of already classified messages: the tagger's reading, then the generator."""
        assert self.generator is not None
        if self.tagger is None:
            return self.generator.act_many(texts, intents)
        taggings = self.tagger.tag_many(texts, intents)
        act: Any = self.generator.act_many
        return list(act(texts, intents, taggings=taggings))

    async def parse(self, message: Message) -> Parse:
        """Parse one message; concurrent calls share a batch in the worker thread."""
        loop = asyncio.get_running_loop()
        batcher = self._batchers.get(loop)
        if batcher is None:
            batcher = self._batchers[loop] = _Batcher(self)
        return await batcher.submit(message)

    async def say(self, *, intent: str, args: dict[str, Any], status: str, summary: str) -> str | None:
        """A generated reply for an action's result; None without a generator (use ``summary``)."""
        if self.generator is None:
            return None
        gen = self.generator

        def run() -> str | None:
            with self._lock:
                return gen.say(intent=intent, args=args, status=status, summary=summary)

        return await asyncio.get_running_loop().run_in_executor(self._executor, run)


class _Batcher:
    """Collects the ``parse`` calls of one event loop into batches for the worker thread."""

    def __init__(self, nlu: NLU) -> None:
        self.nlu = nlu  # no reference to the loop: the NLU keeps batchers by weak loop keys
        self.pending: list[tuple[Message, asyncio.Future[Parse]]] = []
        self.task: asyncio.Task[None] | None = None

    async def submit(self, message: Message) -> Parse:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Parse] = loop.create_future()
        self.pending.append((message, future))
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let callers scheduled in the same tick join the batch
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            live = [(m, f) for m, f in batch if not f.done()]
            if not live:
                continue
            try:
                parses = await asyncio.get_running_loop().run_in_executor(
                    self.nlu._executor, self.nlu.parse_many, [m for m, _ in live]
                )
            except Exception as exc:  # handed to every waiting caller
                for _, f in live:
                    if not f.done():
                        f.set_exception(exc)
                continue
            for (_, f), p in zip(live, parses, strict=True):
                if not f.done():
                    f.set_result(p)
        self.task = None  # a finished task still references its loop


def _limit_threads() -> None:
    """One intra-op thread: on small shared CPUs more threads make each message slower."""
    import torch

    if torch.get_num_threads() > 1:
        torch.set_num_threads(1)
