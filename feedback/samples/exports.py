"""The five survey tools' export formats: each writer turns drawn responses into file bytes.

A writer takes the responses :func:`feedback.samples.surveys.draw_responses` drew
and returns the export's bytes and the truth rows of the comments in it. The
shapes follow the tools: Google Forms (one header row, US dates, all fields
quoted), SurveyMonkey (two header rows, cp1252, answers as words), Typeform (a
JSON ``items`` list), Qualtrics (XLSX with three header rows) and a home-made
pulse survey (UTF-8 with BOM, semicolons, day-first dates, star glyphs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from feedback.samples.company import STORE_CITIES, Comment, app_version, compose_comment
from feedback.samples.surveys import CSAT_WORDS, Answer, Response, Survey, TruthRow, truth_rows

ZONE = ZoneInfo("Europe/London")


# --- shared helpers ------------------------------------------------------------------------------


def _text(answer: Answer) -> str:
    return answer.text if isinstance(answer, Comment) else answer


def _untidy(rng: random.Random, text: str, *, breaks: bool = True) -> str:
    """Stray spaces (and, where the tool keeps them, line breaks) around an answer."""
    roll = rng.random()
    if not text.strip() or roll > 0.12:
        return text
    if not breaks:
        return rng.choice((" ", "  ", "")) + text + rng.choice((" ", "   ", ""))
    return rng.choice((" ", "  ", "", "\n")) + text + rng.choice((" ", "   ", "\n", "\t"))


def _csv(rows: Sequence[Sequence[object]], *, delimiter: str = ",", quote_all: bool = False) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(
        out, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    writer.writerows(rows)
    return out.getvalue()


def row_id(cells: Sequence[str]) -> str:
    """The id the survey reader gives a row without an id column: a hash of its trimmed cells."""
    joined = "\x1f".join(cell.strip() for cell in cells)
    return "row:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _duplicate_some(rng: random.Random, rows: list[tuple[list[object], Response]], count: int) -> None:
    """Repeat ``count`` rows with comments right after themselves, as a double submission does."""
    commented = [i for i, (_, response) in enumerate(rows) if any(isinstance(a, Comment) for _, a in response.answers)]
    for index in sorted(rng.sample(commented, count), reverse=True):
        rows.insert(index + 1, (list(rows[index][0]), rows[index][1]))


# --- Google Forms --------------------------------------------------------------------------------

GOOGLE_FORMS_HEADER = (
    "Timestamp",
    "Email Address",
    "How likely are you to recommend Brightmoor to a friend or colleague?",
    "What is the main reason for your score?",
    "What is one thing we could do better?",
)


def google_forms_timestamp(moment: datetime) -> str:
    """9/14/2026 10:22:05: month first, no leading zeros on month, day and hour."""
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment:%M:%S}"


def write_google_forms(rng: random.Random, survey: Survey, responses: Sequence[Response]) -> tuple[bytes, list[TruthRow]]:
    rows: list[list[str]] = []
    written: list[tuple[str, Response]] = []
    for response in responses:
        email = response.customer.email
        if rng.random() < 0.04:
            email = rng.choice((email.title(), f" {email}", f"{email} "))
        cells = [google_forms_timestamp(response.when), email, str(response.rating)]
        cells += [_untidy(rng, _text(answer)) for _, answer in response.answers]
        rows.append(cells)
        written.append((row_id(cells), response))
    if len({tuple(r) for r in rows}) != len(rows):
        raise AssertionError("Google Forms rows must be unique: their id is a hash of the row")
    text = _csv([GOOGLE_FORMS_HEADER, *rows], quote_all=True)
    return text.encode("utf-8"), truth_rows(survey, survey.file, written)


# --- SurveyMonkey --------------------------------------------------------------------------------

_CONTACT_OPTIONS = ("Phone", "Email", "Live chat", "Other (please specify)")
SURVEYMONKEY_HEADER = (
    (
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
        "Last Name", "Custom Data 1", "Overall, how satisfied were you with the help you received?",
        "How did you contact us?", "", "", "", "Please tell us about your experience with our support team.",
    ),
    ("", "", "", "", "", "", "", "", "", "Response", *_CONTACT_OPTIONS, "Open-Ended Response"),
)


def _curly(text: str) -> str:
    """Typographic quotes, as phones and word processors put them."""
    text = re.sub(r"(^|[\s(])'", "\\1\u2018", text)
    text = text.replace("'", "\u2019")
    return re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)


def write_surveymonkey(rng: random.Random, survey: Survey, responses: Sequence[Response]) -> tuple[bytes, list[TruthRow]]:
    rows: list[tuple[list[object], Response]] = []
    respondent = 114_020_000_000
    for response in responses:
        respondent += rng.randint(1_000, 900_000)
        by_email = rng.random() < 0.6
        person = response.customer
        contact = rng.choices(range(4), weights=(5, 3, 4, 0.5))[0]
        options = ["" for _ in _CONTACT_OPTIONS]
        options[contact] = rng.choice(("Twitter", "In the shop", "Facebook")) if contact == 3 else _CONTACT_OPTIONS[contact]
        (_, answer), = response.answers
        text = _text(answer)
        if isinstance(answer, Comment) and rng.random() < 0.75:
            text = _curly(text)
        start = response.when - timedelta(seconds=rng.randint(35, 900))
        cells: list[object] = [
            str(respondent),
            "431209877" if by_email else "431209878",
            start.strftime("%m/%d/%Y %I:%M:%S %p"),
            response.when.strftime("%m/%d/%Y %I:%M:%S %p"),
            f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}",
            person.email if by_email else "",
            person.first if by_email else "",
            person.last if by_email else "",
            f"BM{rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else "",
            CSAT_WORDS[response.rating - 1] if response.rating and rng.random() > 0.03 else "",
            *options,
            _untidy(rng, text),
        ]
        rows.append((cells, response))
    rows.reverse()  # newest first, as SurveyMonkey lists them
    _duplicate_some(rng, rows, 1)
    text = _csv([*SURVEYMONKEY_HEADER, *(cells for cells, _ in rows)])
    written = [(str(cells[0]), response) for cells, response in rows]
    return text.encode("cp1252"), truth_rows(survey, survey.file, written)


# --- Typeform ------------------------------------------------------------------------------------

_TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789"
_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 19_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 16; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 15; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36",
)


def _utc(moment: datetime) -> str:
    return moment.replace(tzinfo=ZONE).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_typeform(rng: random.Random, survey: Survey, responses: Sequence[Response]) -> tuple[bytes, list[TruthRow]]:
    items = []
    written: list[tuple[str, Response]] = []
    for response in responses:
        token = "".join(rng.choice(_TOKEN) for _ in range(32))
        (_, answer), = response.answers
        answers: dict[str, object] = {}
        if rng.random() > 0.04:
            answers["rating"] = response.rating
        if response.themes and rng.random() < 0.8:
            headline = compose_comment(
                rng, response.themes[:1], when=response.when.date(), kind="short", foreign=0.0, personal=0.0, typos=0.05,
            )
            answers["headline"] = headline.text.rstrip(".")
        text = _text(answer)
        if text or rng.random() < 0.3:
            answers["comment"] = _untidy(rng, text)
        landed = response.when - timedelta(seconds=rng.randint(20, 400))
        items.append({
            "landing_id": token,
            "token": token,
            "response_id": token,
            "landed_at": _utc(landed),
            "submitted_at": _utc(response.when),
            "metadata": {
                "user_agent": rng.choice(_AGENTS),
                "platform": "mobile",
                "referer": "https://app.brightmoor.example/feedback",
                "network_id": "".join(rng.choice("0123456789abcdef") for _ in range(10)),
            },
            "hidden": {
                "email": response.customer.email if rng.random() < 0.9 else "",
                "app_version": app_version(response.when.date(), rng),
            },
            "answers": answers,
        })
        written.append((token, response))
    items.reverse()  # newest first, as the Responses API returns them
    written.reverse()
    document = {"total_items": len(items), "page_count": 1, "items": items}
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8"), truth_rows(survey, survey.file, written)


# --- Qualtrics -----------------------------------------------------------------------------------

QUALTRICS_HEADER = (
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/London"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
    ("Q1", "Overall, how satisfied were you with your visit to our store today?", '{"ImportId":"QID1"}'),
    ("Q2", "What did you like about your visit?", '{"ImportId":"QID2_TEXT"}'),
    ("Q3", "What could we have done better?", '{"ImportId":"QID3_TEXT"}'),
    ("Store", "Store", '{"ImportId":"Store"}'),
)
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_FIXED_ZIP_TIME = (2026, 11, 16, 6, 0, 0)


def _reproducible_xlsx(book: object) -> bytes:
    """Save a workbook with fixed timestamps, so the same data gives the same bytes."""
    buffer = io.BytesIO()
    book.save(buffer)  # type: ignore[attr-defined]
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2026-11-16T06:00:00Z\g<2>", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
    return out.getvalue()


def write_qualtrics(rng: random.Random, survey: Survey, responses: Sequence[Response]) -> tuple[bytes, list[TruthRow]]:
    from openpyxl import Workbook

    book = Workbook()
    book.properties.creator = "Qualtrics"
    book.properties.created = datetime(2026, 11, 16, 6, 0, 0)
    sheet = book.active
    assert sheet is not None
    sheet.title = "Store visit survey"
    for level in range(3):
        sheet.append([column[level] for column in QUALTRICS_HEADER])
    written: list[tuple[str, Response]] = []
    for response in responses:
        response_id = "R_" + "".join(rng.choice(_ALNUM) for _ in range(15))
        finished = rng.random() > 0.05
        if not finished:  # left after the rating: no text answers
            response.answers = [(q, "") for q, _ in response.answers]
        duration = rng.randint(45, 600)
        texts = [_untidy(rng, _text(answer)) or None for _, answer in response.answers]
        by_email = rng.random() < 0.7
        person = response.customer
        sheet.append([
            (response.when - timedelta(seconds=duration)).strftime("%Y-%m-%d %H:%M:%S"),
            response.when.strftime("%Y-%m-%d %H:%M:%S"),
            "IP Address" if not by_email else "Email Invite",
            f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}",
            100 if finished else rng.choice((33, 50)),
            duration,
            1 if finished else 0,
            response.when.strftime("%Y-%m-%d %H:%M:%S"),
            response_id,
            person.last if by_email else None,
            person.first if by_email else None,
            person.email if by_email else None,
            f"BM{rng.randint(1000000, 9999999)}" if by_email else None,
            "email" if by_email else "anonymous",
            "EN-GB",
            response.rating if rng.random() > 0.03 else None,
            *texts,
            rng.choice(STORE_CITIES),
        ])
        written.append((response_id, response))
    return _reproducible_xlsx(book), truth_rows(survey, survey.file, written)


# --- the home-made delivery pulse ----------------------------------------------------------------

PULSE_HEADER = ("Ref", "Date", "Customer email", "Order number", "Delivery slot", "Rating", "Comments")


def pulse_rating(rng: random.Random, stars: int | None) -> str:
    if stars is None:
        return ""
    roll = rng.random()
    if roll < 0.7:
        text = "★" * stars + "☆" * (5 - stars)
    else:
        text = f"{stars} star" + ("" if stars == 1 else "s")
    return rng.choice((" ", "")) + text + rng.choice(("", "", " ")) if rng.random() < 0.1 else text


def write_pulse(rng: random.Random, survey: Survey, responses: Sequence[Response]) -> tuple[bytes, list[TruthRow]]:
    rows: list[tuple[list[object], Response]] = []
    for number, response in enumerate(responses, start=1):
        (_, answer), = response.answers
        email = response.customer.email if rng.random() < 0.92 else ""
        stars = response.rating if rng.random() > 0.05 else None
        cells: list[object] = [
            f"DP-{number:05d}",
            response.when.strftime("%d/%m/%Y %H:%M"),
            email.upper() if email and rng.random() < 0.05 else email,
            f"BM{rng.randint(1000000, 9999999)}",
            rng.choice(("7-8am", "8-9am", "10-11am", "12-1pm", "2-3pm", "5-6pm", "6-7pm", "8-9pm")),
            pulse_rating(rng, stars),
            _untidy(rng, " ".join(_text(answer).split("\n")), breaks=False),  # the form keeps one line
        ]
        rows.append((cells, response))
    _duplicate_some(rng, rows, 2)
    text = _csv([PULSE_HEADER, *(cells for cells, _ in rows)], delimiter=";")
    written = [(str(cells[0]), response) for cells, response in rows]
    return text.encode("utf-8-sig"), truth_rows(survey, survey.file, written)


Writer = Callable[[random.Random, Survey, Sequence[Response]], tuple[bytes, list[TruthRow]]]
WRITERS: dict[str, Writer] = {
    "checkout-nps": write_google_forms,
    "support-csat": write_surveymonkey,
    "app-feedback": write_typeform,
    "store-visit": write_qualtrics,
    "delivery-pulse": write_pulse,
}
