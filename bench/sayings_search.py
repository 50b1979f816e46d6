"""What looking for the service sayings costs: the combined search, and the lexicon reading around it (not a test).

Every text the lexicon reads is searched for the sayings of ``service_sayings.IDIOMS`` at once
(``sentiment._ANY_SAYING``). Two ways, alternated in one process over the shared star-rated clothing reviews:

- **ignoring case**: the combined pattern compiled with ``re.IGNORECASE``, searched in the text as written (the way
  up to lexicon 36);
- **lower case**: the combined pattern compiled case-sensitively (the sayings are written in lower case), searched in
  the text lower-cased (the way now).

Reports the best round per sentence (the search alone) and per review (``sentiment()``, the lexicon reading the
process stage does, its caches cleared each round), and checks both ways find the same sentences.

    .venv/bin/python bench/sayings_search.py [--rounds 3] [--reviews 6000] [--no-append]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from feedback.text import sentiment as lexicon

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ROOT.parent / "shared" / "data" / "labelled" / "clothing_reviews" / "reviews.csv"
IGNORING_CASE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in lexicon.IDIOMS), re.IGNORECASE)


def ignoring_case(text: str) -> bool:
    return IGNORING_CASE.search(text) is not None


def lower_case(text: str) -> bool:
    return lexicon._ANY_SAYING.search(text.lower()) is not None


def reviews(limit: int) -> list[str]:
    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        texts = [row["Review Text"] for row in csv.DictReader(handle) if row.get("Review Text")]
    return texts[:limit]


def per_item(run: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reviews", type=int, default=6000)
    parser.add_argument("--no-append", dest="append", action="store_false")
    args = parser.parse_args()
    texts = reviews(args.reviews)
    sentences = [piece.strip() for text in texts for piece in lexicon.SENTENCE.findall(text) if piece.strip()]
    found = {way.__name__: [way(sentence) for sentence in sentences] for way in (ignoring_case, lower_case)}
    assert found["ignoring_case"] == found["lower_case"], "the two ways find different sentences"
    search: dict[str, list[float]] = {"ignoring_case": [], "lower_case": []}
    reading: dict[str, list[float]] = {"ignoring_case": [], "lower_case": []}
    for _ in range(args.rounds):
        for way in (ignoring_case, lower_case):
            search[way.__name__].append(per_item(lambda way=way: [way(s) for s in sentences], len(sentences)))
            lexicon._has_saying = way  # the reading's one call of the search, swapped for this round
            lexicon._short_has_saying.cache_clear()
            lexicon.felt.cache_clear()
            reading[way.__name__].append(per_item(lambda: [lexicon.sentiment(t) for t in texts], len(texts)))
    def figures(times: dict[str, list[float]]) -> str:
        before, after = min(times["ignoring_case"]), min(times["lower_case"])
        spread = "; ".join(f"{name.replace('_', ' ')} " + "/".join(f"{t:.0f}" for t in rounds)
                           for name, rounds in times.items())
        return f"best {before:.0f} -> {after:.0f} µs ({before / after:.2f}x; rounds: {spread})"
    lines = [
        f"\n### The sayings' combined search, ignoring case or in lower case ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{os.cpu_count()} cores, shared; load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()})",
        "",
        f"`bench/sayings_search.py --rounds {args.rounds} --reviews {args.reviews}`: {len(lexicon.IDIOMS)} sayings, "
        f"{len(texts):,} clothing reviews, {len(sentences):,} sentences ({sum(found['lower_case']):,} hold a saying, "
        "the same in both ways), alternated in one process:",
        f"- the search per sentence: {figures(search)}",
        f"- `sentiment()` per review (the lexicon's reading, caches cleared): {figures(reading)}",
    ]
    print("\n".join(lines))
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
