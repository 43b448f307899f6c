"""Rebuilds the shipped model in one command: corpus, then training into ``intents/model``.

    python -m intents.rebuild                 # corpus + classifier + generator (when installed)
    python -m intents.rebuild --keep-generator  # retrain the classifier, keep the generator

Deterministic corpus (seed 7); the classifier's fine-tuning is seeded too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from intents.corpus import build
from intents.finetune import FinetuneArgs
from intents.pipeline import SHIPPED
from intents.train import train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--keep-generator", action="store_true",
                        help="train only the classifier and keep the generator already in --out")
    parser.add_argument("--base", default=None, help="pretrained GPT-2 for the generator")
    parser.add_argument("--int8", action="store_true", help="serve the encoder with int8 linear layers")
    opts = parser.parse_args(argv)
    build.main([])
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn()) as progress:
        path = train(build.DEFAULT_OUT, opts.out, base=opts.base, progress=progress,
                     options=FinetuneArgs(int8=opts.int8),
                     generator=not opts.keep_generator, keep_generator=opts.keep_generator)
    print(f"model written to {path}")


if __name__ == "__main__":
    main()
