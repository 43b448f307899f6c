"""What a person types over a receipt's reading, checked before the expense is entered.

The receipt card shows the amount, currency, merchant and date as editable
inputs; Enter sends them back. Each value is checked (the amount a positive
number, the currency an ISO 4217 code, the date ISO ``YYYY-MM-DD``) and a bad
one refuses the whole Enter with a message naming it, so nothing changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.errors import ActionRejected
from connectors.documents.receipts import ReceiptFields, to_decimal

FIELDS = ("amount", "currency", "merchant", "date")
MAX_AMOUNT = Decimal(1_000_000_000)
MAX_MERCHANT = 100
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD
XCG XOF XPF YER ZAR ZMW ZWG
""".split())  # noqa: SIM905 - the codes read as the standard's table
"""ISO 4217 codes of the currencies in circulation (funds, metals and test codes are left out)."""
_AMOUNT = re.compile(r"^\d[\d.,' ]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def corrected(read: Mapping[str, Any], typed: Mapping[str, Any]) -> ReceiptFields:
    """The receipt's fields, each one typed replacing what was read; raises ``ActionRejected``."""
    unknown = sorted(set(typed) - set(FIELDS))
    if unknown:
        raise _bad(f"A receipt has no field {unknown[0]!r} (fields: {', '.join(FIELDS)}).")
    values = {name: _text(typed[name]) if name in typed else _text(read.get(name)) for name in FIELDS}
    return ReceiptFields(amount=_amount(values["amount"]), currency=_currency(values["currency"]),
                         merchant=_merchant(values["merchant"]), date=_date(values["date"]))


def check_field(name: str, value: Any) -> Any:
    """``value`` as the receipt field ``name`` holds it, or None when it is empty or not valid."""
    check = {"amount": _amount, "currency": _currency, "merchant": _merchant, "date": _date}.get(name)
    text = _text(value)
    if check is None or not text:
        return None
    try:
        return check(text)
    except ActionRejected:
        return None


def _bad(message: str) -> ActionRejected:
    return ActionRejected(f"{message} Nothing was entered; correct it and click Enter again.", private=True)


def _text(value: Any) -> str:
    return "" if value is None else re.sub(r"\s+", " ", str(value)).strip()


def _amount(text: str) -> Decimal:
    if not text:
        raise _bad("The amount is missing: type the receipt's total, like 12.40.")
    value = to_decimal(text) if _AMOUNT.match(text) else None
    if value is None or not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise _bad(f"The amount {text!r} is not a number above zero (write it like 12.40 or 1,234.56).")
    return value


def _currency(text: str) -> str:
    code = text.upper()
    if not code:
        raise _bad("The currency is missing: type its ISO 4217 code, like EUR, USD or GBP.")
    if code not in ISO_4217:
        raise _bad(f"The currency {text!r} is not an ISO 4217 code (three letters, like EUR, USD or GBP).")
    return code


def _merchant(text: str) -> str | None:
    if len(text) > MAX_MERCHANT:
        raise _bad(f"The merchant's name is longer than {MAX_MERCHANT} characters.")
    if any(not ch.isprintable() for ch in text):
        raise _bad("The merchant's name contains characters that cannot be stored.")
    return text or None


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _bad(f"The date {text!r} is not a date written as YYYY-MM-DD (like 2026-11-03).") from None
