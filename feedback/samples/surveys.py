"""Brightmoor's five surveys: who answers them, when, in what mood, and what they write.

Each survey matches a source in ``data/config.yml``. Every response is drawn here
first (when, who, mood, themes, rating); :mod:`feedback.samples.exports` then
writes it in the tool's shape, messy on purpose (skipped answers, "n/a", odd
whitespace, a duplicated row, multi-line answers). The ground truth of every comment a reader will find is
returned as :class:`TruthRow` records: ``response_id`` and ``question`` are what
the survey reader stores in an item's ``extra.response_id`` and ``question``,
``row`` is its ``extra.row``. For Google Forms, which has no id column, the
reader's id is ``row:`` and a hash of the row's trimmed cells; each row is unique,
so ``row`` joins as well.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from feedback.samples.company import (
    APP_RELEASE,
    Comment,
    Context,
    Customer,
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


# --- ground truth --------------------------------------------------------------------------------


def truth_rows(
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

def truth_csv(rows: Sequence[TruthRow], prefix: str = "") -> bytes:
    """The ground truth as CSV; ``prefix`` is put before each file name (e.g. "surveys/")."""
    lines = [TRUTH_HEADER] + [
        (r.source, prefix + r.file, r.response_id, r.question, ";".join(r.theme_keys), r.polarity, r.row, r.language)
        for r in rows
    ]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue().encode("utf-8")
