from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from connectors.data_entry.forms import load_forms
from connectors.documents import DocumentsConfig, DocumentsConnector
from connectors.documents.cleaning import clean_record
from connectors.documents.rules import check_against, load_rules


def test_a_team_adds_its_own_rules_beside_the_forms(tmp_path: Path) -> None:
    theirs = tmp_path / "cleaning.yaml"
    theirs.write_text("defaults: {phone_region: GB}\n"
                      "forms:\n  customer:\n    duplicates: [[name]]\n    fields:\n"
                      "      tier: {values: {VIP: enterprise}}\n      name: {case: upper, synonyms: [kunde]}\n")
    rules = load_rules(theirs)
    values, problems = clean_record(load_forms()["customer"], {"name": "ada", "phone": "020 7946 0018",
                                                               "tier": "vip"}, rules)
    assert problems == []
    assert values == {"name": "ADA", "phone": "+442079460018", "tier": "enterprise"}
    assert rules.form("order").field("quantity").synonyms


def test_a_rule_for_a_field_the_form_lacks_is_a_config_error(tmp_path: Path) -> None:
    theirs = tmp_path / "cleaning.yaml"
    theirs.write_text("forms:\n  customer:\n    fields:\n      emial: {case: lower}\n")
    with pytest.raises(ConfigError, match="no field 'emial'"):
        DocumentsConnector(config=DocumentsConfig(cleaning_file=theirs))
    theirs.write_text("forms:\n  customer:\n    fields:\n      email: {case: sideways}\n")
    with pytest.raises(ConfigError, match="FLOWDESK_CLEANING_FILE"):
        load_rules(theirs)


def test_the_builtin_rules_match_the_builtin_forms() -> None:
    check_against(load_rules(), {name: form.columns for name, form in load_forms().items()})
