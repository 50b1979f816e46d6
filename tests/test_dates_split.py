"""A column's timestamps read in parts (feedback.dates.SplitFormat) give what the general reader gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from feedback.dates import DAY_FIRST, MONTH_FIRST, DateReader, SplitFormat
from feedback.errors import BadInput

from .conftest import assert_reads


class PlainReader(DateReader):
    """The reader without the split path: every text goes the general way."""

    split = property(lambda self: None, lambda self, value: None)  # type: ignore[assignment]


def outcome(reader: DateReader, value: Any) -> str | None:
    try:
        return reader(value)
    except BadInput as exc:
        return f"BadInput: {exc.reason}"


@pytest.mark.parametrize(
    ("fmt", "splits"),
    [
        ("%m/%d/%Y %H:%M:%S", True), ("%m/%d/%Y %I:%M:%S %p", True), ("%m/%d/%Y %H:%M", True), ("%m/%d/%Y", True),
        ("%d.%m.%Y %H:%M", True), ("%Y-%m-%d %H:%M:%S", True), ("%Y%m%d", True),
        ("%Y-%m-%dT%H:%M:%S", False),  # no space between day and time
        ("%H:%M %d/%m/%Y", False),  # time first
        ("%d %m %Y", False),  # a space inside the day
        ("%d %b %Y", False), ("%m/%d %H:%M", False), ("%m/%d/%Y ", False), ("%m/%d/%Y %%H", False),
    ],
)
def test_which_formats_are_read_in_parts(fmt: str, splits: bool) -> None:
    assert (SplitFormat.of(fmt) is not None) == splits


@pytest.mark.parametrize(
    ("zone", "text", "expected"),
    [
        ("UTC", "5/1/2026 7:01:19", "2026-05-01T07:01:19Z"),
        ("UTC", "05/01/2026 07:01:19", "2026-05-01T07:01:19Z"),
        ("UTC", "5/1/2026 7:1:9", "2026-05-01T07:01:09Z"),
        ("UTC", "  2/29/2028 23:59:59 ", "2028-02-29T23:59:59Z"),
        ("UTC", "\u0665/\u0661/\u0662\u0660\u0662\u0666 7:01:19", "2026-05-01T07:01:19Z"),  # Arabic-Indic digits
        ("UTC", "5/1/2026 7:01:\u0669", "2026-05-01T07:01:09Z"),  # seconds not in ASCII: the general way
        ("UTC", "5/1/2026 23:59:59", "2026-05-01T23:59:59Z"),
        ("UTC", "5/1/2026 0:00:00", "2026-05-01T00:00:00Z"),
        ("UTC", "5/1/2026 7:01:19 PM", "2026-05-01T19:01:19Z"),  # another format: the general way
        ("UTC", "5/1/2026  7:01:19", "2026-05-01T07:01:19Z"),  # two spaces: dateutil
        ("UTC", "2026-05-01 07:01:19", "2026-05-01T07:01:19Z"),  # ISO
        ("Europe/London", "7/1/2026 7:01:19", "2026-07-01T06:01:19Z"),  # summer time
        ("Europe/London", "3/29/2026 1:30:00", "2026-03-29T01:30:00Z"),  # the skipped hour, as GMT
        ("America/New_York", "11/1/2026 1:30:00", "2026-11-01T05:30:00Z"),  # the hour seen twice: fold=0
        # broken: refused with the reason the general reader gives, so the row is quarantined as before
        ("UTC", "2/30/2026 7:01:19", "BadInput: cannot read the date '2/30/2026 7:01:19'"),
        ("UTC", "2/29/2027 23:59:59", "BadInput: cannot read the date '2/29/2027 23:59:59'"),
        ("UTC", "5/1/2026 24:00:00", "BadInput: cannot read the date '5/1/2026 24:00:00'"),
        ("UTC", "5/1/2026 7:60:00", "BadInput: cannot read the date '5/1/2026 7:60:00'"),
        ("UTC", "5/1/2026 7:01:60", "BadInput: cannot read the date '5/1/2026 7:01:60'"),
        ("UTC", "5/1/0000 7:01:19", "BadInput: cannot read the date '5/1/0000 7:01:19'"),
        ("UTC", "5/1/2026 7:01:19x", "BadInput: cannot read the date '5/1/2026 7:01:19x'"),
        ("UTC", "5/1/2026 7:01:", "BadInput: cannot read the date '5/1/2026 7:01:'"),
        ("UTC", "5/1/2026 7:01:019", "2026-05-01T07:01:19Z"),  # three digits: dateutil reads it
        ("UTC", "5/1/2026 :01:19", "BadInput: cannot read the date '5/1/2026 :01:19'"),
        ("UTC", "", None), ("UTC", "   ", None),
    ],
)
def test_after_learning_a_format(zone: str, text: str, expected: str | None) -> None:
    reader = DateReader(zone)
    assert reader("5/2/2026 8:00:00") is not None and reader.split is not None  # learned, and split
    for _ in range(2):  # the second time from what the parts remember
        assert outcome(reader, text) == expected


def test_a_sources_own_format_refuses_the_same_way() -> None:
    reader = DateReader("UTC", False, "%d/%m/%Y %H:%M")
    assert reader.split is not None
    assert_reads(reader, "14/09/2026 10:22", "2026-09-14T10:22:00Z")
    assert_reads(reader, "31/09/2026 10:22", BadInput("cannot read the date '31/09/2026 10:22'"))
    assert_reads(reader, "2026-09-14 10:22", BadInput("cannot read the date '2026-09-14 10:22'"))  # not ISO
    assert_reads(reader, "14/09/2026 10:22:05", BadInput("cannot read the date '14/09/2026 10:22:05'"))


def _texts(rng: random.Random, n: int, fmt: str) -> list[str]:
    """Timestamps as a column holds them: most in one format (``fmt``), valid; the others in many
    shapes, each field drawn from valid and invalid values, padded or not, with the usual
    separators and a few wrong ones."""
    start = datetime(2026, 1, 1)
    out = []
    for _ in range(n):
        if rng.random() < 0.7:
            out.append((start + timedelta(seconds=rng.randrange(400 * 86_400))).strftime(fmt))
            continue
        year = rng.choice(["2026", "2028", "2027", "0000", "0999", "26", "20266"])
        month, day = rng.choice(["1", "01", "2", "02", "12", "13", "0"]), rng.choice(["1", "09", "28", "29", "30", "31", "32", "00"])
        hour = rng.choice(["0", "00", "7", "07", "12", "13", "23", "24", "007"])
        minute, second = rng.choice(["0", "00", "05", "59", "60", "5"]), rng.choice(["0", "19", "59", "60", "9"])
        sep = rng.choice(["/", "/", "/", ".", "-"])
        first, second_field = (month, day) if rng.random() < 0.5 else (day, month)
        day_text = f"{first}{sep}{second_field}{sep}{year}"
        clock = rng.choice([f"{hour}:{minute}:{second}", f"{hour}:{minute}", f"{hour}:{minute}:{second} {rng.choice(['AM', 'pm', 'xm'])}", ""])
        gap = rng.choice([" ", " ", " ", " ", "  ", "T", "\t"])
        out.append(f"{day_text}{gap}{clock}".strip() if clock else day_text)
    return out


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York"])
@pytest.mark.parametrize(
    ("dayfirst", "fmt"),
    [(False, None), (True, None), *((False, fmt) for fmt in MONTH_FIRST), *((True, fmt) for fmt in DAY_FIRST)],
)
def test_the_same_text_as_the_general_reader(
    zone: str, dayfirst: bool, fmt: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(f"{zone}:{dayfirst}:{fmt}")
    texts = _texts(rng, 1500, fmt or rng.choice(DAY_FIRST if dayfirst else MONTH_FIRST))
    moment, hits = SplitFormat.moment, []

    def counted(self: SplitFormat, text: str) -> Any:
        found = moment(self, text)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(SplitFormat, "moment", counted)
    fast, plain = DateReader(zone, dayfirst, fmt), PlainReader(zone, dayfirst, fmt)
    for text in texts:
        assert outcome(fast, text) == outcome(plain, text), text
    assert sum(hits) > 100  # the parts were used
