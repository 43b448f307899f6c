"""Receipts for the ``receipt.read`` action: whole receipts drawn as text, then condensed.

Each receipt is drawn line by line as a till prints it (a header with the merchant,
an address, a date written in one of the ways receipts write it, items, tax, a total
labelled in several languages), with a few characters misread as OCR misreads them.
It is then condensed by :func:`intents.receipt_input.receipt_input`, exactly as the
bot condenses a recognised receipt, and labelled with what the receipt states.
Merchant names are built from syllables and generic trade words, so the model has to
copy them from the header rather than recognise them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from intents import spans
from intents.corpus import values as V
from intents.data import Example
from intents.receipt_input import READ_RECEIPT, receipt_input

_TRADES = (
    "CAFE BAKERY DELI KITCHEN DINER BISTRO PIZZERIA BOOKS HARDWARE PHARMACY FOODS CABS INN "
    "PARKING FUEL ELECTRONICS STATIONERY FLORIST BAR GRILL SUSHI COFFEE TRATTORIA CANTINA "
    "SUPERMARKET OPTICS TAILORS LAUNDRY GARAGE BREWERY"
).split() + ["NOODLE HOUSE", "PRINT SHOP", "CAR RENTAL", "OFFICE SUPPLY", "WINE BAR", "TEA ROOM"]
_ADJS = "GOLDEN SILVER OLD LITTLE HAPPY QUIET NORTHERN SUNNY ROYAL LUCKY WILD ROUND".split()
_NOUNS = "GOOSE ANCHOR OAK LANTERN FOX KETTLE HARBOUR CROWN PELICAN MILL SPOON COMPASS".split()
_STREETS = "High Market Station Church Mill Park Bridge Elm Harbor King Queen Victoria Lake".split()
_STREET_KINDS = ["St", "Street", "Ave", "Avenue", "Road", "Rd", "Blvd", "Lane", "Strasse", "Plaza"]
_PREAMBLES = ["*** RECEIPT ***", "SALES RECEIPT", "TAX INVOICE", "Customer copy", "RECEIPT"]
_LABELS = ["TOTAL", "Total", "TOTAL:", "GRAND TOTAL", "AMOUNT DUE", "Amount due", "BALANCE DUE",
           "TOTAL TO PAY", "Total amount", "Summe", "Montant", "Importe", "Betrag"]
_ITEMS = "Espresso Muffin Wrap Juice Stapler Folder Ticket Fuel Parking Towel Salad Tea Paper Ink".split()
_LOOKALIKE = {"O": "0", "0": "O", "l": "1", "I": "l", "S": "5", "B": "8", "e": "c", "rn": "m"}
_CURRENCIES = [("USD", "${}", "us"), ("USD", "{} USD", "us"), ("USD", "USD {}", "us"),
               ("EUR", "{} EUR", "eu"), ("EUR", "EUR {}", "eu"), ("EUR", "€{}", "eu"), ("EUR", "{} €", "eu"),
               ("GBP", "£{}", "us"), ("GBP", "GBP {}", "us"), ("CHF", "CHF {}", "us"), ("CHF", "{} CHF", "eu"),
               ("SEK", "{} SEK", "eu"), ("CAD", "CAD {}", "us"), ("AUD", "AUD {}", "us"),
               (None, "{}", "us"), (None, "{}", "eu")]


def merchant(rng: random.Random) -> str:
    """A trading name as a receipt prints it, mostly in capitals."""
    syllables = V.coined(rng)
    r = rng.random()
    if r < 0.45:
        name = f"{syllables} {rng.choice(_TRADES).title()}"
    elif r < 0.65:
        name = f"The {rng.choice(_ADJS).title()} {rng.choice(_NOUNS).title()}"
    elif r < 0.8:
        name = f"{rng.choice(V.LAST).title()} & {rng.choice(['Sons', 'Co', 'Daughters', rng.choice(V.LAST).title()])}"
    elif r < 0.9:
        name = f"{syllables}{rng.choice(['', ' Ltd', ' GmbH', ' SA', ' Inc'])}"
    else:
        name = f"{rng.choice(_ADJS).title()} {rng.choice(_TRADES).title()}"
    return name.upper() if rng.random() < 0.75 else name


def written_date(rng: random.Random, day: date, style: str) -> str:
    """``day`` as receipts write it; month-first only where the day is over 12 (unambiguous)."""
    formats = ["{y}-{m:02d}-{d:02d}", "{d:02d}.{m:02d}.{y}", "{d:02d}/{m:02d}/{y}", "{d} {b} {y}",
               "{b} {d}, {y}", "{d:02d}-{B}-{y}", "{y}/{m:02d}/{d:02d}", "{d:02d}.{m:02d}.{yy:02d}",
               "{d} {month} {y}", "{month} {d}, {y}"]
    if style == "us" and day.day > 12:
        formats += ["{m:02d}/{d:02d}/{y}", "{m}/{d}/{yy:02d}", "{m:02d}/{d:02d}/{y}"]
    return rng.choice(formats).format(y=day.year, yy=day.year % 100, m=day.month, d=day.day,
                                      b=day.strftime("%b"), B=day.strftime("%b").upper(),
                                      month=day.strftime("%B"))


def _date_line(rng: random.Random, written: str) -> str:
    time = f"{rng.randint(7, 22)}:{rng.randint(0, 59):02d}"
    return rng.choice([f"Date: {written}", f"{written} {time}", f"Date {written}   Time {time}",
                       f"{time}  {written}", f"Invoice date {written}", f"{written}  Till {rng.randint(1, 9)}",
                       f"DATE {written} {time}", f"{written}"])


def _address(rng: random.Random) -> list[str]:
    lines = [f"{rng.randint(1, 480)} {rng.choice(_STREETS)} {rng.choice(_STREET_KINDS)}"]
    if rng.random() < 0.6:
        lines.append(f"{rng.choice(V.CITIES)} {rng.randint(10000, 99999)}" if rng.random() < 0.5
                     else rng.choice(V.CITIES))
    if rng.random() < 0.4:
        lines.append(rng.choice([f"Tel {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                                 f"VAT {rng.choice(['GB', 'DE', 'FR', 'NL'])}{rng.randint(100000000, 999999999)}"]))
    return lines


def _misread(line: str, rng: random.Random) -> str:
    """One look-alike misreading, as OCR makes them."""
    found = [(i, k) for k in _LOOKALIKE for i in range(len(line)) if line.startswith(k, i)]
    if not found:
        return line
    i, k = rng.choice(found)
    return line[:i] + _LOOKALIKE[k] + line[i + len(k):]


def _money(rng: random.Random, style: str) -> str:
    """An amount as a till prints it: ``1,234.56``, or ``1.234,56`` in the European style."""
    value = rng.randint(150, 99999) / 100 if rng.random() < 0.9 else rng.randint(1000, 500000) / 100
    text = f"{value:,.2f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".") if style == "eu" else text


def example(rng: random.Random) -> Example:
    """One receipt, condensed, with the amount, currency, merchant and date it states."""
    code, money, style = rng.choice(_CURRENCIES)
    name = merchant(rng)
    if rng.random() < 0.08:
        name = _misread(name, rng)  # the merchant is what the receipt shows, misreadings and all
    day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 730))
    header = [rng.choice(_PREAMBLES)] if rng.random() < 0.15 else []
    header.append(f"Welcome to {name}" if rng.random() < 0.08 else
                  f"{name} #{rng.randint(100, 9999)}" if rng.random() < 0.08 else name)
    body = _address(rng)
    where = rng.random()
    written = written_date(rng, day, style)
    dated = _date_line(rng, written)
    if where < 0.5:
        body.insert(rng.randint(0, len(body)), dated)
    items = [f"{rng.choice(_ITEMS):<14}{_money(rng, style):>10}" for _ in range(rng.randint(1, 5))]
    number = _money(rng, style)
    total = f"{rng.choice(_LABELS):<12} {money.format(number)}"
    tail = ["Thank you!"] if rng.random() < 0.5 else []
    if 0.5 <= where < 0.85:
        tail.insert(0, dated)
    lines = [*header, *body, "", *items, f"Subtotal {_money(rng, style)}", "", total, *tail]
    lines = [_misread(line, rng) if rng.random() < 0.08 and line in body else line for line in lines]
    text = receipt_input("\n".join(lines), total)
    args: dict[str, Any] = {"amount": spans.parse_number(number)}
    if code:
        args["currency"] = code
    if name in text:
        args["merchant"] = name
    if where < 0.85 and written in text:
        args["date"] = day.isoformat()
    return Example(text=text, intent=READ_RECEIPT, args=args)
