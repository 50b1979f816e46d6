"""Reviews in schema.org markup: JSON-LD, microdata and RDFa, read through extruct.

Each syntax is turned into plain ``{"@type": ..., prop: value}`` dicts
(:func:`schema_data`) so one walker finds ``Review`` and ``AggregateRating`` nodes in
all of them (:func:`add_schema_reviews`). A broken JSON-LD script is reported in
``notes`` and the rest of the page is still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import jstyleson
import lxml.etree
import lxml.html
from extruct.rdfa import RDFaExtractor
from extruct.w3cmicrodata import MicrodataExtractor

from feedback.sources.reviews.records import AggregateRating, ExtractedReview, PageExtraction
from feedback.sources.reviews.values import (
    decode_html,
    first_value,
    html_to_text,
    parse_html,
    parse_number,
    text_of,
)

REVIEW_TYPES = {"Review", "UserReview", "CriticReview", "EmployerReview"}
_JSONLD = lxml.etree.XPath('descendant-or-self::script[@type="application/ld+json"]')
_COMMENT_LINE = re.compile(r"^\s*(//.*|<!--.*-->)", re.MULTILINE)


def short_type(value: str) -> str:
    return re.split(r"[/#:]", value.rstrip("/"))[-1]


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {short_type(v) for v in values if isinstance(v, str)}


# --- syntaxes into one shape ---------------------------------------------------------------------


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
        item = self.resolve(first_value(node.get("itemReviewed")))
        if item is not None:
            return text_of(item)
        return text_of(parent.get("name") or parent.get("headline")) if parent else None

    def _review(self, node: dict[str, Any], parent: dict[str, Any] | None) -> None:
        raw_body = first_value(node.get("reviewBody") or node.get("description") or node.get("text"))
        if isinstance(raw_body, dict):
            raw_body = raw_body.get("@value")
        body = html_to_text(str(raw_body)) if raw_body not in (None, "") else ""
        if not body:
            return
        rating = self.resolve(first_value(node.get("reviewRating")))
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
                author=text_of(self.resolve(first_value(node.get("author")))),
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


def add_schema_reviews(result: PageExtraction, syntax: str, data: Any, page_url: str) -> None:
    """Add the reviews and aggregate ratings in one syntax's data to a page's result."""
    walker = _Walker(syntax, page_url, start=len(result.reviews))
    walker.index(data)
    walker.walk(data)
    if walker.reviews or walker.aggregates:
        result.syntaxes.add(syntax)
    result.reviews.extend(walker.reviews)
    result.aggregates.extend(walker.aggregates)


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
