from __future__ import annotations

import numpy as np
import pytest

from connectors.data_entry.forms import load_forms
from connectors.documents.mapping import best_form, map_columns, normalise
from connectors.documents.rules import load_rules

FORMS = load_forms()
RULES = load_rules()


def test_headers_map_by_name_synonym_and_close_spelling() -> None:
    headers = ["E-Mail Address", "Full  Name", "Telphone", "Compnay", "Plan", "Notes", ""]
    mapped = map_columns(headers, FORMS["customer"], RULES.form("customer"))
    assert mapped.fields == {0: "email", 1: "name", 2: "phone", 3: "company", 4: "tier"}
    assert mapped.how[1] == "synonym “full name”"
    assert mapped.how[3].startswith("close to")
    assert mapped.ignored == ["Notes", "column 7"]
    assert mapped.missing_required == []


def test_a_field_takes_only_the_first_column_that_names_it() -> None:
    mapped = map_columns(["email", "E-mail"], FORMS["customer"], RULES.form("customer"))
    assert mapped.fields == {0: "email"} and mapped.ignored == ["E-mail"]
    assert mapped.missing_required == ["name"]


def test_the_form_is_guessed_from_the_headers() -> None:
    rules = {name: RULES.form(name) for name in FORMS}
    assert best_form(["Project", "Hrs", "Day"], FORMS, rules) == "timesheet"
    assert best_form(["Client", "Item", "Qty", "Price"], FORMS, rules) == "order"
    assert best_form(["colour", "size"], FORMS, rules) is None
    assert normalise(" E-Mail_Address ") == "e mail address"


def _fake_embed(meanings: dict[str, list[float]]):  # type: ignore[no-untyped-def]
    """Unit vectors chosen by hand: texts with the same meaning point the same way."""
    def embed(texts):  # type: ignore[no-untyped-def]
        rows = [np.asarray(meanings.get(t, [0.0, 0.0, 0.0, 1.0])) for t in texts]
        return np.stack([r / np.linalg.norm(r) for r in rows])
    return embed


def test_by_meaning_only_what_names_left_open_and_only_above_the_threshold() -> None:
    embed = _fake_embed({"contact e mail": [1, 0, 0, 0], "email": [1, 0.1, 0, 0],
                         "favourite colour": [0.5, 0.5, 0.5, 0.5], "name": [0, 1, 0, 0.05]})
    headers = ["Name", "Contact e-mail", "Favourite colour"]
    mapped = map_columns(headers, FORMS["customer"], RULES.form("customer"), embed)
    assert mapped.fields == {0: "name", 1: "email"}
    assert mapped.how[1].startswith("meaning close to “email”")
    assert mapped.ignored == ["Favourite colour"]


@pytest.mark.slow
def test_the_nlu_encoder_maps_headers_that_share_no_words_with_the_fields() -> None:
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from intents.encoder import Encoder

    encoder = Encoder.load()
    headers = ["Client full name", "Contact e-mail", "Mobile No.", "Business name", "Date of birth"]
    mapped = map_columns(headers, FORMS["customer"], RULES.form("customer"), lambda t: encoder.encode(list(t)))
    assert mapped.fields == {0: "name", 1: "email", 2: "phone", 3: "company"}
    assert mapped.ignored == ["Date of birth"]
