"""How far the text sentiment can be trusted: checked against the rating where a source has one.

Sentiment comes from the text: a comment's is its segments' (the embedding head of
:mod:`feedback.text.sentiment_model`, VADER plus a service lexicon where the head cannot
read); many sources also carry the customer's own score. Per source with ratings (and over all of
them) the archive table ``sentiment_check`` reports:

- ``spearman``: rank correlation between comment sentiment and rating, with its p-value (the
  figures ``scipy.stats.spearmanr`` gives on the same comments); 0 means the sentiment says
  nothing about the score;
- ``agreement``: among comments whose sentiment is clearly positive or negative and whose
  rating band is low or high, the share where the two point the same way;
- ``low_rated_negative`` / ``high_rated_positive``: how often a low (high) score comes with
  negative (positive) text, the two halves of that agreement.

Staff read sentiment charts with this next to them; a low figure for a source is a reason
to trust its ratings over its sentiment.

Every figure comes from a contingency table: how many rated comments have each (source, scale,
rating, published sentiment). A published sentiment is rounded to 4 decimals (``comment_score``,
``comment_score_sql``, the process stage's VADER score), so a source has at most a few hundred
thousand cells however many comments it has. Spearman's rho is Pearson's r of the two variables'
mid-ranks (ties share the mean of their ranks), and a value's mid-rank follows from the counts
below it (ranks doubled and centred are whole numbers; the sums of products are float64, as
scipy's), and the p-value from rho and n as scipy's (Student's t with n - 2 degrees of freedom).

The table is kept in the warehouse between publishes (migration ``0080_sentiment_counts``):
``sentiment_counts`` per cell, and ``sentiment_ledger``, the cell each rated comment last added.
A full publish counts every rated comment; an incremental one subtracts the changed comments'
ledger cells and adds their current ones, so a night costs its own comments plus one read of the
counts. The counts record the archive build they were derived for (:data:`TAG`): when that is not
the archive the publish starts from, the table is derived again from them (never recounted).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np
import sqlite_utils

from feedback.insights import sums
from feedback.publish_delta import IncrementalExtension, TableUpdate
from feedback.ratings import CUTS, NPS, NPS_CUTS, rating_band
from feedback.text.sentiment_model import published_sentiment_sql
from feedback.warehouse.sql import chunks, marks, write_transaction

POSITIVE = 0.05  # VADER's customary cut-offs for a clearly positive / negative compound score
NEGATIVE = -0.05
TAG = "sentiment_counts"  # publish_state key: the archive build the counts were last derived for
RATED_SQL = f"""select i.id, i.source, i.rating_scale, i.rating, {published_sentiment_sql("p")} as sentiment
                from items i join processed p on p.item_id = i.id where i.rating is not null"""
# (sentiment, rating, rating band) -> comments
Cell = tuple[str, str, float, float]  # (source, scale or "", rating, sentiment)
Counts = Counter[Cell]  # comments per cell
LOW, HIGH = 1, 2  # rating band codes in a table's third column (0: medium or none)


def _centred_ranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each element's value's mid-rank among the weighted values, doubled and less n + 1 (ties
    share the mean of their ranks: 2 * (below + (count + 1) / 2) - (n + 1), a whole number)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    counts = np.bincount(inverse, weights=weights)  # whole numbers, exact in float64 below 2**53
    below = np.cumsum(counts) - counts
    return (2 * below + counts - counts.sum())[inverse]


def weighted_spearman(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[float, float] | None:
    """(rho, two-sided p-value) of the pairs (x[i], y[i]) each counted weights[i] times, ties by
    mid-ranks (as ``scipy.stats.spearmanr`` on the pairs written out); None with fewer than 3
    pairs or a constant variable."""
    n = int(weights.sum())
    if n < 3 or np.unique(x[weights > 0]).size < 2 or np.unique(y[weights > 0]).size < 2:
        return None
    a, b = _centred_ranks(x, weights), _centred_ranks(y, weights)
    cross, sx, sy = float(np.dot(weights * a, b)), float(np.dot(weights * a, a)), float(np.dot(weights * b, b))
    rho = max(-1.0, min(1.0, cross / math.sqrt(sx * sy)))
    return rho, p_value(rho, n)


def spearman(cells: Counter[tuple[float, float]]) -> tuple[float, float] | None:
    """:func:`weighted_spearman` of (x, y) pairs given as counts."""
    pairs = list(cells.items())
    return weighted_spearman(np.array([p[0][0] for p in pairs], dtype=np.float64),
                             np.array([p[0][1] for p in pairs], dtype=np.float64),
                             np.array([p[1] for p in pairs], dtype=np.float64))


def p_value(rho: float, n: int) -> float:
    """Two-sided p-value of a rank correlation ``rho`` over ``n`` pairs, as scipy's spearmanr."""
    from scipy.special import stdtr

    dof = n - 2
    spread = (rho + 1.0) * (1.0 - rho)
    t = math.inf if spread <= 0 else rho * math.sqrt(max(dof / spread, 0.0))
    return float(2 * stdtr(dof, -abs(t)))


