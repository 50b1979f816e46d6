"""Reading dates and times from inputs, into the archive's one form: ISO 8601 in UTC.

Every ``received_at`` is written by :func:`utc_text` as ``YYYY-MM-DDTHH:MM:SSZ`` (whole
seconds). What each channel reads:

- survey exports, a column at a time (:class:`DateReader`): ISO 8601 first, then the
  usual spreadsheet forms (:data:`MONTH_FIRST`, or :data:`DAY_FIRST` with ``dayfirst``),
  then anything dateutil reads; or only the source's own ``date_format`` (a strptime
  format). A time without a zone is in the source's time zone (``timezone``; a time that
  a daylight-saving change makes ambiguous or skips takes the offset in force before the
  change, as :mod:`zoneinfo` does with ``fold=0``), and so is a bare date: midnight there.
  An unreadable date is a :class:`~feedback.errors.BadInput`, so its row is quarantined;
- reviews (:func:`loose_date`): whatever a page, feed or export writes, through dateutil
  (month first); a bare ISO day (``2024-06-01``) stays that day, midnight UTC, since a
  review's day is part of its identity. Unreadable is None: the review is kept undated;
- e-mail (:func:`mail_date`, :func:`imap_date`, :func:`envelope_date`): the RFC 5322
  ``Date`` header (also HTTP dates), an IMAP ``INTERNALDATE`` and an mbox ``From `` line,
  as aware UTC datetimes, None when unreadable.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from feedback.errors import BadInput

MONTH_FIRST = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"]
DAY_FIRST = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y"]
IMAP_INTERNALDATE = "%d-%b-%Y %H:%M:%S %z"  # 17-Jul-1996 02:44:25 -0700 (RFC 3501)
MBOX_ENVELOPE = "%a %b %d %H:%M:%S %Y"  # From sender Sat Jan  3 01:05:34 1996 (in UTC)

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC_DIRECTIVES = {
    "%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})", "%H": r"(?P<H>\d{1,2})",
    "%I": r"(?P<I>\d{1,2})", "%M": r"(?P<M>\d{1,2})", "%S": r"(?P<S>\d{1,2})", "%p": r"(?P<p>[AaPp][Mm])",
}
_SEEN_LIMIT = 200_000


def utc_text(moment: datetime) -> str:
    """A moment as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (a moment without a zone is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    elif not moment.microsecond:
        return moment.isoformat() + "Z"  # the same text, written in C
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"


def numeric_pattern(fmt: str) -> re.Pattern[str] | None:
    """A regex equivalent of a purely numeric strptime format (None when it has other directives).

    strptime costs ~13 us a call; a column of 100k timestamps in one learned format
    is read ~4x faster through this pattern, with strptime kept for everything else.
    """
    out = []
    for part in re.split(r"(%.)", fmt):
        if part.startswith("%"):
            if part not in _NUMERIC_DIRECTIVES:
                return None
            out.append(_NUMERIC_DIRECTIVES[part])
        else:
            out.append(re.escape(part))
    return re.compile("".join(out) + r"\Z")


def _clock(groups: dict[str, str | None]) -> tuple[int, int, int]:
    """(hour, minute, second) of a match of :func:`numeric_pattern` (0 for what it leaves out)."""
    hour = int(groups.get("H") or groups.get("I") or 0)
    meridiem = groups.get("p")
    if meridiem:
        hour = hour % 12 + (12 if meridiem.lower() == "pm" else 0)
    return hour, int(groups.get("M") or 0), int(groups.get("S") or 0)


def _from_match(match: re.Match[str]) -> datetime:
    g = match.groupdict()
    return datetime(int(g["Y"]), int(g["m"]), int(g["d"]), *_clock(g))


# Seconds as %S reads them in ASCII ("7" or "07", 0-59) -> (two digits, the number).
_SECONDS = {text: (f"{n:02d}", n) for n in range(60) for text in {str(n), f"{n:02d}"}}


class SplitFormat:
    """A numeric strptime format of a day and a time of day (``%m/%d/%Y %H:%M:%S``) read in parts,
    each remembered: a form export's timestamps are all distinct, but it has a few hundred days,
    1,440 minutes of the day and 60 seconds, so a timestamp costs three lookups, not a parse.

    The text is split at its first space into the day and the time of day; a time of day whose
    format ends in ``:%S`` is split again at its last colon, the seconds read from a table.
    :meth:`moment` gives what :func:`numeric_pattern` and :func:`_from_match` give for the whole
    text, or None where they give nothing (no match, no such day or time, or digits other than
    ASCII in the seconds): the caller then reads the text the general way. Only for a format
    whose day part is ``%Y``, ``%m`` and ``%d`` with separators but no space, then a space and a
    time of day of ``%H %I %M %S %p`` (or no time of day).
    """

    def __init__(self, day: re.Pattern[str], clock: re.Pattern[str] | None, seconds_apart: bool) -> None:
        self.day = day
        self.clock = clock  # for the time of day, less its seconds when they are read apart
        self.seconds_apart = seconds_apart
        # day text -> ("YYYY-MM-DDT", (year, month, day)); time text -> ("HH:MM:SS", or "HH:MM:"
        # with the seconds apart, (hour, minute, second))
        self.days: dict[str, tuple[str, tuple[int, int, int]]] = {}
        self.clocks: dict[str, tuple[str, tuple[int, int, int]]] = {} if clock else {"": ("00:00:00", (0, 0, 0))}

    @classmethod
    def of(cls, fmt: str) -> SplitFormat | None:
        day_fmt, space, clock_fmt = fmt.partition(" ")
        day_parts = set(re.findall(r"%.", day_fmt))
        clock_parts = set(re.findall(r"%.", clock_fmt))
        if day_parts != {"%Y", "%m", "%d"} or not clock_parts <= {"%H", "%I", "%M", "%S", "%p"}:
            return None
        if space and not clock_parts:
            return None
        seconds_apart = clock_fmt.endswith(":%S") and clock_fmt.count("%S") == 1
        if seconds_apart:
            clock_fmt = clock_fmt[: -len(":%S")]
        day, clock = numeric_pattern(day_fmt), numeric_pattern(clock_fmt) if space else None
        if day is None or (space and clock is None):
            return None
        return cls(day, clock, seconds_apart)

    def moment(self, text: str) -> tuple[str, tuple[int, int, int], tuple[int, int, int]] | None:
        """A stripped text as (``YYYY-MM-DDTHH:MM:SS``, its date, its time), or None when it is not
        a moment in this format."""
        day, _, clock = text.partition(" ")
        known_day = self.days.get(day) or self._day(day)
        if known_day is None:
            return None
        if not self.seconds_apart:
            known_clock = self.clocks.get(clock) or self._time(clock)
            if known_clock is None:
                return None
            return known_day[0] + known_clock[0], known_day[1], known_clock[1]
        head, _, seconds = clock.rpartition(":")
        second = _SECONDS.get(seconds)
        if second is None:
            return None
        known_clock = self.clocks.get(head) or self._time(head)
        if known_clock is None:
            return None
        hour, minute, _ = known_clock[1]
        return known_day[0] + known_clock[0] + second[0], known_day[1], (hour, minute, second[1])

    def _day(self, day: str) -> tuple[str, tuple[int, int, int]] | None:
        match = self.day.match(day)
        if match is None:
            return None
        g = match.groupdict()
        try:
            moment = date(int(g["Y"]), int(g["m"]), int(g["d"]))  # type: ignore[arg-type]  # all three in the pattern
        except ValueError:
            return None
        if len(self.days) >= _SEEN_LIMIT:
            self.days.clear()
        known = self.days[day] = (moment.isoformat() + "T", (moment.year, moment.month, moment.day))
        return known

    def _time(self, clock: str) -> tuple[str, tuple[int, int, int]] | None:
        match = self.clock.match(clock) if self.clock is not None else None
        if match is None:
            return None
        try:
            at = time(*_clock(match.groupdict()))  # with the seconds apart: 0 here, the table checks them
        except ValueError:
            return None
        if len(self.clocks) >= _SEEN_LIMIT:
            self.clocks.clear()
        text = at.isoformat()[:6] if self.seconds_apart else at.isoformat()
        known = self.clocks[clock] = (text, (at.hour, at.minute, at.second))
        return known


class DateReader:
    """Reads a column of timestamps (see the module docstring), remembering the format that worked.

    A hot path: dateutil is slow, so the first strptime format that reads a value is tried
    first from then on (through :func:`numeric_pattern` when it is all digits), and each
    distinct text is read once. Before all that, a format of a day and a time of day is read
    in parts, each remembered (:class:`SplitFormat`), giving the same text for a fraction of
    the cost.
    """

    def __init__(self, timezone: str = "UTC", dayfirst: bool = False, fmt: str | None = None) -> None:
        self.zone = ZoneInfo(timezone)
        self.dayfirst = dayfirst
        self.formats = [fmt] if fmt else (DAY_FIRST if dayfirst else MONTH_FIRST)
        self.fixed = fmt is not None
        self.last: str | None = fmt
        self.fast: re.Pattern[str] | None = numeric_pattern(fmt) if fmt else None
        # The learned (or the source's) format in parts, when it splits: read before anything else.
        self.split: SplitFormat | None = SplitFormat.of(fmt) if fmt else None
        self.utc = timezone in ("UTC", "Etc/UTC")
        # Text already read, and what it gave (date-only columns repeat a lot).
        self.seen: dict[str, str] = {}

    def _parse_text(self, text: str) -> datetime:
        if self.fast is not None:
            match = self.fast.match(text)
            if match is not None:
                try:
                    return _from_match(match)
                except ValueError:
                    pass
        if self.last:
            try:
                return datetime.strptime(text, self.last)
            except ValueError:
                if self.fixed:
                    raise
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        for fmt in self.formats:
            try:
                value = datetime.strptime(text, fmt)
            except ValueError:
                continue
            self.last = fmt
            self.fast = numeric_pattern(fmt)
            self.split = SplitFormat.of(fmt)
            return value
        return dateparser.parse(text, dayfirst=self.dayfirst)

    def __call__(self, value: Any) -> str | None:
        """The value as ISO 8601 UTC text; None when empty; BadInput when unreadable."""
        split = self.split
        if split is not None and type(value) is str:
            # the column's format, its days, minutes and seconds remembered: lookups, no parse
            found = split.moment(value.strip())
            if found is not None:
                return found[0] + "Z" if self.utc else self._to_utc(datetime(*found[1], *found[2]))
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return self._to_utc(value)
        if isinstance(value, date):
            return self._to_utc(datetime(value.year, value.month, value.day))
        text = str(value).strip()
        if not text:
            return None
        known = self.seen.get(text)
        if known is not None:
            return known
        try:
            moment = self._parse_text(text)
        except (ValueError, OverflowError):
            raise BadInput(f"cannot read the date {text!r}") from None
        if len(self.seen) >= _SEEN_LIMIT:
            self.seen.clear()
        result = self.seen[text] = self._to_utc(moment)
        return result

    def _to_utc(self, moment: datetime) -> str:
        if moment.tzinfo is None and not self.utc:
            moment = moment.replace(tzinfo=self.zone)
        return utc_text(moment)


def loose_date(value: str | None, timezone: str = "UTC") -> str | None:
    """A review's date as ISO 8601 UTC text; a bare ISO day stays that day; None when unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        if _ISO_DAY.match(text):
            return date.fromisoformat(text).isoformat() + "T00:00:00Z"
        moment = dateparser.parse(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(timezone))
        return utc_text(moment)
    except (ValueError, OverflowError):
        return None


def mail_date(value: str | None) -> datetime | None:
    """An RFC 5322 date (an e-mail ``Date`` header, an HTTP date) in UTC; without a zone it is UTC."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def imap_date(text: str) -> datetime | None:
    """An IMAP ``INTERNALDATE`` (``17-Jul-1996 02:44:25 -0700``) in UTC."""
    try:
        return datetime.strptime(text, IMAP_INTERNALDATE).astimezone(UTC)
    except ValueError:
        return None


def envelope_date(text: str) -> datetime | None:
    """The date of an mbox ``From `` line (``Sat Jan  3 01:05:34 1996``, written in UTC)."""
    try:
        return datetime.strptime(" ".join(text.split()), MBOX_ENVELOPE).replace(tzinfo=UTC)
    except ValueError:
        return None
