"""Reading dates from inputs (feedback.dates): every form each channel reads, as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from feedback.dates import DateReader, envelope_date, imap_date, loose_date, mail_date, utc_text
from feedback.errors import BadInput

from .conftest import assert_reads


def unreadable(text: str) -> BadInput:
    """The expected outcome of a survey date that cannot be read."""
    return BadInput(f"cannot read the date {text!r}")


@pytest.mark.parametrize(
    ("value", "dayfirst", "zone", "expected"),
    [
        # spreadsheet forms, month first unless the source says dayfirst
        ("8/21/2019 13:10:31", False, "UTC", "2019-08-21T13:10:31Z"),
        ("08/21/2019 01:10:31 PM", False, "UTC", "2019-08-21T13:10:31Z"),
        ("08/21/2019 12:05:00 AM", False, "UTC", "2019-08-21T00:05:00Z"),
        ("8/21/2019 13:10", False, "UTC", "2019-08-21T13:10:00Z"),
        ("03/04/2026", False, "UTC", "2026-03-04T00:00:00Z"),
        ("03/04/2026", True, "UTC", "2026-04-03T00:00:00Z"),
        ("21/08/2019 13:10:31", True, "UTC", "2019-08-21T13:10:31Z"),
        ("21/08/2019 13:10", True, "Europe/London", "2019-08-21T12:10:00Z"),
        ("21.08.2019 13:10", True, "UTC", "2019-08-21T13:10:00Z"),
        ("21.08.2019", True, "UTC", "2019-08-21T00:00:00Z"),
        ("14/09/2026 10:22", False, "UTC", "2026-09-14T10:22:00Z"),  # no 14th month: dateutil reads it day first
        # ISO 8601, with or without a zone
        ("2019-08-21T13:10:31Z", False, "Europe/London", "2019-08-21T13:10:31Z"),
        ("2019-08-21T13:10:31.500+02:00", False, "Europe/London", "2019-08-21T11:10:31Z"),
        ("2026-09-14T10:22:05+05:30", False, "UTC", "2026-09-14T04:52:05Z"),
        ("2019-08-21 13:10:31", False, "America/New_York", "2019-08-21T17:10:31Z"),
        ("2019-08-21 13:10:31.999", False, "UTC", "2019-08-21T13:10:31Z"),  # whole seconds, not rounded
        ("2019-08-21", False, "Europe/London", "2019-08-20T23:00:00Z"),  # a bare date is midnight in the zone
        # anything else dateutil reads
        ("Aug 21, 2019 1:10 PM", False, "UTC", "2019-08-21T13:10:00Z"),
        ("Sept 14 2026 10am", False, "UTC", "2026-09-14T10:00:00Z"),
        # the source's zone, across daylight-saving changes (fold=0: the offset before the change)
        ("21/08/2019 13:10", True, "Asia/Kolkata", "2019-08-21T07:40:00Z"),
        ("2026-03-29 00:59:59", False, "Europe/London", "2026-03-29T00:59:59Z"),
        ("2026-03-29 01:30:00", False, "Europe/London", "2026-03-29T01:30:00Z"),  # skipped hour: read as GMT
        ("2026-03-29 02:30:00", False, "Europe/London", "2026-03-29T01:30:00Z"),  # BST
        ("2026-10-25 00:59:59", False, "Europe/London", "2026-10-24T23:59:59Z"),
        ("2026-10-25 01:30:00", False, "Europe/London", "2026-10-25T00:30:00Z"),  # hour seen twice: the BST one
        ("2026-10-25 02:00:00", False, "Europe/London", "2026-10-25T02:00:00Z"),  # GMT
        ("3/8/2026 2:30:00", False, "America/New_York", "2026-03-08T07:30:00Z"),  # skipped hour: read as EST
        # cells a spreadsheet already typed
        (datetime(2026, 9, 14, 10, 22, 5), False, "Europe/London", "2026-09-14T09:22:05Z"),
        (datetime(2026, 9, 14, 10, 22, 5, 123), False, "UTC", "2026-09-14T10:22:05Z"),
        (datetime(2026, 9, 14, 10, 22, 5, tzinfo=timezone(timedelta(hours=2))), False, "Europe/London", "2026-09-14T08:22:05Z"),
        (date(2026, 9, 14), False, "Europe/London", "2026-09-13T23:00:00Z"),
        (date(2026, 9, 14), False, "UTC", "2026-09-14T00:00:00Z"),
        # empty: no date, and no problem
        ("", False, "UTC", None), (None, False, "UTC", None), ("   ", False, "UTC", None),
        # unreadable: the row is quarantined with this reason
        ("not a date", False, "UTC", unreadable("not a date")),
        ("2026-02-30", False, "UTC", unreadable("2026-02-30")),
        ("13/13/2026", True, "UTC", unreadable("13/13/2026")),
        ("99999-01-01", False, "UTC", unreadable("99999-01-01")),
    ],
)
def test_survey_dates(value: Any, dayfirst: bool, zone: str, expected: str | BadInput | None) -> None:
    reader = DateReader(zone, dayfirst, None)
    for _ in range(2):  # the second read comes from what the reader remembers, and must say the same
        assert_reads(reader, value, expected)


@pytest.mark.parametrize(
    ("fmt", "text", "numeric", "expected"),
    [
        ("%m/%d/%Y %H:%M:%S", "5/1/2026 7:01:19", True, "2026-05-01T07:01:19Z"),
        ("%m/%d/%Y %I:%M:%S %p", "09/14/2026 01:05:00 PM", True, "2026-09-14T13:05:00Z"),
        ("%m/%d/%Y %I:%M:%S %p", "09/14/2026 12:05:00 AM", True, "2026-09-14T00:05:00Z"),
        ("%m/%d/%Y %I:%M:%S %p", "09/14/2026 12:05:00 pm", True, "2026-09-14T12:05:00Z"),
        ("%d/%m/%Y %H:%M", "14/09/2026 10:22", True, "2026-09-14T10:22:00Z"),
        ("%d.%m.%Y", "21.08.2019", True, "2019-08-21T00:00:00Z"),
        ("%Y%m%d", "20190821", True, "2019-08-21T00:00:00Z"),
        ("%d %b %Y", "14 Sep 2026", False, "2026-09-14T00:00:00Z"),  # not all digits: strptime alone
        ("%Y-%m-%d %H:%M:%S", "2026-02-30 10:00:00", True, unreadable("2026-02-30 10:00:00")),  # no such day
        ("%d/%m/%Y", "2026-09-14", True, unreadable("2026-09-14")),  # the source's format only, not ISO
        ("%d %b %Y", "14/09/2026", False, unreadable("14/09/2026")),
    ],
)
def test_a_sources_own_date_format(fmt: str, text: str, numeric: bool, expected: str | BadInput) -> None:
    reader = DateReader("UTC", False, fmt)
    assert (reader.fast is not None) == numeric
    assert_reads(reader, text, expected)


@pytest.mark.parametrize(
    ("raw", "zone", "expected"),
    [
        ("2024-06-01", "Europe/London", "2024-06-01T00:00:00Z"),  # a bare ISO day stays that day
        (" 2024-06-01 ", "America/New_York", "2024-06-01T00:00:00Z"),
        ("2024-06-01T10:00:00", "Europe/London", "2024-06-01T09:00:00Z"),
        ("2024-06-01T10:00:00.75", "UTC", "2024-06-01T10:00:00Z"),
        ("2024-06-01T10:00:00+02:00", "UTC", "2024-06-01T08:00:00Z"),
        ("2024-06-01T10:00:00Z", "Europe/London", "2024-06-01T10:00:00Z"),
        ("Tue, 07 May 2024 10:00:00 GMT", "UTC", "2024-05-07T10:00:00Z"),
        ("June 1, 2024", "Europe/London", "2024-05-31T23:00:00Z"),  # any other day is midnight in the zone
        ("01/06/2024", "UTC", "2024-01-06T00:00:00Z"),  # month first
        ("2024-03-31T01:30:00", "Europe/London", "2024-03-31T01:30:00Z"),  # the skipped hour, as GMT
        ("2024-13-45", "UTC", None),  # looks like a day, is none
        ("not a date", "UTC", None), ("   ", "UTC", None), ("", "UTC", None), (None, "UTC", None),
        ("0001-01-01T00:30:00+01:00", "UTC", None),  # before the year 1 in UTC
    ],
)
def test_review_dates(raw: str | None, zone: str, expected: str | None) -> None:
    assert loose_date(raw, zone) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Tue, 03 Mar 2026 09:12:00 +0000", datetime(2026, 3, 3, 9, 12, tzinfo=UTC)),
        ("Tue, 03 Mar 2026 10:12:00 +0100", datetime(2026, 3, 3, 9, 12, tzinfo=UTC)),
        ("Tue, 03 Mar 2026 09:12:00 -0000", datetime(2026, 3, 3, 9, 12, tzinfo=UTC)),  # "no zone known": UTC
        ("Tue, 3 Mar 2026 09:12:00 GMT", datetime(2026, 3, 3, 9, 12, tzinfo=UTC)),
        ("Tue, 03 Mar 2026 09:12:00 EST", datetime(2026, 3, 3, 14, 12, tzinfo=UTC)),
        ("3 Mar 2026 09:12", datetime(2026, 3, 3, 9, 12, tzinfo=UTC)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),  # an HTTP date
        ("not a date", None), ("", None), (None, None),
    ],
)
def test_mail_dates(header: str | None, expected: datetime | None) -> None:
    assert mail_date(header) == expected


@pytest.mark.parametrize(
    ("read", "text", "expected"),
    [
        (imap_date, "17-Jul-1996 02:44:25 -0700", datetime(1996, 7, 17, 9, 44, 25, tzinfo=UTC)),
        (imap_date, " 7-Jul-1996 02:44:25 +0000", datetime(1996, 7, 7, 2, 44, 25, tzinfo=UTC)),
        (imap_date, "17-Jul-1996 02:44:25", None),
        (imap_date, "32-Jul-1996 02:44:25 -0700", None),
        (envelope_date, "Sat Jan  3 01:05:34 1996", datetime(1996, 1, 3, 1, 5, 34, tzinfo=UTC)),
        (envelope_date, "Thu Mar 12 09:00:00 2026", datetime(2026, 3, 12, 9, 0, tzinfo=UTC)),
        (envelope_date, "Sat Jan 33 01:05:34 1996", None),
    ],
)
def test_mailbox_dates(read: Any, text: str, expected: datetime | None) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 600000), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2026-01-02T01:04:05Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (datetime(999, 1, 2, 3, 4, 5), "0999-01-02T03:04:05Z"),
    ],
)
def test_the_one_written_form(moment: datetime, expected: str) -> None:
    assert utc_text(moment) == expected
