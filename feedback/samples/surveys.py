"""Brightmoor's survey exports, written the way five survey tools write them.

Each export matches its source in ``data/config.yml`` (file name, headers, header
rows, encoding, delimiter, date format, rating scale) and is messy on purpose:
skipped answers, "n/a", odd whitespace, a duplicated row, multi-line answers.

Every response is drawn first (when, who, mood, themes, rating), then written in
the tool's shape. The ground truth of every comment a reader will find is
returned as :class:`TruthRow` records: ``response_id`` and ``question`` are what
the survey reader stores in an item's ``extra.response_id`` and ``question``,
``row`` is its ``extra.row``. For Google Forms, which has no id column, the
reader's id is ``row:`` and a hash of the row's trimmed cells; each row is unique,
so ``row`` joins as well.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .company import (
    APP_RELEASE,
    STORE_CITIES,
    Comment,
    Context,
    Customer,
    app_version,
    compose_comment,
    non_answer,
    pick_themes,
    polarity_of,
    vague_comment,
)

Mood = Literal["complaint", "praise", "mixed"]
Role = Literal["open", "improve", "like"]
Answer = Comment | str  # a str is a non-answer the reader drops

START = date(2026, 5, 1)
END = date(2026, 11, 15)
ZONE = ZoneInfo("Europe/London")
WEEKDAY_VOLUME = (1.25, 1.1, 1.0, 1.0, 0.9, 0.75, 0.85)
HOUR_VOLUME = (3, 5, 5, 4, 5, 7, 6, 5, 5, 6, 7, 9, 10, 9, 7, 4)  # 07:00 to 22:00
NPS_BY_MOOD: dict[str, dict[int, float]] = {
    "complaint": {0: 10, 1: 7, 2: 10, 3: 11, 4: 10, 5: 7, 6: 5, 7: 1},
    "mixed": {4: 1, 5: 3, 6: 5, 7: 6, 8: 4, 9: 1},
    "praise": {7: 1, 8: 3, 9: 6, 10: 8},
}
FIVE_BY_MOOD: dict[str, dict[int, float]] = {
    "complaint": {1: 5, 2: 4, 3: 1},
    "mixed": {2: 2, 3: 5, 4: 3},
    "praise": {3: 0.4, 4: 4, 5: 6},
}
CSAT_WORDS = ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied")


@dataclass(frozen=True)
class Question:
    ref: str  # the column the configuration names
    text: str  # the question as the reader records it on the item
    role: Role  # open: say anything; improve: what to do better; like: what was good
    answered: float  # share of respondents who type something (maybe only "n/a")


@dataclass(frozen=True)
class Survey:
    source: str  # the source's name in data/config.yml
    file: str
    responses: int
    scale: Literal["nps", "five"]
    moods: Callable[[date], tuple[float, float, float]]  # complaint, praise, mixed
    weights: Mapping[str, float]
    questions: tuple[Question, ...]
    context: Context | None = None
    emoji: bool = True
    volume: Callable[[date], float] = lambda day: 1.0


@dataclass
class Response:
    when: datetime  # local time, Europe/London, naive
    customer: Customer
    mood: Mood
    rating: int | None
    themes: tuple[str, ...]
    answers: list[tuple[Question, Answer]]


@dataclass(frozen=True)
class TruthRow:
    source: str
    file: str
    response_id: str
    row: int
    question: str
    theme_keys: tuple[str, ...]
    polarity: str
    language: str


TRUTH_HEADER = ("source", "file", "response_id", "question", "theme_keys", "polarity", "row", "language")


# --- the five surveys ----------------------------------------------------------------------------


def _after_release(day: date) -> bool:
    return day >= APP_RELEASE


def _pulse_moods(day: date) -> tuple[float, float, float]:
    complaint = 0.55 - 0.2 * (day - START).days / (END - START).days
    return complaint, 0.85 - complaint, 0.15


SURVEYS: tuple[Survey, ...] = (
    Survey(
        source="checkout-nps",
        file="checkout_nps_googleforms.csv",
        responses=560,
        scale="nps",
        moods=lambda day: (0.42, 0.42, 0.16) if _after_release(day) else (0.36, 0.48, 0.16),
        weights={
            "late_delivery": 3, "damaged_items": 1.5, "missing_items": 2, "billing_error": 1.2, "slow_refund": 1.5,
            "app_crashes": 1.5, "checkout_problems": 2, "support_wait": 1.6, "subscription_cancel": 1.6,
            "packaging_waste": 1.5, "substitutions": 2, "friendly_staff": 2, "fresh_quality": 2.5,
            "prices_value": 2.5, "easy_ordering": 3,
        },
        questions=(
            Question("What is the main reason for your score?", "What is the main reason for your score?", "open", 0.95),
            Question("What is one thing we could do better?", "What is one thing we could do better?", "improve", 0.88),
        ),
    ),
    Survey(
        source="support-csat",
        file="support_csat_surveymonkey.csv",
        responses=150,
        scale="five",
        moods=lambda day: (0.45, 0.4, 0.15),
        weights={
            "support_wait": 5, "slow_refund": 3.5, "billing_error": 3, "subscription_cancel": 3, "missing_items": 1.5,
            "damaged_items": 1, "checkout_problems": 0.8, "app_crashes": 0.6, "friendly_staff": 5, "easy_ordering": 0.4,
        },
        questions=(
            Question(
                "Please tell us about your experience with our support team.",
                "Please tell us about your experience with our support team.", "open", 0.92,
            ),
        ),
        context="support",
        emoji=False,
    ),
    Survey(
        source="app-feedback",
        file="app_feedback_typeform.json",
        responses=140,
        scale="five",
        moods=lambda day: (0.6, 0.28, 0.12) if _after_release(day) else (0.3, 0.55, 0.15),
        weights={
            "app_crashes": 4, "checkout_problems": 3, "substitutions": 1, "late_delivery": 0.6,
            "subscription_cancel": 0.6, "easy_ordering": 5, "prices_value": 1, "fresh_quality": 0.6,
        },
        questions=(Question("answers.comment", "answers.comment", "open", 0.92),),
        context="app",
        volume=lambda day: 2.2 if _after_release(day) else 1.0,
    ),
    Survey(
        source="store-visit",
        file="store_visit_qualtrics.xlsx",
        responses=320,
        scale="five",
        moods=lambda day: (0.28, 0.55, 0.17),
        weights={
            "store_queues": 4, "packaging_waste": 1, "billing_error": 0.5, "substitutions": 0.3,
            "friendly_staff": 4, "fresh_quality": 4, "prices_value": 3,
        },
        questions=(
            Question("Q2", "What did you like about your visit?", "like", 0.9),
            Question("Q3", "What could we have done better?", "improve", 0.85),
        ),
        context="store",
    ),
    Survey(
        source="delivery-pulse",
        file="delivery_pulse_2026.csv",
        responses=160,
        scale="five",
        moods=_pulse_moods,
        weights={
            "late_delivery": 5, "damaged_items": 3, "missing_items": 3, "substitutions": 3, "packaging_waste": 2,
            "friendly_staff": 5, "fresh_quality": 2, "easy_ordering": 0.5,
        },
        questions=(Question("Comments", "Comments", "open", 0.9),),
        context="delivery",
    ),
)


# --- drawing responses ---------------------------------------------------------------------------


def week_volumes(rng: random.Random) -> list[float]:
    """How busy each week is (promotions, holidays, a heatwave): shared by all surveys."""
    weeks = (END - START).days // 7 + 1
    volumes = [rng.uniform(0.55, 1.45) for _ in range(weeks)]
    for busy in rng.sample(range(weeks), 3):
        volumes[busy] *= 1.8
    return volumes


def draw_moments(rng: random.Random, count: int, weeks: Sequence[float], volume: Callable[[date], float]) -> list[datetime]:
    """``count`` distinct local times between START and END, busier in busy weeks, sorted."""
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    weights = [weeks[(d - START).days // 7] * WEEKDAY_VOLUME[d.weekday()] * volume(d) for d in days]
    taken: set[datetime] = set()
    for day in rng.choices(days, weights=weights, k=count):
        hour = rng.choices(range(7, 23), weights=HOUR_VOLUME)[0]
        moment = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
        while moment in taken:
            moment += timedelta(seconds=1)
        taken.add(moment)
    return sorted(taken)


def _rating(rng: random.Random, scale: str, mood: str) -> int:
    table = (NPS_BY_MOOD if scale == "nps" else FIVE_BY_MOOD)[mood]
    return rng.choices(list(table), weights=list(table.values()))[0]


def _answer(
    rng: random.Random, survey: Survey, question: Question, mood: Mood, bad: list[str], good: list[str], day: date
) -> Answer:
    if rng.random() > question.answered:
        return non_answer(rng)

    def say(themes: Sequence[str], kind: Literal["comment", "suggestion"] = "comment") -> Comment:
        return compose_comment(
            rng, themes, when=day, context=survey.context, kind=kind, emoji=survey.emoji,
            foreign=0.03 if kind == "comment" else 0.0,
        )

    if question.role == "open":
        if rng.random() < 0.03:
            return vague_comment(rng)
        themes = bad + good
        if mood == "mixed" and rng.random() < 0.5:
            themes = good + bad
        return say(themes)
    if question.role == "improve":
        if bad:
            other = pick_themes(rng, survey.weights, "complaint", 1, day, exclude=bad)
            return say(bad[:1] if rng.random() < 0.75 or not other else other, "suggestion")
        roll = rng.random()
        if roll < 0.4:
            return non_answer(rng)
        if roll < 0.68:
            return vague_comment(rng)
        return say(pick_themes(rng, survey.weights, "complaint", 1, day), "suggestion")
    # like: what was good about it
    if good:
        return say(good)
    roll = rng.random()
    if roll < 0.55:
        return non_answer(rng)
    if roll < 0.75:
        return vague_comment(rng)
    return say(pick_themes(rng, survey.weights, "praise", 1, day))


def draw_responses(
    rng: random.Random, survey: Survey, customers: Sequence[Customer], weeks: Sequence[float]
) -> list[Response]:
    """The survey's responses in time order: who answered, when, in what mood, and what they wrote."""
    responses = []
    for when in draw_moments(rng, survey.responses, weeks, survey.volume):
        day = when.date()
        mood: Mood = rng.choices(("complaint", "praise", "mixed"), weights=survey.moods(day))[0]
        bad: list[str] = []
        good: list[str] = []
        if mood in ("complaint", "mixed"):
            bad = pick_themes(rng, survey.weights, "complaint", 2 if mood == "complaint" and rng.random() < 0.2 else 1, day)
        if mood in ("praise", "mixed"):
            good = pick_themes(rng, survey.weights, "praise", 2 if mood == "praise" and rng.random() < 0.15 else 1, day)
        answers = [(q, _answer(rng, survey, q, mood, bad, good, day)) for q in survey.questions]
        # The score agrees with what was written: a happy customer who also asks for a fix scores lower.
        written = polarity_of([k for _, a in answers if isinstance(a, Comment) for k in dict.fromkeys(a.theme_keys)])
        rating = _rating(rng, survey.scale, written if written in ("complaint", "praise", "mixed") else mood)
        responses.append(Response(when, rng.choice(customers), mood, rating, tuple(bad + good), answers))
    return responses


