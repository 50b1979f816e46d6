"""What an analyst's corrections buy on the sample company (`feedback themes tone`).

    .venv/bin/python bench/sentiment_corrections.py              # prints; appends to bench/RESULTS.md
    .venv/bin/python bench/sentiment_corrections.py --no-append --counts 3,5,10 [--alike]

On a copy of the processed sample warehouse (bench/themes_samples.py builds it once), as a night
leaves it (the shipped head, the company's calibration when it is applied): the analyst takes the
first N of ``feedback themes tone --suggest``'s points (model and lexicon disagree, most shared
first) and corrects each as the sample generator meant it: the majority polarity, in the generator's
truth (surveys/truth.csv), of the survey comments that are that one point alone (a comment's polarity
is the point's only then: "Support agreed a refund straight away, which was good" sits in comments the
generator marks as complaints); a point no such comment holds is skipped, as an analyst who cannot
tell would. Then a night runs (the calibration is fitted again
once 5 corrections are in) and the figures are read again:

- agreement with the truth: three-class macro-F1 of each English survey comment's published
  sentiment (read at +-0.05) against its truth polarity (praise / neutral / complaint);
- the calibration's own figures on the fifth of the rated comments it never saw (Spearman
  against the ratings), and whether it is applied;
- how many points read differently.

The truth is the generator's, on its own phrasebook: the figures say what a correction does on text
that repeats (a sample company), not what it would do on real text.
"""

from __future__ import annotations

import argparse
import csv
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import sqlite_utils  # noqa: E402
from themes_samples import OUT, processed_warehouse  # noqa: E402

from feedback.text.sentiment_model import comment_score, load_head  # noqa: E402
from feedback.themes import segment_sentiment  # noqa: E402
from feedback.themes import sentiment_corrections as corrections  # noqa: E402
from feedback.warehouse import open_warehouse  # noqa: E402

SIDE = {"praise": "positive", "complaint": "negative", "neutral": "neutral"}
CLASS = {"negative": 0, "neutral": 1, "positive": 2}


def truth(db: sqlite_utils.Database, truth_csv: Path) -> dict[str, str]:
    """Warehouse item id -> the side the generator meant (English survey comments of one kind)."""
    items = {(r[1], r[2], r[3]): r[0] for r in db.execute(
        "select id, json_extract(extra, '$.file'), json_extract(extra, '$.response_id'), question"
        " from items where channel = 'survey'")}
    found = {}
    with truth_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            item = items.get(("samples/" + row["file"], row["response_id"], row["question"]))
            if item and row["language"] == "en" and row["polarity"] in SIDE:
                found[item] = SIDE[row["polarity"]]
    return found


def figures(db: sqlite_utils.Database, meant: dict[str, str]) -> dict[str, Any]:
    """Agreement with the truth, the calibration's checked figures, every point's score."""
    from sklearn.metrics import f1_score

    points = dict(db.execute("select id, sentiment from theme_segments where sentiment is not null").fetchall())
    by_item: dict[str, list[float]] = defaultdict(list)
    for item, score in db.execute("select item_id, sentiment from theme_segments where sentiment is not null"):
        by_item[item].append(score)
    pairs = [(CLASS[side], comment_score(by_item[item]) or 0.0) for item, side in meant.items() if item in by_item]
    read = [0 if s <= -0.05 else 2 if s >= 0.05 else 1 for _, s in pairs]
    row = (segment_sentiment.stored_calibration(db, load_head()) or (None, {}))[1]
    return {"f1": round(float(f1_score([t for t, _ in pairs], read, average="macro")), 3), "comments": len(pairs),
            "spearman": row.get("spearman_after"), "spearman_shipped": row.get("spearman_before"),
            "applied": row.get("applied"), "corrections_fitted": row.get("corrections"), "points": points}


def meant_side(db: sqlite_utils.Database, meant: dict[str, str], segment_id: str) -> str | None:
    """The side the truth gives a segment's text: the majority of the comments that are that point alone."""
    text_hash = db.execute("select text_hash from theme_segments where id = ?", [segment_id]).fetchone()[0]
    sides = Counter(meant[r[0]] for r in db.execute(
        """select s.item_id from theme_segments s where s.text_hash = ? and
           (select count(*) from theme_segments o where o.item_id = s.item_id and o.themable = 1) = 1""",
        [text_hash]) if r[0] in meant)
    return sides.most_common(1)[0][0] if sides else None


