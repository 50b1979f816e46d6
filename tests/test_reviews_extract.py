"""Review extraction: real saved pages from the shared data, markup coverage, and the pure decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback.config import ReviewSource
from feedback.ratings import Scale
from feedback.sources import SourceContext
from feedback.sources.reviews.crawl import ReviewCrawl
from feedback.sources.reviews.extract import Selectors, css_reviews, extract_page
from feedback.sources.reviews.fetch import parse_retry_after
from feedback.sources.reviews.items import hamming, review_key, simhash
from feedback.sources.reviews.records import ExtractedReview
from feedback.sources.reviews.schema import schema_types
from feedback.sources.reviews.serve import serve_directory
from feedback.sources.reviews.values import decode_html, html_to_text, parse_html
from feedback.warehouse import BatchResult, commit_batch, open_warehouse
from tests.fakes import FakeClock

from .conftest import SHARED_DATA, needs

SHARED = SHARED_DATA / "review_pages"
RECIPES = SHARED / "recipe_scrapers"
EXTRUCT = SHARED / "extruct_samples" / "tests" / "samples"
needs_recipes = needs((RECIPES / "MANIFEST.json").exists(), f"shared data not present: {RECIPES}")
needs_extruct = needs(EXTRUCT.is_dir(), f"shared data not present: {EXTRUCT}")


@needs_recipes
def test_recall_on_72_real_pages_served_locally(tmp_path: Path) -> None:
    manifest = json.loads((RECIPES / "MANIFEST.json").read_text())
    db = open_warehouse(tmp_path / "warehouse.db")
    with serve_directory(RECIPES) as base:
        src = ReviewSource.model_validate({
            "name": "recipes", "channel": "review", "base_url": base, "rate": 1000, "max_bytes": 20_000_000,
            "max_pages": 1, "urls": [m["file"] for m in manifest]})
        crawl = ReviewCrawl(src, SourceContext(b"k"), FakeClock())
        total = BatchResult()
        for batch in crawl.run():
            total += commit_batch(db, batch)
    # reviews extracted per page (each page's watermark records how many it yielded)
    found = {key.removeprefix("page:~/"): json.loads(value)["reviews"] for key, value in
             db.execute("select key, value from watermarks where source = 'recipes'").fetchall()}
    expected = sum(m["jsonld_reviews_with_body"] for m in manifest)
    hits = sum(min(found.get(m["file"], 0), m["jsonld_reviews_with_body"]) for m in manifest)
    assert expected == 797
    assert hits / expected >= 0.99, f"recall {hits}/{expected}"
    # five pages list the same review twice (same author, day and words): one item each
    assert db["items"].count == hits - 9
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == 72  # every page landed
    assert db.execute("select count(*) from items where customer like '%a%' and customer not like 'c\\_%' escape '\\'").fetchone()[0] == 0
    rated = db.execute("select count(*), min(rating), max(rating) from items where rating is not null").fetchone()
    assert rated[0] > 700 and rated[1] >= 0.0 and rated[2] == 1.0


def _expected_types(path: Path) -> tuple[str, set[str]] | None:
    """(syntax, schema.org types) from extruct's own expected output beside a sample page."""
    for suffix, kind in ((".jsonld", "json-ld"), (".expanded.json", "rdfa"), (".json", "microdata")):
        expected = path.with_name(path.stem + suffix)
        if expected.exists():
            syntax = kind
            break
    else:
        return None
    data = json.loads(expected.read_text(encoding="utf-8"))
    types: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key in ("@type", "type"):
                raw = value.get(key)
                for t in raw if isinstance(raw, list) else [raw]:
                    if isinstance(t, str) and ("schema.org" in t or syntax == "json-ld"):
                        types.add(t.rstrip("/").rsplit("/", 1)[-1])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    if syntax == "microdata" and not any(isinstance(d, dict) and "properties" in d for d in (data if isinstance(data, list) else [data])):
        return None  # a .json that is not extruct microdata output (og, dublin core, ...)
    return (syntax, types) if types else None


@needs_extruct
def test_extruct_samples_every_markup_format_is_read() -> None:
    covered: dict[str, int] = {}
    for page in sorted(EXTRUCT.rglob("*.html")):
        expectation = _expected_types(page)
        result = extract_page(page.read_bytes(), "http://www.example.com/index.html")  # never raises
        assert result.encoding
        if expectation is None:
            continue
        syntax, types = expectation
        ours = schema_types(page.read_bytes(), "http://www.example.com/index.html").get(syntax, set())
        assert types <= ours, f"{page.name}: {syntax} types {sorted(types - ours)} not found"
        covered[syntax] = covered.get(syntax, 0) + 1
    assert set(covered) == {"json-ld", "microdata", "rdfa"}, covered