# --- shared helpers for writers ------------------------------------------------------------------


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


def _truth(
    survey: Survey, file: str, written: Sequence[tuple[str, Response]]
) -> list[TruthRow]:
    """One row per comment a reader finds; a repeated row counts once, at its last position."""
    found: dict[tuple[str, str], TruthRow] = {}
    for number, (response_id, response) in enumerate(written, start=1):
        for question, answer in response.answers:
            if not isinstance(answer, Comment):
                continue
            found.pop((response_id, question.text), None)
            found[(response_id, question.text)] = TruthRow(
                survey.source, file, response_id, number, question.text,
                answer.theme_keys, answer.polarity, answer.language,
            )
    return sorted(found.values(), key=lambda t: (t.row, [q.text for q in survey.questions].index(t.question)))


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
    return text.encode("utf-8"), _truth(survey, survey.file, written)


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
    return text.encode("cp1252"), _truth(survey, survey.file, written)


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
    return text.encode("utf-8"), _truth(survey, survey.file, written)


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
    return _reproducible_xlsx(book), _truth(survey, survey.file, written)


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
    return text.encode("utf-8-sig"), _truth(survey, survey.file, written)


Writer = Callable[[random.Random, Survey, Sequence[Response]], tuple[bytes, list[TruthRow]]]
WRITERS: dict[str, Writer] = {
    "checkout-nps": write_google_forms,
    "support-csat": write_surveymonkey,
    "app-feedback": write_typeform,
    "store-visit": write_qualtrics,
    "delivery-pulse": write_pulse,
}


def truth_csv(rows: Sequence[TruthRow], prefix: str = "") -> bytes:
    """The ground truth as CSV; ``prefix`` is put before each file name (e.g. "surveys/")."""
    lines = [TRUTH_HEADER] + [
        (r.source, prefix + r.file, r.response_id, r.question, ";".join(r.theme_keys), r.polarity, r.row, r.language)
        for r in rows
    ]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue().encode("utf-8")


__all__ = [
    "SURVEYS", "WRITERS", "Response", "Survey", "TruthRow", "draw_responses", "truth_csv", "week_volumes",
]
