"""Sample data for Brightmoor, a fictional retailer: realistic survey exports with a known truth.

``generate(out_dir)`` writes the five survey exports ``data/config.yml`` reads
(under ``out_dir / "surveys"``) and ``truth.csv`` beside them: for every comment a
reader will find, its source, file (relative to ``out_dir``), response id,
question, row, the known theme keys and polarity. The same seed gives the same
bytes. ``write_bench_csv`` writes a large Google-Forms-shaped export for the
ingest benchmark.

The company, its themes and :func:`compose_comment` live in
:mod:`feedback.samples.company`, for other channels' samples to reuse.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from feedback.samples.company import (
    THEMES,
    Comment,
    Customer,
    Kind,
    compose_comment,
    make_customers,
    non_answer,
    pick_themes,
    vague_comment,
)
from feedback.samples.exports import GOOGLE_FORMS_HEADER, WRITERS, google_forms_timestamp
from feedback.samples.surveys import (
    NPS_BY_MOOD,
    SURVEYS,
    TruthRow,
    draw_responses,
    truth_csv,
    week_volumes,
)

DEFAULT_SEED = 20261122
TRUTH_FILE = "surveys/truth.csv"
CUSTOMERS = 900

__all__ = [
    "DEFAULT_SEED",
    "THEMES",
    "TRUTH_FILE",
    "Comment",
    "Customer",
    "TruthRow",
    "compose_comment",
    "generate",
    "write_bench_csv",
]


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the survey exports and truth.csv under ``out_dir / "surveys"``.

    Returns {path relative to out_dir: number of distinct comments the file holds},
    for the five exports (truth.csv has one row per such comment).
    """
    out_dir = Path(out_dir)
    folder = out_dir / "surveys"
    folder.mkdir(parents=True, exist_ok=True)
    customers = make_customers(random.Random(f"{seed}:customers"), CUSTOMERS)
    weeks = week_volumes(random.Random(f"{seed}:weeks"))
    counts: dict[str, int] = {}
    truth: list[TruthRow] = []
    for survey in SURVEYS:
        rng = random.Random(f"{seed}:{survey.source}")
        responses = draw_responses(rng, survey, customers, weeks)
        content, rows = WRITERS[survey.source](rng, survey, responses)
        (folder / survey.file).write_bytes(content)
        counts[f"surveys/{survey.file}"] = len(rows)
        truth.extend(rows)
    (out_dir / TRUTH_FILE).write_bytes(truth_csv(truth, prefix="surveys/"))
    return counts


def _pool(rng: random.Random, size: int, mood: str, improve: bool) -> list[str]:
    """Answers to draw from, so a large file costs one composition per pool entry, not per row."""
    weights = SURVEYS[0].weights
    texts = []
    for _ in range(size):
        if improve and mood == "praise" and rng.random() < 0.6:
            texts.append(non_answer(rng) if rng.random() < 0.7 else vague_comment(rng).text)
            continue
        if rng.random() < 0.06:
            texts.append(non_answer(rng))
            continue
        bad = pick_themes(rng, weights, "complaint", 1) if mood != "praise" or improve else []
        good = pick_themes(rng, weights, "praise", 1) if mood != "complaint" and not improve else []
        kind: Kind = "suggestion" if improve else "comment"
        texts.append(compose_comment(rng, bad + good, kind=kind).text)
    return texts


def write_bench_csv(path: Path, rows: int, seed: int) -> None:
    """A Google-Forms-shaped export of ``rows`` unique responses (checkout_nps_googleforms.csv's header).

    Built for speed (100k rows in about a second): comments come from pools
    composed once per call, timestamps advance a few seconds per row.
    """
    if rows < 0:
        raise ValueError(f"rows must be 0 or more, not {rows}")
    rng = random.Random(f"{seed}:bench")
    moods = ("complaint", "praise", "mixed")
    reasons = {mood: _pool(rng, 400, mood, improve=False) for mood in moods}
    better = {mood: _pool(rng, 200, mood, improve=True) for mood in moods}
    # Each NPS score repeated by its weight, so a draw is one index (choices() per row is slow).
    scores = {mood: [str(k) for k, w in NPS_BY_MOOD[mood].items() for _ in range(round(w * 4))] for mood in moods}
    emails = [c.email for c in make_customers(rng, 5000)]
    start = datetime(2026, 5, 1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(GOOGLE_FORMS_HEADER)
        random_ = rng.random
        seconds, day_index, day_prefix = 7 * 3600, -1, ""  # from 1 May 2026, 07:00
        for _ in range(rows):
            seconds += 1 + int(random_() * 90)
            day, second = divmod(seconds, 86_400)
            if day != day_index:  # one date format per day, not per row
                day_index, day_prefix = day, google_forms_timestamp(start + timedelta(days=day)).split(" ")[0]
            hour, rest = divmod(second, 3600)
            roll = random_()
            mood = "complaint" if roll < 0.38 else "praise" if roll < 0.84 else "mixed"
            values, said, fixes = scores[mood], reasons[mood], better[mood]
            writer.writerow((
                f"{day_prefix} {hour}:{rest // 60:02d}:{rest % 60:02d}",
                emails[int(random_() * len(emails))],
                values[int(random_() * len(values))],
                said[int(random_() * len(said))],
                fixes[int(random_() * len(fixes))],
            ))
