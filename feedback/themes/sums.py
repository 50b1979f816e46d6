"""Per-theme sums kept between runs, so a night's theme statistics cost what changed, not the archive.

A theme's size, comments, sentiment, dates, representatives and cohesion (the mean cosine of its
segments to its centre) come from ``theme_sums``: one row per theme (leaf or parent) of integer
sums (sentiment in millionths, scores in ten-thousandths: exact whatever order they are added
in), its dates and its three representatives. Warehouse triggers (migration 0140) write every
change of a segment's theme, score, sentiment, text or themability to ``theme_stats_log``: the
row before (-1) and after (+1). :func:`sync` applies the log: it reads the changed comments'
segments only, rebuilds each comment's segments as they were before the log from its entries,
and adds the difference. A theme that lost a comment dated at its first or last day has its dates read
again; one that lost a segment (or a score) of its representatives' texts, its representatives. Everything is counted
again (:func:`recount`) the first time, after a fit, when the active themes' parents changed (a
theme born at night under a parent is not a change: it had no segments), or
when the log holds more than a fifth of the segments (a new sentiment calibration re-scores all).

Counted as :func:`recount` counts: a theme's segments are every segment in it, its comments the
distinct comments among them; a parent's comments are the distinct comments among its active
children's segments; ``counts`` are the themable segments (all, in no theme) and the comments
with segments (all, with none themed).

A section of a large entry (:mod:`.sections`) has its distinct comments kept the same way, in
``theme_section_sums`` (migration 0180): the distinct comments among the segments of the active
sub-themes in it (of its own entry: what :func:`.sections.archive_rows` publishes). The state keeps
which theme is in which section; a section whose sub-themes changed since (a fit writes new
sections, an analyst's edit unsections a theme, an undo or redo puts one back) is counted again
(its sub-themes' segments only), every other one takes the log's difference, so a night costs
what is new however many comments the sectioned themes hold. :func:`section_comments` is the count
over every segment, for a rebuild and the tests.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from feedback.warehouse.sql import chunks, marks, now_iso

STATE_KEY = "theme_sums"
FULL_SHARE = 0.2  # a log longer than this share of the segments is cheaper to recount
FULL_MIN = 50_000  # ... but a log this short is always applied
SENTIMENT_UNIT = 1_000_000  # sentiment sums are kept in millionths (exact integers)
SCORE_UNIT = 10_000  # scores are stored rounded to 4 decimals: their sums in ten-thousandths are exact

# (theme id, themable, text hash, sentiment, score) of one segment
Row = tuple[int | None, int, str, float | None, float | None]
_COLUMNS = "theme_id, themable, text_hash, sentiment, score"


@dataclass
class Sums:
    """One theme's sums (``first``/``last``: its comments' earliest and latest ``received_at``)."""

    segments: int = 0
    comments: int = 0
    sentiment_total: int = 0
    sentiment_n: int = 0
    score_total: int = 0
    score_n: int = 0
    first: str | None = None
    last: str | None = None
    representatives: list[str] = field(default_factory=list)


def _micro(value: float | None, unit: int) -> int:
    return 0 if value is None else round(value * unit)


def sync(db: sqlite_utils.Database, full: bool = False) -> None:
    """Bring ``theme_sums`` and ``theme_section_sums`` up to date with the segments (see the module docstring)."""
    state = _state(db)
    parents, placed = _parents(db), _placed(db)
    logged = db.execute("select count(*) from theme_stats_log").fetchone()[0]
    with db.atomic():
        if full or state is None or not _same_parents(db, state["parents"], parents) or (
                logged > max(FULL_MIN, FULL_SHARE * state["counts"]["segments"])):
            recount(db, parents, placed)
        else:
            moved = _moved(db, state.get("sections"), placed)
            if logged:
                _apply_log(db, state, parents, placed, moved)
            if moved:
                _count_sections(db, placed, moved)
                if not logged:  # else the log's application kept them
                    _set_state(db, {"parents": parents, "counts": state["counts"], "sections": placed})
        if logged:
            db.execute("delete from theme_stats_log")


def recount(db: sqlite_utils.Database, parents: dict[str, int] | None = None,
            placed: dict[str, int] | None = None) -> None:
    """Every theme's and section's sums and the counts, from every segment (one pass each)."""
    parents = _parents(db) if parents is None else parents
    placed = _placed(db) if placed is None else placed
    found: dict[int, Sums] = {}
    for theme_id, segments, comments, s_total, s_n, c_total, c_n, first, last in db.execute(
        f"""select s.theme_id, count(*), count(distinct s.item_id),
                  coalesce(sum(cast(round(s.sentiment * {SENTIMENT_UNIT}) as integer)), 0), count(s.sentiment),
                  coalesce(sum(cast(round(s.score * {SCORE_UNIT}) as integer)), 0), count(s.score),
                  min(i.received_at), max(i.received_at)
           from theme_segments s indexed by idx_theme_segments_theme_id
           left join items i indexed by idx_items_probe on i.id = s.item_id
           where s.theme_id is not null group by s.theme_id"""):
        found[theme_id] = Sums(segments, comments, s_total, s_n, c_total, c_n, first, last)
    best: dict[int, list[tuple[bool, float, str]]] = defaultdict(list)
    for theme_id, first_id, top in db.execute(
        "select theme_id, min(id), max(score) from theme_segments where theme_id is not null"
        " group by theme_id, text_hash"
    ):
        best[theme_id].append((top is None, -(top or 0.0), first_id))
    for theme_id, groups in best.items():
        found[theme_id].representatives = [rep for _, _, rep in sorted(groups)[:3]]
    # a parent's comments: the distinct comments among its active children's segments
    # ("themes c cross join theme_segments s": the children first, then their segments by theme)
    for parent_id in set(parents.values()):
        n = db.execute(
            """select count(distinct s.item_id) from themes c cross join theme_segments s on s.theme_id = c.id
               where c.parent_id = ? and c.status = 'active'""", [parent_id]).fetchone()[0]
        found.setdefault(parent_id, Sums()).comments = n
    segments, segment_outliers = db.execute(
        "select count(*), coalesce(sum(theme_id is null), 0) from theme_segments where themable = 1").fetchone()
    comments, comment_outliers = db.execute(
        """select count(*), coalesce(sum(themed = 0), 0) from
           (select item_id, max(theme_id is not null) as themed from theme_segments group by item_id)"""
    ).fetchone()
    counts = {"segments": int(segments), "segment_outliers": int(segment_outliers),
              "comments": int(comments), "comment_outliers": int(comment_outliers)}
    db.execute("delete from theme_sums")
    _write(db, found)
    _count_sections(db, placed, None)
    _set_state(db, {"parents": parents, "counts": counts, "sections": placed})


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Themable segments (all, in no theme), comments with segments (all, with none themed), as of now."""
    sync(db)
    state = _state(db)
    assert state is not None  # sync leaves one
    return dict(state["counts"])


