"""Procedural slot values for the built-in corpus: people, money, subjects, form fields.

Values are drawn from large combinatorial pools so that a model trained on the corpus has
to copy them from the message rather than memorise them. Every function takes the
``random.Random`` it draws from, so the corpus is reproducible from its seed.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

FIRST = (
    "dana alice jordan sam maria li wei priya omar fatima lucas emma noah olivia liam sofia "
    "mateo chloe yuki hiro arjun ana pedro ines tom kate ben zoe raj nina ivan olga kofi amara "
    "sean aoife lars ingrid mehmet elif diego camila jin min chen ravi sara david leah max ella "
    "tariq nadia pablo lucia oscar freya ahmed layla marco giulia"
).split()
LAST = (
    "kim lopez smith nguyen patel garcia mueller rossi dubois tanaka silva novak cohen okafor "
    "johansson brown wilson khan ali murphy schmidt fischer costa santos ito sato park lee "
    "chowdhury mensah osei adeyemi kowalski horvat jensen nielsen moreau bernard petrov ivanova "
    "hughes walker young reyes ortiz cruz fernandez weber meyer wagner becker"
).split()
DOMAINS = (
    "example.com acme.io contoso.com northwind.co fabrikam.net globex.org initech.com "
    "umbrella.dev stark.io wayne.co hooli.com piedpiper.io tailspin.com adatum.org"
).split()
CITIES = (
    "Berlin Oslo Paris Lisbon Madrid Tokyo Austin Denver Boston Chicago Toronto Dublin London "
    "Amsterdam Warsaw Prague Vienna Zurich Milan Seoul Singapore Sydney Nairobi Lagos Cairo "
    "Mumbai Bangalore Helsinki Stockholm Copenhagen Seattle Atlanta Miami Montreal Lima Bogota"
).split()
_SYL = "ka lo mi ra ne to vi sa de ru po li an or el ix zu ba ter nor vel cor dyn sol".split()
_CO_SUFFIX = ["", " Inc", " Ltd", " GmbH", " Labs", " Systems", " Group", " & Co", " Corp"]
_PRODUCT_ADJ = "Pro Mini Max Ultra Lite Plus Air Edge Prime Flex Nova Core".split()
_PRODUCT_NOUN = (
    "Widget Router Monitor Keyboard Headset Dock Camera Printer Tablet Chair Desk Lamp "
    "Speaker Charger Sensor Badge Cable Hub"
).split()
TOOLS = "Figma Jira Slack Notion Zoom Salesforce GitHub Miro Tableau Adobe Asana Okta".split()
DEPTS = "marketing sales engineering design support finance ops legal hr product".split()
_ADJ = (
    "new second spare replacement refurbished ergonomic annual quarterly urgent extra larger "
    "external shared"
).split()
_ITEM = (
    "laptop monitor standing desk office chair phone headset license server budget contract "
    "training course conference ticket team dinner offsite printer whiteboard camera"
).split()
CATEGORIES = "travel meals software hardware training office supplies lodging taxi".split()
TIERS = "gold silver bronze platinum enterprise free".split()
PRIORITIES = "low medium high urgent critical".split()
_NUM_WORDS = "one two three four five six seven eight nine ten eleven twelve".split()


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def coined(rng: random.Random) -> str:
    """A made-up name of two or three syllables ("Velnor"), so a model must copy, not recall, it."""
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3))).capitalize()


def company(rng: random.Random) -> str:
    return coined(rng) + rng.choice(_CO_SUFFIX)


def project(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return coined(rng)
    return rng.choice(["Apollo", "Zephyr", "Atlas", "Orion", "Falcon", "Nimbus", "Phoenix",
                       "Helios", "Vega", "Juno", "Kepler", "Titan"]) + rng.choice(
        ["", "", f" {rng.randint(2, 9)}", " migration", " rollout", " v2", " onboarding", " launch", " audit"])


def email(rng: random.Random) -> tuple[str, str]:
    """(as written, as the argument: lower-cased)."""
    first, last = person_name(rng)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", first, f"{first}_{last}"])
    addr = f"{local}@{rng.choice(DOMAINS)}"
    written = addr.title() if rng.random() < 0.1 else addr
    return written, addr.lower()


def slack_id(rng: random.Random) -> str:
    n = rng.choice([8, 9, 10])
    return rng.choice("UUUW") + "".join(rng.choices(string.ascii_uppercase + string.digits, k=n))


def person(rng: random.Random) -> tuple[str, str]:
    """A person as a platform writes them: (surface text, argument value)."""
    r = rng.random()
    first, last = person_name(rng)
    if r < 0.3:
        uid = slack_id(rng)
        return f"<@{uid}>", uid
    if r < 0.5:
        name = f"{first.capitalize()} {last.capitalize()}" if rng.random() < 0.8 else first.capitalize()
        return f"<at>{name}</at>", name
    if r < 0.75:
        handle = rng.choice([first, f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last[0]}"])
        return f"@{handle}", handle
    return email(rng)


def money(rng: random.Random) -> tuple[str, int | float, str | None]:
    """An amount in one of many written forms: (surface, number, ISO currency or None)."""
    kind = rng.random()
    if kind < 0.2:  # thousands shorthand
        value: int | float = rng.choice([1, 1.2, 1.5, 2, 2.5, 3, 4.8, 5, 10, 12, 25, 7.5])
        sym, code = rng.choice([("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("", None)])
        amount = round(value * 1000)
        return f"{sym}{value:g}k", amount, code
    if rng.random() < 0.25:
        cents = rng.choice([50, 99, 25, 75, 40])
        num: int | float = round(rng.randint(3, 900) + cents / 100, 2)
        written = f"{num:.2f}"
    else:
        num = rng.choice([rng.randint(5, 99), rng.randint(100, 999), rng.randint(1000, 60000)])
        num = num if num < 1000 or rng.random() < 0.3 else round(num, -1)
        written = f"{num:,}" if num >= 1000 and rng.random() < 0.6 else str(num)
    forms = [
        (f"${written}", "USD"), (f"€{written}", "EUR"), (f"£{written}", "GBP"),
        (f"{written} EUR", "EUR"), (f"{written} USD", "USD"), (f"{written} GBP", "GBP"),
        (f"USD {written}", "USD"), (f"{written} dollars", "USD"), (f"{written} euros", "EUR"),
        (f"{written} CHF", "CHF"), (f"{written} CAD", "CAD"), (f"{written} SEK", "SEK"),
        (f"{written}", None), (f"{written}", None),
    ]
    surface, code = rng.choice(forms)
    return surface, num, code


def _a(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def approval_subject(rng: random.Random) -> str:
    city, co, tool = rng.choice(CITIES), company(rng), rng.choice(TOOLS)
    q, dept = f"Q{rng.randint(1, 4)}", rng.choice(DEPTS)
    options = [
        f"the {rng.choice(_ADJ)} {rng.choice(_ITEM)}",
        _a(f"{rng.choice(_ADJ)} {rng.choice(_ITEM)}"),
        f"my travel to {city}",
        f"my trip to {city}",
        f"the {q} {dept} budget",
        f"the contract renewal with {co}",
        f"the {co} invoice",
        f"{rng.randint(2, 12)} {rng.choice(_ITEM)}s for the {dept} team",
        f"the team offsite in {city}",
        f"a {tool} license for {rng.choice(DEPTS)}",
        f"{tool} seats for the {dept} team",
        f"hiring a contractor for {project(rng)}",
        f"overtime on {project(rng)}",
        f"{rng.choice(_ITEM)} for {rng.choice(FIRST).capitalize()}",
        f"the {dept} {rng.choice(_ITEM)}",
        f"{rng.choice(_ITEM)} upgrade",
    ]
    return rng.choice(options)


def reason(rng: random.Random) -> str:
    return rng.choice([
        f"for the customer summit in {rng.choice(CITIES)}",
        f"for the {company(rng)} pitch",
        f"because the old one {rng.choice(['broke', 'died', 'is too slow', 'was stolen'])}",
        f"since {rng.choice(FIRST).capitalize()} starts on {rng.choice(['Monday', 'the 1st', 'Tuesday'])}",
        f"for the {rng.choice(DEPTS)} onboarding",
        f"because our {rng.choice(TOOLS)} plan ran out",
        f"to close the {company(rng)} deal",
        f"for {project(rng)}",
        f"because we {rng.choice(['lost the old ones', 'hired two people', 'moved offices', 'are short on seats'])}",
        f"as the {rng.choice(DEPTS)} team {rng.choice(['grew', 'asked for it', 'needs it by Friday'])}",
    ])


def email_subject(rng: random.Random) -> str:
    return rng.choice([
        f"the {rng.choice(DEPTS)} sync", f"{project(rng)} status", f"the {company(rng)} proposal",
        f"{rng.choice(['Monday', 'Friday', 'tomorrow'])}'s meeting", f"Q{rng.randint(1, 4)} numbers",
        f"the offsite in {rng.choice(CITIES)}", f"invoice {rng.randint(1000, 99999)}",
        f"{rng.choice(TOOLS)} access", f"the {rng.choice(_ITEM)} order", "the launch plan",
    ])


def email_body(rng: random.Random) -> str:
    return rng.choice([
        f"the {project(rng)} deploy is done",
        f"I'll be {rng.randint(5, 40)} minutes late",
        f"the {company(rng)} contract is signed",
        f"please review the {rng.choice(DEPTS)} deck before {rng.choice(['Friday', 'noon', 'tomorrow'])}",
        f"we moved the meeting to {rng.randint(1, 5)}pm",
        f"the invoice for {company(rng)} is attached",
        f"lunch is on me in {rng.choice(CITIES)}",
        f"{project(rng)} ships next week",
        f"can we talk about the {rng.choice(_ITEM)} tomorrow",
        f"thanks for the help with {project(rng)}",
        f"good news, the {project(rng)} deploy is done",
        f"quick update, {project(rng)} slipped to {rng.choice(['Friday', 'next week', 'Monday'])}",
        f"thanks again, the {rng.choice(DEPTS)} review went well",
        f"order {rng.randint(1000, 99999)} is delayed by {rng.choice(['one day', 'two days', 'a week'])}",
        f"invoice {rng.randint(1000, 99999)} was paid {rng.choice(['today', 'this morning', 'yesterday'])}",
        f"the {rng.choice(_ITEM)} arrived {rng.choice(['today', 'this morning', 'at the office'])}",
        f"the {rng.choice(DEPTS)} offsite is confirmed for {rng.choice(CITIES)}",
    ])


def product(rng: random.Random) -> str:
    return f"{rng.choice(_PRODUCT_NOUN)} {rng.choice(_PRODUCT_ADJ)}" + rng.choice(
        ["", "", f" {rng.randint(2, 900)}"])


def quantity(rng: random.Random) -> tuple[str, int]:
    n = rng.randint(1, 250)
    if n <= 12 and rng.random() < 0.4:
        return _NUM_WORDS[n - 1], n
    return str(n), n


def plain_number(rng: random.Random, lo: float, hi: float, step: float) -> tuple[str, int | float]:
    steps = int((hi - lo) / step)
    v = lo + step * rng.randint(0, steps)
    num: int | float = int(v) if float(v).is_integer() else round(v, 2)
    return f"{num:g}" if isinstance(num, float) else str(num), num


def phone(rng: random.Random) -> str:
    a, b, c = rng.randint(200, 999), rng.randint(200, 999), rng.randint(1000, 9999)
    return rng.choice([f"+1 {a} {b} {c}", f"({a}) {b}-{c}", f"+44 20 {b} {c}", f"{a}-{b}-{c}"])


def order_id(rng: random.Random) -> str:
    return rng.choice(["ORD-", "ORD-", "SO-", "#"]) + str(rng.randint(1000, 99999))


def request_id(rng: random.Random) -> str:
    return rng.choice(["APR-", "APR-", "APR-", "apr-", "REQ-"]) + str(rng.randint(10, 99999))


def issue(rng: random.Random) -> str:
    return rng.choice([
        f"the {product(rng)} arrived broken", "they can't log in", "refund not received",
        f"wrong {rng.choice(_PRODUCT_NOUN).lower()} shipped", "invoice shows the wrong amount",
        f"{rng.choice(TOOLS)} sync keeps failing", "package never arrived", "double charged",
    ])


def description(rng: random.Random) -> str:
    return rng.choice([
        f"taxi to {rng.choice(CITIES)} airport", f"team lunch with {company(rng)}",
        f"hotel in {rng.choice(CITIES)}", f"{rng.choice(TOOLS)} subscription",
        f"train to {rng.choice(CITIES)}", f"client dinner with {company(rng)}",
        f"{rng.choice(_ITEM)} for the {rng.choice(DEPTS)} team",
    ])


def when(rng: random.Random, now: date) -> tuple[str, str, bool]:
    """A date as written, its ISO value and whether it is relative (needs ``now``)."""
    r = rng.random()
    if r < 0.3:
        return "yesterday", (now - timedelta(days=1)).isoformat(), True
    if r < 0.5:
        return "today", now.isoformat(), True
    d = now - timedelta(days=rng.randint(0, 60))
    if rng.random() < 0.5:
        return d.isoformat(), d.isoformat(), False
    return d.strftime("%b %-d"), d.isoformat(), True
