"""The insight tables' incremental publish: bounded updates where the statistic allows them.

Given the comments that changed (:class:`feedback.publish_state.Changes`) and the archive as
it was (their old week, customer and themes), each table is brought up to date:

- ``feedback_vectors``: the changed comments' vectors (all of them when the model changed);
  ``vector_model`` is counted from the archive;
- ``weekly_volume``, ``theme_weeks``, ``theme_sources``, ``score_drivers``, ``section_drivers``: from the per-key sums
  kept in the warehouse (:mod:`feedback.insights.sums`): the changed comments' contributions (and
  those of the comments carrying a theme that moved: status or parent changed) are subtracted and
  added again, and the rows of the keys whose sums changed are derived (the two small tables whole);
  a theme moved to another group takes its comments and scored responses to that group's rows
  (``theme_sources``, ``theme_weeks``, and the groups' ``score_drivers``, level 1);
- ``section_weeks``: as ``theme_weeks``, per section of a large entry (a comment counts once for a section);
- ``theme_trends``, ``section_trends``: from the archive's ``weekly_volume`` and ``theme_weeks`` / ``section_weeks``
  (no comment read);
- ``customers``: the customers of the changed comments and of the e-mail threads that changed;
- ``email_threads`` / ``email_feedback``: recomputed when an e-mail message or an e-mail
  comment changed (threads join across the whole mailbox), else kept;
- ``promise_mentions``: keyed by comment, only the changed comments' segments are matched
  against the promises; ``promises`` and ``promise_weeks`` are summed from the archive's
  mentions and weekly volume (everything is matched again only when the promises or the model
  changed: :func:`feedback.insights.promises.promise_delta`);
- ``actions`` / ``action_customers``: recomputed, from every comment only when an action is recorded.

See bench/RESULTS.md for what each costs at scale.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.actions.record import list_actions
from feedback.insights import sums
from feedback.insights.actions import action_tables, has_actions
from feedback.insights.comments import (
    Comment,
    Rows,
    band_of,
    comment_themes,
    comments,
    theme_info,
    vector_model,
)
from feedback.insights.comments import feedback_vectors as all_vectors
from feedback.insights.grouped import drivers_stale, section_info
from feedback.insights.promises import EMPTY, promise_delta, promise_tables
from feedback.insights.stats import week_of
from feedback.insights.tables import (
    customer_rows,
    insight_tables,
    section_trend_rows,
    trend_rows,
)
from feedback.publish_delta import ArchiveExtension, IncrementalExtension, TableUpdate
from feedback.publish_state import Changes
from feedback.sources.email.threads import archive_tables as email_tables
from feedback.text.sentiment_model import published_sentiment_sql
from feedback.warehouse.sql import chunks, marks

INSIGHT_TABLES = ("feedback_vectors", "vector_model", "weekly_volume", "theme_weeks", "theme_sources", "theme_trends",
                  "section_weeks", "section_trends", "score_drivers", "section_drivers", "customers", *EMPTY, "email_threads", "email_feedback", "actions",
                  "action_customers")
ACTION_KEYS = ("theme_id", "recorded_theme_id", "theme_label", "theme_status", "date", "text", "created_at")
COMMENT_SQL = f"""select i.id, i.source, i.channel, i.received_at, i.customer, i.rating, i.rating_scale,
                        {published_sentiment_sql("p")} from items i join processed p on p.item_id = i.id"""


def _comments(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[Comment]:
    return [Comment(i, s, ch, r, week_of(r), cu, sc, band_of(ra, sc), se)
            for i, s, ch, r, cu, ra, sc, se in db.execute(f"{COMMENT_SQL} where {where}", params)]


def comments_by(db: sqlite_utils.Database, column: str, keys: set[str]) -> list[Comment]:
    """The published comments whose ``items.column`` is one of ``keys`` (an indexed lookup)."""
    out: list[Comment] = []
    for part in chunks(sorted(keys)):
        out.extend(_comments(db, f"i.{column} in ({marks(len(part))})", part))
    return out


def _archive_rows(archive: sqlite_utils.Database, table: str, where: str = "", params: list[Any] | None = None) -> Rows:
    if not archive.table(table).exists():
        return []
    return list(archive.query(f"select * from [{table}] {where}", params or []))


def _vector_model_rows(model: tuple[str, str] | None) -> Any:
    def rows(archive: sqlite_utils.Database) -> Rows:
        if model is None:
            return []
        count, width = 0, 0
        if archive.table("feedback_vectors").exists():
            count = archive.execute("select count(*) from feedback_vectors").fetchone()[0]  # from its index
            width = (archive.execute("select length(vector) from feedback_vectors limit 1").fetchone() or [0])[0]
        return [{"model": model[0], "model_version": model[1], "dim": (width or 0) // 4 if count else 0,
                 "vectors": count}]
    return rows


def _per_week(archive: sqlite_utils.Database) -> Counter[str]:
    per_week: Counter[str] = Counter()
    for week, n in archive.execute("select week, sum(comments) from weekly_volume group by week") \
            if archive.table("weekly_volume").exists() else []:
        per_week[week] = n
    return per_week


def _trends(info: dict[int, dict[str, Any]]) -> Any:
    def rows(archive: sqlite_utils.Database) -> Rows:
        return trend_rows(_per_week(archive), _archive_rows(archive, "theme_weeks"), info)
    return rows


def _section_trends(sections: dict[int, tuple[int, str]]) -> Any:
    def rows(archive: sqlite_utils.Database) -> Rows:
        return section_trend_rows(_per_week(archive), _archive_rows(archive, "section_weeks"), sections)
    return rows


def _threads_changed(archive: sqlite_utils.Database, email: dict[str, Rows]) -> set[str]:
    """Customers whose threads differ between the archive and ``email``."""
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(sorted(row.items()))
    old = {key(r): r.get("customer") for r in _archive_rows(archive, "email_threads")}
    new = {key(r): r.get("customer") for r in email["email_threads"]}
    return {c for k, c in {**old, **new}.items() if c and ((k in old) != (k in new))}


def insight_delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Changes,
                  promises: list[Any], model_path: Path | None) -> dict[str, TableUpdate]:
    items = changes.items
    info = theme_info(db)
    old = {r["id"]: r for part in chunks(sorted(items)) for r in archive.query(
        f"select id, received_at, customer from feedback where id in ({marks(len(part))})", part)}
    new = comments_by(db, "id", items)
    customers = {c for c in [r["customer"] for r in old.values()] + [c.customer for c in new] if c}

    updates: dict[str, TableUpdate] = {}
    model = vector_model(db)
    archived = _archive_rows(archive, "vector_model")
    if model is not None and archived and (archived[0]["model"], archived[0]["model_version"]) == model:
        vectors = [r for part in chunks(sorted(items)) for r in _vectors_for(db, model, part)]
        updates["feedback_vectors"] = TableUpdate.keyed({"feedback_id": items}, vectors)
        # the same model and no vector changed: nothing to count again
        updates["vector_model"] = TableUpdate.replace(_vector_model_rows(model)) if items else TableUpdate.keep()
    else:
        updates["feedback_vectors"] = TableUpdate.replace(all_vectors(db, model)[0])
        updates["vector_model"] = TableUpdate.replace(_vector_model_rows(model))

    moved = changes.themes_moved
    recount = set(items)
    # the comments of the themes now under another parent count under it (a comment counts for its themes and
    # their parents, and so does its scored response for the groups' drivers): recounted. A new theme's comments and those of a theme that came or went are changed
    # comments already; a parent's other children count as they did (not recounted: at 1M a night's new
    # themes under 5 parents made that hundreds of thousands of comments, 83 s CPU)
    if changes.themes_reparented:
        members = sorted(changes.themes_reparented)
        recount |= {r[0] for part in chunks(members) for r in db.execute(
            f"select distinct item_id from theme_segments where theme_id in ({marks(len(part))})", part)}
    updates.update(sum_updates(db, changes, recount, info))
    if updates["score_drivers"].keep_table and drivers_stale(db, archive):  # a theme renamed to or from "General remarks"
        updates["score_drivers"] = TableUpdate.replace(sums.driver_rows(db))
    # trends: from the archive's weekly tables, once they are updated (kept when they are not)
    weekly_kept = updates["weekly_volume"].keep_table and updates["theme_weeks"].keep_table
    updates["theme_trends"] = TableUpdate.keep() if weekly_kept and not moved else TableUpdate.replace(_trends(info))
    sections_kept = updates["weekly_volume"].keep_table and updates["section_weeks"].keep_table and not moved
    updates["section_trends"] = TableUpdate.keep() if sections_kept else TableUpdate.replace(
        _section_trends(section_info(db)))

    promise_updates = promise_delta(db, archive, items, new, promises, model, model_path)
    if promise_updates is None:  # other promises or another model: matched against every comment
        promise_updates = {table: TableUpdate.replace(rows) for table, rows in promise_tables(
            db, comments(db), promises, model, model_path).items()}
    updates.update(promise_updates)
    if changes.emails:
        email = email_tables(db)
        customers |= _threads_changed(archive, email)
        threads = [t for t in email["email_threads"] if t.get("customer") in customers]
        updates.update({table: TableUpdate.replace(rows) for table, rows in email.items()})
    else:
        threads = [t for part in chunks(sorted(customers)) for t in _archive_rows(
            archive, "email_threads", f"where customer in ({marks(len(part))})", part)]
        updates.update({table: TableUpdate.keep() for table in ("email_threads", "email_feedback")})
    answers = email["email_feedback"] if changes.emails else _archive_rows(archive, "email_feedback")
    # actions are few and an analyst may add one any day: recomputed every time (no change log),
    # from every comment, when there is one
    updates.update({table: TableUpdate.replace(rows)
                    for table, rows in action_tables_of(db, info, answers).items()})
    updates["customers"] = TableUpdate.keyed({"customer": customers},
                                             customer_rows(comments_by(db, "customer", customers), threads,
                                                                           answers))
    return updates


def sum_updates(db: sqlite_utils.Database, changes: Changes, recount: set[str],
                info: dict[int, dict[str, Any]]) -> dict[str, TableUpdate]:
    """weekly_volume, theme_weeks, section_weeks, theme_sources and the drivers from the warehouse's insight
    sums, once ``recount``'s contributions are brought up to date: the touched keys' rows when the
    sums were derived for the archive in place, else (a publish killed after updating them, or a
    full publish never swapped in) every row, still from the sums alone."""
    in_step = changes.base_build is not None and sums.tag(db) == changes.base_build
    touched = sums.apply(db, recount, changes.build, info)
    updates: dict[str, TableUpdate] = {}
    for table, kind in (("weekly_volume", "volume"), ("theme_weeks", "theme_week"), ("section_weeks", "section_week")):
        keys = touched.get(kind, set())
        if not in_step:
            updates[table] = TableUpdate.replace(sums.rows(db, kind))
        elif keys:
            updates[table] = TableUpdate.by_keys(sums.COLUMNS[kind], [tuple(json.loads(k)) for k in keys],
                                                 sums.rows(db, kind, keys))
        else:
            updates[table] = TableUpdate.keep()
    if not in_step or touched.get("theme_source"):
        updates["theme_sources"] = TableUpdate.replace(sums.rows(db, "theme_source"))
    else:
        updates["theme_sources"] = TableUpdate.keep()
    if not in_step or touched.get("score") or touched.get("driver"):
        updates["score_drivers"] = TableUpdate.replace(sums.driver_rows(db))
    else:
        updates["score_drivers"] = TableUpdate.keep()
    if not in_step or touched.get("score") or touched.get("section"):
        updates["section_drivers"] = TableUpdate.replace(sums.section_driver_rows(db))
    else:
        updates["section_drivers"] = TableUpdate.keep()
    return updates


def action_tables_of(db: sqlite_utils.Database, info: dict[int, dict[str, Any]], answers: Rows) -> dict[str, Rows]:
    """actions and action_customers; every comment is read only when an action is recorded."""
    if not has_actions(db):
        return {"actions": [], "action_customers": []}
    return action_tables(db, comments(db), comment_themes(db), info, answers)


def _vectors_for(db: sqlite_utils.Database, model: tuple[str, str], items: list[str]) -> Rows:
    """feedback_vectors rows for these comments (the mean of their segments' vectors, as in full),
    their segments found by the item_id index ("+s.themable": not by the themable index, which
    reads every segment of the warehouse)."""
    import numpy as np

    sums: dict[str, Any] = {}
    for item_id, blob in db.execute(
        f"""select s.item_id, e.vector from theme_segments s
            join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
            join processed p on p.item_id = s.item_id
            where +s.themable = 1 and s.item_id in ({marks(len(items))}) order by s.item_id, s.seq""",
        [*model, *items],
    ):
        vector = np.frombuffer(blob, dtype=np.float32)
        sums[item_id] = vector + sums[item_id] if item_id in sums else vector.astype(np.float64)
    rows = []
    for item_id, total in sums.items():
        norm = float(np.linalg.norm(total)) or 1.0
        rows.append({"feedback_id": item_id, "vector": (total / norm).astype(np.float32).tobytes()})
    return rows


def _actions_current(db: sqlite_utils.Database, archive: sqlite_utils.Database) -> bool:
    """Does the archive show the actions recorded in the warehouse, as they are now?"""
    found = list_actions(db) if has_actions(db) else []
    shown = {r["id"]: tuple(r[k] for k in ACTION_KEYS) for r in _archive_rows(archive, "actions")}
    return shown == {a.id: tuple(getattr(a, k) for k in ACTION_KEYS) for a in found}


def insights_current(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Changes,
                     promises: list[Any], model_path: Path | None) -> bool:
    """With no comment, e-mail or theme changed, do the archive's insight tables still hold? When
    the sums are the ones it was derived from, its vectors are of the model in use, its promise
    tables are for these promises, and it shows the actions recorded (their figures follow from
    the comments, themes and e-mails, unchanged)."""
    if changes.base_build is None or sums.tag(db) != changes.base_build or not _actions_current(db, archive):
        return False
    if drivers_stale(db, archive):
        return False
    model = vector_model(db)
    archived = [(r["model"], r["model_version"]) for r in _archive_rows(archive, "vector_model")]
    if archived != ([model] if model is not None else []):
        return False
    if model is None and archive.table("feedback_vectors").exists() and archive.execute(
            "select 1 from feedback_vectors limit 1").fetchone():
        return False
    promise_updates = promise_delta(db, archive, set(), [], promises, model, model_path)
    return promise_updates is not None and all(
        update.keep_table or (update.rows == [] and not _archive_rows(archive, table))
        for table, update in promise_updates.items())


def insights_extension(config: Any) -> ArchiveExtension:
    """The archive extension for a configuration (its promises and embedding model); it
    publishes incrementally through :func:`feedback.insights.incremental.insight_delta`."""
    model_path = config.themes.model_path
    if model_path is not None and not model_path.is_absolute():
        model_path = config.base_dir / model_path
    promises = list(config.promises)

    def insight_tables_of_config(db: sqlite_utils.Database) -> dict[str, Rows]:
        return insight_tables(db, promises, model_path)

    def delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> dict[str, TableUpdate]:
        return insight_delta(db, archive, changes, promises, model_path)

    def current(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> bool:
        return insights_current(db, archive, changes, promises, model_path)

    return IncrementalExtension(full=insight_tables_of_config, delta=delta, tables=INSIGHT_TABLES, built=sums.mark,
                                current=current)
