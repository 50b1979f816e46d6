"""The insight tables that are statistics over every comment, computed by SQL group-bys in the
warehouse instead of Python passes over all comments: ``theme_sources`` and ``score_drivers``.

Both read only what the group-by needs (no comment objects are built), and both are computed
the same way by a full and an incremental publish, so the two archives are equal by
construction. What they need is everything, and that is why they are recomputed:

- ``theme_sources`` (per theme, channel and source: comments, complaints, mean sentiment): a
  night's few thousand comments touch nearly every (theme, source) key, and a mean is only
  exact (:func:`math.fsum`, in any order) from all its values;
- ``score_drivers`` (per source with a score, each theme's and each top-level group's effect on
  it; ``section_drivers``, each section's of a large entry): the headline score and every theme's
  "without" group are over all of the source's responses. A response counts for a group (``level`` 1) when any of its scored comments has a
  segment in any active sub-theme of the group, so a group's figures are not its sub-themes'
  added up (one response can raise two of them). The points are
  whole numbers (NPS +100 / 0 / -100, % satisfied 100 / 0), so the per-theme sums are exact and
  :func:`feedback.insights.stats.drivers_from_sums` gives what
  :func:`~feedback.insights.stats.score_drivers` gives from the lists.

bench/RESULTS.md has their measured cost.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from typing import Any

import sqlite_utils

from feedback.insights.comments import Rows
from feedback.insights.no_topic import names_no_topic
from feedback.insights.stats import NEGATIVE_SENTIMENT, drivers_from_sums
from feedback.ratings import CUTS, NPS, NPS_CUTS, SCORE_NAMES
from feedback.text.sentiment_model import published_sentiment_sql

# the comment's rating band is low (feedback.ratings.rating_band) or its sentiment negative:
# feedback.insights.stats.is_negative, in SQL
# (over ``ps``: the comments' published sentiment, :func:`feedback.text.sentiment_model.published_sentiment_sql`)
NEGATIVE_SQL = (f"((i.rating is not null and i.rating < case when i.rating_scale = '{NPS}' then {NPS_CUTS[0]!r}"
                f" else {CUTS[0]!r} end) or (ps.sentiment is not null and ps.sentiment <= {NEGATIVE_SENTIMENT!r}))")
# feedback.ratings.band_points of the rating's band, for the scales with a headline score
POINTS_SQL = (f"case when i.rating_scale = '{NPS}' then (case when i.rating < {NPS_CUTS[0]!r} then -100.0"
              f" when i.rating < {NPS_CUTS[1]!r} then 0.0 else 100.0 end)"
              f" when i.rating >= {CUTS[1]!r} then 100.0 else 0.0 end")
SCORED = ", ".join(f"'{s}'" for s in SCORE_NAMES)

# each published comment's active themes, and their parents (a parent counts a comment once)
THEMED_SQL = """
    with carried as (select distinct s.item_id, s.theme_id from theme_segments s
                     join themes t on t.id = s.theme_id and t.status = 'active'),
    themed as (select item_id, theme_id from carried
               union select c.item_id, t.parent_id from carried c join themes t on t.id = c.theme_id
               where t.parent_id is not null)
"""


class _FSum:
    """SQL aggregate: the correctly rounded sum of the non-null values (math.fsum), whatever their order."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return math.fsum(self.values) if self.values else None


def _has_themes(db: sqlite_utils.Database) -> bool:
    tables = db.table_names()
    return "theme_segments" in tables and "themes" in tables


def source_rows(db: sqlite_utils.Database) -> Rows:
    """theme_sources: per theme (a parent counting its children's comments once), channel and
    source, the comments, complaints and mean sentiment."""
    if not _has_themes(db):
        return []
    db.conn.create_aggregate("feedback_fsum", 1, _FSum)  # type: ignore[arg-type]
    rows = db.execute(
        f"""{THEMED_SQL}
            select m.theme_id, i.channel, i.source, count(*), sum({NEGATIVE_SQL}),
                   feedback_fsum(ps.sentiment), count(ps.sentiment)
            from themed m join items i on i.id = m.item_id
            join (select p.item_id, {published_sentiment_sql("p")} as sentiment from processed p) ps
              on ps.item_id = i.id
            group by m.theme_id, i.channel, i.source order by m.theme_id, i.channel, i.source"""
    )
    return [{"theme_id": theme, "channel": channel, "source": source, "comments": n, "negative": negative,
             "sentiment": round(total / scored, 4) if scored else None}
            for theme, channel, source, n, negative, total, scored in rows]


