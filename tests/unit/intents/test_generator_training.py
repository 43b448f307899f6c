"""The training path stays working: a tiny generator learns a few dozen lines from scratch."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from intents import spans
from intents.data import Example
from intents.generator import ReplyGenerator
from intents.schemas import BUILTIN_SCHEMAS

pytestmark = pytest.mark.slow

_PEOPLE = ["dana", "omar", "li", "sam", "priya", "jordan", "kofi", "ines"]
_THINGS = ["the new laptop", "a desk lamp", "cloud credits", "the offsite", "two monitors", "a course"]


def _lines(rng: random.Random) -> list[Example]:
    found = []
    for i in range(36):
        who, what = rng.choice(_PEOPLE), rng.choice(_THINGS)
        amount = rng.randint(2, 90) * 10
        if i % 3 == 0:
            found.append(Example(f"ask @{who} to approve {what}", "approval.request",
                                 {"approver": who, "subject": what}))
        elif i % 3 == 1:
            found.append(Example(f"can @{who} approve ${amount} for {what}", "approval.request",
                                 {"approver": who, "subject": what, "amount": amount, "currency": "USD"}))
        else:
            found.append(Example(f"assign {what} to @{who}", "task.assign", {"who": who, "task": what}))
    for shop, day, total in (("KIOSK NORD", "03.11.2026", "12,40"), ("LUMA CAFE", "2026-05-02", "8,00"),
                             ("KIOSK SUD", "21.01.2026", "30,10"), ("TOREL BAKERY", "2026-07-14", "5,60")):
        found.append(Example(f"{shop} | 1 High St | Date: {day} | TOTAL EUR {total}", "receipt.read",
                             {"merchant": shop, "date": spans.dates(day)[0].value,
                              "amount": spans.parse_number(total), "currency": "EUR"}))
    return found


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReplyGenerator, list[Example], dict]:
    from intents.generator_train import train_generator

    torch.set_num_threads(1)
    examples = _lines(random.Random(7))
    out = tmp_path_factory.mktemp("gen")
    facts = train_generator(examples, out, size="tiny", epochs=60, batch_size=8, max_minutes=0.8, replies=0)
    return ReplyGenerator.from_pretrained(out), examples, facts


def test_tiny_generator_learns_its_training_lines(trained: tuple[ReplyGenerator, list[Example], dict]) -> None:
    gen, examples, facts = trained
    got = gen.act_many([e.text for e in examples], [e.intent for e in examples])
    right = sum(g == {k: v for k, v in e.args.items()} for g, e in zip(got, examples, strict=True))
    assert facts["steps"] > 0 and facts["seconds"] < 60
    assert right >= 0.9 * len(examples), list(zip(got, examples))


def test_user_intent_schema_travels_with_the_model(trained: tuple[ReplyGenerator, list[Example], dict]) -> None:
    gen, _, _ = trained
    [args] = gen.act_many(["assign the offsite to @kofi"], ["task.assign"], {})
    assert set(args) <= {"who", "task"}
    assert all(isinstance(v, str) for v in args.values())


def test_saved_model_directory_is_self_describing(tmp_path: Path, trained: tuple[ReplyGenerator, list[Example], dict]) -> None:
    gen, _, facts = trained
    assert gen.meta["name"] == "flowdesk.generator.v1"
    assert gen.meta["steps"] == facts["steps"]
    assert "task.assign" in gen.meta["user_intents"]
    assert gen.meta["internal_intents"] == ["receipt.read"] and gen.reads("receipt.read")
    assert "receipt.read" not in gen.meta["user_intents"], "an internal action has its own schema"


def test_fine_tunes_a_pretrained_gpt2_directory(tmp_path: Path) -> None:
    """``--base DIR`` loads GPT-2 weights and vocabulary from a local directory and adds our tokens."""
    from tokenizers import Tokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    from intents.generator_tokenizer import SHIPPED
    from intents.generator_train import train_generator

    base = tmp_path / "gpt2"
    plain = Tokenizer.from_file(str(SHIPPED / "tokenizer.json"))
    hf = PreTrainedTokenizerFast(tokenizer_object=plain, eos_token="<|endoftext|>")
    hf.save_pretrained(base)
    config = GPT2Config(vocab_size=hf.vocab_size, n_layer=1, n_embd=64, n_head=2, bos_token_id=0, eos_token_id=0)
    GPT2LMHeadModel(config).save_pretrained(base)
    examples = _lines(random.Random(3))[:12]
    facts = train_generator(examples, tmp_path / "out", base=str(base), epochs=1, batch_size=4, replies=4)
    gen = ReplyGenerator.from_pretrained(tmp_path / "out")
    [args] = gen.act_many([examples[0].text], [examples[0].intent], BUILTIN_SCHEMAS)
    assert facts["base"] == str(base) and facts["steps"] >= 1
    assert set(args) <= set(BUILTIN_SCHEMAS[examples[0].intent].model_fields)
