"""The generated Brightmoor review site, served on 127.0.0.1 and scraped twice, as `make run` does."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from feedback.config import Config, ReviewSource
from feedback.samples.reviews import generate_reviews
from feedback.sources import SourceContext
from feedback.sources.reviews.crawl import ReviewCrawl, with_base_url
from feedback.sources.reviews.serve import serve_directory
from feedback.warehouse import BatchResult, commit_batch, open_warehouse, watermarks
from tests.fakes import FakeClock

SOURCE = {
    "name": "public-reviews", "channel": "review", "base_url": "http://127.0.0.1:1/",
    "user_agent": "BrightmoorFeedbackBot/1.0 (+https://brightmoor.example/feedback-bot)", "rate": 50,
    "urls": ["reviews/app/page-1.html", "reviews/delivery/page-1.html", "drafts/unpublished.html"],
    "sitemaps": ["sitemap.xml"], "feeds": ["reviews/feed.xml"],
    "exports": [{"path": "reviews/exports/play_store_reviews.csv"}],
}


def _night(db: sqlite_utils.Database, src: ReviewSource, base_dir: Path) -> tuple[BatchResult, ReviewCrawl]:
    crawl = ReviewCrawl(src, SourceContext(b"k", base_dir=base_dir, watermarks=watermarks(db, src.name)), FakeClock())
    total = BatchResult()
    for batch in crawl.run():
        total += commit_batch(db, batch)
    return total, crawl


def test_generate_reviews_is_reproducible(tmp_path: Path) -> None:
    counts = generate_reviews(tmp_path / "a", seed=3)
    generate_reviews(tmp_path / "b", seed=3)
    assert counts == {"jsonld": 18, "microdata": 12, "rdfa": 8, "feed": 8, "export": 10, "disallowed": 1}
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_sample_site_scraped_twice_on_two_ports(tmp_path: Path) -> None:
    counts = generate_reviews(tmp_path / "reviews", seed=11)
    expected = sum(v for k, v in counts.items() if k != "disallowed")
    db = open_warehouse(tmp_path / "warehouse.db")
    config = Config.model_validate({"sources": [SOURCE]})
    with serve_directory(tmp_path / "reviews") as base:
        src = with_base_url(config, base).sources[0]
        assert isinstance(src, ReviewSource) and src.base_url == base
        first, _ = _night(db, src, tmp_path)
    assert (first.new, first.quarantined) == (expected, 0)
    by_syntax = dict(db.execute(
        "select json_extract(extra, '$.syntax'), count(*) from items group by 1").fetchall())
    assert by_syntax == {"json-ld": 18, "microdata": 12, "rdfa": 8, "feed": 8, "export": 10}
    # the page robots.txt forbids is skipped with its reason, not quarantined
    assert db["quarantine"].count == 0
    assert [r[0] for r in db.execute("select json_extract(value, '$.reason') from watermarks"
                                     " where key like 'skipped:%'")] == [
        "disallowed by robots.txt for 'BrightmoorFeedbackBot/1.0 (+https://brightmoor.example/feedback-bot)'"]
    assert db.execute("select count(*) from items where rating is null or received_at is null").fetchone()[0] == 0
    assert db.execute("select count(*) from items where customer is null and json_extract(extra, '$.syntax') != 'export'").fetchone()[0] == 0
    # the export repeats one web review with small edits: flagged as a near-duplicate across sites
    flagged = db.execute(
        "select e.text, w.text from items e join items w on w.id = json_extract(w.extra, '$.near_duplicate_of')"
        " or e.id = json_extract(w.extra, '$.near_duplicate_of') where json_extract(e.extra, '$.site') = 'export'"
        " and json_extract(w.extra, '$.site') = '~' and e.text like '%👍'").fetchall()
    assert len(flagged) == 1 and flagged[0][0].replace("!  ", ". ").removesuffix(" 👍") == flagged[0][1].replace("\n", " ").rstrip(".")

    # the next night the site is served on another port: same watermarks, only conditional requests
    with serve_directory(tmp_path / "reviews") as base2:
        second, crawl = _night(db, with_base_url(config, base2).sources[0], tmp_path)  # type: ignore[arg-type]
    assert (second.seen, second.new) == (0, 0)
    assert crawl.fetcher.requests == crawl.fetcher.conditional_requests == 10  # robots, sitemap, feed, 7 pages
    assert crawl.outcomes == {"not_modified": 9, "Disallowed": 1}  # sitemap, feed, 7 pages; the draft page
    assert db["items"].count == expected
    row = db.execute("select extra from items where json_extract(extra, '$.syntax') = 'json-ld' limit 1").fetchone()
    assert json.loads(row[0])["aggregate"]["count"] == 18
