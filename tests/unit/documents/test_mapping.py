from __future__ import annotations

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