def figures(source: str, scale: str | None, table: np.ndarray) -> dict[str, Any]:
    """The row of one source (or of all of them) from its (sentiment, rating, band code, comments) rows."""
    s, rating, band, w = table.T if len(table) else np.zeros((4, 0))
    clear = np.abs(s) > POSITIVE
    low, high = clear & (band == LOW), clear & (band == HIGH)
    lows, highs = int(w[low].sum()), int(w[high].sum())
    low_negative, high_positive = int(w[low & (s < NEGATIVE)].sum()), int(w[high & (s > POSITIVE)].sum())
    found = weighted_spearman(s, rating, w)
    rho, p = found if found else (None, None)
    return {
        "source": source,
        "rating_scale": scale,
        "rated_comments": int(w.sum()),
        "spearman": None if rho is None or math.isnan(rho) else round(rho, 3),
        "p_value": None if p is None or math.isnan(p) else float(f"{p:.3g}"),
        "agreement": round((low_negative + high_positive) / (lows + highs), 3) if lows or highs else None,
        "low_rated_negative": round(low_negative / lows, 3) if lows else None,
        "high_rated_positive": round(high_positive / highs, 3) if highs else None,
    }


def _band_code(band: str | None) -> int:
    return LOW if band == "low" else HIGH if band == "high" else 0


def check_row(source: str, scale: str | None, pairs: Iterable[tuple[float, float, str | None]]) -> dict[str, Any]:
    """The figures for (sentiment, rating 0-1, rating band) pairs of one source."""
    counted = Counter((float(s), float(r), _band_code(band)) for s, r, band in pairs)
    return figures(source, scale, np.array([(*k, n) for k, n in counted.items()], dtype=np.float64).reshape(-1, 4))


def _rows(tables: dict[str, np.ndarray], scales: dict[str, set[str]]) -> list[dict[str, Any]]:
    rows = [figures(source, ",".join(sorted(scales[source])) or None, tables[source]) for source in sorted(tables)]
    if len(rows) > 1:
        rows.append(figures("(all sources)", None, np.concatenate([tables[source] for source in sorted(tables)])))
    return rows


def rows_from_counts(counts: Iterable[tuple[Cell, int]]) -> list[dict[str, Any]]:
    """The table's rows: one per source with rated, scored comments, then ``(all sources)``."""
    by_source: dict[str, list[tuple[float, float, int, int]]] = {}
    scales: dict[str, set[str]] = {}
    for (source, scale, rating, sentiment), c in counts:
        by_source.setdefault(source, []).append((sentiment, rating, _band_code(rating_band(rating, scale or None)), c))
        scales.setdefault(source, set()).add(scale)
    return _rows({source: np.array(cells, dtype=np.float64) for source, cells in by_source.items()}, scales)


def _cells(rows: Iterable[tuple[str, str, str | None, float, float | None]]) -> dict[str, Cell]:
    """Each rated, scored comment's cell, from (id, source, scale, rating, sentiment) rows."""
    return {i: (source, scale or "", float(rating), float(sentiment))
            for i, source, scale, rating, sentiment in rows if sentiment is not None}


def counted(db: sqlite_utils.Database) -> Counts:
    """The contingency counts of every rated, sentiment-scored comment of the warehouse."""
    return Counter(_cells(db.execute(RATED_SQL)).values())


