"""The company calibration's gates, measured on rated sets taken as companies.

    .venv/bin/python bench/calibration_companies.py [--pool 1500] [--test 3000] [--append bench/RESULTS.md]

A company that ingests ratings gets the sentiment head calibrated on them
(:mod:`feedback.themes.segment_sentiment`): fitted on four fifths of its rated comments, applied only when it
ranks the fifth it never saw clearly better (:func:`~feedback.themes.segment_sentiment.worth_applying`) and
still reads the anchor sentences within ``ANCHOR_SLACK`` of the shipped head; the embedding delta is held back
harder, rung by rung (``RIDGES``), until it does. Whether those gates let through the calibrations that help and
stop the ones that hurt can only be seen on comments whose sentiment is known, which a company's own ratings
are not. So each rated set below is taken as a company: a pool of its comments, rated (1, 3 or 5 stars by the
set's label), is what the company ingests; a disjoint test part is scored by the head alone and by the head
calibrated at each rung, and by whatever the product would publish (the ladder's pick, when applied).

The sets (read as bench/sentiment_quality.py reads them, from ``bench/.cache``; those the head trains on only by
their held-out fifth): the clothing reviews (the company's reviews from file position 15,048 against the held-out
fifth, stars 1-5), TweetEval's sentiment validation split against its test split, GoEmotions' test split, the
VADER paper's review and editorial snippets and tweets, the UCI sentences (binary). A set that is missing is
named and skipped: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

import sentiment_quality as quality  # noqa: E402
import train_sentiment as training  # noqa: E402

from feedback.embed import Embedder, SupportsEmbed  # noqa: E402
from feedback.text import sentiment_anchors  # noqa: E402
from feedback.text.sentiment_model import Calibration, SentimentHead, load_head, logits  # noqa: E402
from feedback.themes import segment_sentiment  # noqa: E402

STARS = (1, 3, 5)  # a class index (negative, neutral, positive) as the rating a company would have stored
Company = tuple[list[tuple[str, int]], list[str], np.ndarray, str]  # rated pool, test texts, test truth, measure


def _halves(pairs: Sequence[tuple[str, int]], pool: int, seed: int = 7) -> tuple[list[tuple[str, int]],
                                                                               list[tuple[str, int]]]:
    shuffled = list(pairs)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:pool], shuffled[pool:]


def companies(cache: Path, pool: int, test: int) -> dict[str, Company]:
    """Each rated set as (pool rated 1/3/5 stars, test texts, test truth, measure)."""
    out: dict[str, Company] = {}
    if training.CLOTHING.exists():
        texts, stars = quality.held_out_clothing(training.CLOTHING, test)
        out["clothing reviews"] = (quality.company_reviews(training.CLOTHING, pool), texts, stars, "stars")
    else:
        print(f"missing: {training.CLOTHING}")
    if (cache / "tweeteval" / "val_text.txt").exists():
        val_texts, val_truth = quality.read_tweeteval(cache / "tweeteval", "val")
        test_texts, test_truth = quality.read_tweeteval(cache / "tweeteval", "test")
        out["TweetEval"] = ([(t, STARS[int(y) + 1]) for t, y in zip(val_texts, val_truth, strict=True)][:pool],
                            test_texts[:test], test_truth[:test], "3")
    else:
        print(f"missing: {cache / 'tweeteval'}")
    three: dict[str, list[tuple[str, int]]] = {}
    if (cache / "goemotions" / "test.tsv").exists():
        three["GoEmotions test split"] = training.read_goemotions(cache / "goemotions", "test")
    if (cache / "vader").exists():
        for name in (*training.VADER_GT_SETS, "tweets"):
            three[f"VADER {name}"] = [(t, training.rating_class(r)) for t, r in training.read_vader_gt(cache / "vader", name)
                                      if name == "tweets" or training.held_out(t)]
    else:
        print(f"missing: {cache / 'vader'}")
    for name, pairs in three.items():
        fitted, rest = _halves(pairs, min(pool, len(pairs) // 2))
        out[name] = ([(t, STARS[y]) for t, y in fitted], [t for t, _ in rest[:test]],
                     np.array([y - 1 for _, y in rest[:test]]), "3")
    if (cache / "uci").exists():
        uci = [(t, y) for n in training.UCI_SETS for t, y in training.read_uci(cache / "uci", n) if training.held_out(t)]
        fitted, rest = _halves(uci, min(pool, len(uci) // 2))
        out["UCI sentences"] = ([(t, STARS[2 * y]) for t, y in fitted], [t for t, _ in rest[:test]],
                                np.array([y for _, y in rest[:test]]), "2")
    else:
        print(f"missing: {cache / 'uci'}")
    return out


def figure(measure: str, truth: np.ndarray, scores: np.ndarray) -> float:
    """The test part's figure: 3-class macro-F1 (binary for the UCI sentences; for star-rated reviews, 1-2 against
    4-5 stars, as bench/sentiment_quality.py reads them)."""
    if measure == "stars":
        return quality.star_figures(scores, truth)["binary_f1"]
    return quality.binary_f1(truth, scores) if measure == "2" else quality.three_f1(truth, scores)


def rated_segments(embedder: SupportsEmbed, head: SentimentHead, pool: list[tuple[str, int]], name: str):  # noqa: ANN201
    """The pool as the product's rated segments: (logits, vectors, texts, owners, bands)."""
    flat, owners, bands = [], [], []
    for n, ((_, stars), pieces) in enumerate(zip(pool, training.segment_texts([t for t, _ in pool]), strict=True)):
        for piece in pieces:
            flat.append(piece)
            owners.append(f"{name}:{n}")
            bands.append(0 if stars <= 2 else 1 if stars == 3 else 2)
    vectors = embedder.encode([clean for clean, _ in flat])
    texts = [raw for _, raw in flat]
    return logits(vectors, texts, head), vectors, texts, owners, np.array(bands)