# each scored comment with its response (a source, time and customer: its first ingested scored comment), and
# each response's points (its first comment's)
SCORED_RESPONSES = f"""
    with scored as (
        select i.id, i.rowid as r, i.source, i.rating_scale as scale, {POINTS_SQL} as points,
               min(i.rowid) over (partition by i.source, i.received_at, i.customer) as response
        from items i join processed p on p.item_id = i.id
        where i.rating is not null and i.rating_scale in ({SCORED})),
    responses as (select response, source, scale, points from scored where r = response)"""


def _totals(db: sqlite_utils.Database) -> dict[str, tuple[int, float, float, str]]:
    """Per source with a score: its responses, their points' sum and squares, and its scale."""
    return {source: (n, total, squares, scale) for source, n, total, squares, scale in db.execute(
        f"""{SCORED_RESPONSES} select source, count(*), sum(points), sum(points * points), min(scale)
            from responses group by source""")}


def driver_rows(db: sqlite_utils.Database) -> Rows:
    """score_drivers: per source with a score, each theme's and each group's effect on it. A
    response is a (source, time, customer): its points are its first scored comment's (the
    earliest ingested), its themes all its scored comments' active themes and their groups."""
    if not _has_themes(db):
        return []
    totals = _totals(db)
    themes: dict[str, list[tuple[int, int, float, float]]] = {}
    for source, theme, k, total, squares in db.execute(
        f"""{SCORED_RESPONSES}, carried as (select distinct c.response, s.theme_id, t.parent_id from scored c
                                  join theme_segments s on s.item_id = c.id
                                  join themes t on t.id = s.theme_id and t.status = 'active'),
            pairs as (select response, theme_id from carried
                      union select response, parent_id from carried where parent_id is not null)
            select r.source, m.theme_id, count(*), sum(r.points), sum(r.points * r.points)
            from pairs m join responses r on r.response = m.response group by r.source, m.theme_id"""
    ):
        themes.setdefault(source, []).append((theme, k, total, squares))
    groups, no_topic = group_ids(db), no_topic_ids(db)
    out: Rows = []
    for source in sorted(totals):
        n, total, squares, scale = totals[source]
        out.extend(source_drivers(source, SCORE_NAMES[scale], n, total, squares, themes.get(source, []), groups,
                                  no_topic))
    return out


def section_rows(db: sqlite_utils.Database) -> Rows:
    """section_drivers: per source with a score, each section's effect on it (a section of a large entry:
    :mod:`feedback.themes.sections`). A response counts for a section when any of its scored comments has a
    segment in an active sub-theme the section holds (a section of the sub-theme's own entry)."""
    if not _has_themes(db) or "theme_sections" not in db.table_names():
        return []
    totals = _totals(db)
    sections: dict[str, list[tuple[int, int, float, float]]] = {}
    for source, section, k, total, squares in db.execute(
        f"""{SCORED_RESPONSES}, pairs as (select distinct c.response, x.id as section_id from scored c
                                join theme_segments s on s.item_id = c.id
                                join themes t on t.id = s.theme_id and t.status = 'active'
                                join theme_sections x on x.id = t.section_id and x.parent_id = t.parent_id)
            select r.source, m.section_id, count(*), sum(r.points), sum(r.points * r.points)
            from pairs m join responses r on r.response = m.response group by r.source, m.section_id"""
    ):
        sections.setdefault(source, []).append((section, k, total, squares))
    info, out = section_info(db), []
    for source in sorted(totals):
        n, total, squares, scale = totals[source]
        out.extend(source_sections(source, SCORE_NAMES[scale], n, total, squares, sections.get(source, []), info))
    return out


def section_info(db: sqlite_utils.Database) -> dict[int, tuple[int, str]]:
    """Each section's entry and label."""
    if "theme_sections" not in db.table_names():
        return {}
    return {r[0]: (r[1], r[2]) for r in db.execute("select id, parent_id, label from theme_sections")}


