"""Reviews out of one fetched HTML page: schema.org markup, else configured CSS selectors.

Pure functions, no I/O: a page's bytes go in, :class:`~.records.ExtractedReview` records,
aggregate ratings and the page's next link come out (:func:`extract_page`). The markup is
read by :mod:`.schema`; a page without it is read with the source's CSS selectors
(:func:`css_reviews`). Feeds and exports have their own readers (:mod:`.feeds`, :mod:`.exports`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import html_text
import lxml.etree
import lxml.html

from feedback.sources.reviews.records import ExtractedReview, PageExtraction
from feedback.sources.reviews.schema import add_schema_reviews, schema_data
from feedback.sources.reviews.values import decode_html, parse_html, parse_number, tidy


@dataclass(frozen=True)
class Selectors:
    """CSS selectors for pages without markup (see ``ReviewSelectors`` in the configuration)."""

    review: str
    body: str
    title: str | None = None
    rating: str | None = None
    rating_attribute: str | None = None
    author: str | None = None
    date: str | None = None
    date_attribute: str | None = "datetime"
    best: float = 5.0
    worst: float = 1.0


def extract_page(
    content: bytes,
    page_url: str,
    declared_charset: str | None = None,
    selectors: Selectors | None = None,
    next_selector: str | None = None,
) -> PageExtraction:
    """Every review, aggregate rating and the next-page link of one HTML page."""
    text, encoding, note = decode_html(content, declared_charset)
    result = PageExtraction(encoding=encoding, encoding_note=note)
    try:
        tree = parse_html(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        result.notes.append((f"not parseable as HTML: {exc}", text[:500]))
        return result
    for syntax, data in schema_data(tree, text, page_url, result.notes):
        add_schema_reviews(result, syntax, data, page_url)
    if selectors is not None and not result.reviews:
        found = css_reviews(tree, selectors)
        if found:
            result.syntaxes.add("css")
        result.reviews.extend(found)
    result.next_url = next_link(tree, page_url, next_selector)
    return result


def next_link(tree: lxml.html.HtmlElement, page_url: str, selector: str | None = None) -> str | None:
    """The next page: a configured selector's first match, else ``rel=next`` on a link or anchor."""
    base = _base_url(tree, page_url)
    candidates = tree.cssselect(selector) if selector else []
    candidates += tree.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
        " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
    )
    for element in candidates:
        href = element.get("href")
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            return urljoin(base, href.strip())
    return None


def _base_url(tree: lxml.html.HtmlElement, page_url: str) -> str:
    base = tree.xpath("//base/@href")
    return urljoin(page_url, str(base[0]).strip()) if base else page_url


def css_reviews(tree: lxml.html.HtmlElement, selectors: Selectors, start: int = 0) -> list[ExtractedReview]:
    def pick(element: lxml.html.HtmlElement, selector: str | None, attribute: str | None = None) -> str | None:
        if not selector:
            return None
        found = element.cssselect(selector)
        if not found:
            return None
        if attribute and found[0].get(attribute):
            return tidy(found[0].get(attribute))
        return tidy(found[0].text_content()) or None

    out = []
    for number, block in enumerate(tree.cssselect(selectors.review), start=start + 1):
        found = block.cssselect(selectors.body)
        body = tidy(html_text.extract_text(found[0])) if found else ""
        if not body:
            continue
        raw = pick(block, selectors.rating, selectors.rating_attribute)
        out.append(
            ExtractedReview(
                body=body,
                syntax="css",
                title=pick(block, selectors.title),
                rating_value=parse_number(raw),
                rating_raw=raw,
                best=selectors.best,
                worst=selectors.worst,
                author=pick(block, selectors.author),
                published=pick(block, selectors.date, selectors.date_attribute),
                review_id=block.get("id"),
                position=number,
            )
        )
    return out
