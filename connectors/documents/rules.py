"""Cleaning rules from YAML files beside the form definitions, so a team can add its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError

BUILTIN = Path(__file__).resolve().parent.parent / "cleaning.yaml"
VARIABLE = "FLOWDESK_CLEANING_FILE"


class FieldRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    synonyms: list[str] = Field(default_factory=list)
    case: Literal["title", "lower", "upper", "keep"] = "keep"
    values: dict[str, str] = Field(default_factory=dict)
    strip: str = ""


class FormRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    duplicates: list[Annotated[list[str], Field(min_length=1)]] = Field(default_factory=list)
    fields: dict[str, FieldRules] = Field(default_factory=dict)

    def field(self, name: str) -> FieldRules:
        return self.fields.get(name) or FieldRules()


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    date_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d"])


class CleaningRules(BaseModel):
    """All forms' rules; ``form(name)`` gives empty rules for a form nobody wrote rules for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: Defaults = Field(default_factory=Defaults)
    forms: dict[str, FormRules] = Field(default_factory=dict)

    def form(self, name: str) -> FormRules:
        return self.forms.get(name) or FormRules()


def load_rules(extra: Path | None = None) -> CleaningRules:
    """The built-in rules, with a team's file (if any) laid over them form by form."""
    rules = _read(BUILTIN)
    if extra is None:
        return rules
    theirs = _read(extra)
    return CleaningRules(defaults=theirs.defaults if theirs.model_fields_set & {"defaults"} else rules.defaults,
                         forms={**rules.forms, **theirs.forms})


def _read(path: Path) -> CleaningRules:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return CleaningRules.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(VARIABLE, f"cannot read {path}: {exc}") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ConfigError(VARIABLE, f"{path}: {where}: {error['msg']}") from None


def check_against(rules: CleaningRules, fields_of: dict[str, list[str]]) -> None:
    """Every rule names a field of a configured form (a typo would silently do nothing)."""
    for form, form_rules in rules.forms.items():
        known = fields_of.get(form)
        if known is None:
            continue
        named = set(form_rules.fields) | {f for key in form_rules.duplicates for f in key}
        unknown = sorted(named - set(known))
        if unknown:
            raise ConfigError(VARIABLE, f"forms.{form}: no field {unknown[0]!r} in that form ({', '.join(known)})")