def read(db: sqlite_utils.Database, theme_ids: list[int] | None = None) -> dict[int, Sums]:
    """The sums of these themes (all when None); a theme with no segments has none."""
    sql = ("select theme_id, segments, comments, sentiment_total, sentiment_n, score_total, score_n,"
           " first_seen, last_seen, representatives from theme_sums")
    found: dict[int, Sums] = {}
    rows: list[Any] = []
    if theme_ids is None:
        rows = db.execute(sql).fetchall()
    else:
        for part in chunks(theme_ids):
            rows += db.execute(f"{sql} where theme_id in ({marks(len(part))})", part).fetchall()
    for theme_id, segments, comments, s_total, s_n, c_total, c_n, first, last, reps in rows:
        found[theme_id] = Sums(segments, comments, s_total, s_n, c_total, c_n, first, last, json.loads(reps or "[]"))
    return found


def read_sections(db: sqlite_utils.Database, section_ids: list[int] | None = None) -> dict[int, int]:
    """Kept distinct comments of these sections (all when None); a section with no sub-theme in it has none."""
    sql = "select section_id, comments from theme_section_sums"
    if section_ids is None:
        return dict(db.execute(sql).fetchall())
    found: dict[int, int] = {}
    for part in chunks(section_ids):
        found.update(db.execute(f"{sql} where section_id in ({marks(len(part))})", part).fetchall())
    return found


