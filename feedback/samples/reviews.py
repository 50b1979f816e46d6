"""A small static site of public reviews of Brightmoor, for the reviews channel to scrape.

``generate_reviews(out_dir, seed)`` writes, under ``out_dir``:

- ``robots.txt`` (allows the review pages, disallows ``/drafts/``),
- ``reviews/app/page-N.html``: app-store style reviews in JSON-LD, paginated with rel=next,
- ``reviews/delivery/page-N.html``: delivery reviews in microdata, paginated,
- ``reviews/stores/CITY.html``: shop reviews in RDFa, listed in ``sitemap.xml``,
- ``reviews/feed.xml``: an Atom feed of recent reviews with ratings,
- ``drafts/unpublished.html``: reviews robots.txt forbids (the scraper must skip them),
- ``exports/play_store_reviews.csv``: a Google-Play-shaped export; one of its rows
  repeats a web review with small edits (a near-duplicate across sites).

Texts come from :func:`feedback.samples.company.compose_comment`; the same seed
gives the same bytes. Serve the folder with
:func:`feedback.sources.reviews.serve.serve_directory`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

from feedback.samples.company import (
    NAME,
    STORE_CITIES,
    THEMES,
    Context,
    compose_comment,
    make_customers,
    pick_themes,
)

APP_PAGES, DELIVERY_PAGES, PER_PAGE = 3, 2, 6
STORE_REVIEWS, FEED_ENTRIES, EXPORT_ROWS = 4, 8, 10
START = date(2026, 1, 5)
END = date(2026, 11, 15)  # the surveys' last day: no review dated after the other channels (or today)


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people = [c.name for c in make_customers(rng, 60)]

    def review(self, context: Context) -> dict[str, object]:
        rng = self.rng
        when = START + timedelta(days=rng.randrange(340) * (END - START).days // 340)  # same draws, scaled to END
        mood = rng.choices(("complaint", "praise"), weights=(0.55, 0.45))[0]
        weights = {k: 1.0 for k in THEMES}
        themes = pick_themes(rng, weights, mood, 1, when)  # type: ignore[arg-type]
        comment = compose_comment(rng, themes, when=when, context=context, personal=0.0)
        stars = rng.choice((1, 2) if mood == "complaint" else (4, 5))
        first, last = rng.choice(self.people).split(" ", 1)
        return {"body": comment.text, "stars": stars, "date": when.isoformat(), "author": f"{first} {last[0]}.",
                "title": re.split(r"[.!?](?:\s|$)", comment.text)[0][:60], "themes": list(comment.theme_keys)}


def _page(title: str, body: str, head: str = "", next_href: str | None = None) -> str:
    link = f'\n<link rel="next" href="{next_href}">' if next_href else ""
    nav = f'\n<nav><a rel="next" href="{next_href}">Older reviews</a></nav>' if next_href else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{html.escape(title)}</title>"
            f"{link}\n{head}</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{body}{nav}\n</body></html>\n")


def _visible(r: dict[str, object]) -> str:
    return (f'<article class="review"><h2>{html.escape(str(r["title"]))}</h2><p>{"★" * int(str(r["stars"]))}</p>'
            f'<p>{html.escape(str(r["body"]))}</p><footer>{html.escape(str(r["author"]))}, {r["date"]}</footer></article>')


def _jsonld_page(reviews: list[dict[str, object]], title: str, next_href: str | None) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "name": f"{NAME} app",
        "applicationCategory": "ShoppingApplication",
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": 3.2, "reviewCount": APP_PAGES * PER_PAGE},
        "review": [
            {"@type": "Review", "name": r["title"],
             # bodies keep an HTML line break and entities, as real sites' do
             "reviewBody": html.escape(str(r["body"])).replace(". ", ".<br>", 1),
             "author": {"@type": "Person", "name": r["author"]}, "datePublished": r["date"],
             "reviewRating": {"@type": "Rating", "ratingValue": r["stars"], "bestRating": 5, "worstRating": 1}}
            for r in reviews
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False, indent=1)}</script>\n'
    return _page(title, "\n".join(_visible(r) for r in reviews), head, next_href)


def _microdata_page(reviews: list[dict[str, object]], title: str, next_href: str | None) -> str:
    blocks = "\n".join(
        f'<div itemprop="review" itemscope itemtype="https://schema.org/Review">'
        f'<h2 itemprop="name">{html.escape(str(r["title"]))}</h2>'
        f'<div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
        f'<meta itemprop="worstRating" content="1"><span itemprop="ratingValue">{r["stars"]}</span>/'
        f'<span itemprop="bestRating">5</span></div>'
        f'<p itemprop="reviewBody">{html.escape(str(r["body"]))}</p>'
        f'<span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">'
        f'{html.escape(str(r["author"]))}</span></span>, <time itemprop="datePublished" datetime="{r["date"]}">{r["date"]}</time>'
        f"</div>"
        for r in reviews
    )
    body = f'<section itemscope itemtype="https://schema.org/Service"><meta itemprop="name" content="{NAME} home delivery">\n{blocks}\n</section>'
    return _page(title, body, next_href=next_href)


def _rdfa_page(reviews: list[dict[str, object]], city: str) -> str:
    blocks = "\n".join(
        f'<div property="review" typeof="Review"><h2 property="name">{html.escape(str(r["title"]))}</h2>'
        f'<div property="reviewRating" typeof="Rating"><span property="ratingValue">{r["stars"]}</span> out of '
        f'<span property="bestRating">5</span></div><p property="reviewBody">{html.escape(str(r["body"]))}</p>'
        f'<span property="author" typeof="Person"><span property="name">{html.escape(str(r["author"]))}</span></span>'
        f' <span property="datePublished">{r["date"]}</span></div>'
        for r in reviews
    )
    body = f'<div vocab="https://schema.org/" typeof="Store"><span property="name">{NAME} {city}</span>\n{blocks}\n</div>'
    return _page(f"{NAME} {city}: shop reviews", body)


def _feed(reviews: list[dict[str, object]]) -> str:
    entries = "\n".join(
        f"<entry><id>tag:reviews.brightmoor.example,2026:{n}</id><title>{html.escape(str(r['title']))}</title>"
        f"<updated>{r['date']}T09:00:00Z</updated><author><name>{html.escape(str(r['author']))}</name></author>"
        f"<rv:rating>{r['stars']}</rv:rating><rv:bestRating>5</rv:bestRating>"
        f"<content type=\"html\">{html.escape('<p>' + html.escape(str(r['body'])) + '</p>')}</content></entry>"
        for n, r in enumerate(reviews, start=1)
    )
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:rv="https://brightmoor.example/ns/review">\n'
            f"<title>{NAME} reviews</title><id>tag:reviews.brightmoor.example,2026:feed</id>"
            f"<updated>{END.isoformat()}T23:00:00Z</updated>\n{entries}\n</feed>\n")


def _export(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Package Name", "App Version Name", "Reviewer Language", "Review Submit Date and Time",
                     "Star Rating", "Review Title", "Review Text", "Review Link"])
    for n, r in enumerate(rows, start=1):
        writer.writerow(["example.brightmoor.app", "5.0.2", "en", f"{r['date']}T12:00:00Z", r["stars"], r["title"],
                         r["body"], f"https://play.example/reviews/brightmoor/{n}"])
    return out.getvalue()


def generate_reviews(out_dir: Path, seed: int) -> dict[str, int]:
    """Write the sample review site under ``out_dir``; returns how many reviews each part holds."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    out_dir = Path(out_dir)
    files: dict[str, str] = {}
    counts = {"jsonld": 0, "microdata": 0, "rdfa": 0, "feed": 0, "export": 0, "disallowed": 0}

    app = [[writer.review("app") for _ in range(PER_PAGE)] for _ in range(APP_PAGES)]
    for n, reviews in enumerate(app, start=1):
        nxt = f"page-{n + 1}.html" if n < APP_PAGES else None
        files[f"reviews/app/page-{n}.html"] = _jsonld_page(reviews, f"{NAME} app reviews, page {n}", nxt)
        counts["jsonld"] += len(reviews)
    for n in range(1, DELIVERY_PAGES + 1):
        reviews = [writer.review("delivery") for _ in range(PER_PAGE)]
        nxt = f"/reviews/delivery/page-{n + 1}.html" if n < DELIVERY_PAGES else None
        files[f"reviews/delivery/page-{n}.html"] = _microdata_page(reviews, f"{NAME} delivery reviews, page {n}", nxt)
        counts["microdata"] += len(reviews)
    cities = [c.lower() for c in STORE_CITIES[:2]]
    for city in cities:
        files[f"reviews/stores/{city}.html"] = _rdfa_page([writer.review("store") for _ in range(STORE_REVIEWS)], city.title())
        counts["rdfa"] += STORE_REVIEWS
    files["reviews/feed.xml"] = _feed([writer.review("support") for _ in range(FEED_ENTRIES)])
    counts["feed"] = FEED_ENTRIES
    rows = [writer.review("app") for _ in range(EXPORT_ROWS - 1)]
    copied = dict(max(app[0], key=lambda r: len(str(r["body"]))))
    # the same review posted again on the app store: punctuation and spacing differ, the words do not
    copied["body"] = str(copied["body"]).replace(". ", "!  ").rstrip(".") + " 👍"
    rows.insert(3, copied)
    files["exports/play_store_reviews.csv"] = _export(rows)
    counts["export"] = len(rows)
    files["drafts/unpublished.html"] = _jsonld_page([writer.review("app")], "Drafts", None)
    counts["disallowed"] = 1
    files["robots.txt"] = "User-agent: *\nDisallow: /drafts/\nAllow: /\nSitemap: /sitemap.xml\n"
    files["sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<url><loc>/reviews/stores/{c}.html</loc></url>\n" for c in cities)
        + "</urlset>\n"
    )
    files["index.html"] = _page(f"{NAME} reviews", "".join(
        f'<p><a href="{p}">{p}</a></p>' for p in ("reviews/app/page-1.html", "reviews/delivery/page-1.html", "reviews/feed.xml")))
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return counts
