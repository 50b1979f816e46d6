"""Reviews out of fetched bytes: schema.org markup, feeds and configured CSS selectors.

Pure functions, no I/O: a page's bytes go in, :class:`ExtractedReview` records and
the page's next link come out. Three markup syntaxes are read through extruct
(JSON-LD, microdata, RDFa), each turned into plain ``{"@type": ..., prop: value}``
dicts so one walker finds ``Review`` and ``AggregateRating`` nodes in all of them.
A broken JSON-LD script is reported in ``notes`` and the rest of the page is
still read.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import charset_normalizer
import html_text
import jstyleson
import lxml.etree
import lxml.html
from extruct.rdfa import RDFaExtractor
from extruct.w3cmicrodata import MicrodataExtractor
from extruct.xmldom import XmlDomHTMLParser

REVIEW_TYPES = {"Review", "UserReview", "CriticReview", "EmployerReview"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")
_JSONLD = lxml.etree.XPath('descendant-or-self::script[@type="application/ld+json"]')
_COMMENT_LINE = re.compile(r"^\s*(//.*|<!--.*-->)", re.MULTILINE)


@dataclass(frozen=True)
class ExtractedReview:
    """One review as the page states it; nothing normalised yet except the text."""

    body: str
    syntax: str  # json-ld, microdata, rdfa, css, feed, export
    title: str | None = None
    rating_value: float | None = None
    rating_raw: str | None = None
    best: float | None = None
    worst: float | None = None
    author: str | None = None
    published: str | None = None  # as written on the page
    item_reviewed: str | None = None
    review_id: str | None = None  # the review's own @id / url / guid, when it has one
    position: int = 0


@dataclass(frozen=True)
class AggregateRating:
    syntax: str
    item_reviewed: str | None
    rating_value: float | None
    best: float | None
    worst: float | None
    count: int | None


@dataclass
class PageExtraction:
    reviews: list[ExtractedReview] = field(default_factory=list)
    aggregates: list[AggregateRating] = field(default_factory=list)
    next_url: str | None = None
    encoding: str = "utf-8"
    encoding_note: str | None = None  # the declared charset was wrong (the page was still read)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (problem, snippet): data may be missing
    syntaxes: set[str] = field(default_factory=set)


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


# --- text ----------------------------------------------------------------------------------------


def html_to_text(value: str) -> str:
    """Plain text of a review body that may hold HTML, entities or both."""
    text = value
    for _ in range(2):  # bodies are often escaped twice (&amp;#39;)
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if "<" in text and ">" in text:
        text = html_text.extract_text(text, guess_layout=True)
    return tidy(text)


def tidy(text: str) -> str:
    lines = [_SPACE.sub(" ", line).strip() for line in text.replace("\xa0", " ").splitlines()]
    return _LINES.sub("\n\n", "\n".join(lines)).strip()


def decode_html(content: bytes, declared: str | None = None) -> tuple[str, str, str | None]:
    """(text, encoding used, note) for a page whose declared charset may be wrong.

    Valid UTF-8 is taken as UTF-8 whatever the declaration says (the usual lie is
    a stale ``iso-8859-1`` header); otherwise the header's and then the ``<meta>``
    charset are tried strictly, then charset-normaliser's guess.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "utf-8", None
    meta = _META_CHARSET.search(content[:4096])
    meta_charset = meta.group(1).decode("ascii", "ignore") if meta else None
    claimed = [c for c in (declared, meta_charset) if c]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        wrong = [c for c in claimed if c.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii", "ascii")]
        if wrong and not content.isascii():
            note = f"declared charset {wrong[0]!r} is wrong: the page is valid UTF-8"
        return text, "utf-8", note
    for charset in claimed:
        try:
            return content.decode(charset), charset.lower(), None
        except (UnicodeDecodeError, LookupError):
            continue
    if b"\x00" not in content:  # not UTF-16/32: the usual mislabel is Windows-1252
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            note = f"declared charset {claimed[0]!r} is wrong; decoded as cp1252" if claimed else None
            return text, "cp1252", note
    best = charset_normalizer.from_bytes(content).best()
    encoding = best.encoding if best is not None else "cp1252"
    note = f"declared charset {claimed[0]!r} is wrong; decoded as {encoding}" if claimed else None
    return content.decode(encoding, errors="replace"), encoding, note


def parse_html(text: str, rdfa: bool = False) -> lxml.html.HtmlElement:
    text = _XML_DECL.sub("", text, count=1) or "<html></html>"
    parser = XmlDomHTMLParser(encoding=None) if rdfa else lxml.html.HTMLParser(encoding=None)
    return lxml.html.fromstring(text, parser=parser)


# --- values --------------------------------------------------------------------------------------


def _first(value: Any) -> Any:
    while isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    return value


def text_of(value: Any) -> str | None:
    """Readable text of a schema.org value: a string, a number, a {"name": ...} node or a list of them."""
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("@value", "name", "text", "headline", "@id"):
            if key in value:
                return text_of(value[key])
        return None
    text = tidy(html.unescape(str(value)))
    return text or None


def parse_number(value: Any) -> float | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.search(str(value))
    return float(match.group().replace(",", ".")) if match else None


def short_type(value: str) -> str:
    return re.split(r"[/#:]", value.rstrip("/"))[-1]


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {short_type(v) for v in values if isinstance(v, str)}


# --- syntaxes into one shape ---------------------------------------------------------------------


def jsonld_nodes(tree: lxml.html.HtmlElement, notes: list[tuple[str, str]]) -> list[Any]:
    """Every JSON-LD script's data; a script that is not JSON becomes a note, not an error."""
    out: list[Any] = []
    for number, script in enumerate(_JSONLD(tree), start=1):
        source = script.text_content() if hasattr(script, "text_content") else (script.text or "")
        if not source.strip():
            continue
        try:
            out.append(json.loads(source, strict=False))
        except ValueError:
            try:
                out.append(jstyleson.loads(_COMMENT_LINE.sub("", source), strict=False))
            except (ValueError, TypeError, IndexError, AttributeError) as exc:
                notes.append((f"malformed JSON-LD in script #{number}: {exc}", source.strip()[:500]))
    return out


def _from_microdata(item: Any) -> Any:
    if isinstance(item, list):
        return [_from_microdata(v) for v in item]
    if not isinstance(item, dict) or "properties" not in item:
        return item
    node: dict[str, Any] = {"@type": item.get("type")}
    if item.get("id"):
        node["@id"] = item["id"]
    for key, value in item["properties"].items():
        node[key] = _from_microdata(value)
    if "value" in item and "reviewBody" not in node and "ratingValue" not in node:
        node.setdefault("@value", item["value"])
    return node


def _from_rdfa(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Expanded RDFa graph -> compact dicts sharing referenced nodes; roots (unreferenced) first."""
    compact: dict[str, dict[str, Any]] = {}
    for node in nodes:
        key = str(node.get("@id", id(node)))
        compact[key] = {"@id": key, "@type": node.get("@type", [])}
    referenced: set[str] = set()
    for node in nodes:
        target = compact[str(node.get("@id", id(node)))]
        for prop, values in node.items():
            if prop.startswith("@"):
                continue
            converted: list[Any] = []
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict) and "@id" in value and "@value" not in value:
                    ref = str(value["@id"])
                    referenced.add(ref)
                    converted.append(compact.get(ref, ref))
                elif isinstance(value, dict):
                    converted.append(value.get("@value"))
                else:
                    converted.append(value)
            target[short_type(prop)] = converted if len(converted) > 1 else converted[0]
    values = list(compact.values())
    return sorted(values, key=lambda n: n["@id"] in referenced)


# --- the walker ----------------------------------------------------------------------------------


class _Walker:
    def __init__(self, syntax: str, page_url: str, start: int) -> None:
        self.syntax = syntax
        self.page_url = page_url
        self.reviews: list[ExtractedReview] = []
        self.aggregates: list[AggregateRating] = []
        self.seen: set[int] = set()
        self.by_id: dict[str, dict[str, Any]] = {}
        self.position = start

    def index(self, value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("@id"), str) and len(value) > 1:
                self.by_id.setdefault(value["@id"], value)
            for v in value.values():
                self.index(v)
        elif isinstance(value, list):
            for v in value:
                self.index(v)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.by_id.get(value["@id"], value)
        return value

    def walk(self, value: Any, parent: dict[str, Any] | None = None) -> None:
        if isinstance(value, list):
            for v in value:
                self.walk(v, parent)
            return
        if not isinstance(value, dict) or id(value) in self.seen:
            return
        self.seen.add(id(value))
        types = _types(value)
        if types & REVIEW_TYPES:
            self._review(value, parent)
        if "AggregateRating" in types:
            self._aggregate(value, parent)
        holder = value if types and not types & REVIEW_TYPES else parent
        for key, child in value.items():
            if key in ("@context", "reviewRating", "author", "itemReviewed"):
                continue
            self.walk(child, holder)

    def _item_name(self, node: dict[str, Any], parent: dict[str, Any] | None) -> str | None:
        item = self.resolve(_first(node.get("itemReviewed")))
        if item is not None:
            return text_of(item)
        return text_of(parent.get("name") or parent.get("headline")) if parent else None

    def _review(self, node: dict[str, Any], parent: dict[str, Any] | None) -> None:
        raw_body = _first(node.get("reviewBody") or node.get("description") or node.get("text"))
        if isinstance(raw_body, dict):
            raw_body = raw_body.get("@value")
        body = html_to_text(str(raw_body)) if raw_body not in (None, "") else ""
        if not body:
            return
        rating = self.resolve(_first(node.get("reviewRating")))
        value = best = worst = None
        raw = None
        if isinstance(rating, dict):
            value = parse_number(rating.get("ratingValue"))
            best = parse_number(rating.get("bestRating"))
            worst = parse_number(rating.get("worstRating"))
            raw = text_of(rating.get("ratingValue"))
        elif rating is not None:
            value, raw = parse_number(rating), text_of(rating)
        review_id = text_of(node.get("@id")) or text_of(node.get("url"))
        if review_id and (review_id.startswith("_:") or review_id == self.page_url):
            review_id = None
        self.position += 1
        self.reviews.append(
            ExtractedReview(
                body=body,
                syntax=self.syntax,
                title=text_of(node.get("name") or node.get("headline")),
                rating_value=value,
                rating_raw=raw,
                best=best,
                worst=worst,
                author=text_of(self.resolve(_first(node.get("author")))),
                published=text_of(node.get("datePublished") or node.get("dateCreated")),
                item_reviewed=self._item_name(node, parent),
                review_id=urljoin(self.page_url, review_id) if review_id else None,
                position=self.position,
            )
        )

    def _aggregate(self, node: dict[str, Any], parent: dict[str, Any] | None) -> None:
        count = parse_number(node.get("reviewCount") or node.get("ratingCount"))
        self.aggregates.append(
            AggregateRating(
                syntax=self.syntax,
                item_reviewed=self._item_name(node, parent),
                rating_value=parse_number(node.get("ratingValue")),
                best=parse_number(node.get("bestRating")),
                worst=parse_number(node.get("worstRating")),
                count=int(count) if count is not None else None,
            )
        )


def _schema(result: PageExtraction, syntax: str, data: Any, page_url: str) -> None:
    walker = _Walker(syntax, page_url, start=len(result.reviews))
    walker.index(data)
    walker.walk(data)
    if walker.reviews or walker.aggregates:
        result.syntaxes.add(syntax)
    result.reviews.extend(walker.reviews)
    result.aggregates.extend(walker.aggregates)


# --- pages ---------------------------------------------------------------------------------------


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


def schema_data(
    tree: lxml.html.HtmlElement, text: str, page_url: str, notes: list[tuple[str, str]]
) -> Iterator[tuple[str, Any]]:
    """(syntax, data) for each markup syntax on the page, as JSON-LD-shaped dicts."""
    yield "json-ld", jsonld_nodes(tree, notes)
    if tree.xpath("//*[@itemscope][1]"):
        yield "microdata", _from_microdata(list(MicrodataExtractor().extract_items(tree, page_url)))
    if tree.xpath("//*[@typeof][1]"):
        # RDFa needs its own DOM flavour; only pages that declare RDFa types pay for it.
        try:
            graph = RDFaExtractor().extract_items(parse_html(text, rdfa=True), base_url=page_url)
        except Exception as exc:  # noqa: BLE001 - pyRdfa raises anything on odd markup
            notes.append((f"RDFa could not be read: {type(exc).__name__}: {exc}", ""))
        else:
            yield "rdfa", _from_rdfa(graph)


def schema_types(content: bytes, page_url: str) -> dict[str, set[str]]:
    """The schema.org types each syntax on a page declares (a diagnostic: what markup is here?)."""
    text, _, _ = decode_html(content)
    out: dict[str, set[str]] = {}

    def collect(value: Any, into: set[str]) -> None:
        if isinstance(value, list):
            for v in value:
                collect(v, into)
        elif isinstance(value, dict):
            into.update(_types(value))
            for key, v in value.items():
                if key != "@type":
                    collect(v, into)

    for syntax, data in schema_data(parse_html(text), text, page_url, []):
        found: set[str] = set()
        collect(data, found)
        if found:
            out[syntax] = found
    return out


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
        _schema(result, syntax, data, page_url)
    if selectors is not None and not result.reviews:
        found = css_reviews(tree, selectors)
        if found:
            result.syntaxes.add("css")
        result.reviews.extend(found)
    result.next_url = next_link(tree, page_url, next_selector)
    return result


def iter_schema_reviews(data: Any, syntax: str = "json-ld", page_url: str = "") -> Iterator[ExtractedReview]:
    """Reviews in already-parsed schema.org data (JSON-LD shaped): for exports and tests."""
    result = PageExtraction()
    _schema(result, syntax, data, page_url)
    yield from result.reviews