def section_comments(db: sqlite_utils.Database, section_ids: set[int] | None = None,
                     placed: dict[str, int] | None = None) -> dict[int, int]:
    """Distinct comments of these sections (all when None), counted over their sub-themes' segments."""
    members: dict[int, list[int]] = defaultdict(list)
    for theme, section in (_placed(db) if placed is None else placed).items():
        if section_ids is None or section in section_ids:
            members[section].append(int(theme))
    found = {}
    for section, themes in sorted(members.items()):
        found[section] = db.execute(
            f"select count(distinct item_id) from theme_segments indexed by idx_theme_segments_theme_id"
            f" where theme_id in ({marks(len(themes))})", themes).fetchone()[0]
    return found


def _count_sections(db: sqlite_utils.Database, placed: dict[str, int], section_ids: set[int] | None) -> None:
    """Count these sections again (all when None) from their segments; a section left empty loses its row."""
    if section_ids is None:
        db.execute("delete from theme_section_sums")
    else:
        for part in chunks(sorted(section_ids)):
            db.execute(f"delete from theme_section_sums where section_id in ({marks(len(part))})", part)
    _write_sections(db, section_comments(db, section_ids, placed))


def _write_sections(db: sqlite_utils.Database, found: dict[int, int]) -> None:
    db.conn.executemany("insert or replace into theme_section_sums (section_id, comments) values (?, ?)",
                        sorted(found.items()))


def _placed(db: sqlite_utils.Database) -> dict[str, int]:
    """Active theme id (as text) -> the section of its own entry it is in (as published)."""
    return {str(r[0]): r[1] for r in db.execute(
        "select t.id, x.id from themes t join theme_sections x on x.id = t.section_id and x.parent_id = t.parent_id"
        " where t.status = 'active' order by t.id")}


def _moved(db: sqlite_utils.Database, kept: Any, now: dict[str, int]) -> set[int]:
    """The sections whose sub-themes changed since ``kept`` (the state's; anything but a mapping: every
    section, and every kept row)."""
    if not isinstance(kept, dict):
        return set(now.values()) | {r[0] for r in db.execute("select section_id from theme_section_sums")}
    return ({s for t, s in kept.items() if now.get(t) != s} | {s for t, s in now.items() if kept.get(t) != s})


def _write(db: sqlite_utils.Database, found: dict[int, Sums]) -> None:
    db.conn.executemany(
        "insert or replace into theme_sums (theme_id, segments, comments, sentiment_total, sentiment_n,"
        " score_total, score_n, first_seen, last_seen, representatives) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(tid, s.segments, s.comments, s.sentiment_total, s.sentiment_n, s.score_total, s.score_n, s.first,
          s.last, json.dumps(s.representatives)) for tid, s in found.items()],
    )


def _state(db: sqlite_utils.Database) -> dict[str, Any] | None:
    row = db.execute("select value from theme_state where key = ?", [STATE_KEY]).fetchone()
    try:
        value = json.loads(row[0]) if row else None
        return value if isinstance(value, dict) and {"parents", "counts"} <= set(value) else None
    except (TypeError, ValueError):  # a damaged state is counted again, never trusted
        return None


def _set_state(db: sqlite_utils.Database, value: dict[str, Any]) -> None:
    db.execute(
        "insert into theme_state (key, value, updated_at) values (?, ?, ?)"
        " on conflict(key) do update set value = excluded.value, updated_at = excluded.updated_at",
        [STATE_KEY, json.dumps(value, sort_keys=True), now_iso()],
    )


