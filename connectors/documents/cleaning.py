"""Turns raw cell values into a form's clean values, or says what is wrong with each cell.

Text is trimmed and its white space collapsed, case follows the rules, emails
are lower-cased and validated, phone numbers become E.164, numbers lose
currency symbols and thousands separators, dates are read in the configured
formats. The form's own validation then has the last word.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

from connectors.data_entry.forms import Form
from connectors.documents.rules import CleaningRules, FieldRules

_SPACES = re.compile(r"\s+")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class CellProblem:
    """One cell that cannot be used; ``column`` is the form field it maps to."""

    column: str
    message: str


class BadValue(ValueError):
    """A value that cleaning cannot repair."""


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _SPACES.sub(" ", str(value)).strip()


def _case(text: str, case: str) -> str:
    if case == "lower":
        return text.lower()
    if case == "upper":
        return text.upper()
    if case == "title":
        return _WORD.sub(_title_word, text)
    return text


_WORD = re.compile(r"[^\W\d_]+")


def _title_word(match: re.Match[str]) -> str:
    """``ada`` and ``ADA`` become ``Ada``; a word already in mixed case (``McDonald``) is kept."""
    word = match.group(0)
    return word.capitalize() if word.islower() or word.isupper() else word


def clean_value(kind: str, value: Any, rules: FieldRules, cleaning: CleaningRules) -> Any:
    """The clean value of one cell (None when blank); raises ``BadValue`` with a reason."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = _text(value)
    for ch in rules.strip:
        text = text.replace(ch, "")
    text = next((v for k, v in rules.values.items() if k.casefold() == text.casefold()), text)
    text = _case(text, rules.case)
    cleaner = _CLEANERS.get(kind)
    return cleaner(text, value, cleaning) if cleaner else text


def _email(text: str, _raw: Any, _rules: CleaningRules) -> str:
    text = text.removeprefix("mailto:").strip("<> ")
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise BadValue(f"{text!r} is not a valid email address ({str(exc).rstrip('.')})") from None


def _phone(text: str, _raw: Any, rules: CleaningRules) -> str:
    try:
        number = phonenumbers.parse(text, rules.defaults.phone_region)
    except phonenumbers.NumberParseException:
        raise BadValue(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise BadValue(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _number(text: str, raw: Any, _rules: CleaningRules) -> Decimal:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Decimal(str(raw))
    cleaned = text.replace(",", "").replace("'", "").replace(" ", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise BadValue(f"{text!r} is not a number") from None


def _integer(text: str, raw: Any, rules: CleaningRules) -> int:
    number = _number(text, raw, rules)
    if number != number.to_integral_value():
        raise BadValue(f"{text!r} is not a whole number")
    return int(number)


def _date(text: str, raw: Any, rules: CleaningRules) -> str:
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    for pattern in rules.defaults.date_formats:
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise BadValue(f"{text!r} is not a date I can read (use YYYY-MM-DD)")


def _boolean(text: str, _raw: Any, _rules: CleaningRules) -> bool:
    folded = text.casefold()
    if folded in _TRUE or folded in _FALSE:
        return folded in _TRUE
    raise BadValue(f"{text!r} is not yes or no")


def _choice(text: str, _raw: Any, _rules: CleaningRules) -> str:
    return text.casefold()


_CLEANERS = {"email": _email, "phone": _phone, "number": _number, "decimal": _number, "integer": _integer,
             "date": _date, "boolean": _boolean, "choice": _choice}


def clean_record(form: Form, raw: dict[str, Any], rules: CleaningRules) -> tuple[dict[str, Any], list[CellProblem]]:
    """The stored values of one row (as ``record.create`` stores them) and its problems."""
    form_rules = rules.form(form.name)
    values: dict[str, Any] = {}
    problems: list[CellProblem] = []
    for field, spec in form.spec.fields.items():
        try:
            value = clean_value(spec.type, raw.get(field), form_rules.field(field), rules)
        except BadValue as exc:
            problems.append(CellProblem(field, str(exc)))
            continue
        if value is not None:
            values[field] = value
    problems += [p for p in _validate(form, values) if p.column not in {q.column for q in problems}]
    if problems:
        order = list(form.spec.fields)
        return {}, sorted(problems, key=lambda p: order.index(p.column) if p.column in order else len(order))
    return form.validate(values), []


def _validate(form: Form, values: dict[str, Any]) -> list[CellProblem]:
    try:
        form.model.model_validate(values)
    except ValidationError as exc:
        return [_problem(form, error) for error in exc.errors()]
    return []


def _problem(form: Form, error: Any) -> CellProblem:
    field = str(error["loc"][0]) if error["loc"] else "record"
    spec = form.spec.fields.get(field)
    if error["type"] == "missing":
        return CellProblem(field, "required but empty")
    if error["type"] == "literal_error" and spec and spec.choices:
        return CellProblem(field, f"{error['input']!r} is not one of {', '.join(spec.choices)}")
    return CellProblem(field, str(error["msg"]))