def source_sections(source: str, score_name: str, n: int, total: float, squares: float,
                    sections: Iterable[tuple[int, int, float, float]], info: dict[int, tuple[int, str]]) -> Rows:
    """A source's section_drivers rows from its sums (as :func:`source_drivers`, per section): ranked among the
    source's sections, biggest drag first; one whose label names no topic after them, with no rank."""
    drivers = drivers_from_sums(n, total, squares, [s for s in sections if s[0] in info])
    topics = [d for d in drivers if not names_no_topic(info[d.theme_id][1])]
    apart = [d for d in drivers if names_no_topic(info[d.theme_id][1])]
    out: Rows = []
    for rank, d in [*enumerate(topics, start=1), *((None, d) for d in apart)]:
        row = driver_row(source, score_name, rank, d)
        out.append({"source": source, "score_name": score_name, "rank": rank, "section_id": d.theme_id,
                    "parent_id": info[d.theme_id][0], "responses": d.responses, "section_responses": d.theme_responses,
                    "score": row["score"], "score_with_section": row["score_with_theme"],
                    "score_without_section": row["score_without_theme"], "points": row["points"],
                    "points_low": row["points_low"], "points_high": row["points_high"]})
    return out


def group_ids(db: sqlite_utils.Database) -> set[int]:
    """The top-level groups of themes (status 'parent'): their score_drivers rows are level 1."""
    if "themes" not in db.table_names():
        return set()
    return {r[0] for r in db.execute("select id from themes where status = 'parent'")}


def no_topic_ids(db: sqlite_utils.Database) -> set[int]:
    """The groups and themes whose label names no topic (:func:`feedback.insights.no_topic.names_no_topic`):
    their score_drivers rows have figures but no rank."""
    if "themes" not in db.table_names():
        return set()
    return {r[0] for r in db.execute("select id, label from themes where status in ('active', 'parent')")
            if names_no_topic(r[1])}


def drivers_stale(db: sqlite_utils.Database, archive: sqlite_utils.Database) -> bool:
    """Whether the archive's score_drivers leaves out of the ranking other themes than the ones that
    name no topic now (an analyst renamed "General remarks", or named a theme so): their figures
    hold, their ranks do not."""
    if "score_drivers" not in archive.table_names():
        return False
    unranked, listed = set(), set()
    for theme, rank in archive.execute("select theme_id, rank from score_drivers"):
        listed.add(theme)
        if rank is None:
            unranked.add(theme)
    return unranked != listed & no_topic_ids(db)


def source_drivers(source: str, score_name: str, n: int, total: float, squares: float,
                   themes: Iterable[tuple[int, int, float, float]], groups: Collection[int],
                   no_topic: Collection[int] = ()) -> Rows:
    """A source's score_drivers rows from its sums (``n`` responses, their points' ``total`` and
    ``squares``; per theme or group: responses, their points' sum and squares): the groups ranked
    among themselves (level 1), then the themes among themselves (level 0); those that name no
    topic (``no_topic``: "General remarks", ...) after them with their figures and no rank."""
    found = list(themes)
    out: Rows = []
    for level in (1, 0):
        mine = [t for t in found if (t[0] in groups) == (level == 1)]
        drivers = drivers_from_sums(n, total, squares, mine)
        topics = [d for d in drivers if d.theme_id not in no_topic]
        out.extend(driver_row(source, score_name, rank, d, level) for rank, d in enumerate(topics, start=1))
        out.extend(driver_row(source, score_name, None, d, level) for d in drivers if d.theme_id in no_topic)
    return out


def driver_row(source: str, score_name: str, rank: int | None, d: Any, level: int = 0) -> dict[str, Any]:
    """A score_drivers row for one theme's or group's :class:`~feedback.insights.stats.Driver`
    (``rank`` among the source's rows of its ``level``: 1 a group, 0 a theme; None for one that
    names no topic)."""
    interval = d.interval
    return {
        "source": source, "score_name": score_name, "level": level, "rank": rank, "theme_id": d.theme_id,
        "responses": d.responses, "theme_responses": d.theme_responses, "score": round(d.score, 1),
        "score_with_theme": round(d.score_with, 1), "score_without_theme": round(d.score_without, 1),
        "points": round(d.points, 2),
        "points_low": round(interval[0], 2) if interval else None,
        "points_high": round(interval[1], 2) if interval else None,
    }