def _same_parents(db: sqlite_utils.Database, kept: dict[str, int], now: dict[str, int]) -> bool:
    """Whether the parents the sums were kept under still hold: every theme keeps its parent, and a
    theme that has one only now had no segment when they were kept (a theme born tonight)."""
    if any(now.get(child) != parent for child, parent in kept.items()):
        return False
    added = [int(child) for child in now.keys() - kept.keys()]
    return not any(s.segments for s in read(db, added).values())


def _parents(db: sqlite_utils.Database) -> dict[str, int]:
    """Active theme id (as text: it is kept in JSON) -> its parent's id."""
    return {str(r[0]): r[1] for r in db.execute(
        "select id, parent_id from themes where status = 'active' and parent_id is not null order by id")}


def _apply_log(db: sqlite_utils.Database, state: dict[str, Any], parents: dict[str, int],
               placed: dict[str, int], moved: set[int]) -> None:
    """Add the logged changes' difference to the sums (see the module docstring); the sections in
    ``moved`` are left to be counted again."""
    log = db.execute(f"select item_id, segment_id, sign, {_COLUMNS} from theme_stats_log order by seq").fetchall()
    items = sorted({row[0] for row in log})
    after: dict[str, dict[str, Row]] = {item: {} for item in items}
    received: dict[str, str | None] = {}
    for part in chunks(items):
        for item_id, seg_id, *row in db.execute(
                f"select item_id, id, {_COLUMNS} from theme_segments where item_id in ({marks(len(part))})", part):
            after[item_id][seg_id] = tuple(row)  # type: ignore[assignment]
        received.update(db.execute(f"select id, received_at from items indexed by idx_items_probe"
                                   f" where id in ({marks(len(part))})", part).fetchall())
    before = {item: dict(rows) for item, rows in after.items()}
    for item_id, seg_id, sign, *row in reversed(log):  # undo the changes, newest first
        if sign > 0:
            before[item_id].pop(seg_id, None)
        else:
            before[item_id][seg_id] = tuple(row)  # type: ignore[assignment]
    touched: set[int] = set()
    for item_id in items:
        touched |= {r[0] for r in (*before[item_id].values(), *after[item_id].values()) if r[0] is not None}
    parent_of = {int(k): v for k, v in parents.items()}
    touched |= {parent_of[t] for t in touched if t in parent_of}
    sums = read(db, sorted(touched))
    section_of = {int(k): v for k, v in placed.items() if v not in moved}
    sectioned = read_sections(db, sorted({section_of[t] for t in touched if t in section_of}))
    dated: set[int] = set()  # themes whose dates are read again (they lost a comment of their first or last day)
    went: dict[int, set[str]] = defaultdict(set)  # ids and text hashes of segments that left a theme (or changed score)
    candidates: dict[int, set[str]] = defaultdict(set)  # text hashes that may now represent a theme
    counts = dict(state["counts"])
    for item_id in items:
        old, new = before[item_id], after[item_id]
        for rows, sign in ((old, -1), (new, 1)):
            for theme_id, themable, _, sentiment, score in rows.values():
                counts["segments"] += sign * (themable == 1)  # 2: a review title's point, in no theme
                counts["segment_outliers"] += sign * (themable == 1 and theme_id is None)
                if theme_id is None:
                    continue
                s = sums.setdefault(theme_id, Sums())
                s.segments += sign
                s.sentiment_total += sign * _micro(sentiment, SENTIMENT_UNIT)
                s.sentiment_n += sign * (sentiment is not None)
                s.score_total += sign * _micro(score, SCORE_UNIT)
                s.score_n += sign * (score is not None)
            themed = any(r[0] is not None for r in rows.values())
            counts["comments"] += sign * bool(rows)
            counts["comment_outliers"] += sign * (bool(rows) and not themed)
        old_themes = {r[0] for r in old.values() if r[0] is not None}
        new_themes = {r[0] for r in new.values() if r[0] is not None}
        when = received.get(item_id)
        for theme_id in new_themes - old_themes:
            s = sums.setdefault(theme_id, Sums())
            s.comments += 1
            if when is not None:
                s.first = when if s.first is None else min(s.first, when)
                s.last = when if s.last is None else max(s.last, when)
        for theme_id in old_themes - new_themes:
            s = sums.setdefault(theme_id, Sums())
            s.comments -= 1
            if when is not None and when in (s.first, s.last):
                dated.add(theme_id)
        old_parents = {parent_of[t] for t in old_themes if t in parent_of}
        new_parents = {parent_of[t] for t in new_themes if t in parent_of}
        for parent_id in new_parents - old_parents:
            sums.setdefault(parent_id, Sums()).comments += 1
        for parent_id in old_parents - new_parents:
            sums.setdefault(parent_id, Sums()).comments -= 1
        old_sections = {section_of[t] for t in old_themes if t in section_of}
        new_sections = {section_of[t] for t in new_themes if t in section_of}
        for section in old_sections ^ new_sections:
            sectioned[section] = sectioned.get(section, 0) + (1 if section in new_sections else -1)
        for seg_id in old.keys() | new.keys():
            was, now = old.get(seg_id), new.get(seg_id)
            if was == now:
                continue
            if was is not None and was[0] is not None and (now is None or (now[0], now[2], now[4]) != (was[0], was[2], was[4])):
                went[was[0]] |= {seg_id, was[2]}
            if now is not None and now[0] is not None:
                candidates[now[0]].add(now[2])
    for theme_id in went.keys() | candidates.keys():
        s = sums[theme_id]
        if went[theme_id] & {*s.representatives, *_texts_of(db, s.representatives)}:
            s.representatives = _ranked_texts(db, theme_id)  # a representative's text lost a segment
        elif candidates[theme_id]:
            s.representatives = _best_of(db, theme_id, s.representatives, candidates[theme_id])
    for theme_id in dated:
        sums[theme_id].first, sums[theme_id].last = db.execute(
            """select min(i.received_at), max(i.received_at) from theme_segments s indexed by idx_theme_segments_theme_id
               left join items i indexed by idx_items_probe on i.id = s.item_id where s.theme_id = ?""",
            [theme_id]).fetchone()
    _write(db, sums)
    _write_sections(db, sectioned)
    _set_state(db, {"parents": parents, "counts": counts, "sections": placed})


