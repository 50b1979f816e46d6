"""Per-key partial sums behind weekly_volume, theme_weeks, theme_sources and score_drivers, kept in
the warehouse between publishes (migration ``0070_insight_sums``).

Each of those tables is a count, an exact sum and a sum of squares per key, so a publish can add
the new and changed comments' contributions, subtract the old contributions of changed and removed
ones, and derive the rows of the keys it touched, without reading every comment:

- ``insight_ledger``: what each published comment last added: its week, channel, source, whether
  it is a complaint, its sentiment, its themes (active, with their parents: a parent counts a
  comment once), its scored response's key and the sections of large entries its themes are in (each once);
- ``insight_responses``: what each scored response (a source, time and customer: its points are
  its first ingested scored comment's, its themes all its scored comments' active themes, with
  their parents, the top-level groups: a group counts a response once; and the sections of large
  entries those themes are in, each once) added;
- ``insight_sums``: per ``kind`` and ``key`` (a JSON array): ``volume`` [week, channel, source],
  ``theme_week`` [theme, week], ``theme_source`` [theme, channel, source], ``section_week`` [section, week]
  (comments, complaints, sentiment total and count), ``score`` [source, scale], ``driver`` [source, theme or group] and ``section`` [source, section] (responses,
  points total, sum of squared points).

Exact sums: a sentiment is a float, i.e. ``m / 2**e``; a total is kept as ``[numerator, e]`` (JSON,
any size of integer), so adding and subtracting never round, and ``total / count`` is what
``math.fsum(values) / len(values)`` gives (both round the exact sum once). Points are whole numbers.

:func:`apply` brings the sums up to date for a set of comments (idempotent: a comment's old
contribution is the ledger's, whatever happened since); :func:`rebuild` starts them from scratch
(a full publish). The sums record which archive build they were derived for (:func:`tag`): an
incremental publish whose base archive is another build derives its tables whole from the sums.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from functools import lru_cache
from itertools import groupby
from typing import Any

import sqlite_utils

from feedback.insights.comments import Comment, Rows, band_of, comment_themes, comments, theme_info
from feedback.insights.grouped import (
    group_ids,
    no_topic_ids,
    section_info,
    source_drivers,
    source_sections,
)
from feedback.insights.stats import week_of
from feedback.ratings import SCORE_NAMES, band_points, rating_band
from feedback.text.sentiment_model import published_sentiment_sql
from feedback.warehouse.sql import chunks, marks, write_transaction

TAG = "insight_sums"  # publish_state key: the archive build the sums were last derived for
SCORED = ", ".join(f"'{s}'" for s in SCORE_NAMES)
COMMENT_SQL = f"""select i.id, i.source, i.channel, i.received_at, i.customer, i.rating, i.rating_scale,
                  {published_sentiment_sql("p")} from items i join processed p on p.item_id = i.id"""
# (kind, key) -> [n, negative, scored, numerator, shift, squares]
Delta = dict[tuple[str, str], list[int]]
Ledger = tuple[str, str | None, str, str, int, float | None, str, str | None, str]


def exact_add(numerator: int, shift: int, value: float, sign: int = 1) -> tuple[int, int]:
    """``numerator / 2**shift + sign * value``, exactly, as a new (numerator, shift)."""
    m, d = value.as_integer_ratio()
    e = d.bit_length() - 1  # d is a power of two
    if e > shift:
        numerator, shift = numerator << (e - shift), e
    return numerator + sign * (m << (shift - e)), shift


def exact_value(numerator: int, shift: int) -> float:
    return numerator / (1 << shift)  # int / int rounds once, correctly


@lru_cache(maxsize=1 << 16)
def key(*parts: Any) -> str:
    """A key as stored: the JSON array of its parts (a night repeats the same few thousand)."""
    return json.dumps(list(parts))


def _add(delta: Delta, kind: str, k: str, sign: int, negative: int = 0, sentiment: float | None = None,
         points: int | None = None) -> None:
    entry = delta.setdefault((kind, k), [0, 0, 0, 0, 0, 0])
    entry[0] += sign
    entry[1] += sign * negative
    if sentiment is not None:
        entry[2] += sign
        entry[3], entry[4] = exact_add(entry[3], entry[4], sentiment, sign)
    if points is not None:
        entry[3] += sign * points
        entry[5] += sign * points * points


def with_parents(themes: Iterable[int], info: dict[int, dict[str, Any]]) -> set[int]:
    """``themes`` and their parents (a parent once, however many of its themes are there)."""
    found = set(themes)
    return found | {info[t]["parent_id"] for t in found if info.get(t, {}).get("parent_id") is not None}


def sections_of(themes: Iterable[int], info: dict[int, dict[str, Any]]) -> list[int]:
    """The sections these themes are in, each once."""
    return sorted({s for t in themes if (s := info.get(t, {}).get("section_id")) is not None})


def ledger_row(c: Comment, themes: frozenset[int], info: dict[int, dict[str, Any]]) -> Ledger:
    """What a comment adds: its themes with their parents, its response when it is scored, and its sections."""
    expanded = with_parents(themes, info)
    response = key(c.source, c.received_at, c.customer) if c.band is not None and c.scale in SCORE_NAMES else None
    return (c.id, c.week, c.channel, c.source, int(c.negative), c.sentiment, json.dumps(sorted(expanded)), response,
            json.dumps(sections_of(expanded, info)))


def _contribute(delta: Delta, row: Ledger, sign: int) -> None:
    _id, week, channel, source, negative, sentiment, themes, _response, sections = row
    if week:
        _add(delta, "volume", key(week, channel, source), sign, negative, sentiment)
    for theme in json.loads(themes):
        if week:
            _add(delta, "theme_week", key(theme, week), sign, negative, sentiment)
        _add(delta, "theme_source", key(theme, channel, source), sign, negative, sentiment)
    if week:
        for section in json.loads(sections):
            _add(delta, "section_week", key(section, week), sign, negative, sentiment)


Response = tuple[str, str, str, int, str, str]  # key, source, scale, points, themes and sections (JSON)


def _respond(delta: Delta, row: Response, sign: int) -> None:
    _key, source, scale, points, themes, sections = row
    _add(delta, "score", key(source, scale), sign, points=points)
    for theme in json.loads(themes):
        _add(delta, "driver", key(source, theme), sign, points=points)
    for section in json.loads(sections):
        _add(delta, "section", key(source, section), sign, points=points)


def _response_rows(members: Iterable[tuple[str, str, str | None, str | None, float, str]],
                   carried: dict[str, frozenset[int]],
                   info: dict[int, dict[str, Any]]) -> Iterator[Response]:
    """Responses from scored comments (id, source, time, customer, rating, scale) sorted by
    response and then by ingestion: the first one's points, every one's themes and their groups, and
    their sections."""
    for (source, at, customer), group in groupby(members, key=lambda m: (m[1], m[2], m[3])):
        rows = list(group)
        _id, _s, _a, _c, rating, scale = rows[0]
        points = int(band_points(rating_band(rating, scale), scale) or 0)
        themes = sorted(with_parents((t for r in rows for t in carried.get(r[0], frozenset())), info))
        yield key(source, at, customer), source, scale, points, json.dumps(themes), json.dumps(sections_of(themes, info))


def _comments(db: sqlite_utils.Database, ids: Collection[str]) -> list[Comment]:
    out = []
    for part in chunks(sorted(ids)):
        for i, s, ch, at, cu, rating, scale, sentiment in db.execute(
                f"{COMMENT_SQL} where i.id in ({marks(len(part))})", part):
            out.append(Comment(i, s, ch, at, week_of(at), cu, scale, band_of(rating, scale), sentiment))
    return out


def themes_of(db: sqlite_utils.Database, items: Collection[str]) -> dict[str, frozenset[int]]:
    """The active themes each of these comments carries (comment_themes for a few)."""
    found: dict[str, set[int]] = {}
    for part in chunks(sorted(items)):
        for item_id, theme_id in db.execute(
            f"""select distinct s.item_id, s.theme_id from theme_segments s
                join themes t on t.id = s.theme_id and t.status = 'active' where s.item_id in ({marks(len(part))})""",
            part,
        ):
            found.setdefault(item_id, set()).add(theme_id)
    return {k: frozenset(v) for k, v in found.items()}


def _has_themes(db: sqlite_utils.Database) -> bool:
    tables = db.table_names()
    return "theme_segments" in tables and "themes" in tables


def _write(db: sqlite_utils.Database, delta: Delta) -> None:
    """Add ``delta`` to the stored sums; a key left with no comment is removed."""
    by_kind: dict[str, list[str]] = {}
    for kind, k in delta:
        by_kind.setdefault(kind, []).append(k)
    stored: dict[tuple[str, str], list[int]] = {}
    for kind, keys in by_kind.items():
        for part in chunks(keys):
            for k, n, negative, scored, total, squares in db.execute(
                    f"select key, n, negative, scored, total, squares from insight_sums where kind = ?"
                    f" and key in ({marks(len(part))})", [kind, *part]):
                numerator, shift = json.loads(total)
                stored[(kind, k)] = [n, negative, scored, numerator, shift, squares]
    upserts, deletes = [], []
    for (kind, k), change in delta.items():
        n, negative, scored, numerator, shift, squares = stored.get((kind, k), [0, 0, 0, 0, 0, 0])
        n, negative, scored, squares = n + change[0], negative + change[1], scored + change[2], squares + change[5]
        if change[4] > shift:
            numerator, shift = numerator << (change[4] - shift), change[4]
        numerator += change[3] << (shift - change[4])
        if n:
            upserts.append((kind, k, n, negative, scored, json.dumps([numerator, shift]), squares))
        else:
            deletes.append((kind, k))
    db.conn.executemany("delete from insight_sums where kind = ? and key = ?", deletes)
    db.conn.executemany("insert or replace into insight_sums (kind, key, n, negative, scored, total, squares)"
                        " values (?, ?, ?, ?, ?, ?, ?)", upserts)


def set_tag(db: sqlite_utils.Database, build: str | None, name: str = TAG) -> None:
    db.execute("insert or replace into publish_state (key, value, updated_at) values (?, ?, datetime('now'))",
               [name, json.dumps({"build_id": build})])


def tag(db: sqlite_utils.Database, name: str = TAG) -> str | None:
    """The archive build the sums (or the state kept under ``name``) were last derived for (None: not known)."""
    row = db.execute("select value from publish_state where key = ?", [name]).fetchone()
    return json.loads(row[0]).get("build_id") if row else None


def mark(db: sqlite_utils.Database, build: str, name: str = TAG) -> None:
    """The sums (or the state kept under ``name``) are the ones archive ``build`` was derived from
    (called once it is written)."""
    with write_transaction(db):
        set_tag(db, build, name)


def rebuild(db: sqlite_utils.Database, items: list[Comment] | None = None,
            carried: dict[str, frozenset[int]] | None = None, info: dict[int, dict[str, Any]] | None = None) -> None:
    """Start the ledger and the sums from scratch: one pass over every published comment."""
    items = comments(db) if items is None else items
    carried = (comment_themes(db) if carried is None else carried) if _has_themes(db) else {}
    info = theme_info(db) if info is None else info
    delta: Delta = {}
    with write_transaction(db):
        for table in ("insight_ledger", "insight_responses", "insight_sums"):
            db.execute(f"delete from {table}")
        for ledger in chunks((ledger_row(c, carried.get(c.id, frozenset()), info) for c in items), 20_000):
            for row in ledger:
                _contribute(delta, row, 1)
            db.conn.executemany("insert into insight_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?)", ledger)
        members = db.execute(f"""select i.id, i.source, i.received_at, i.customer, i.rating, i.rating_scale
                                 from items i join processed p on p.item_id = i.id
                                 where i.rating is not null and i.rating_scale in ({SCORED})
                                 order by i.source, i.received_at, i.customer, i.rowid""")
        for part in chunks(_response_rows(members, carried, info), 20_000):
            for response in part:
                _respond(delta, response, 1)
            db.conn.executemany("insert into insight_responses values (?, ?, ?, ?, ?, ?)", part)
        _write(db, delta)
        set_tag(db, None)


def _responses(db: sqlite_utils.Database, keys: Collection[str],
               info: dict[int, dict[str, Any]]) -> list[Response]:
    """The current rows of these responses (those with no scored comment left are absent)."""
    members = []
    for k in sorted(keys):
        source, at, customer = json.loads(k)
        members.extend(db.execute(
            f"""select i.id, i.source, i.received_at, i.customer, i.rating, i.rating_scale
                from items i join processed p on p.item_id = i.id
                where i.source = ? and i.received_at is ? and i.customer is ? and i.rating is not null
                  and i.rating_scale in ({SCORED}) order by i.rowid""", [source, at, customer]).fetchall())
    carried = themes_of(db, {m[0] for m in members}) if members and _has_themes(db) else {}
    return list(_response_rows(members, carried, info))


def apply(db: sqlite_utils.Database, ids: Collection[str], build: str | None,
          info: dict[int, dict[str, Any]] | None = None) -> dict[str, set[str]]:
    """Bring the sums up to date for the comments ``ids`` (new, changed, removed, or carrying a
    theme that moved), tag them with ``build``; returns the keys whose sums changed, per kind."""
    info = theme_info(db) if info is None else info
    old: dict[str, Ledger] = {}
    for part in chunks(sorted(ids)):
        old.update((r[0], r) for r in db.execute(
            f"select item_id, week, channel, source, negative, sentiment, themes, response, sections from insight_ledger"
            f" where item_id in ({marks(len(part))})", part))
    current = _comments(db, ids)
    carried = themes_of(db, ids) if current and _has_themes(db) else {}
    new = {c.id: ledger_row(c, carried.get(c.id, frozenset()), info) for c in current}
    delta: Delta = {}
    for row in old.values():
        _contribute(delta, row, -1)
    for row in new.values():
        _contribute(delta, row, 1)
    responses = {r[7] for r in (*old.values(), *new.values()) if r[7]}
    before = [r for part in chunks(sorted(responses)) for r in db.execute(
        f"select key, source, scale, points, themes, sections from insight_responses where key in ({marks(len(part))})", part)]
    after = _responses(db, responses, info)
    for response in before:
        _respond(delta, response, -1)
    for response in after:
        _respond(delta, response, 1)
    delta = {k: v for k, v in delta.items() if any(v)}
    with write_transaction(db):
        _write(db, delta)
        for part in chunks(sorted(old)):
            db.execute(f"delete from insight_ledger where item_id in ({marks(len(part))})", part)
        db.conn.executemany("insert into insight_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(new.values()))
        for part in chunks(sorted(responses)):
            db.execute(f"delete from insight_responses where key in ({marks(len(part))})", part)
        db.conn.executemany("insert into insight_responses values (?, ?, ?, ?, ?, ?)", after)
        set_tag(db, build)
    touched: dict[str, set[str]] = {}
    for kind, k in delta:
        touched.setdefault(kind, set()).add(k)
    return touched


COLUMNS = {"volume": ("week", "channel", "source"), "theme_week": ("theme_id", "week"),
           "theme_source": ("theme_id", "channel", "source"), "section_week": ("section_id", "week")}


def rows(db: sqlite_utils.Database, kind: str, keys: Collection[str] | None = None) -> Rows:
    """The table rows of ``kind`` (volume, theme_week, theme_source, section_week): every key's, or ``keys``'."""
    if keys is None:
        found = list(db.execute("select key, n, negative, scored, total from insight_sums where kind = ?", [kind]))
    else:
        found = [r for part in chunks(sorted(keys)) for r in db.execute(
            f"select key, n, negative, scored, total from insight_sums where kind = ? and key in ({marks(len(part))})",
            [kind, *part])]
    out = []
    for k, n, negative, scored, total in found:
        sentiment = round(exact_value(*json.loads(total)) / scored, 4) if scored else None
        out.append({**dict(zip(COLUMNS[kind], json.loads(k), strict=True)), "comments": n, "negative": negative,
                    "sentiment": sentiment})
    return sorted(out, key=lambda r: tuple(str(r[c]) for c in COLUMNS[kind]))


def _driver_sums(db: sqlite_utils.Database, kind: str) -> Iterator[tuple[str, str, int, float, float,
                                                                         list[tuple[int, int, float, float]]]]:
    """Per source with a score: its score's name, responses, points total and squares, and per theme or group
    (``kind`` driver) or section (``kind`` section) its responses, their points' sum and squares."""
    scores: dict[str, dict[str, tuple[int, int, int]]] = {}
    found: dict[str, list[tuple[int, int, float, float]]] = {}
    for what_kind, k, n, total, squares in db.execute(
            "select kind, key, n, total, squares from insight_sums where kind in ('score', ?)", [kind]):
        source, what = json.loads(k)
        points = json.loads(total)[0]
        if what_kind == "score":
            scores.setdefault(source, {})[what] = (n, points, squares)
        else:
            found.setdefault(source, []).append((what, n, float(points), float(squares)))
    for source in sorted(scores):
        scales = scores[source]
        n = sum(v[0] for v in scales.values())
        total, squares = float(sum(v[1] for v in scales.values())), float(sum(v[2] for v in scales.values()))
        yield source, SCORE_NAMES[min(scales)], n, total, squares, sorted(found.get(source, []))


def driver_rows(db: sqlite_utils.Database) -> Rows:
    """score_drivers from the sums, themes and groups (the same figures as
    :func:`feedback.insights.grouped.driver_rows`)."""
    groups, no_topic = group_ids(db), no_topic_ids(db)
    return [row for source, name, n, total, squares, themes in _driver_sums(db, "driver")
            for row in source_drivers(source, name, n, total, squares, themes, groups, no_topic)]


def section_driver_rows(db: sqlite_utils.Database) -> Rows:
    """section_drivers from the sums and sections (the same figures as
    :func:`feedback.insights.grouped.section_rows`)."""
    info = section_info(db)
    return [row for source, name, n, total, squares, sections in _driver_sums(db, "section")
            for row in source_sections(source, name, n, total, squares, sections, info)]
