"""Sentiment quality: the lexicon (VADER + service lexicon) against the segment head, on text
neither was tuned on.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_quality.py [--cache bench/.cache/vectors.npz]
        [--vader-gt [DIR]] [--uci [DIR]] [--goemotions [DIR]] [--tweeteval [DIR]] [--complaints [DIR]]
        [--compare OLD_HEAD.npz] [--limit N] [--append bench/RESULTS.md]

In domain: the held-out fifth of the shared clothing reviews (scripts/train_sentiment.py never
trains on it), each read as the product reads a review, its title's points first (the review text
alone beside it, as measured before session 32; the lexicon reads the text alone): Spearman against
the stars, binary macro-F1 of 1-2 vs 4-5 stars, three-class macro-F1 of 1-2 / 3 / 4-5 stars. Every
method is read as the product reads it: a comment is negative at a score <= -0.05 (feedback.insights.stats.NEGATIVE_SENTIMENT), positive at >= 0.05,
else neutral. The head scores a comment from its segments (feedback.text.sentiment_model).

Out of domain, three-class macro-F1: the hand-written customer-service sentences of
bench/sentiment_sentences.tsv and bench/sentiment_service.tsv (written for this benchmark,
never trained on), bench/sentiment_requests.tsv (likewise: complaints worded as a request or a question, "lost
my bag, please help", beside plain requests and praise that asks something), bench/sentiment_stories.tsv
(likewise, 40 written 2026-12-04 and read only once the session's sayings were in: what happened, told plainly, good
service as often as bad, "They found my lost wallet and posted it back to me."), the VADER paper's human-rated tweets (``--vader-gt``; general tweets, not
trained on: the nearest thing here to the complaint tweets the product is judged on), and the
held-out fifth of the UCI review sentences (``--uci``, binary; the other four fifths are trained
on) and of the VADER paper's review and editorial snippets (three-class; likewise), and TweetEval's sentiment test
split (``--tweeteval``; 12,284 tweets of SemEval-2017 task 4, three classes; never trained on, and only its
validation split was ever looked at by hand: ``test_text.txt`` and ``test_labels.txt`` of ``datasets/sentiment`` in
the cardiffnlp/tweeteval GitHub repository, copied to ``bench/.cache/tweeteval``), and real complaint tweets
(``--complaints``: ``complaints-data.csv`` of the danielpreotiuc/complaints-social-media GitHub repository, copied to
``bench/.cache/complaints``; 1,974 tweets to companies in nine domains, 1,232 of them complaints, labelled by people:
complaint against the rest, a complaint read where the score is negative; its licence is not stated, so it is
measured on and never trained on or committed). ``--compare``
measures another head (e.g. the previous one) beside the shipped one in the same run. ``--calibrate N``:
the shipped head calibrated as the pipeline calibrates it on N clothing reviews it never saw (file
positions from 15,048, outside the held-out and validation fifths), taken as "the company's rated
comments", measured on the held-out fifth. ``--own-stars``: the held-out reviews scored by the head
calibrated out of fold on their own stars (:func:`own_stars_row`), as the product calibrates a company
that ingests stars; reported as its own row, never as the head's figure.

The report ends with each head's scoring cost per segment (:func:`scoring_cost`: cues, n-grams and
logits, the vectors given as the theme stage has them).

``evaluate_sentiment`` is the entry point other benchmarks import (bench/themes_quality.py).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import train_sentiment as training  # noqa: E402

from feedback.embed import SupportsEmbed  # noqa: E402
from feedback.text import segments as nlp  # noqa: E402
from feedback.text.segments import title_to_read  # noqa: E402
from feedback.text.sentiment import sentiment as lexicon  # noqa: E402
from feedback.text.sentiment_model import (  # noqa: E402
    Calibration,
    SentimentHead,
    comment_score,
    fit_calibration,
    load_head,
    logits,
    score_segments,
)

BENCH = Path(__file__).resolve().parent
SENTENCE_SETS = (BENCH / "sentiment_sentences.tsv", BENCH / "sentiment_service.tsv", BENCH / "sentiment_requests.tsv",
                 BENCH / "sentiment_stories.tsv")
CUT = 0.05  # the product's cut-off: <= -0.05 negative (insights.stats), >= 0.05 positive
LABELS = {"negative": -1, "neutral": 0, "positive": 1}


class CachedEmbedder:
    """An embedder behind the training script's vector cache (same name and version)."""

    def __init__(self, embedder: SupportsEmbed, cache: Path | None) -> None:
        self.embedder, self.cache = embedder, cache
        self.name, self.version = embedder.name, embedder.version

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = training.embed_cached(texts, self.embedder, self.cache)
        return np.vstack([vectors[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


Aggregate = Callable[[np.ndarray], "float | None"]


def plain_mean(scores: np.ndarray) -> float | None:
    """A comment's score as it was before 2026-12-02: the plain mean of its segments' scores."""
    return round(float(np.mean(scores)), 4) if len(scores) else None


def head_scores(texts: Sequence[str], embedder: SupportsEmbed, head: SentimentHead | None = None,
                calibration: Calibration | None = None, aggregate: Aggregate = comment_score,
                titles: Sequence[str | None] | None = None) -> np.ndarray:
    """Each text's score as the pipeline gives it: segments scored by the head, then
    :func:`comment_score` (or ``aggregate``; 0 for a text with nothing to read); ``titles``: per text, the title
    the product reads beside it (:func:`feedback.text.segments.title_to_read`), its points first."""
    head = head or load_head()
    pieces = training.segment_texts(list(texts))
    if titles is not None:  # cut in one pass, as the product cuts them; a title with nothing to read adds nothing
        heads = training.segment_texts([title or "" for title in titles])
        pieces = [[p for p in head if nlp.is_themable(p[0])] + own for head, own in zip(heads, pieces, strict=True)]
    flat = [piece for segs in pieces for piece in segs]
    if not flat:
        return np.zeros(len(pieces))
    vectors = embedder.encode([clean for clean, _ in flat])
    alone = [len(segs) == 1 for segs in pieces for _ in segs]  # courtesy beside other points reads 0, as in the product
    scores = score_segments(vectors, [raw for _, raw in flat], head, calibration, alone, embedder.encode)
    out, start = np.zeros(len(pieces)), 0
    for i, segs in enumerate(pieces):
        out[i] = aggregate(scores[start : start + len(segs)]) or 0.0
        start += len(segs)
    return out


def lexicon_scores(texts: Sequence[str]) -> np.ndarray:
    return np.array([lexicon(t) or 0.0 for t in texts])


def three_class(scores: np.ndarray) -> np.ndarray:
    return np.where(scores >= CUT, 1, np.where(scores <= -CUT, -1, 0))


def star_figures(scores: np.ndarray, stars: np.ndarray) -> dict[str, float]:
    """Spearman vs stars, binary macro-F1 (1-2 vs 4-5; negative at <= -0.05), 3-class macro-F1."""
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    rated = stars != 3
    return {
        "spearman": round(float(spearmanr(scores, stars).statistic), 3),
        "binary_f1": round(float(f1_score(stars[rated] >= 4, scores[rated] > -CUT, average="macro")), 3),
        "three_f1": round(float(f1_score(np.sign(stars - 3), three_class(scores), average="macro",
                                         labels=[-1, 0, 1])), 3),
    }


def three_f1(truth: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return round(float(f1_score(truth, three_class(scores), average="macro", labels=[-1, 0, 1])), 3)


def binary_f1(truth: np.ndarray, scores: np.ndarray) -> float:
    """Macro-F1 of positive (1) vs negative (0) texts, negative at <= -0.05."""
    from sklearn.metrics import f1_score

    return round(float(f1_score(truth, scores > -CUT, average="macro")), 3)


def held_out_clothing(data: Path, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """(texts, stars) of the held-out fifth (chosen by the review text's hash)."""
    texts, _, stars = held_out_reviews(data, limit)
    return texts, stars


def held_out_reviews(data: Path, limit: int | None = None) -> tuple[list[str], list[str | None], np.ndarray]:
    """(texts, the title the product reads beside each or None, stars) of the held-out fifth."""
    reviews = [(title, t, s) for title, t, s in training.read_clothing_titled(data) if training.held_out(t)][:limit]
    return ([t for _, t, _ in reviews], [title_to_read(title, t, "review") for title, t, _ in reviews],
            np.array([s for _, _, s in reviews]))


def evaluate_sentiment(embedder: SupportsEmbed | None = None, *, data: Path = training.CLOTHING,
                       limit: int | None = None, head: SentimentHead | None = None,
                       cache: Path | None = None, baseline: SentimentHead | None = None,
                       baseline_aggregate: Aggregate = comment_score) -> dict[str, Any]:
    """Sentiment against the stars on the held-out clothing reviews, lexicon vs head.

    ``embedder``: all-MiniLM-L6-v2 (the default :class:`feedback.embed.Embedder` when None);
    ``data``: the clothing reviews CSV; ``limit``: the first N held-out reviews only (all
    4,486 by default); ``head``: the shipped head by default; ``cache``: an optional .npz vector
    cache shared with scripts/train_sentiment.py; ``baseline``: another head (e.g. the previous
    one) measured beside, under the key "baseline", its comments scored by ``baseline_aggregate``
    (e.g. :func:`plain_mean`, as before). Each review is read as the product reads one, its title's
    points first (:func:`feedback.text.segments.title_to_read`); ``head_text`` is the head on the review text
    alone, as every figure before session 32 was read. Returns ``{"reviews": n, "lexicon": {...},
    "head": {...}, "head_text": {...}}``, each method's dict holding ``spearman``, ``binary_f1`` and
    ``three_f1`` (read with the product's +-0.05 cut-offs), and ``seconds`` (wall time of its scoring,
    embedding included for the head).
    """
    if embedder is None:
        from feedback.embed import Embedder

        embedder = Embedder()
    if cache is not None:
        embedder = CachedEmbedder(embedder, cache)
    texts, titles, stars = held_out_reviews(data, limit)
    started = time.perf_counter()
    old = lexicon_scores(texts)
    lexicon_seconds = time.perf_counter() - started
    started = time.perf_counter()
    new = head_scores(texts, embedder, head, titles=titles)
    head_seconds = time.perf_counter() - started
    alone = head_scores(texts, embedder, head)
    out: dict[str, Any] = {
        "reviews": len(texts),
        "lexicon": {**star_figures(old, stars), "seconds": round(lexicon_seconds, 2)},
        "head": {**star_figures(new, stars), "seconds": round(head_seconds, 2)},
        "head_text": star_figures(alone, stars),
    }
    if baseline is not None:
        started = time.perf_counter()
        before = head_scores(texts, embedder, baseline, aggregate=baseline_aggregate, titles=titles)
        out["baseline"] = {**star_figures(before, stars), "seconds": round(time.perf_counter() - started, 2)}
    return out


def read_sentences(path: Path) -> tuple[list[str], np.ndarray]:
    rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))
    return [r["text"] for r in rows], np.array([LABELS[r["label"]] for r in rows])


OodRow = tuple[str, int, str, list[float]]  # set, texts, measure, figure per method (lexicon, heads...)
TWEETEVAL = training.CACHE_DIR / "tweeteval"


COMPLAINTS = training.CACHE_DIR / "complaints"


def read_complaints(folder: Path) -> tuple[list[str], np.ndarray]:
    """``complaints-data.csv`` of Preotiuc-Pietro, Gaman and Aletras, "Automatically Identifying Complaints in Social
    Media" (ACL 2019): the tweets written to or about a company and 1 for each complaint (:func:`complaint_rows`)."""
    rows = complaint_rows(folder)
    return [text for text, _, _ in rows], np.array([label for _, label, _ in rows])


def complaint_rows(folder: Path) -> list[tuple[str, int, str]]:
    """(text, 1 for a complaint or 0, domain) of ``complaints-data.csv`` (no header: tweet id, text, label, domain):
    the tweets written to or about a company (its nine domains, from apparel to transport; not the ``random_*`` ones
    drawn from all of Twitter). ValueError naming the line of a row that is not so."""
    out = []
    with (folder / "complaints-data.csv").open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            if len(row) != 4 or row[2] not in ("0", "1"):
                raise ValueError(f"{folder / 'complaints-data.csv'} line {line}: expected id, text, 0 or 1, domain; "
                                 f"got {len(row)} fields" + (f" and label {row[2]!r}" if len(row) == 4 else ""))
            if not row[3].startswith("random"):
                out.append((row[1].strip(), int(row[2]), row[3]))
    return out


def read_by_hand(text: str) -> bool:
    """Whether a complaint tweet is in the half whose misreads may be read to find what the product misses (the md5 of
    its text even: session 29 read that half's misses); the other half is measured only, so a change made for what was
    read is judged on tweets nobody chose it for."""
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % 2 == 0


def complaint_f1(truth: np.ndarray, scores: np.ndarray) -> float:
    """Macro-F1 of complaints (1) against the rest (0), a complaint read where the score is negative (<= -0.05)."""
    from sklearn.metrics import f1_score

    return round(float(f1_score(truth, scores <= -CUT, average="macro")), 3)


def complaints_positive(truth: np.ndarray, scores: np.ndarray) -> float:
    """The share of the complaints (1) whose score reads positive (>= 0.05): a complaint shown in green."""
    return round(float(np.mean(scores[truth == 1] >= CUT)), 3)


def complaint_figures(embedder: SupportsEmbed, folder: Path = COMPLAINTS,
                      head: SentimentHead | None = None) -> dict[str, Any]:
    """The complaint tweets (:func:`read_complaints`) read by the lexicon and by ``head`` (the shipped one when None):
    ``{"tweets": n, "unread": m, "lexicon": {...}, "head": {...}}``, each method's dict holding ``f1`` (complaint
    against the rest, :func:`complaint_f1`), ``unread_f1`` (the same on the half never read by hand,
    :func:`read_by_hand`) and ``positive`` (:func:`complaints_positive`)."""
    texts, truth = read_complaints(folder)
    unread = np.array([not read_by_hand(text) for text in texts])
    out: dict[str, Any] = {"tweets": len(texts), "unread": int(unread.sum())}
    for name, scores in (("lexicon", lexicon_scores(texts)), ("head", head_scores(texts, embedder, head))):
        out[name] = {"f1": complaint_f1(truth, scores), "unread_f1": complaint_f1(truth[unread], scores[unread]),
                     "positive": complaints_positive(truth, scores)}
    return out


def read_tweeteval(folder: Path, split: str = "test") -> tuple[list[str], np.ndarray]:
    """TweetEval's sentiment ``{split}_text.txt`` and ``{split}_labels.txt`` (0 negative, 1 neutral, 2 positive, one
    per line): the tweets and their classes as -1 / 0 / 1. ValueError when the files do not pair up."""
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    if len(texts) != len(labels):
        raise ValueError(f"{folder}: {len(texts)} tweets in {split}_text.txt against {len(labels)} labels")
    if wrong := sorted(set(labels) - {"0", "1", "2"}):
        raise ValueError(f"{folder / f'{split}_labels.txt'}: labels are 0, 1 or 2, not {', '.join(wrong[:3])}")
    return [t.strip() for t in texts], np.array([int(label) - 1 for label in labels])


def out_of_domain(embedder: SupportsEmbed, heads: Sequence[tuple[SentimentHead, Aggregate]], vader_gt: Path | None,
                  uci: Path | None, goemotions: Path | None = None, tweeteval: Path | None = None,
                  complaints: Path | None = None) -> list[OodRow]:
    """(set, texts, measure, [lexicon, each (head, comment aggregate)]) rows for the sets the heads were not trained on
    (the VADER paper's snippets: their held-out fifth; its tweets and the hand-written sentences: all; GoEmotions:
    its test split, whose comments the trainer never reads)."""
    rows: list[OodRow] = []

    def add(name: str, measure: str, texts: list[str], truth: np.ndarray) -> None:
        score = {"3": three_f1, "c": complaint_f1, "s": complaints_positive}.get(measure[0], binary_f1)
        figures = [score(truth, lexicon_scores(texts))] + [score(truth, head_scores(texts, embedder, h, aggregate=a))
                                                          for h, a in heads]
        rows.append((name, len(texts), measure, figures))

    for path in SENTENCE_SETS:
        texts, truth = read_sentences(path)
        add(f"hand-written service sentences ({path.name})", "3-class macro-F1", texts, truth)
    if vader_gt:
        tweets = training.read_vader_gt(vader_gt, "tweets")
        add("VADER paper tweets (general tweets, rated by people; never trained on)", "3-class macro-F1",
            [t for t, _ in tweets], np.array([training.rating_class(r) - 1 for _, r in tweets]))
        for name in training.VADER_GT_SETS:
            pairs = [(t, r) for t, r in training.read_vader_gt(vader_gt, name) if training.held_out(t)]
            add(f"VADER paper {name}, held-out fifth", "3-class macro-F1", [t for t, _ in pairs],
                np.array([training.rating_class(r) - 1 for _, r in pairs]))
    if uci:
        for name in ("amazon_cells", "imdb", "yelp"):
            pairs = [(t, y) for t, y in training.read_uci(uci, name) if training.held_out(t)]
            add(f"UCI {name} sentences, held-out fifth", "binary macro-F1", [t for t, _ in pairs],
                np.array([y for _, y in pairs]))
    if goemotions:
        pairs = training.read_goemotions(goemotions, "test")
        add("GoEmotions test split (Reddit comments; the head trains on the train split)", "3-class macro-F1",
            [t for t, _ in pairs], np.array([y - 1 for _, y in pairs]))
    if tweeteval:
        add("TweetEval sentiment test split (SemEval-2017 tweets; never trained on)", "3-class macro-F1",
            *read_tweeteval(tweeteval))
    if complaints:
        texts, truth = read_complaints(complaints)
        add("complaint tweets to companies (Preotiuc-Pietro et al. 2019, nine domains; never trained on)",
            "complaint vs not, macro-F1", texts, truth)
        unread = [i for i, text in enumerate(texts) if not read_by_hand(text)]
        add("the same, the half never read by hand (:func:`read_by_hand`)", "complaint vs not, macro-F1",
            [texts[i] for i in unread], truth[unread])
        add("the same tweets: complaints read positive (the issue found more than a third of complaint tweets so)",
            "share of the complaints (lower is better)", texts, truth)
    return rows


COMPANY_FROM = 15048  # clothing file position: the shipped head was trained on the reviews before it


def company_reviews(data: Path, size: int) -> list[tuple[str, int]]:
    """"The company's rated comments": clothing reviews the shipped head never saw (from file position
    :data:`COMPANY_FROM`), outside the held-out fifth and the validation fifth; the first ``size``."""
    return [(t, s) for t, s in training.read_clothing(data)[COMPANY_FROM:]
            if not training.held_out(t) and not training.validation(t)][:size]


def calibration_rows(embedder: SupportsEmbed, base: SentimentHead, data: Path, sizes: Sequence[int],
                     limit: int | None) -> list[tuple[int, Calibration, dict[str, float]]]:
    """The shipped head calibrated as the pipeline does (scale, biases, embedding delta) on N clothing
    reviews it never saw (the "company's rated comments"), measured on the held-out fifth."""
    texts, stars = held_out_clothing(data, limit)
    out = [(0, Calibration(), star_figures(head_scores(texts, embedder, base), stars))]
    for size in sizes:
        calibration = calibrate(embedder, base, company_reviews(data, size))
        out.append((size, calibration, star_figures(head_scores(texts, embedder, base, calibration), stars)))
    return out


def calibrate(embedder: SupportsEmbed, head: SentimentHead, rated: Sequence[tuple[str, int]]) -> Calibration:
    """The calibration the pipeline would fit on these rated comments (stars 1-5)."""
    pieces = training.segment_texts([t for t, _ in rated])
    flat, labels, weights = [], [], []
    for (_, stars), segs in zip(rated, pieces, strict=True):
        for piece in segs:
            flat.append(piece)
            labels.append(training.star_class(stars))
            weights.append(1.0 / len(segs))
    vectors = embedder.encode([c for c, _ in flat])
    raw = logits(vectors, [r for _, r in flat], head)
    return fit_calibration(raw, np.array(labels), np.array(weights), comments=len(rated), vectors=vectors)


def own_stars_row(embedder: SupportsEmbed, head: SentimentHead, data: Path, limit: int | None,
                  folds: int = 5) -> dict[str, float]:
    """The held-out reviews scored as the product scores a company that ingests stars: the head calibrated
    (:func:`calibrate`) on the held-out reviews' own stars, out of fold (each fifth by file order scored
    by a calibration fitted on the other four), measured on all of them against those stars."""
    texts, stars = held_out_clothing(data, limit)
    scores = np.zeros(len(texts))
    fold = np.arange(len(texts)) % folds
    for k in range(folds):
        rated = [(t, int(s)) for t, s, f in zip(texts, stars, fold, strict=True) if f != k]
        calibration = calibrate(embedder, head, rated)
        chosen = np.flatnonzero(fold == k)
        scores[chosen] = head_scores([texts[i] for i in chosen], embedder, head, calibration)
    return star_figures(scores, stars)


def scoring_cost(heads: Sequence[SentimentHead], texts: Sequence[str], embedder: SupportsEmbed,
                 rounds: int = 3) -> list[float]:
    """Per head, microseconds per segment of :func:`score_segments` (cues, n-grams, logits; vectors given,
    as the theme stage has them): the best of ``rounds`` runs over the segments of ``texts``."""
    flat = [piece for segs in training.segment_texts(list(texts)) for piece in segs]
    vectors, raws = embedder.encode([clean for clean, _ in flat]), [raw for _, raw in flat]
    out = []
    for head in heads:
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            score_segments(vectors, raws, head)
            best = min(best, time.perf_counter() - started)
        out.append(round(best / max(len(flat), 1) * 1e6, 1))
    return out


def report(figures: dict[str, Any], ood: list[OodRow],
           calibrated: list[tuple[int, Calibration, dict[str, float]]], head: SentimentHead,
           baseline: SentimentHead | None = None, cost: Sequence[float] = ()) -> list[str]:
    lines = [
        f"\n## Sentiment quality, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (2 cores, shared and loaded, "
        f"Python {platform.python_version()})\n",
        f"`bench/sentiment_quality.py`: {figures['reviews']:,} held-out clothing reviews (never trained on), "
        "each read with its title first as the product reads a review (the lexicon: the text alone); "
        f"head {head.version} ({head.meta.get('segments')} training segments, C={head.meta.get('C')}, "
        f"neutral band {head.band}" + (f", {head.praise_band} on the side of praise" if head.praise_band is not None else "")
        + ")"
        + (f", beside head {baseline.version} ({baseline.meta.get('segments')} training segments)" if baseline else "")
        + ". Cut-offs as the product reads a score: <= -0.05 negative, >= 0.05 positive.\n",
        "| method | Spearman vs stars | binary macro-F1 (1-2 vs 4-5) | 3-class macro-F1 (1-2/3/4-5) | seconds |",
        "|---|---|---|---|---|",
    ]
    methods = [("lexicon", "VADER + service lexicon"),
               ("head", f"segment head {head.version} (shipped)")]
    if baseline is not None:
        methods.insert(1, ("baseline", f"segment head {baseline.version} (before)"))
    for key, name in methods:
        for suffix, label in (("", name), ("_own", f"{name}, calibrated out of fold on these reviews' own stars")):
            if key + suffix in figures:
                f = figures[key + suffix]
                lines.append(f"| {label} | {f['spearman']:.3f} | {f['binary_f1']:.3f} | {f['three_f1']:.3f} "
                             f"| {f['seconds']} |")
    if "head_text" in figures:  # as every figure before session 32 was read
        f = figures["head_text"]
        lines.append(f"| segment head {head.version} (shipped), the review text alone (no title) | {f['spearman']:.3f} "
                     f"| {f['binary_f1']:.3f} | {f['three_f1']:.3f} | |")
    lines += ["", "Out of domain (never trained on; UCI: the held-out fifth):", "",
              "| set | texts | measure | " + " | ".join(name for _, name in methods) + " |",
              "|---|---|---|" + "---|" * len(methods)]
    lines += [f"| {name} | {n:,} | {measure} | " + " | ".join(f"{v:.3f}" for v in values) + " |"
              for name, n, measure, values in ood]
    if cost:
        lines += ["", "Scoring cost, microseconds per segment (vectors given; best of 3 over the segments of the "
                  "first 500 held-out reviews): " + ", ".join(f"{name} {us}" for (_, name), us in
                                                             zip(methods[1:], cost, strict=True))]
    if calibrated:
        lines += ["", "Company calibration (feedback.themes.segment_sentiment): the shipped head calibrated (scale, "
                  "biases, embedding delta) on N clothing reviews it never saw, as a company's rated comments; "
                  "measured on the same held-out reviews:", "",
                  "| rated comments | scale | bias (neg, pos) | delta norm | Spearman | binary macro-F1 | 3-class macro-F1 |",
                  "|---|---|---|---|---|---|---|"]
        for size, cal, f in calibrated:
            norm = f"{float(np.linalg.norm(cal.delta)):.2f}" if cal.delta is not None else "-"
            lines.append(f"| {size or 'none'} | {cal.scale} | {cal.bias[0]}, {cal.bias[2]} | {norm} "
                         f"| {f['spearman']:.3f} | {f['binary_f1']:.3f} | {f['three_f1']:.3f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=training.CLOTHING)
    parser.add_argument("--cache", type=Path, default=training.CACHE_DIR / "vectors.npz")
    parser.add_argument("--vader-gt", type=Path, nargs="?", const=training.VADER_GT,
                        help=f"folder of the VADER paper's *_GroundTruth.txt files (no folder: {training.VADER_GT})")
    parser.add_argument("--uci", type=Path, nargs="?", const=training.UCI,
                        help=f"folder of the UCI sentiment labelled sentences (no folder: {training.UCI})")
    parser.add_argument("--goemotions", type=Path, nargs="?", const=training.GOEMOTIONS,
                        help=f"folder of GoEmotions' test.tsv and emotions.txt (no folder: {training.GOEMOTIONS})")
    parser.add_argument("--tweeteval", type=Path, nargs="?", const=TWEETEVAL,
                        help=f"folder of TweetEval's sentiment test_text.txt and test_labels.txt (no folder: {TWEETEVAL})")
    parser.add_argument("--complaints", type=Path, nargs="?", const=COMPLAINTS,
                        help=f"folder of complaints-data.csv (Preotiuc-Pietro et al. 2019; no folder: {COMPLAINTS})")
    parser.add_argument("--calibrate", type=int, nargs="*", default=[],
                        help="calibrate the head on N unseen clothing reviews (a company's ratings), e.g. 1000")
    parser.add_argument("--own-stars", action="store_true",
                        help="also the held-out figures with the head calibrated out of fold on their own stars")
    parser.add_argument("--compare", type=Path, help="another head file (e.g. the previous one) measured beside")
    parser.add_argument("--limit", type=int, help="the first N held-out reviews only")
    parser.add_argument("--append", type=Path, help="append the results to this markdown file")
    args = parser.parse_args(argv)
    if not args.data.exists():
        sys.exit(f"{args.data} not found: the shared clothing reviews are needed")
    wanted = ([args.tweeteval / "test_text.txt", args.tweeteval / "test_labels.txt"] if args.tweeteval else []) + (
        [args.complaints / "complaints-data.csv"] if args.complaints else [])
    if missing := [str(path) for path in wanted if not path.is_file()]:  # before minutes of scoring, not after
        sys.exit(f"{', '.join(missing)} not found (how to get them: this script's docstring)")
    from feedback.embed import Embedder
    from feedback.text.sentiment_model import read_head

    head = load_head()
    embedder = CachedEmbedder(Embedder(), args.cache)
    baseline = read_head(args.compare) if args.compare else None
    figures = evaluate_sentiment(embedder, data=args.data, limit=args.limit, head=head, baseline=baseline)
    methods = ([(baseline, comment_score)] if baseline is not None else []) + [(head, comment_score)]
    ood = out_of_domain(embedder, methods, args.vader_gt, args.uci, args.goemotions, args.tweeteval, args.complaints)
    calibrated = []
    if args.calibrate:
        calibrated = calibration_rows(embedder, head, args.data, args.calibrate, args.limit)
    if args.own_stars:
        for name, model in ([("baseline", baseline)] if baseline is not None else []) + [("head", head)]:
            figures[f"{name}_own"] = {**own_stars_row(embedder, model, args.data, args.limit), "seconds": "-"}
    cost = scoring_cost(([baseline] if baseline is not None else []) + [head],
                        held_out_clothing(args.data, 500)[0], embedder)
    lines = report(figures, ood, calibrated, head, baseline, cost)
    print("\n".join(lines))
    if args.append:
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
