"""The generator's byte-level BPE tokenizer: building, loading and the control tokens.

A compact model ships with its own 8k-entry GPT-2 style vocabulary (trained on broad
utterance text, so unseen names still split into sensible pieces); a real GPT-2
checkpoint keeps its own vocabulary and only gains the control tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
import os
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

EOS = "<|endoftext|>"
INTENT = "<|intent|>"
ARG = "<|arg|>"
VAL = "<|val|>"
EOV = "<|eov|>"
NONE = "<|none|>"
SAY = "<|say|>"
STATUS = "<|status|>"
SUMMARY = "<|summary|>"
REPLY = "<|reply|>"
CONTROL = [EOS, INTENT, ARG, VAL, EOV, NONE, SAY, STATUS, SUMMARY, REPLY]

SHIPPED = Path(__file__).parent / "tokenizer"
"""Where the shipped vocabulary lives (``tokenizer.json``)."""

_DATA = Path(os.environ.get("FLOWDESK_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared") / "data"
"""Broad text for the vocabulary: the shared datasets beside the repository, when present."""


def train_tokenizer(texts: Iterable[str], *, vocab_size: int = 8192) -> Tokenizer:
    """A GPT-2 style byte-level BPE trained on ``texts``, with the control tokens added."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=CONTROL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=2,
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def with_control_tokens(tok: Tokenizer) -> Tokenizer:
    """Add the control tokens a base vocabulary lacks (a real GPT-2 has only EOS)."""
    tok.add_special_tokens([t for t in CONTROL if tok.token_to_id(t) is None])
    return tok


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Load ``tokenizer.json`` from a model directory (or the file itself)."""
    p = Path(path)
    file = p / "tokenizer.json" if p.is_dir() else p
    return with_control_tokens(Tokenizer.from_file(str(file)))


def base_tokenizer(base: str) -> Tokenizer:
    """The vocabulary of a pretrained GPT-2 (a local directory or a hub name)."""
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(base)
    return with_control_tokens(Tokenizer.from_str(hf.backend_tokenizer.to_str()))


def _broad_texts() -> list[str]:
    texts: list[str] = []
    corpus = Path(__file__).parent / "corpus" / "builtin.jsonl"
    for file in (_DATA / "clinc150/train.jsonl", _DATA / "snips/train.jsonl", corpus):
        if file.exists():
            texts += [json.loads(line)["text"] for line in file.read_text().splitlines() if line]
    return texts


def main() -> None:
    """Rebuild the shipped vocabulary from CLINC150, SNIPS and built-in corpus utterances."""
    from intents.generator_replies import vocabulary_texts

    texts = _broad_texts() + vocabulary_texts()
    tok = train_tokenizer(texts)
    SHIPPED.mkdir(parents=True, exist_ok=True)
    tok.save(str(SHIPPED / "tokenizer.json"))
    print(f"{tok.get_vocab_size()} tokens from {len(texts)} texts -> {SHIPPED / 'tokenizer.json'}")


if __name__ == "__main__":
    main()
