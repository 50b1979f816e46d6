"""The public reviews channel: pages, sitemaps, feeds and exports into review items.

Each fetched page, feed, sitemap or export is one batch: its raw bytes are
landed (so extraction can be re-run without fetching again), its reviews become
items and its watermark records the ETag / Last-Modified, the content hash and
the next page. The next night every known URL is asked for conditionally; a 304
or an unchanged body costs that one request and no processing. A page that
fails (timeout, 5xx after retries, over the size cap, a redirect loop, an
unreadable robots.txt) is quarantined with the reason and its watermark is left as
it was; a page robots.txt forbids is skipped, recorded as a ``skipped:`` watermark
with the reason, and not quarantined.

URLs under ``base_url`` are remembered relative to it (``~/reviews/page-2.html``),
so a site that moves (the sample site is served on a new port every run) keeps
its watermarks and its review ids.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.etree

from feedback.config import Config, ReviewExport, ReviewSelectors, ReviewSource
from feedback.errors import BadInput, SourceUnavailable
from feedback.items import Item, Quarantined, content_hash
from feedback.ratings import Scale
from feedback.sources import files
from feedback.sources.context import SourceContext
from feedback.sources.reviews.exports import read_export
from feedback.sources.reviews.extract import Selectors, extract_page
from feedback.sources.reviews.feeds import extract_feed
from feedback.sources.reviews.fetch import (
    Clock,
    Disallowed,
    Fetcher,
    FetchError,
    FetchOptions,
    FetchResult,
    Validators,
)
from feedback.sources.reviews.items import ItemMaker
from feedback.sources.reviews.listing import continues_listing
from feedback.sources.reviews.records import PageExtraction
from feedback.warehouse import Batch, RawDocument

log = logging.getLogger(__name__)

_SITEMAP_LOC = lxml.etree.XPath("//*[local-name()='loc']/text()")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _selectors(config: ReviewSelectors | None) -> Selectors | None:
    return Selectors(**config.model_dump()) if config is not None else None


class ReviewCrawl:
    """One run over one review source."""

    def __init__(
        self,
        source: ReviewSource,
        context: SourceContext,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.source = source
        self.context = context
        self.base = source.base_url.rstrip("/") + "/" if source.base_url else None
        self.maker = ItemMaker(source.name, context.customer_secret, source.timezone or context.timezone)
        self.fetcher = Fetcher(self.options_for, clock, transport, robots_seed=self._robots_seed)
        self.visited: set[str] = set()
        self.attempted = 0
        self.unreachable = 0
        self.outcomes: dict[str, int] = {}

    # addresses ---------------------------------------------------------------------------------

    def ident(self, url: str) -> str:
        """How a URL is remembered: relative to base_url when under it."""
        if self.base and url.startswith(self.base):
            return "~/" + url[len(self.base) :]
        return url

    def absolute(self, ref: str) -> str:
        if ref.startswith("~/"):
            if not self.base:
                raise BadInput(f"{ref!r} is relative to base_url, which is not set")
            return urljoin(self.base, ref[2:])
        if urlsplit(ref).scheme in ("http", "https"):
            return ref
        if not self.base:
            raise BadInput(f"{ref!r} is not an absolute http(s) URL and no base_url is set")
        return urljoin(self.base, ref)

    def site(self, url: str) -> str:
        return "~" if self.base and url.startswith(self.base) else (urlsplit(url).hostname or url)

    def site_options(self, url: str) -> Any:
        host = urlsplit(url).hostname or ""
        netloc = urlsplit(url).netloc
        return self.source.sites.get(netloc) or self.source.sites.get(host)

    def options_for(self, host: str) -> FetchOptions:
        src, site = self.source, self.site_options(host)

        def pick(name: str) -> Any:
            value = getattr(site, name, None) if site is not None else None
            return getattr(src, name) if value is None else value

        return FetchOptions(
            user_agent=pick("user_agent"),
            timeout=pick("timeout"),
            deadline=pick("deadline"),
            max_bytes=pick("max_bytes"),
            max_redirects=src.max_redirects,
            rate=pick("rate"),
            attempts=src.attempts,
            max_retry_after=src.max_retry_after,
        )

    def _robots_seed(self, host: str) -> dict[str, str] | None:
        mark = self.context.watermarks.get(f"robots:{self.ident(host + '/')}")
        return mark if isinstance(mark, dict) else None

    # outcomes ----------------------------------------------------------------------------------

    def _count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def _fetch(self, url: str, key: str) -> tuple[FetchResult | None, Batch | None]:
        """Fetch conditionally; on failure, a batch quarantining the URL (watermark untouched)."""
        mark = self.context.watermarks.get(key) or {}
        validators = Validators(mark.get("etag"), mark.get("last_modified"))
        self.attempted += 1
        try:
            result = self.fetcher.fetch(url, validators)
        except FetchError as exc:
            self.unreachable += exc.transport
            self._count(type(exc).__name__)
            if isinstance(exc, Disallowed) and exc.by_site:
                # The site's choice, not a failure: skipped with the reason (a `skipped:` watermark),
                # not quarantined night after night.
                log.info("source %s: %s skipped: %s", self.source.name, url, exc)
                skip = {"reason": str(exc), "checked": _stamp()}
                return None, Batch(self.source.name, [], [], watermark=(f"skipped:{self.ident(url)}", skip))
            log.warning("source %s: %s: %s", self.source.name, url, exc)
            bad = Quarantined(self.source.name, self.ident(url), f"not fetched: {exc}")
            return None, Batch(self.source.name, [], [bad])
        self._count("not_modified" if result.not_modified else "fetched")
        return result, None

    def _unchanged(self, result: FetchResult, key: str) -> bool:
        mark = self.context.watermarks.get(key) or {}
        return result.not_modified or (bool(mark) and mark.get("hash") == content_hash(result.content))

    def _mark(self, result: FetchResult, **more: Any) -> dict[str, Any]:
        return {
            "etag": result.etag,
            "last_modified": result.last_modified,
            "hash": content_hash(result.content),
            "checked": _stamp(),
            **more,
        }

    # pages -------------------------------------------------------------------------------------

    def pages(self, start: str) -> Iterator[Batch]:
        """A start page and the pages it links to as next, up to the page cap."""
        site = self.site_options(start)
        cap = (site.max_pages if site and site.max_pages else None) or self.source.max_pages
        url: str | None = start
        count = 0
        while url and count < cap:
            if url in self.visited:
                return
            self.visited.add(url)
            count += 1
            url = yield from self.page(url)
        if url:
            log.info("source %s: stopped at the page cap (%d) before %s", self.source.name, cap, url)

    def page(self, url: str) -> Generator[Batch, None, str | None]:
        """Fetch and extract one page; returns the next page's URL."""
        key = f"page:{self.ident(url)}"
        mark = self.context.watermarks.get(key) or {}
        known_next = self._same_listing(url, self.absolute(mark["next"])) if mark.get("next") else None
        result, failed = self._fetch(url, key)
        if failed is not None:
            yield failed
            return known_next
        assert result is not None
        if self._unchanged(result, key):
            if not result.not_modified:  # same bytes, new validators: remember them, process nothing
                yield Batch(self.source.name, [], [], watermark=(key, {**mark, **self._mark(result)}))
            return known_next
        site = self.site_options(url)
        extraction = extract_page(
            result.content,
            result.final_url,
            result.charset,
            _selectors((site.selectors if site else None) or self.source.selectors),
            (site.next_selector if site else None) or self.source.next_selector,
        )
        if extraction.encoding_note:
            log.info("source %s: %s: %s", self.source.name, self.ident(url), extraction.encoding_note)
        items, bad, raw = self._items(extraction, result, url)
        next_url = self._same_listing(result.final_url, extraction.next_url) if extraction.next_url else None
        log.info("source %s: %s: %d reviews (%s), %d notes", self.source.name, self.ident(url),
                 len(items), ",".join(sorted(extraction.syntaxes)) or "no markup", len(bad))
        watermark = self._mark(result, next=self.ident(next_url) if next_url else None, reviews=len(items))
        yield Batch(self.source.name, items, bad, raw=raw, watermark=(key, watermark))
        return next_url

    def _same_listing(self, url: str, next_url: str) -> str | None:
        """The next link when it continues the listing ``url`` is on; None (logged) when it leads
        elsewhere, such as a blog's "next post" (see :mod:`~feedback.sources.reviews.listing`)."""
        if continues_listing(url, next_url):
            return next_url
        log.info("source %s: %s: not following its next link %s: not the same listing",
                 self.source.name, self.ident(url), self.ident(next_url))
        return None

    def _items(
        self, extraction: PageExtraction, result: FetchResult, url: str
    ) -> tuple[list[Item], list[Quarantined], RawDocument]:
        digest = content_hash(result.content)
        raw = RawDocument(digest, self.source.name, self.ident(result.final_url), result.content, result.media_type)
        where = self.ident(url)
        bad = [Quarantined(self.source.name, where, reason, snippet, digest) for reason, snippet in extraction.notes]
        aggregates = {
            (a.item_reviewed or ""): {
                "value": a.rating_value, "best": a.best, "count": a.count,
                "rating": Scale.stated(a.best, a.worst).fraction(a.rating_value),
            }
            for a in extraction.aggregates
        }
        fallback = next(iter(aggregates.values()), None)
        items = []
        for review in extraction.reviews:
            aggregate = aggregates.get(review.item_reviewed or "", fallback)
            item, notes = self.maker.make(review, self.site(url), result.final_url, digest, aggregate)
            items.append(item)
            bad.extend(notes)
        return items, bad, raw

    # feeds, sitemaps, exports ------------------------------------------------------------------

    def feed(self, url: str) -> Iterator[Batch]:
        key = f"feed:{self.ident(url)}"
        result, failed = self._fetch(url, key)
        if failed is not None:
            yield failed
            return
        assert result is not None
        if self._unchanged(result, key):
            if not result.not_modified:
                yield Batch(self.source.name, [], [], watermark=(key, self._mark(result)))
            return
        items, bad, raw = self._items(extract_feed(result.content, result.final_url), result, url)
        log.info("source %s: feed %s: %d reviews", self.source.name, self.ident(url), len(items))
        yield Batch(self.source.name, items, bad, raw=raw, watermark=(key, self._mark(result, reviews=len(items))))

    def sitemap(self, url: str, depth: int = 0) -> Iterator[Batch]:
        """Pages listed in a sitemap (or a sitemap index); an unchanged sitemap lists what it listed last time."""
        key = f"sitemap:{self.ident(url)}"
        mark = self.context.watermarks.get(key) or {}
        result, failed = self._fetch(url, key)
        if failed is not None:
            yield failed
            urls = [self.absolute(u) for u in mark.get("urls", [])]
        elif result is not None and self._unchanged(result, key):
            urls = [self.absolute(u) for u in mark.get("urls", [])]
        else:
            assert result is not None
            try:
                root = lxml.etree.fromstring(result.content, lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
                locs = [urljoin(result.final_url, str(loc).strip()) for loc in _SITEMAP_LOC(root)] if root is not None else []
            except lxml.etree.XMLSyntaxError as exc:
                locs = []
                log.warning("source %s: sitemap %s is not XML: %s", self.source.name, url, exc)
            is_index = root is not None and lxml.etree.QName(root).localname == "sitemapindex"
            include = [re.compile(p) for p in self.source.sitemap_include]
            if not is_index and include:
                locs = [u for u in locs if any(p.search(u) for p in include)]
            urls = locs[: self.source.max_sitemap_urls]
            digest = content_hash(result.content)
            raw = RawDocument(digest, self.source.name, self.ident(result.final_url), result.content, result.media_type)
            watermark = self._mark(result, urls=[self.ident(u) for u in urls], index=is_index)
            yield Batch(self.source.name, [], [], raw=raw, watermark=(key, watermark))
            if is_index:
                if depth < 2:
                    for child in urls:
                        yield from self.sitemap(child, depth + 1)
                return
        if mark.get("index"):
            if depth < 2:
                for child in urls:
                    yield from self.sitemap(child, depth + 1)
            return
        for page_url in urls:
            yield from self.pages(page_url)

    def export_files(self, spec: ReviewExport) -> Iterator[Batch]:
        pattern = spec.path
        if urlsplit(pattern).scheme in ("http", "https") or pattern.startswith("~/"):
            url = self.absolute(pattern)
            key = f"export:{self.ident(url)}"
            result, failed = self._fetch(url, key)
            if failed is not None:
                yield failed
            elif result is not None and not self._unchanged(result, key):
                yield self._export_batch(spec, url, key, result.content, self._mark(result), result.media_type)
            return
        paths, unmatched = files.matching([pattern], self.context)
        for missing in unmatched:
            log.warning("source %s: no export file at %s", self.source.name, missing)
        for found in paths:
            path = str(found)
            content = files.read_bytes(found, path)
            if content is None:
                continue
            key = f"export:{path}"
            digest = content_hash(content)
            if (self.context.watermarks.get(key) or {}).get("hash") == digest:
                continue
            yield self._export_batch(spec, path, key, content, {"hash": digest, "checked": _stamp()}, "text/plain")

    def _export_batch(
        self, spec: ReviewExport, name: str, key: str, content: bytes, mark: dict[str, Any], media: str
    ) -> Batch:
        digest = content_hash(content)
        raw = RawDocument(digest, self.source.name, self.ident(name), content, media)
        try:
            reviews, problems = read_export(content, name, spec)
        except BadInput as exc:
            return Batch(self.source.name, [], [Quarantined(self.source.name, self.ident(name), exc.reason, exc.snippet, digest)], raw=raw, watermark=(key, mark))
        bad = [Quarantined(self.source.name, where, reason, snippet, digest) for where, reason, snippet in problems]
        items = []
        for review in reviews:
            link = review.review_id if review.review_id and review.review_id.startswith(("http://", "https://")) else None
            item, notes = self.maker.make(review, "export", link or self.ident(name), digest)
            items.append(item)
            bad.extend(notes)
        return Batch(self.source.name, items, bad, raw=raw, watermark=(key, {**mark, "reviews": len(items)}))

    # the run -----------------------------------------------------------------------------------

    def run(self) -> Iterator[Batch]:
        src = self.source
        try:
            for export in src.exports:
                yield from self.export_files(export)
            for group, walk in ((src.feeds, self.feed), (src.sitemaps, self.sitemap), (src.urls, self.pages)):
                for ref in group:
                    try:
                        url = self.absolute(ref)
                    except BadInput as exc:
                        yield Batch(src.name, [], [Quarantined(src.name, ref, exc.reason)])
                        continue
                    yield from walk(url)
            for host, robots in self.fetcher.robots_fetched.items():
                yield Batch(src.name, [], [], watermark=(f"robots:{self.ident(host + '/')}", robots))
        finally:
            self.fetcher.close()
        log.info("source %s: %d requests (%d conditional); outcomes %s", src.name, self.fetcher.requests,
                 self.fetcher.conditional_requests, self.outcomes)
        if self.attempted and self.unreachable == self.attempted:
            raise SourceUnavailable(f"source {src.name}: no configured site could be reached")


def read_reviews(
    source: ReviewSource,
    context: SourceContext,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[Batch]:
    """The reader of the review channel: one batch per page, feed, sitemap or export that changed."""
    if source.serve_local:
        from feedback.sources.reviews.serve import serve_directory

        with serve_directory(context.resolve(source.serve_local)) as base:
            local = source.model_copy(update={"base_url": base, "serve_local": None})
            yield from ReviewCrawl(local, context, clock, transport).run()
        return
    yield from ReviewCrawl(source, context, clock, transport).run()


def with_base_url(config: Config, base_url: str, names: list[str] | None = None) -> Config:
    """A copy of the configuration whose review sources (or the named ones) read from ``base_url``."""
    sources = [
        s.model_copy(update={"base_url": base_url})
        if isinstance(s, ReviewSource) and (names is None or s.name in names)
        else s
        for s in config.sources
    ]
    return config.model_copy(update={"sources": sources})