def sentiment_check(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The table from every rated, sentiment-scored comment of the warehouse (nothing stored)."""
    return rows_from_counts(counted(db).items())


def stored(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The table from the counts kept in the warehouse (:func:`rows_from_counts`, each source's
    cells read straight into an array, their rating bands worked out in SQL)."""
    band = ("case when rating < (case when scale = ? then ? else ? end) then 1"
            " when rating >= (case when scale = ? then ? else ? end) then 2 else 0 end")
    cuts = [NPS, NPS_CUTS[0], CUTS[0], NPS, NPS_CUTS[1], CUTS[1]]
    scales: dict[str, set[str]] = {}
    for source, scale in db.execute("select source, scale from sentiment_counts group by source, scale"):
        scales.setdefault(source, set()).add(scale)
    tables = {source: np.array(db.execute(f"select sentiment, rating, {band}, n from sentiment_counts where source = ?",
                                          [*cuts, source]).fetchall(), dtype=np.float64).reshape(-1, 4)
              for source in scales}
    return _rows(tables, scales)


def tag(db: sqlite_utils.Database) -> str | None:
    """The archive build the counts were last derived for (None: not known)."""
    return sums.tag(db, TAG)


def mark(db: sqlite_utils.Database, build: str) -> None:
    """The counts are the ones archive ``build`` was derived from (once it is written)."""
    sums.mark(db, build, TAG)


def rebuild(db: sqlite_utils.Database, build: str | None = None) -> None:
    """Count every rated comment again (the ledger and the counts from scratch)."""
    ledger = _cells(db.execute(RATED_SQL))
    counts: Counts = Counter(ledger.values())
    with write_transaction(db):
        db.execute("delete from sentiment_ledger")
        db.execute("delete from sentiment_counts")
        db.conn.executemany("insert into sentiment_ledger (item_id, source, scale, rating, sentiment)"
                            " values (?, ?, ?, ?, ?)", [(i, *cell) for i, cell in ledger.items()])
        db.conn.executemany("insert into sentiment_counts (source, scale, rating, sentiment, n) values (?, ?, ?, ?, ?)",
                            [(*k, n) for k, n in counts.items()])
        sums.set_tag(db, build, TAG)


def apply(db: sqlite_utils.Database, items: Collection[str], build: str | None) -> Counts:
    """Bring the counts up to date for the comments ``items`` (new, changed or removed): their
    cells now less the cells the ledger says they last added (idempotent, whatever archive the
    publish starts from), and tag them ``build``. Returns the change."""
    old: dict[str, Cell] = {}
    new: dict[str, Cell] = {}
    for part in chunks(sorted(items)):
        where = f"in ({marks(len(part))})"
        old.update(_cells(db.execute(f"select item_id, source, scale, rating, sentiment from sentiment_ledger"
                                     f" where item_id {where}", part)))
        new.update(_cells(db.execute(RATED_SQL
                                     + f" and i.id {where}", part)))
    delta: Counts = Counter(new.values())
    delta.subtract(Counter(old.values()))
    delta = Counter({k: n for k, n in delta.items() if n})
    with write_transaction(db):
        db.conn.executemany(
            "insert into sentiment_counts (source, scale, rating, sentiment, n) values (?, ?, ?, ?, ?)"
            " on conflict (source, scale, rating, sentiment) do update set n = n + excluded.n",
            [(*k, n) for k, n in delta.items()])
        db.execute("delete from sentiment_counts where n = 0")
        for part in chunks(sorted(old)):
            db.execute(f"delete from sentiment_ledger where item_id in ({marks(len(part))})", part)
        db.conn.executemany("insert into sentiment_ledger (item_id, source, scale, rating, sentiment)"
                            " values (?, ?, ?, ?, ?)", [(i, *cell) for i, cell in new.items()])
        sums.set_tag(db, build, TAG)
    return delta


def sentiment_tables(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    """The ``sentiment_check`` table, from every rated comment (the counts are kept for the next
    publish; :func:`mark` tags them once the archive is written)."""
    rebuild(db)
    return {"sentiment_check": stored(db)}


def sentiment_delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> dict[str, TableUpdate]:
    """The changed comments applied to the stored counts; the table is derived from them again
    when a cell changed (a rated comment came, went, or changed its rating or sentiment) or when
    the counts were last derived for another archive than the one this publish starts from (a
    publish killed before its swap, or the archive before the one in place), else kept."""
    in_step = changes.base_build is not None and tag(db) == changes.base_build
    delta = apply(db, changes.items, changes.build)
    return {"sentiment_check": TableUpdate.replace(stored(db)) if delta or not in_step else TableUpdate.keep()}


def sentiment_current(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> bool:
    """With no comment changed, the table holds when the counts are the ones the archive was derived from."""
    return changes.base_build is not None and tag(db) == changes.base_build


# the archive extension
archive_tables = IncrementalExtension(full=sentiment_tables, delta=sentiment_delta, tables=("sentiment_check",),
                                      built=mark, current=sentiment_current)
