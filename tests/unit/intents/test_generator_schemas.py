"""Argument models of the built-in intents and the slots the generator derives from them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from intents.generator_slots import active, compile_slots
from intents.schemas import BUILTIN_SCHEMAS, derive_schema


def test_required_arguments_follow_the_spec() -> None:
    required = {
        intent: sorted(n for n, f in model.model_fields.items() if f.is_required())
        for intent, model in BUILTIN_SCHEMAS.items()
    }
    assert required["approval.request"] == ["approver", "subject"]
    assert required["email.send"] == ["to"]
    assert required["record.create"] == ["form"]
    assert required["help"] == []


def test_unknown_forms_and_scopes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        BUILTIN_SCHEMAS["record.create"].model_validate({"form": "invoice"})
    with pytest.raises(ValidationError):
        BUILTIN_SCHEMAS["approval.list"].model_validate({"scope": "everyone"})


def test_record_fields_depend_on_the_chosen_form() -> None:
    slots = compile_slots(BUILTIN_SCHEMAS["record.create"])
    paths = {s.path for s in active(slots, {"form": "timesheet"})}
    assert paths == {"form", "fields.project", "fields.hours", "fields.date"}
    kinds = {s.path: s.kind for s in slots}
    assert kinds["fields.hours"] == "number" and kinds["fields.email"] == "person"


def test_schema_of_a_user_intent_is_derived_from_its_examples() -> None:
    model = derive_schema("ticket.assign", [{"who": "a", "points": 3}, {"who": "b", "tags": {"area": "x"}}])
    kinds = {s.path: s.kind for s in compile_slots(model)}
    assert kinds == {"points": "number", "tags.area": "text", "who": "text"}
    assert model.model_validate({"points": "5"}).points == 5.0


def _span_values(text: str) -> set[str]:
    from tokenizers import Tokenizer

    from intents.generator_slots import Slot, candidates
    from intents.generator_text import pieces_of
    from intents.pipeline import SHIPPED

    tok = Tokenizer.from_file(str(SHIPPED / "generator" / "tokenizer.json"))
    return {c.value for c in candidates(Slot("subject", "text"), text, pieces_of(tok, text))}


def test_a_phrase_never_ends_on_a_dangling_word_but_a_single_word_may_be_one() -> None:
    """SNIPS' playlist owner "my" and selected object "this" are values of one such word."""
    values = _span_values("add this song to my jazz playlist")
    assert {"my", "this", "this song", "my jazz playlist"} <= values
    assert "add this" not in values and "song to my" not in values and "to" in values


def test_a_title_may_end_on_a_capitalised_function_word() -> None:
    """"Used To Love Her" is a track; a phrase ending on "for her" in lower case is still no value."""
    values = _span_values("play Used To Love Her by Dara for her")
    assert {"Used To Love Her", "Used To Love Her by Dara"} <= values
    assert "Dara for her" not in values and "Used To" in values and "play Used To" in values


def test_dates_and_phone_numbers_are_typed_slots() -> None:
    kinds = {s.path: s.kind for s in compile_slots(BUILTIN_SCHEMAS["record.create"])}
    assert kinds["fields.date"] == "date" and kinds["fields.phone"] == "phone" and kinds["fields.name"] == "text"


def test_a_span_the_tagger_reads_may_end_on_a_function_word() -> None:
    """SNIPS' "close by": the generator's own candidates stop short of it, the tagger's do not."""
    import numpy as np
    from tokenizers import Tokenizer

    from intents.generator_decode import Job, tagged
    from intents.generator_slots import Slot
    from intents.generator_text import pieces_of
    from intents.pipeline import SHIPPED
    from intents.tagger import OUTSIDE, Tagging, words

    text = "find animated movies close by"
    tok = Tokenizer.from_file(str(SHIPPED / "generator" / "tokenizer.json"))
    slot = Slot("spatial_relation", "text")
    probs = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.05, 0.95, 0.0], [0.05, 0.0, 0.95]])
    index = {OUTSIDE: 0, "B-spatial_relation": 1, "I-spatial_relation": 2}
    read = Job(text, "SearchScreeningEvent", [slot], pieces_of(tok, text),
               tagging=Tagging(words=words(text), probs=probs, index=index))
    assert "close by" in {c.value for c in tagged(read, slot)}
    unread = Job(text, "SearchScreeningEvent", [slot], pieces_of(tok, text))
    assert "close by" not in {c.value for c in tagged(unread, slot)} and "close" in {c.value for c in tagged(unread, slot)}
    assert "close by" not in _span_values(text)


def test_every_argument_an_example_states_is_in_the_derived_schema() -> None:
    """An argument that only the last of many combinations states (SNIPS' `poi`) is kept."""
    from intents.data import Example
    from intents.generator_train import signatures
    from intents.schemas import schemas_for

    examples = [Example(text=f"book {i}", intent="BookTable", args={f"a{j}": "x" for j in range(6) if i >> j & 1})
                for i in range(64)]
    examples.append(Example(text="near the park for 2", intent="BookTable", args={"poi": "the park", "party": 2}))
    model = schemas_for(signatures(examples))["BookTable"]
    assert {"a0", "a5", "poi", "party"} <= set(model.model_fields)
    assert model.model_validate({"party": "2"}).party == 2.0
    assert len(signatures(examples)["BookTable"]) == 8  # one shape per argument, not per combination
