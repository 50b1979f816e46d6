"""What review extraction yields, whatever it read: schema.org markup, CSS blocks, feeds or exports."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    """An overall rating the page states (schema.org ``AggregateRating``), e.g. 4.2 of 5 from 120 reviews."""

    syntax: str
    item_reviewed: str | None
    rating_value: float | None
    best: float | None
    worst: float | None
    count: int | None


@dataclass
class PageExtraction:
    """What one page, feed or export yielded, with what got in the way of reading it."""

    reviews: list[ExtractedReview] = field(default_factory=list)
    aggregates: list[AggregateRating] = field(default_factory=list)
    next_url: str | None = None
    encoding: str = "utf-8"
    encoding_note: str | None = None  # the declared charset was wrong (the page was still read)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (problem, snippet): data may be missing
    syntaxes: set[str] = field(default_factory=set)