@needs_extruct
def test_extruct_microdata_aggregate_rating() -> None:
    result = extract_page((EXTRUCT / "schema.org" / "product.html").read_bytes(), "http://example.com/")
    assert [(a.syntax, a.item_reviewed, a.rating_value, a.count) for a in result.aggregates] == [
        ("microdata", "Executive Anvil", 4.4, 89)]


RDFA_PAGE = b"""<html><body><div vocab="https://schema.org/" typeof="Product"><span property="name">Kettle</span>
<div property="review" typeof="Review"><span property="reviewBody">Boils in a minute.</span>
<span property="author" typeof="Person"><span property="name">Jo</span></span>
<div property="reviewRating" typeof="Rating"><span property="ratingValue">8</span>/<span property="bestRating">10</span>
<span property="worstRating">0</span></div></div></div></body></html>"""


def test_rdfa_review_with_its_own_scale() -> None:
    [review] = extract_page(RDFA_PAGE, "http://example.com/p").reviews
    assert (review.syntax, review.body, review.author, review.item_reviewed) == ("rdfa", "Boils in a minute.", "Jo", "Kettle")
    assert Scale.stated(review.best, review.worst).fraction(review.rating_value) == 0.8


def test_css_selector_fallback_for_pages_without_markup() -> None:
    page = b"""<html><body><div class="rv" id="r9"><b class="who">Max</b><span class="stars" data-v="3"></span>
    <div class="txt"><p>Too <em>slow</em>.</p><p>Cold food.</p></div><time datetime="2024-02-01">1 Feb</time></div></body></html>"""
    selectors = Selectors(review="div.rv", body=".txt", author=".who", rating=".stars", rating_attribute="data-v", date="time")
    result = extract_page(page, "http://example.com/", selectors=selectors)
    assert [(r.body, r.author, r.rating_value, r.published, r.review_id) for r in result.reviews] == [
        ("Too slow.\n\nCold food.", "Max", 3.0, "2024-02-01", "r9")]
    assert css_reviews(parse_html(page.decode()), selectors)[0].syntax == "css"


def test_review_key_is_the_same_for_the_same_review_anywhere() -> None:
    a = ExtractedReview(body="Great  kettle!", syntax="json-ld", author="Ann", position=1)
    b = ExtractedReview(body="great kettle", syntax="microdata", author="ann", position=7, title="x")
    c = ExtractedReview(body="Great kettle!", syntax="json-ld", author="Bo", position=1)
    d = ExtractedReview(body="Great kettle!", syntax="json-ld", author="Ann", review_id="https://s/r/1")
    assert review_key(a, "2024-01-01T00:00:00Z") == review_key(b, "2024-01-01T09:00:00Z")
    assert review_key(a, "2024-01-01") != review_key(c, "2024-01-01")
    assert review_key(d, None) == "id:https://s/r/1"


def test_simhash_near_duplicates() -> None:
    text = "The driver left the shopping on the doorstep in the rain and the bread was soaked through"
    assert hamming(simhash(text), simhash(text.upper().replace(" the ", "  the  ") + "!!")) == 0
    assert hamming(simhash(text), simhash("Support answered within a minute and sorted my refund politely")) > 3


@pytest.mark.parametrize(
    ("content", "declared", "text", "encoding"),
    [("Café".encode(), "iso-8859-1", "Café", "utf-8"),
     ("Café".encode("cp1252"), "utf-8", "Café", None),
     (b'<meta charset="windows-1252">Caf\xe9', None, '<meta charset="windows-1252">Café', "windows-1252"),
     (b"\xef\xbb\xbfplain", None, "plain", "utf-8")],
)
def test_decode_html(content: bytes, declared: str | None, text: str, encoding: str | None) -> None:
    decoded, used, _ = decode_html(content, declared)
    assert decoded == text
    if encoding:
        assert used == encoding


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Loved it &amp;#39;s taste", "Loved it 's taste"), ("<p>One</p><p>Two &amp; three</p>", "One\n\nTwo & three"),
     ("  spaced\u00a0 out  ", "spaced out"), ("&lt;b&gt;bold&lt;/b&gt; claim", "bold claim")],
)
def test_html_to_text(raw: str, expected: str) -> None:
    assert html_to_text(raw) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("120", 120.0), ("0", 0.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_author_pseudonyms_are_per_site() -> None:
    from feedback.sources.reviews.items import author_key

    secret = b"k" * 32
    assert author_key("reviews/a.example", "Sarah", secret) == author_key("reviews/a.example", " Sarah ", secret)
    assert author_key("reviews/a.example", "Sarah", secret) != author_key("reviews/b.example", "Sarah", secret)
    assert author_key("reviews/a.example", "  ", secret) is None
    assert author_key("reviews/a.example", "Sarah", secret).startswith("c_")  # type: ignore[union-attr]