def measure(embedder: SupportsEmbed, head: SentimentHead, name: str, company: Company) -> dict:
    """The head alone, each rung (anchors after, applied with and without the anchors check, test figure) and the
    ladder's pick."""
    pool, texts, truth, kind = company
    segments = rated_segments(embedder, head, pool, name)
    anchor_texts, labels = sentiment_anchors.anchors()
    anchors = (embedder.encode(list(anchor_texts)), list(anchor_texts), labels)
    scored: dict[str, float] = {}

    def test(calibration: Calibration | None) -> float:
        key = calibration.version if calibration else ""
        if key not in scored:
            scored[key] = round(figure(kind, truth, quality.head_scores(texts, embedder, head, calibration)), 3)
        return scored[key]

    rungs = []
    for ridge in segment_sentiment.RIDGES:
        checked, figures = segment_sentiment.fit_checked(*segments, head, anchors=anchors, ridges=(ridge,))
        _, unchecked = segment_sentiment.fit_checked(*segments, head, ridges=(ridge,))
        rungs.append({"ridge": ridge, "anchors": figures["anchors_after"], "applied": figures["applied"],
                      "gain_only": unchecked["applied"], "test": test(checked),
                      "spearman": (figures["spearman_before"], figures["spearman_after"]), "version": checked.version})
    picked, figures = segment_sentiment.fit_checked(*segments, head, anchors=anchors)
    ridge = next((r["ridge"] for r in rungs if r["version"] == picked.version), None)
    return {"name": name, "pool": len(pool), "test_n": len(texts), "kind": kind, "head": test(None),
            "anchors_before": figures["anchors_before"], "rungs": rungs, "ridge": ridge, "applied": figures["applied"],
            "published": test(picked) if figures["applied"] else test(None)}


def report(rows: list[dict], head: SentimentHead) -> list[str]:
    lines = [f"\n## The company calibration's gates on rated sets taken as companies, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
             f"({os.cpu_count()} cores, shared; Python {platform.python_version()})\n",
             f"`bench/calibration_companies.py`: head {head.version}; anchors check: within "
             f"{segment_sentiment.ANCHOR_SLACK} of the head ({rows[0]['anchors_before'] if rows else '-'}). Per rung of the "
             "ridge ladder: anchors read after / applied by the product's gates / applied by the Spearman gate alone "
             "(no anchors check) / the test part's figure. Figure: 3-class macro-F1 (UCI: binary; clothing: binary, "
             "1-2 against 4-5 stars).\n",
             "| company (pool / test) | head alone | " + " | ".join(f"ridge {r:g}" for r in segment_sentiment.RIDGES)
             + " | published (ladder's pick) |",
             "|---|---|" + "---|" * len(segment_sentiment.RIDGES) + "---|"]
    for row in rows:
        cells = [f"{r['anchors']:.3f} / {'yes' if r['applied'] else 'no'} / {'yes' if r['gain_only'] else 'no'} / "
                 f"{r['test']:.3f}" for r in row["rungs"]]
        pick = f"ridge {row['ridge']:g}, " if row["ridge"] is not None else ""
        lines.append(f"| {row['name']} ({row['pool']} / {row['test_n']}) | {row['head']:.3f} | " + " | ".join(cells)
                     + f" | {row['published']:.3f} ({pick}{'applied' if row['applied'] else 'not applied'}) |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=1500, help="rated comments per company (at most half a small set)")
    parser.add_argument("--test", type=int, default=3000, help="test texts per company")
    parser.add_argument("--cache", type=Path, default=training.CACHE_DIR, help="folder of the downloaded sets")
    parser.add_argument("--vectors", type=Path, default=training.CACHE_DIR / "vectors.npz", help="vector cache")
    parser.add_argument("--append", type=Path, help="append the results to this markdown file")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = quality.CachedEmbedder(Embedder(), args.vectors)
    head = load_head()
    rows = []
    for name, company in companies(args.cache, args.pool, args.test).items():
        rows.append(measure(embedder, head, name, company))
        print(report(rows[-1:], head)[-1], flush=True)
    lines = report(rows, head)
    print("\n".join(lines))
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
