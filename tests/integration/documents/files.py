"""Real files made by the tests: messy customer workbooks, hostile files and receipt photos.

Each maker also returns what a careful clerk would conclude from the file, so
tests compare the bot's outcome with an answer written independently of it.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FIRST = ["ada", "grace", "alan", "edsger", "barbara", "donald", "margaret", "linus", "radia", "ken",
         "frances", "john", "katherine", "dennis", "hedy", "tim", "sophie", "niklaus", "annie", "guido"]
LAST = ["lovelace", "hopper", "turing", "dijkstra", "liskov", "knuth", "hamilton", "torvalds", "perlman",
        "thompson", "allen", "backus", "johnson", "ritchie", "lamarr", "berners-lee", "wilson", "wirth",
        "easley", "van rossum"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Stark Industries", "Wayne Enterprises"]
TIER_SPELLINGS = {"premium": ["Premium", " PREMIUM ", "gold", "Gold"], "free": ["free", "Free", "basic", "Bronze"],
                  "standard": ["standard", "Standard ", "pro", "Silver"], "enterprise": ["Enterprise", "ENT"]}
AREAS = ["212", "415", "617", "312", "646", "303", "206"]
HEADERS = ["Full Name", "E-mail Address", "Telephone", "Organisation", "Plan", "Notes"]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


@dataclass
class Expected:
    """The outcome a person would expect: rows to enter (by row number) and rows refused (row -> column)."""

    ready: dict[int, dict[str, Any]] = field(default_factory=dict)
    rejected: dict[int, str] = field(default_factory=dict)
    existing: list[dict[str, Any]] = field(default_factory=list)


def _title(name: str) -> str:
    return " ".join("-".join(p.capitalize() for p in w.split("-")) for w in name.split(" "))


def _messy_case(rng: random.Random, text: str) -> str:
    return rng.choice([text, text.upper(), text.lower(), "  " + text.lower() + " ", text.replace(" ", "   ")])


def _phone(rng: random.Random) -> tuple[str, Any]:
    area, mid, end = rng.choice(AREAS), rng.randint(201, 989), rng.randint(1000, 9999)
    if mid % 100 == 11 or mid == 555:
        mid = 234
    canonical = f"+1{area}{mid}{end}"
    written = rng.choice([f"({area}) {mid}-{end}", f"{area}.{mid}.{end}", f"+1 {area} {mid} {end}",
                          int(f"{area}{mid}{end}"), f"1-{area}-{mid}-{end}", f" {area} {mid} {end} "])
    return canonical, written


def customers_workbook(rows: int = 1000, *, seed: int = 7, existing: int = 20) -> tuple[bytes, Expected]:
    """A workbook of ``rows`` messy customer rows: ~8% broken, ~5% repeated, blank lines between."""
    rng = random.Random(seed)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    expected = Expected()
    emails: list[tuple[str, int]] = []
    number = 1
    for index in range(rows):
        if index and index % 97 == 0:
            sheet.append([])
            number += 1
        number += 1
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{name.replace(' ', '.').replace('-', '')}{index}@example.com"
        phone, phone_written = _phone(rng)
        tier = rng.choice(list(TIER_SPELLINGS))
        company = rng.choice(COMPANIES)
        cells: list[Any] = [_messy_case(rng, _title(name)), rng.choice([email, email.upper(), f" {email} ",
                            f"mailto:{email}"]), phone_written, f"  {company} ", rng.choice(TIER_SPELLINGS[tier]),
                            rng.choice(["", "met at expo", "@risk: call first", "+ follow up", "vip"])]
        kind = rng.random()
        if kind < 0.02:
            cells[1], column = email.replace("@", " at "), "email"
        elif kind < 0.04:
            cells[2], column = str(rng.randint(100, 99999)), "phone"
        elif kind < 0.06:
            cells[0], column = "   ", "name"
        elif kind < 0.08:
            cells[4], column = "platinum", "tier"
        elif kind < 0.13 and emails:
            earlier_email, earlier_row = rng.choice(emails)
            cells[1], column = earlier_email.upper(), "email"
        elif 0.13 <= kind < 0.13 + existing / rows:
            expected.existing.append({"name": _title(name), "email": email, "phone": phone, "company": company,
                                      "tier": tier})
            column = "email"
        else:
            column = ""
        sheet.append(cells)
        if column:
            expected.rejected[number] = column
            continue
        emails.append((email, number))
        expected.ready[number] = {"name": _title(name), "email": email, "phone": phone,
                                  "company": company, "tier": tier}
    return _save(book), expected


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def formula_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "email"])
    sheet.append(["Ada Lovelace", "ada@example.com"])
    sheet.append(["=CONCAT(\"Grace\",\" Hopper\")", "grace@example.com"])
    return _save(book)


def macro_workbook() -> bytes:
    """A workbook carrying a VBA project, as Excel saves a macro-enabled file."""
    source = zipfile.ZipFile(io.BytesIO(formula_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"Module1\"" * 20)
    return out.getvalue()


def corrupt_workbook() -> bytes:
    good = customers_workbook(20, seed=3, existing=0)[0]
    return good[: len(good) // 2] + bytes(range(256)) * 4


def big_csv(megabytes: int = 50) -> bytes:
    line = b"name,email,phone\n" + b"Ada Lovelace,ada@example.com,+14155552671\n" * 10
    return (line * (megabytes * 1024 * 1024 // len(line) + 1))[: megabytes * 1024 * 1024]


@dataclass(frozen=True)
class Receipt:
    image: bytes
    amount: str
    currency: str
    merchant: str
    date: str


MERCHANTS = ["CORNER CAFE", "BLUE BOTTLE", "CITY TAXI", "THE RED LION", "PAPER & CO", "FRESH MARKET",
             "HOTEL ASTORIA", "GREEN GROCER", "METRO PHARMACY", "BOOK NOOK"]
ITEMS = ["Latte", "Bagel", "Sandwich", "Water", "Notebook", "Pens", "Fare", "Salad", "Soup", "Room"]
STYLES = [("USD", "${}", "{:,.2f}"), ("EUR", "{} EUR", "{:,.2f}"), ("GBP", "£{}", "{:,.2f}"),
          ("EUR", "€{}", "{:,.2f}"), ("USD", "{} USD", "{:,.2f}"), ("CHF", "CHF {}", "{:,.2f}")]


def receipt_image(seed: int, font: Path = FONT, *, rotate: float = 3, noise: float = 18, blur: float = 0) -> Receipt:
    """A receipt drawn with a known font, then rotated a little and noised, as a PNG or JPEG."""
    rng = random.Random(seed)
    currency, money, number = rng.choice(STYLES)
    merchant = rng.choice(MERCHANTS)
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    prices = [rng.randint(150, 4999) / 100 for _ in range(rng.randint(2, 5))]
    tax = round(sum(prices) * 0.08, 2)
    total = round(sum(prices) + tax, 2)
    if rng.random() < 0.3:
        prices[0] += 1000
        total = round(sum(prices) + tax, 2)
    lines = [merchant, f"{rng.randint(1, 999)} Main Street", f"Date: {day} {rng.randint(8, 21)}:{rng.randint(0, 59):02d}", ""]
    lines += [f"{rng.choice(ITEMS):<14}{number.format(p):>12}" for p in prices]
    lines += ["", f"{'Subtotal':<14}{number.format(sum(prices)):>12}", f"{'Tax':<14}{number.format(tax):>12}",
              f"{'TOTAL':<10}{money.format(number.format(total)):>16}", "", "Thank you!"]
    return Receipt(image=_draw(lines, rng, font, rotate=rotate, noise=noise, blur=blur), amount=f"{total:.2f}", currency=currency, merchant=merchant, date=day)


def _draw(lines: list[str], rng: random.Random, path: Path, *, rotate: float, noise: float, blur: float) -> bytes:
    font: Any = ImageFont.truetype(str(path), 26) if path.exists() else ImageFont.load_default(size=26)
    image = Image.new("L", (560, 60 + 36 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(lines):
        draw.text((30, 30 + 36 * row), text, fill=rng.randint(0, 50), font=font)
    image = image.rotate(rng.uniform(-rotate, rotate), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(image, dtype=np.float32)
    speckle = np.random.default_rng(rng.randint(0, 2**31)).normal(0, noise, pixels.shape)
    image = Image.fromarray(np.clip(pixels + speckle, 0, 255).astype(np.uint8))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    if rng.random() < 0.5:
        image.save(out, format="PNG")
    else:
        image.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()