def _texts_of(db: sqlite_utils.Database, seg_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(seg_ids):
        found |= {r[0] for r in db.execute(f"select text_hash from theme_segments where id in ({marks(len(part))})",
                                           part)}
    return found


def _best_of(db: sqlite_utils.Database, theme_id: int, reps: list[str], hashes: set[str]) -> list[str]:
    """A theme's three representatives after segments (texts ``hashes``) joined it, when no
    segment of its representatives' texts left: the best of those texts and the new ones (a
    text's rank only rises when a segment joins it and only falls when one leaves, so no other
    text can overtake them)."""
    groups = []
    for text_hash in hashes | _texts_of(db, reps):
        # by the text's index: SQLite would otherwise walk every segment of the theme, once per text
        first_id, top = db.execute("select min(id), max(score) from theme_segments indexed by idx_theme_segments_text_hash"
                                   " where text_hash = ? and theme_id = ?", [text_hash, theme_id]).fetchone()
        if first_id is not None:
            groups.append((top is None, -(top or 0.0), first_id))
    return [rep for _, _, rep in sorted(groups)[:3]]


def _ranked_texts(db: sqlite_utils.Database, theme_id: int) -> list[str]:
    """A theme's three representatives, from all its segments: its best distinct texts (the
    highest score among a text's segments, nulls last, then the text's first segment id)."""
    groups = [(top is None, -(top or 0.0), first_id) for first_id, top in db.execute(
        "select min(id), max(score) from theme_segments where theme_id = ? group by text_hash", [theme_id])]
    return [rep for _, _, rep in sorted(groups)[:3]]