def analyst(db: sqlite_utils.Database, meant: dict[str, str], count: int) -> list[tuple[str, str, str]]:
    """(segment id, text, side) for the first ``count`` suggestions the truth decides."""
    chosen = []
    for found in corrections.suggestions(db, limit=10 * count):
        side = meant_side(db, meant, found["segment_id"])
        if side:
            chosen.append((found["segment_id"], found["text"], side))
        if len(chosen) == count:
            break
    return chosen


def alike_too(db: sqlite_utils.Database, embedder: Any, meant: dict[str, str], segment_id: str, side: str) -> list[str]:
    """``--alike`` as an analyst uses it: the texts listed as reading almost the same, corrected to ``side``
    unless the truth gives them another side; their segment ids."""
    text_hash = db.execute("select text_hash from theme_segments where id = ?", [segment_id]).fetchone()[0]
    taken = []
    for found in corrections.alike(db, embedder.name, embedder.version, text_hash, side):
        if meant_side(db, meant, found["segment_id"]) in (None, side):
            segment_sentiment.correct(db, embedder, found["segment_id"], side)
            taken.append(found["segment_id"])
    return taken


def run(count: int, source: Path, folder: Path,
        alike: bool = False) -> tuple[dict[str, Any], dict[str, Any], list[tuple[str, str, str]], float, int]:
    from feedback.embed import Embedder

    path = folder / f"corrections-{count}{'-alike' * alike}.db"
    shutil.copy(source, path)
    db = open_warehouse(path)
    embedder = Embedder()
    segment_sentiment.score_pending(db, embedder)  # as a night leaves it, with today's code
    meant = truth(db, OUT / "samples" / "surveys" / "truth.csv")
    before = figures(db, meant)
    chosen = analyst(db, meant, count)
    started = time.process_time()
    also = 0
    for segment_id, _, side in chosen:
        segment_sentiment.correct(db, embedder, segment_id, side)
        also += len(alike_too(db, embedder, meant, segment_id, side)) if alike else 0
    segment_sentiment.score_pending(db, embedder)  # the next night: the calibration learns from them
    seconds = time.process_time() - started
    after = figures(db, meant)
    db.close()
    return before, after, chosen, seconds, also


def report(results: dict[tuple[int, bool], tuple[dict[str, Any], dict[str, Any], list[tuple[str, str, str]], float, int]]
           ) -> list[str]:
    lines = ["| corrections | texts read alike corrected too (`--alike`) | truth 3-class F1 (comments) | calibration: checked Spearman (shipped) | applied | points read differently | CPU s (corrections + night) |",
             "|---|---|---|---|---|---|---|"]
    first = next(iter(results.values()))[0]
    lines.append(f"| 0 | - | {first['f1']:.3f} ({first['comments']}) | {first['spearman']} ({first['spearman_shipped']}) |"
                 f" {first['applied']} | - | - |")
    for (_, alike), (before, after, chosen, seconds, also) in results.items():
        moved = sum(1 for k, v in after["points"].items() if abs(v - before["points"].get(k, v)) >= 0.05)
        lines.append(f"| {len(chosen)} | {also if alike else '-'} | {after['f1']:.3f} ({after['comments']}) | {after['spearman']}"
                     f" ({after['spearman_shipped']}) | {after['applied']} | {moved} | {seconds:.1f} |")
    last = list(results.values())[-1][2]
    lines += ["", "Points corrected (the last run's, in order; the side the truth gives):", ""]
    lines += [f"- {side}: \u201c{text}\u201d" for _, text, side in last]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="3,5", help="how many corrections, comma-separated (default 3,5)")
    parser.add_argument("--no-append", action="store_true", help="print only; do not append to bench/RESULTS.md")
    parser.add_argument("--alike", action="store_true",
                        help="each count also with the texts read alike corrected (tone --alike), as the truth allows")
    args = parser.parse_args(argv)
    source = processed_warehouse()
    runs = [(int(c), alike) for c in args.counts.split(",") for alike in ((False, True) if args.alike else (False,))]
    with tempfile.TemporaryDirectory() as tmp:
        results = {(n, alike): run(n, source, Path(tmp), alike) for n, alike in runs}
    head = (f"## Analysts' corrections on the sample company (bench/sentiment_corrections.py), "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({platform.machine()}, Python {platform.python_version()})")
    command = f"`bench/sentiment_corrections.py --counts {args.counts}{' --alike' * args.alike}`"
    text = "\n".join([head, "", command, "", *report(results), ""])
    print(text)
    if not args.no_append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
