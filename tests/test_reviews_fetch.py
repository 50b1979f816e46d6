"""The reviews channel against a real HTTP server on 127.0.0.1 that misbehaves on purpose.

Waiting goes through a FakeClock, so Retry-After: 120 and Crawl-delay cost no time;
only the timeout test waits (a fraction of a second).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import ReviewSource
from feedback.sources import SourceContext, reader_for
from feedback.sources.reviews.crawl import read_reviews
from feedback.warehouse import BatchResult, commit_batch, open_warehouse, watermarks
from tests.fakes import FakeClock

SECRET = b"test-secret"
Responder = Callable[["Handler"], None]


class Site:
    """Routes of the test server and a log of every request it received."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder | list[Responder]] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.sent: dict[str, int] = {}

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.log if p == path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.site.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.site.routes.get(self.path)
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if route is None:
            send(self, 404, b"not found", {"Content-Type": "text/plain"})
            return
        route(self)


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def page(body: str | bytes, content_type: str = "text/html; charset=utf-8", etag: str | None = None) -> Responder:
    data = body.encode() if isinstance(body, str) else body

    def respond(h: Handler) -> None:
        if etag and h.headers.get("If-None-Match") == etag:
            send(h, 304, b"", {"ETag": etag})
            return
        send(h, 200, data, {"Content-Type": content_type, **({"ETag": etag} if etag else {})})

    return respond


def status(code: int, headers: dict[str, str] | None = None) -> Responder:
    return lambda h: send(h, code, f"status {code}".encode(), {"Content-Type": "text/plain", **(headers or {})})


