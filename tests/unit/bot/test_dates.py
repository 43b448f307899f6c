"""One date reader: the NLU's date arguments and a receipt's date agree."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates import find_dates
from connectors.documents.receipts import find_date
from intents import spans


@pytest.mark.parametrize(("text", "day_first", "want"), [
    ("Date: 03/04/2026 12:41", True, dt.date(2026, 4, 3)),
    ("Date: 03/04/2026 12:41", False, dt.date(2026, 3, 4)),
    ("paid 2026-11-03, thanks", True, dt.date(2026, 11, 3)),
    ("NOV 03 2026 TOTAL 8.37", True, dt.date(2026, 11, 3)),
    ("on 3rd November, 2026", True, dt.date(2026, 11, 3)),
    ("11/20/26", True, dt.date(2026, 11, 20)),
])
def test_the_receipt_and_the_nlu_read_the_same_date(text: str, day_first: bool, want: dt.date) -> None:
    assert find_date(text, day_first=day_first) == want
    [entity] = spans.dates(text, day_first=day_first)
    assert entity.value == want.isoformat()
    [written] = find_dates(text, day_first=day_first)
    assert (written.start, written.end) == (entity.start, entity.end)


def test_no_year_or_no_such_day_is_no_date() -> None:
    assert find_dates("see you on 3 Nov") == []
    assert find_dates("31/02/2026 and 2026-13-01") == []
    assert find_date("TOTAL 12.40", day_first=True) is None
