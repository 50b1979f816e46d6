"""Exact search by words with facets, fast at a million comments.

Datasette's table page counts a search and each of its facets with a separate SQL query that
looks up every matching row of ``feedback`` (a broad word matches ~10 % of the archive: 6 x
115k row lookups at 1M comments, ~1 s). Here the full-text index is asked once for the
matching rowids (one ``group_concat``, parsed by numpy), and the count, the facets, the filters
and the newest-first page come from small per-comment code arrays held in memory, read once
per archive file (~30 MB per million comments, with 1.3 themes a comment):

- ``source``, ``channel``, ``rating_band``, ``month``: the comment's value, as a code;
- ``theme``: every theme it has a point on (its ``feedback_themes`` rows, as (rowid, theme) pairs):
  the theme filter keeps a comment of any of them, and the theme facet counts a comment in each,
  as the theme pages count a theme's comments; the section filter keeps a comment of any sub-theme of the
  section;
- ``recency``: its rank by ``received_at``, newest first, so a date range is a rank range.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from feedback.serve.queries import SECTION_MEMBERS

COLUMNS = ("source", "channel", "rating_band", "month")
NONE = -1


def _ints(text: str | None) -> np.ndarray:
    """A comma-separated list of integers (as group_concat writes it) as an int64 array."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")  # text mode: ~30x faster than split


