"""How far the text sentiment can be trusted: checked against the rating where a source has one.

Sentiment comes from the text: a comment's is its segments' (the embedding head of
:mod:`feedback.text.sentiment_model`, VADER plus a service lexicon where the head cannot
read); many sources also carry the customer's own score. Per source with ratings (and over all of
them) the archive table ``sentiment_check`` reports:

- ``spearman``: rank correlation between comment sentiment and rating (scipy), with its
  p-value; 0 means the sentiment says nothing about the score;
- ``agreement``: among comments whose sentiment is clearly positive or negative and whose
  rating band is low or high, the share where the two point the same way;
- ``low_rated_negative`` / ``high_rated_positive``: how often a low (high) score comes with
  negative (positive) text, the two halves of that agreement.

Staff read sentiment charts with this next to them; a low figure for a source is a reason
to trust its ratings over its sentiment.

It needs every rated comment (a rank correlation), so an incremental publish recomputes it
only when a rated comment changed, from the archive's own ``feedback`` rows, and keeps the
archive's table otherwise; scipy is imported only to compute it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from feedback.publish_delta import IncrementalExtension, TableUpdate
from feedback.ratings import rating_band
from feedback.text.sentiment_model import published_sentiment_sql
from feedback.warehouse.sql import chunks, marks

POSITIVE = 0.05  # VADER's customary cut-offs for a clearly positive / negative compound score
NEGATIVE = -0.05


def check_row(source: str, scale: str | None, pairs: list[tuple[float, float, str | None]]) -> dict[str, Any]:
    """The figures for (sentiment, rating 0-1, rating band) pairs of one source."""
    from scipy.stats import spearmanr

    rho = p_value = None
    if len(pairs) >= 3 and len({p[0] for p in pairs}) > 1 and len({p[1] for p in pairs}) > 1:
        result = spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
        rho, p_value = float(result.statistic), float(result.pvalue)
    low = [s for s, _, band in pairs if band == "low" and abs(s) > POSITIVE]
    high = [s for s, _, band in pairs if band == "high" and abs(s) > POSITIVE]
    agree = sum(s < NEGATIVE for s in low) + sum(s > POSITIVE for s in high)
    return {
        "source": source,
        "rating_scale": scale,
        "rated_comments": len(pairs),
        "spearman": None if rho is None or math.isnan(rho) else round(rho, 3),
        "p_value": None if p_value is None or math.isnan(p_value) else float(f"{p_value:.3g}"),
        "agreement": round(agree / (len(low) + len(high)), 3) if low or high else None,
        "low_rated_negative": round(sum(s < NEGATIVE for s in low) / len(low), 3) if low else None,
        "high_rated_positive": round(sum(s > POSITIVE for s in high) / len(high), 3) if high else None,
    }


def sentiment_check(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One row per source with rated, sentiment-scored comments, then an ``(all sources)`` row."""
    return check_rows(db.execute(
        f"""select i.source, i.rating, i.rating_scale, {published_sentiment_sql("p")} as sentiment from items i
            join processed p on p.item_id = i.id
            where i.rating is not null order by i.source, i.id"""
    ))


def archive_check(archive: sqlite_utils.Database) -> list[dict[str, Any]]:
    """:func:`sentiment_check` from a published archive's ``feedback`` (the same comments, ratings and
    published sentiments, in the same order, without working out each comment's sentiment again)."""
    return check_rows(archive.execute(
        "select source, rating, rating_scale, sentiment from feedback where rating is not null order by source, id"))


def check_rows(rated: Iterable[tuple[str, float, str | None, float | None]]) -> list[dict[str, Any]]:
    """The table's rows from (source, rating, scale, sentiment) of every rated comment, by source and id."""
    by_source: dict[str, list[tuple[float, float, str | None]]] = defaultdict(list)
    scales: dict[str, set[str]] = defaultdict(set)
    for source, rating, scale, sentiment in rated:
        if sentiment is None:
            continue
        by_source[source].append((float(sentiment), float(rating), rating_band(rating, scale)))
        scales[source].add(scale or "")
    rows = [check_row(source, ",".join(sorted(scales[source])) or None, pairs)
            for source, pairs in sorted(by_source.items())]
    if len(rows) > 1:
        everything = [p for pairs in by_source.values() for p in pairs]
        rows.append(check_row("(all sources)", None, everything))
    return rows


def sentiment_tables(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    """The ``sentiment_check`` table, from every rated comment."""
    return {"sentiment_check": sentiment_check(db)}


def rated_changed(db: sqlite_utils.Database, archive: sqlite_utils.Database, items: Iterable[str]) -> bool:
    """Is any of the comments ``items`` rated, now in the warehouse or as the archive has it?"""
    for part in chunks(sorted(items)):
        where = f"rating is not null and id in ({marks(len(part))}) limit 1"
        if db.execute(f"select 1 from items where {where}", part).fetchone() or \
                archive.execute(f"select 1 from feedback where {where}", part).fetchone():
            return True
    return False


def sentiment_delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> dict[str, TableUpdate]:
    """Recomputed (every rated comment, and scipy) only when a rated comment changed; else kept."""
    if rated_changed(db, archive, changes.items):
        return {"sentiment_check": TableUpdate.replace(archive_check)}  # once the archive's feedback is updated
    return {"sentiment_check": TableUpdate.keep()}


# the archive extension
archive_tables = IncrementalExtension(full=sentiment_tables, delta=sentiment_delta, tables=("sentiment_check",))