def review_page(body: str, author: str = "Ann", rating: int = 4, next_href: str | None = None, title: str = "Page") -> str:
    data = {
        "@context": "https://schema.org", "@type": "Product", "name": "Brightmoor kettle",
        "review": [{"@type": "Review", "reviewBody": body, "author": {"@type": "Person", "name": author},
                    "datePublished": "2024-05-01", "reviewRating": {"@type": "Rating", "ratingValue": rating}}],
    }
    link = f'<link rel="next" href="{next_href}">' if next_href else ""
    return (f"<html><head><title>{title}</title>{link}<script type=\"application/ld+json\">{json.dumps(data)}"
            f"</script></head><body><p>{body}</p></body></html>")


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    state = Site()
    handler = type("BoundHandler", (Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # type: ignore[method-assign,assignment]  # clients hang up on purpose
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def source(base: str, **options: Any) -> ReviewSource:
    settings: dict[str, Any] = {"name": "web", "channel": "review", "base_url": base,
                                "user_agent": "BrightmoorFeedbackBot/1.0 (+https://brightmoor.example/bot)",
                                "rate": 2.0, **options}
    return ReviewSource.model_validate(settings)


def night(db: sqlite_utils.Database, src: ReviewSource, clock: FakeClock | None = None) -> BatchResult:
    """One nightly ingestion of the source, as the pipeline runs it."""
    context = SourceContext(customer_secret=SECRET, watermarks=watermarks(db, src.name))
    total = BatchResult()
    for batch in read_reviews(src, context, clock=clock or FakeClock()):
        total += commit_batch(db, batch)
    return total


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_warehouse(tmp_path / "warehouse.db")


def quarantine(db: sqlite_utils.Database) -> dict[str, str]:
    return {row["location"]: row["reason"] for row in db["quarantine"].rows}


def test_reader_is_registered() -> None:
    assert reader_for("review") is read_reviews


def test_robots_disallow_is_obeyed_and_crawl_delay_honoured(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/robots.txt"] = page("User-agent: *\nDisallow: /private/\nCrawl-delay: 7\n", "text/plain")
    state.routes["/private/r.html"] = page(review_page("Secret review"))
    state.routes["/a.html"] = page(review_page("First public review of the kettle"))
    state.routes["/b.html"] = page(review_page("Second public review, the lid sticks", author="Bo"))
    clock = FakeClock()
    result = night(db, source(base, urls=["private/r.html", "a.html", "b.html"]), clock)
    assert result.new == 2
    assert state.requests_to("/private/r.html") == []
    assert quarantine(db) == {}  # the site's choice, not a failure: skipped with the reason
    skipped = json.loads(db.execute("select value from watermarks where key = 'skipped:~/private/r.html'")
                         .fetchone()[0])
    assert skipped["reason"] == ("disallowed by robots.txt for "
                                 "'BrightmoorFeedbackBot/1.0 (+https://brightmoor.example/bot)'")
    assert db.execute("select count(*) from watermarks where key = 'page:~/private/r.html'").fetchone()[0] == 0
    assert 7.0 in clock.sleeps  # Crawl-delay (7 s) beats our own rate (0.5 s) between the two pages
    assert all(h["user-agent"].startswith("BrightmoorFeedbackBot/1.0") for _, h in state.log)


def test_429_with_retry_after_waits_then_succeeds(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/p.html"] = [status(429, {"Retry-After": "120"}), page(review_page("Worth the wait"))]
    clock = FakeClock()
    result = night(db, source(base, urls=["p.html"]), clock)
    assert result.new == 1
    assert len(state.requests_to("/p.html")) == 2
    assert max(clock.sleeps) == pytest.approx(120.0, abs=0.01)
    assert quarantine(db) == {}


def test_retry_after_longer_than_allowed_gives_up_for_this_run(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/p.html"] = status(503, {"Retry-After": "86400"})
    night(db, source(base, urls=["p.html"]), FakeClock())
    assert len(state.requests_to("/p.html")) == 1
    assert "Retry-After 86400s is longer than the 300s" in quarantine(db)["~/p.html"]


def test_500_then_success_retries_with_backoff(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/p.html"] = [status(500), page(review_page("Fine on the second try"))]
    clock = FakeClock()
    result = night(db, source(base, urls=["p.html"]), clock)
    assert result.new == 1
    assert len(state.requests_to("/p.html")) == 2
    assert any(s >= 1.0 for s in clock.sleeps)  # exponential backoff before the second attempt


def test_500_every_time_is_quarantined_after_the_configured_attempts(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/p.html"] = status(500)
    night(db, source(base, urls=["p.html"], attempts=3), FakeClock())
    assert len(state.requests_to("/p.html")) == 3
    assert quarantine(db) == {"~/p.html": "not fetched: HTTP 500 (gave up after 3 attempts)"}


def test_timeout_is_quarantined_and_keeps_the_old_watermark(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/p.html"] = page(review_page("Quick today"), etag='"v1"')
    src = source(base, urls=["p.html"], timeout=0.3, attempts=2)
    assert night(db, src).new == 1
    before = watermarks(db, "web")["page:~/p.html"]

    def slow(h: Handler) -> None:
        time.sleep(1.0)
        page(review_page("Too late"))(h)

    state.routes["/p.html"] = slow
    result = night(db, src)
    assert result.new == 0
    assert quarantine(db)["~/p.html"].startswith("not fetched: timed out after 0.3s")
    assert watermarks(db, "web")["page:~/p.html"] == before
    assert db["items"].count == 1


def _huge(declare_length: bool, sent: dict[str, int]) -> Responder:
    def respond(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if declare_length:
            h.send_header("Content-Length", str(50 * 1024 * 1024))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        chunk = b"<p>" + b"x" * 65533
        try:
            for _ in range(800):  # 50 MiB
                h.wfile.write(chunk)
                sent["bytes"] = sent.get("bytes", 0) + len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    return respond


@pytest.mark.parametrize(
    ("declare", "reason"),
    [
        (True, "not fetched: response of 52,428,800 bytes is over the 1,000,000-byte cap (not downloaded)"),
        (False, "not fetched: response is over the 1,000,000-byte cap (download stopped)"),
    ],
)
def test_50_mb_page_is_capped(site: tuple[Site, str], db: sqlite_utils.Database, declare: bool, reason: str) -> None:
    state, base = site
    sent: dict[str, int] = {}
    state.routes["/big.html"] = _huge(declare, sent)
    state.routes["/ok.html"] = page(review_page("Small page after the big one"))
    result = night(db, source(base, urls=["big.html", "ok.html"], max_bytes=1_000_000), FakeClock())
    assert quarantine(db) == {"~/big.html": reason}
    assert result.new == 1
    assert sent.get("bytes", 0) < 20 * 1024 * 1024  # the client hung up long before 50 MB
    assert "page:~/big.html" not in watermarks(db, "web")


def test_malformed_json_ld_keeps_the_good_script_and_quarantines_the_bad(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    good = review_page("The good script survives")
    broken = '<script type="application/ld+json">{"@type": "Review", "reviewBody": "cut off</script>'
    state.routes["/p.html"] = page(good.replace("</head>", broken + "</head>"))
    result = night(db, source(base, urls=["p.html"]), FakeClock())
    assert result.new == 1
    reasons = quarantine(db)
    assert list(reasons) == ["~/p.html"]
    assert reasons["~/p.html"].startswith("malformed JSON-LD in script #2")
    assert "page:~/p.html" in watermarks(db, "web")  # the page itself was read


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # the header claims Latin-1, the bytes are UTF-8
        (review_page("Très bon café, thé délicieux").encode("utf-8"), "text/html; charset=iso-8859-1"),
        # the meta tag claims UTF-8, the bytes are Windows-1252
        (review_page("Très bon café, thé délicieux").replace("<head>", '<head><meta charset="utf-8">').encode("cp1252"),
         "text/html"),
    ],
)
def test_wrong_charset_declaration_still_reads_the_text(
    site: tuple[Site, str], db: sqlite_utils.Database, body: bytes, content_type: str
) -> None:
    state, base = site
    state.routes["/p.html"] = page(body, content_type)
    night(db, source(base, urls=["p.html"]), FakeClock())
    assert [row["text"] for row in db["items"].rows] == ["Très bon café, thé délicieux"]


def test_redirect_loop_is_detected(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/a.html"] = status(302, {"Location": "/b.html"})
    state.routes["/b.html"] = status(301, {"Location": "/a.html"})
    night(db, source(base, urls=["a.html"]), FakeClock())
    host = base.rstrip("/")
    assert quarantine(db) == {"~/a.html": f"not fetched: redirect loop: {host}/a.html -> {host}/b.html -> {host}/a.html"}
    assert len(state.requests_to("/a.html")) == 1


def test_redirects_are_followed_and_bounded(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    for n in range(4):
        state.routes[f"/r{n}.html"] = status(302, {"Location": f"/r{n + 1}.html"})
    state.routes["/r4.html"] = page(review_page("At the end of the chain"))
    assert night(db, source(base, urls=["r0.html"], max_redirects=4), FakeClock()).new == 1
    night(db, source(base, urls=["r1.html"], max_redirects=2), FakeClock())
    assert quarantine(db)["~/r1.html"].startswith("not fetched: more than 2 redirects")


def _paged_site(state: Site) -> None:
    state.routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", "text/plain", etag='"r1"')
    state.routes["/reviews.html"] = page(review_page("Page one review", next_href="reviews-2.html"), etag='"p1"')
    state.routes["/reviews-2.html"] = page(review_page("Page two review", author="Cy", next_href="/reviews-3.html"), etag='"p2"')
    state.routes["/reviews-3.html"] = page(review_page("Page three review", author="Di"), etag='"p3"')
    feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Brightmoor</title>"
            "<item><guid>r-1</guid><title>Kettle</title><description>&lt;p&gt;Boils &lt;b&gt;fast&lt;/b&gt;&lt;/p&gt;</description>"
            "<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item></channel></rss>")
    state.routes["/feed.xml"] = page(feed, "application/rss+xml", etag='"f1"')


def test_304_on_the_second_night_costs_one_conditional_request_per_page(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    _paged_site(state)
    src = source(base, urls=["reviews.html"], feeds=["feed.xml"])
    first = night(db, src, FakeClock())
    assert (first.new, first.quarantined) == (4, 0)
    assert [row["text"] for row in db.query("select text from items where json_extract(extra, '$.syntax') = 'feed'")] == ["Boils fast"]
    marks_before = watermarks(db, "web")
    state.log.clear()

    second = night(db, src, FakeClock())
    assert (second.seen, second.new) == (0, 0)
    paths = [p for p, _ in state.log]
    assert sorted(paths) == ["/feed.xml", "/reviews-2.html", "/reviews-3.html", "/reviews.html", "/robots.txt"]
    assert all("if-none-match" in headers for _, headers in state.log)  # only conditional requests
    assert watermarks(db, "web") == marks_before
    assert db["items"].count == 4


def test_changed_page_is_processed_and_same_review_is_one_item(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    _paged_site(state)
    src = source(base, urls=["reviews.html"])
    night(db, src, FakeClock())
    # night two: a new review on page one pushes the old one to page two
    state.routes["/reviews.html"] = page(review_page("Brand new review", author="Ed", next_href="reviews-2.html"), etag='"p1b"')
    state.routes["/reviews-2.html"] = page(review_page("Page one review", next_href="/reviews-3.html"), etag='"p2b"')
    result = night(db, src, FakeClock())
    assert result.new == 1  # "Page one review" moved page but is the same item
    texts = sorted(row["text"] for row in db["items"].rows)
    assert texts == ["Brand new review", "Page one review", "Page three review", "Page two review"]


def test_page_cap_stops_pagination(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    for n in range(1, 6):
        state.routes[f"/p{n}.html"] = page(review_page(f"Review on page {n}", next_href=f"p{n + 1}.html"))
    assert night(db, source(base, urls=["p1.html"], max_pages=3), FakeClock()).new == 3
    assert state.requests_to("/p4.html") == []


def test_unreachable_site_raises_source_unavailable(db: sqlite_utils.Database) -> None:
    from feedback.errors import SourceUnavailable

    src = source("http://127.0.0.1:9/", urls=["a.html"], attempts=1, timeout=1)
    with pytest.raises(SourceUnavailable):
        night(db, src, FakeClock())
    assert "robots.txt unreadable" in quarantine(db)["~/a.html"]


def test_items_carry_rating_pseudonym_date_and_url(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    state.routes["/p.html"] = page(review_page("Lovely kettle", author="Ann Example", rating=4))
    night(db, source(base, urls=["p.html"]), FakeClock())
    row = next(iter(db["items"].rows))
    assert (row["channel"], row["rating"], row["rating_raw"], row["rating_scale"]) == ("review", 0.75, "4", "1-5")
    assert row["received_at"] == "2024-05-01T00:00:00Z"
    assert row["url"] == base + "p.html"
    assert row["customer"].startswith("c_") and "Ann" not in json.dumps(row, default=str)
    assert json.loads(row["extra"])["item_reviewed"] == "Brightmoor kettle"
    landed = db.execute("select uri, content from raw_documents where hash = ?", [row["raw_hash"]]).fetchone()
    assert landed[0] == "~/p.html" and b"Lovely kettle" in landed[1]


def _trickle(headers_too: bool) -> Responder:
    """A server that sends its answer a byte at a time, for as long as the client listens."""

    def respond(h: Handler) -> None:
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000\r\n\r\n")
        body = b"<html><body>" + b"<p>slow</p>" * 100_000
        data = head + body if headers_too else body
        if not headers_too:
            h.wfile.write(head)
        try:
            for byte in data:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.02)
        except OSError:
            pass  # the client hung up

    return respond


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_page_is_given_up_at_the_deadline(
    site: tuple[Site, str], db: sqlite_utils.Database, headers_too: bool
) -> None:
    state, base = site
    state.routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", "text/plain")  # the connection is kept alive
    state.routes["/slow.html"] = _trickle(headers_too)
    state.routes["/ok.html"] = page(review_page("Arrived in one go"))
    # Each read returns within the 5 s timeout; only a deadline on the whole request ends it.
    result = night(db, source(base, urls=["slow.html", "ok.html"], timeout=5, deadline=0.5, attempts=3), FakeClock())
    reason = quarantine(db)["~/slow.html"]
    assert reason.startswith("not fetched: not finished within the 0.5s deadline (")
    assert len(state.requests_to("/slow.html")) == 1  # a trickle is not retried
    assert result.new == 1  # the next page is fetched as usual
    assert "page:~/slow.html" not in watermarks(db, "web")


@pytest.mark.parametrize(
    ("current", "following", "expected"),
    [
        ("https://shop.example/reviews", "https://shop.example/reviews?page=2", True),
        ("https://shop.example/reviews?sort=new&page=2", "https://shop.example/reviews?page=3&sort=new", True),
        ("https://shop.example/p/kettle/reviews?start=10", "https://shop.example/p/kettle/reviews?start=20", True),
        ("https://shop.example/reviews/", "https://shop.example/reviews/page/2/", True),
        ("https://shop.example/reviews/page/2/", "https://shop.example/reviews/page/3/", True),
        ("https://shop.example/app/page-1.html", "https://shop.example/app/page-2.html", True),
        ("https://shop.example/app/index.html", "https://shop.example/app/page-2.html", True),
        ("https://shop.example/reviews.html", "https://shop.example/reviews-2.html", True),
        ("https://blog.example/2024/05/lemon-cake/", "https://blog.example/2024/05/lemon-cake/comment-page-2/", True),
        ("https://blog.example/2024/05/lemon-cake/comment-page-2/", "https://blog.example/2024/05/lemon-cake/comment-page-3/", True),
        ("https://blog.example/2024/05/lemon-cake/", "https://blog.example/2024/05/lemon-cake/2/", True),
        # "Next post" links and other ways out of the listing:
        ("https://blog.example/2024/05/lemon-cake/", "https://blog.example/2024/05/apple-pie/", False),
        ("https://blog.example/lemon-cake/", "https://blog.example/apple-pie/", False),
        ("https://blog.example/recipes/lemon-cake-12345", "https://blog.example/recipes/apple-pie-67890", False),
        ("https://blog.example/post/123", "https://blog.example/post/124", False),
        ("https://blog.example/?p=123", "https://blog.example/?p=124", False),
        ("https://blog.example/", "https://blog.example/about-us-2024/", False),
        ("https://shop.example/reviews?product=1", "https://shop.example/reviews?product=2", False),
        ("https://shop.example/reviews", "https://other.example/reviews?page=2", False),
        ("https://shop.example/reviews", "http://shop.example/reviews?page=2", False),
    ],
)
def test_next_links_are_followed_only_within_the_listing(current: str, following: str, expected: bool) -> None:
    from feedback.sources.reviews.listing import continues_listing

    assert continues_listing(current, following) is expected


def test_a_next_post_link_is_not_followed(site: tuple[Site, str], db: sqlite_utils.Database) -> None:
    state, base = site
    # A recipe blog: each post has its reviews and a rel=next link to the next post.
    posts = ["2024/05/lemon-cake/", "2024/05/apple-pie/", "2024/06/banana-bread/"]
    for n, post in enumerate(posts):
        nxt = "/" + posts[n + 1] if n + 1 < len(posts) else None
        state.routes["/" + post] = page(review_page(f"Review of post {n}", author=f"A{n}", next_href=nxt))
    # A shop's review listing, paged with ?page=
    state.routes["/kettle/reviews"] = page(review_page("Listing page one", next_href="/kettle/reviews?page=2"))
    state.routes["/kettle/reviews?page=2"] = page(review_page("Listing page two", author="Bo"))
    result = night(db, source(base, urls=[posts[0], "kettle/reviews"]), FakeClock())
    assert sorted(r["text"] for r in db.query("select text from items")) == [
        "Listing page one", "Listing page two", "Review of post 0"]
    assert result.new == 3
    assert state.requests_to("/" + posts[1]) == []
    assert watermarks(db, "web")["page:~/" + posts[0]]["next"] is None
