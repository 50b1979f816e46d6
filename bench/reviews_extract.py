"""Benchmark of the reviews channel.

1. Extraction speed: pages per second over the 72 saved pages in
   ../shared/data/review_pages/recipe_scrapers (bytes read up front, network
   excluded), in one process and in a pool of 2.
2. Politeness cost: requests per night for the generated Brightmoor review
   site, served on 127.0.0.1: the first night, then an unchanged night.

Run: .venv/bin/python bench/reviews_extract.py [--append bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from feedback.config import ReviewSource
from feedback.samples.reviews import generate_reviews
from feedback.sources import SourceContext
from feedback.sources.reviews.crawl import ReviewCrawl
from feedback.sources.reviews.extract import extract_page
from feedback.sources.reviews.serve import serve_directory
from feedback.warehouse import commit_batch, open_warehouse, watermarks

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "review_pages" / "recipe_scrapers"


def _extract(item: tuple[str, bytes]) -> int:
    name, content = item
    return len(extract_page(content, "http://127.0.0.1/" + name).reviews)


def extraction(repeat: int = 3) -> dict[str, float]:
    pages = [(p.name, p.read_bytes()) for p in sorted(PAGES.glob("*.html"))]
    out: dict[str, float] = {"pages": len(pages), "megabytes": round(sum(len(c) for _, c in pages) / 1e6, 1)}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        reviews = sum(map(_extract, pages))
        best = min(best, time.perf_counter() - start)
    out["reviews"] = reviews
    out["pages_per_s_1proc"] = round(len(pages) / best, 1)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_extract, pages[:4]))  # warm the workers
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            list(pool.map(_extract, pages, chunksize=4))
            best = min(best, time.perf_counter() - start)
    out["pages_per_s_2proc"] = round(len(pages) / best, 1)
    return out


def requests_per_night() -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_reviews(root / "site", seed=1)
        db = open_warehouse(root / "w.db")
        config = {"name": "public-reviews", "channel": "review", "rate": 100,
                  "urls": ["reviews/app/page-1.html", "reviews/delivery/page-1.html"],
                  "sitemaps": ["sitemap.xml"], "feeds": ["reviews/feed.xml"]}
        out: dict[str, int] = {}
        for night in ("first", "unchanged"):
            with serve_directory(root / "site") as base:
                src = ReviewSource.model_validate({**config, "base_url": base})
                crawl = ReviewCrawl(src, SourceContext(b"k", watermarks=watermarks(db, src.name)))  # the real clock
                new = sum(commit_batch(db, batch).new for batch in crawl.run())
            out[f"{night}_requests"] = crawl.fetcher.requests
            out[f"{night}_conditional"] = crawl.fetcher.conditional_requests
            out[f"{night}_new_items"] = new
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--append", type=Path, help="append a result section to this markdown file")
    args = parser.parse_args()
    result = {"extraction": extraction(), "politeness": requests_per_night()}
    print(json.dumps(result, indent=1))
    if args.append:
        e, p = result["extraction"], result["politeness"]
        machine = f"{os.cpu_count()} cores, 24 GiB, Python {platform.python_version()}"
        text = (
            f"\n## Reviews channel: extraction and requests per night ({date.today().isoformat()})\n\n"
            f"Machine: {machine}, shared with other jobs. `bench/reviews_extract.py`.\n\n"
            f"| measure | value |\n|---|---|\n"
            f"| pages (saved real recipe pages, {e['megabytes']} MB) | {int(e['pages'])} |\n"
            f"| reviews extracted | {int(e['reviews'])} |\n"
            f"| extraction, 1 process | {e['pages_per_s_1proc']} pages/s |\n"
            f"| extraction, 2 processes | {e['pages_per_s_2proc']} pages/s (target >= 20) |\n"
            f"| sample site, first night | {p['first_requests']} requests, {p['first_new_items']} new items |\n"
            f"| sample site, unchanged night | {p['unchanged_requests']} requests, all conditional "
            f"({p['unchanged_conditional']}), {p['unchanged_new_items']} new items |\n"
        )
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