@dataclass
class FacetIndex:
    key: Any  # the archive file version it was read from
    size: int  # max(feedback.rowid) + 1: the arrays are indexed by rowid
    values: dict[str, list[str]]  # column -> its distinct values; codes index this list
    codes: dict[str, np.ndarray]  # column -> int16 code per rowid (NONE when null)
    pair_rowids: np.ndarray  # the rowid of each (comment, theme) pair of feedback_themes
    pair_themes: np.ndarray  # the theme id of each pair
    theme_labels: dict[int, str]
    theme_children: dict[int, list[int]]
    recency: np.ndarray  # rank by received_at, newest first (0 = newest), per rowid
    dated: int  # how many comments have a received_at
    section_themes: dict[int, list[int]] = field(default_factory=dict)  # a large entry's section -> its sub-themes
    _counts: dict[str, int] = field(default_factory=dict)

    def select(self, rowids: np.ndarray, filters: dict[str, str], received_from: int | None = None,
               received_to: int | None = None) -> np.ndarray:
        """The rowids that pass the filters (column values, theme with its children, rank range)."""
        rowids = rowids[(rowids >= 0) & (rowids < self.size)]
        mask = np.ones(len(rowids), dtype=bool)
        for column, value in filters.items():
            if not value:
                continue
            if column in ("theme", "section"):
                wanted = ([int(value), *self.theme_children.get(int(value), [])] if column == "theme"
                          else self.section_themes.get(int(value), []))
                mask &= self._marked(self.pair_rowids[np.isin(self.pair_themes, wanted)])[rowids]
            else:
                try:
                    code = self.values[column].index(value)
                except ValueError:
                    return rowids[:0]
                mask &= self.codes[column][rowids] == code
        if received_from is not None:  # rank < received_from: received on or after the start
            mask &= self.recency[rowids] < received_from
        if received_to is not None:  # rank >= received_to: received before the end
            mask &= self.recency[rowids] >= received_to
        return rowids[mask]

    def facets(self, rowids: np.ndarray, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        """Value counts per facet over ``rowids`` (:func:`facet_order`), at most ``limit`` each."""
        out: dict[str, list[tuple[str, int]]] = {}
        for column in COLUMNS:
            values = self.values[column]
            codes = self.codes[column][rowids]
            counts = np.bincount(codes[codes >= 0], minlength=len(values))
            out[column] = facet_order(column, [(values[i], int(counts[i])) for i in np.flatnonzero(counts)], limit)
        ids, counts = np.unique(self.pair_themes[self._marked(rowids)[self.pair_rowids]], return_counts=True)
        out["theme"] = _top([(self.theme_labels.get(int(t), str(t)), int(n)) for t, n in zip(ids, counts, strict=True)],
                            limit)
        return out

    def _marked(self, rowids: np.ndarray) -> np.ndarray:
        """A flag per rowid, set for ``rowids``."""
        flags = np.zeros(self.size, dtype=bool)
        flags[rowids] = True
        return flags

    def newest(self, rowids: np.ndarray, k: int) -> list[int]:
        """The k most recently received of ``rowids``, newest first."""
        if not len(rowids):
            return []
        ranks = self.recency[rowids]
        k = min(k, len(rowids))
        best = np.argpartition(ranks, k - 1)[:k]
        return [int(r) for r in rowids[best[np.argsort(ranks[best], kind="stable")]]]


def _top(counts: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    return sorted(counts, key=lambda kv: (-kv[1], kv[0]))[:limit]


def facet_order(name: str, counts: list[tuple[str, int]], limit: int = 10) -> list[tuple[str, int]]:
    """A facet's (value, count) pairs as the search page lists them: the months (YYYY-MM) newest
    first, as the results are, the ``limit`` newest with a match; any other facet largest first
    (ties by value)."""
    if name == "month":
        return sorted(counts, reverse=True)[:limit]
    return _top(counts, limit)


def load_facets(conn: sqlite3.Connection, key: Any) -> FacetIndex:
    """Read the facet codes of every comment (called in Datasette's connection thread)."""
    size = int(conn.execute("select coalesce(max(rowid), 0) + 1 from feedback").fetchone()[0])
    values: dict[str, list[str]] = {}
    codes: dict[str, np.ndarray] = {}
    for column in COLUMNS:  # each by its index: one group_concat of rowids per value
        values[column] = [r[0] for r in conn.execute(
            f"select distinct {column} from feedback where {column} is not null order by {column}")]
        array = np.full(size, NONE, dtype=np.int16)
        for code, value in enumerate(values[column]):
            array[_ints(conn.execute(f"select group_concat(rowid) from feedback where {column} = ?",
                                     (value,)).fetchone()[0])] = code
        codes[column] = array
    pairs = np.zeros((0, 2), dtype=np.int64)
    labels: dict[int, str] = {}
    children: dict[int, list[int]] = {}
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if {"feedback_themes", "themes"} <= tables:
        pairs = _ints(conn.execute(
            """select group_concat(f.rowid || ',' || ft.theme_id) from feedback_themes ft
               join feedback f on f.id = ft.feedback_id""").fetchone()[0]).reshape(-1, 2)
        for theme_id, label, parent in conn.execute("select id, label, parent_id from themes"):
            labels[theme_id] = label
            if parent is not None:
                children.setdefault(parent, []).append(theme_id)
    sections: dict[int, list[int]] = {}
    if {"feedback_themes", "themes", "theme_sections"} <= tables:
        for section, theme_id in conn.execute(SECTION_MEMBERS):
            sections.setdefault(section, []).append(theme_id)
    recency = np.full(size, np.iinfo(np.int32).max, dtype=np.int32)  # undated comments rank last
    order = _ints(conn.execute("select group_concat(rowid) from (select rowid from feedback"
                               " where received_at is not null order by received_at desc, rowid)").fetchone()[0])
    recency[order] = np.arange(len(order), dtype=np.int32)
    return FacetIndex(key, size, values, codes, pairs[:, 0].copy(), pairs[:, 1].astype(np.int32), labels, children,
                      recency, len(order), sections)


def received_ranks(conn: sqlite3.Connection, since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """Recency-rank bounds for a date range: rank < first (on or after ``since``), rank >= second
    (before the day after ``until``); by the ``received_at`` index."""
    first = second = None
    if since:
        first = int(conn.execute("select count(*) from feedback where received_at >= ?", (since,)).fetchone()[0])
    if until:
        second = int(conn.execute("select count(*) from feedback where received_at >= date(?, '+1 day')",
                                  (until,)).fetchone()[0])
    return first, second


def match_rowids(conn: sqlite3.Connection, fts_query: str) -> np.ndarray:
    """Rowids of the comments matching an FTS5 query, from the index alone (no row is read)."""
    return _ints(conn.execute("select group_concat(rowid) from feedback_fts where feedback_fts match ?",
                              (fts_query,)).fetchone()[0])
