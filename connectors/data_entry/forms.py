"""Forms from a YAML file, each turned into a generated pydantic model that validates records."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, ValidationError, create_model

from bot.errors import ActionRejected, ConfigError

BUILTIN = Path(__file__).resolve().parent.parent / "forms.yaml"
_NAME = r"^[a-z][a-z0-9_]{0,63}$"


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["text", "email", "phone", "integer", "number", "decimal", "date", "boolean", "choice"]
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(default=None, gt=0)
    choices: list[str] | None = None


class FormSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    fields: dict[Annotated[str, Field(pattern=_NAME)], FieldSpec] = Field(min_length=1)


class FormsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    forms: dict[Annotated[str, Field(pattern=_NAME)], FormSpec]


class Form:
    """One form: its spec and the generated model of its records."""

    def __init__(self, name: str, spec: FormSpec) -> None:
        self.name, self.spec = name, spec
        self.model = create_model(  # type: ignore[call-overload]
            f"{name.title().replace('_', '')}Record",
            __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
            **{field: _field(field_spec) for field, field_spec in spec.fields.items()},
        )

    @property
    def columns(self) -> list[str]:
        return list(self.spec.fields)

    def validate(self, values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """JSON-ready values of a valid record; ``partial`` checks only the fields given (filters)."""
        unknown = sorted(set(values) - set(self.spec.fields))
        if unknown:
            raise ActionRejected(f"The {self.name} form has no field {unknown[0]!r} "
                                 f"(fields: {', '.join(self.columns)}).")
        try:
            if partial:
                return {k: _plain(self._one(k, v)) for k, v in values.items()}
            record = self.model.model_validate(values).model_dump(exclude_none=True)
            return {k: _plain(v) for k, v in record.items()}
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "record"
            raise ActionRejected(f"{self.name} {where}: {error['msg']}") from None

    def _one(self, key: str, value: Any) -> Any:
        single = create_model("Filter", **{key: _field(self.spec.fields[key].model_copy(update={"required": True}))})
        return single.model_validate({key: value}).model_dump()[key]


def _plain(value: Any) -> Any:
    """JSON-ready: decimals as numbers (queries compare them numerically), dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _choice(choices: list[str]) -> Any:
    """One of ``choices``, matched without regard to case ("PREMIUM" is "premium")."""

    def canonical(value: Any) -> Any:
        return next((c for c in choices if isinstance(value, str) and c.lower() == value.strip().lower()), value)

    return Annotated[Literal[tuple(choices)], BeforeValidator(canonical)]


def _field(spec: FieldSpec) -> tuple[Any, Any]:
    kinds: dict[str, Any] = {
        "text": str, "email": EmailStr, "integer": int, "number": float, "decimal": Decimal,
        "date": dt.date, "boolean": bool,
        "phone": Annotated[str, Field(pattern=r"^\+?[0-9 ()./-]{3,32}$")],
    }
    kind = _choice(spec.choices) if spec.type == "choice" and spec.choices else kinds.get(spec.type, str)
    constraints: dict[str, Any] = {}
    if spec.min is not None:
        constraints["ge"] = spec.min
    if spec.max is not None:
        constraints["le"] = spec.max
    if spec.max_length is not None:
        constraints["max_length"] = spec.max_length
    annotated = Annotated[kind, Field(**constraints)] if constraints else kind
    if spec.required:
        return annotated, ...
    return annotated | None, None


def load_forms(path: Path | None = None) -> dict[str, Form]:
    """The forms of ``path`` (default: the built-in forms.yaml)."""
    path = path or BUILTIN
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = FormsFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError("FLOWDESK_FORMS_FILE", f"cannot read {path}: {exc}") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ConfigError("FLOWDESK_FORMS_FILE", f"{path}: {where}: {error['msg']}") from None
    for name, spec in parsed.forms.items():
        for field, field_spec in spec.fields.items():
            if field_spec.type == "choice" and not field_spec.choices:
                raise ConfigError("FLOWDESK_FORMS_FILE", f"{path}: forms.{name}.{field}: a choice needs choices")
    return {name: Form(name, spec) for name, spec in parsed.forms.items()}


def is_form_name(value: str) -> bool:
    return re.match(_NAME, value) is not None
