"""Archive tables for the staff pages: search vectors, weekly aggregates, trends, drivers, customers.

One archive extension (:func:`insight_tables`) computes, from the warehouse, what the
Datasette plugin shows, so pages read small precomputed tables instead of scanning the
whole archive:

- ``feedback_vectors`` / ``vector_model``: one L2-normalised float32 vector per comment
  (the mean of its segments' stored embeddings) and the model that made them, for search
  by meaning. Nothing is embedded here.
- ``weekly_volume``, ``theme_weeks``, ``theme_sources``: counts and sentiment per week,
  channel, source and theme, derived (with ``score_drivers``) from per-key sums kept in the
  warehouse, which a full publish rebuilds here (:mod:`feedback.insights.sums`).
- ``theme_trends``: emerging and declining themes (conditional binomial test of a theme's
  share of comments, recent window vs the previous 12 weeks, Benjamini-Hochberg at 5 %);
  ``section_weeks`` and ``section_trends``, the same for the sections of large entries (a comment counts once
  for a section, whichever of its sub-themes it is in).
- ``score_drivers``: each theme's effect on NPS / CSAT / star scores; ``section_drivers``, each section's of a
  large top-level entry.
- ``customers``: per pseudonymous customer, feedback across channels and unanswered e-mail.
- ``email_threads`` / ``email_feedback``: the e-mail channel's threads (computed once, here,
  because ``customers`` reads them; see :func:`feedback.sources.email.threads.archive_tables`).
- ``promises`` / ``promise_mentions`` / ``promise_weeks``: see :mod:`feedback.insights.promises`.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlite_utils

from feedback.insights import sums
from feedback.insights.actions import action_tables
from feedback.insights.comments import (
    Comment,
    Rows,
    comment_themes,
    comments,
    feedback_vectors,
    theme_info,
    vector_model,
)
from feedback.insights.grouped import section_info
from feedback.insights.promises import promise_tables
from feedback.insights.stats import (
    RATING,
    TEXT,
    benjamini_hochberg,
    share_test,
    trend_label,
    weeks_back,
)
from feedback.sources.email.threads import archive_tables as email_tables

log = logging.getLogger(__name__)

WINDOWS = {"4 weeks": (4, 12), "1 week": (1, 12)}  # recent weeks vs the weeks before them


def volume_rows(items: list[Comment]) -> Rows:
    groups: dict[tuple[str, str, str], list[Comment]] = defaultdict(list)
    for c in items:
        if c.week:
            groups[(c.week, c.channel, c.source)].append(c)
    return [_aggregate({"week": w, "channel": ch, "source": s}, group) for (w, ch, s), group in sorted(groups.items())]


def _aggregate(key: dict[str, Any], group: list[Comment]) -> dict[str, Any]:
    scored = [c.sentiment for c in group if c.sentiment is not None]
    return {
        **key,
        "comments": len(group),
        "negative": sum(c.negative for c in group),
        "sentiment": round(math.fsum(scored) / len(scored), 4) if scored else None,  # fsum: any order, same mean
    }


def _with_parents(themes: frozenset[int], info: dict[int, dict[str, Any]]) -> set[int]:
    out = set(themes)
    for t in themes:
        parent = info.get(t, {}).get("parent_id")
        if parent is not None:
            out.add(parent)
    return out


def theme_rows(items: list[Comment], carried: dict[str, frozenset[int]],
               info: dict[int, dict[str, Any]]) -> tuple[Rows, Rows]:
    """theme_weeks and theme_sources; a parent counts every comment of its children once."""
    weeks: dict[tuple[int, str], list[Comment]] = defaultdict(list)
    sources: dict[tuple[int, str, str], list[Comment]] = defaultdict(list)
    for c in items:
        for theme in _with_parents(carried.get(c.id, frozenset()), info):
            if c.week:
                weeks[(theme, c.week)].append(c)
            sources[(theme, c.channel, c.source)].append(c)
    week_rows = [_aggregate({"theme_id": t, "week": w}, g) for (t, w), g in sorted(weeks.items())]
    source_rows = [_aggregate({"theme_id": t, "channel": ch, "source": s}, g)
                   for (t, ch, s), g in sorted(sources.items())]
    return week_rows, source_rows


def trend_rows(per_week: Counter[str], week_rows: Rows, info: dict[int, dict[str, Any]]) -> Rows:
    """Emerging / declining themes per window, with the test's p-value and BH q-value, from the
    comments per week and the theme_weeks rows."""
    return [{"window": window, "theme_id": theme, "level": 1 if info.get(theme, {}).get("status") == "parent" else 0,
             **figures} for window, theme, figures in _window_tests(per_week, week_rows, "theme_id")]


def section_trend_rows(per_week: Counter[str], week_rows: Rows, sections: dict[int, tuple[int, str]]) -> Rows:
    """section_trends: :func:`trend_rows` for the sections of large entries (``sections``: each one's entry and
    label), from the section_weeks rows; tested as a family of their own (their comments are their sub-themes')."""
    return [{"window": window, "section_id": section, "parent_id": sections[section][0], **figures}
            for window, section, figures in _window_tests(per_week, week_rows, "section_id") if section in sections]


def _window_tests(per_week: Counter[str], week_rows: Rows, column: str) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Per window, per ``column`` value (a theme or a section) of ``week_rows``: the share test of its recent
    comments against its baseline, p-values corrected together (Benjamini-Hochberg) within each window."""
    if not per_week:
        return
    latest = max(per_week)
    for window, (recent_weeks, base_weeks) in WINDOWS.items():
        start = weeks_back(latest, recent_weeks - 1)
        base_start = weeks_back(start, base_weeks)
        recent_total = sum(n for w, n in per_week.items() if w >= start)
        base_total = sum(n for w, n in per_week.items() if base_start <= w < start)
        recent: Counter[int] = Counter()
        base: Counter[int] = Counter()
        for row in week_rows:
            if row["week"] >= start:
                recent[row[column]] += row["comments"]
            elif row["week"] >= base_start:
                base[row[column]] += row["comments"]
        found = sorted(set(recent) | set(base))
        tests = [share_test(recent[t], base[t], recent_total, base_total) for t in found]
        q_values = benjamini_hochberg([t.p_value for t in tests])
        for what, test, q in zip(found, tests, q_values, strict=True):
            yield window, what, {
                "since": start, "baseline_since": base_start,
                "recent": test.recent, "baseline": test.baseline,
                "recent_share": round(test.recent_share, 5), "baseline_share": round(test.baseline_share, 5),
                "ratio": round(test.ratio, 3) if test.ratio is not None else None,
                "p_value": round(test.p_value, 6), "q_value": round(q, 6), "trend": trend_label(test, q),
            }


def usual_gap_days(comments: list[Comment]) -> float | None:
    """Median days between a customer's consecutive comments (None with fewer than two dated ones).

    A customer who writes every few months is not "silent" a month after a complaint; the
    at-risk rule waits for twice their usual gap."""
    days = sorted(datetime.fromisoformat(c.received_at.replace("Z", "+00:00")).timestamp() / 86400
                  for c in comments if c.received_at)
    gaps = [b - a for a, b in zip(days, days[1:], strict=False)]
    return round(statistics.median(gaps), 1) if gaps else None


def _last_by(negatives: list[Comment]) -> str | None:
    """What made the last of these complaints (by time) one: ``text`` when the text of any
    complaint made at that moment reads negative (one survey response answers several
    questions), else ``rating``."""
    if not negatives:
        return None
    last = negatives[-1].received_at
    return TEXT if any(c.complaint_by == TEXT for c in negatives if c.received_at == last) else RATING


def customer_rows(items: list[Comment], threads: Rows, answers: Rows | None = None) -> Rows:
    """Per customer: comments, channels, complaints, and e-mail waiting for an answer.

    An e-mail waits for an answer when its thread has none (``email_threads.answered`` 0: since the
    thread's first message), or when the customer wrote again after the last answer and that
    message has none (its ``answers`` row, ``email_feedback.answered`` 0: since that message):
    "Had to chase my refund 3 times", sent the day after an answer, waits as long as a first
    e-mail would. ``unanswered_threads`` counts the threads with such a wait, and
    ``oldest_unanswered_at`` is the earliest.

    ``negative`` counts complaints by their text or by a low rating
    (:func:`feedback.insights.stats.complaint_by`); ``negative_by_rating`` says how many of them
    only a low rating makes one (text not scored, or not negative), and ``last_negative_by``
    what made the last one (``text`` or ``rating``: :func:`_last_by`). ``unscored_emails``: their
    e-mails nothing can read for a complaint (no text score: another language; and no rating), which
    the customers page counts as a risk while unanswered without reading the comments themselves.
    ``sentiment`` is the mean of the text scores alone: a rating never enters it."""
    by_customer: dict[str, list[Comment]] = defaultdict(list)
    for c in items:
        if c.customer:
            by_customer[c.customer].append(c)
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in threads:
        if t.get("customer"):
            waiting[t["customer"]].append(t)
    unanswered = {a["feedback_id"]: a.get("thread_id") for a in answers or [] if not a.get("answered")}
    out: Rows = []
    for customer in sorted(set(by_customer) | set(waiting)):
        # by time, then id: the same order whichever comments a full or an incremental publish read
        mine = sorted(by_customer.get(customer, []), key=lambda c: (c.received_at or "", c.id))
        negatives = [c for c in mine if c.negative]
        last_negative = negatives[-1].received_at if negatives else None
        waits: dict[str, str | None] = {t.get("thread_id") or f"#{n}": t.get("first_customer_message_at")
                                        for n, t in enumerate(waiting.get(customer, [])) if not t.get("answered")}
        for c in mine:  # a message after the last answer, itself unanswered (its thread was answered before)
            thread = unanswered.get(c.id)
            since = waits.get(thread) if thread is not None else None
            if thread is not None and c.received_at and (since is None or c.received_at < since):
                waits[thread] = c.received_at
        scored = [c.sentiment for c in mine if c.sentiment is not None]
        out.append({
            "customer": customer,
            "comments": len(mine),
            "channels": json.dumps(sorted({c.channel for c in mine})),
            "sources": json.dumps(sorted({c.source for c in mine})),
            "first_at": mine[0].received_at if mine else None,
            "last_at": mine[-1].received_at if mine else None,
            "sentiment": round(math.fsum(scored) / len(scored), 4) if scored else None,
            "negative": len(negatives),
            "negative_by_rating": sum(1 for c in negatives if c.complaint_by == RATING),
            "last_negative_at": last_negative,
            "last_negative_by": _last_by(negatives),
            "said_since_last_negative": sum(1 for c in mine if last_negative and (c.received_at or "") > last_negative),
            "usual_gap_days": usual_gap_days(mine),
            "email_threads": len(waiting.get(customer, [])),
            "unanswered_threads": len(waits),
            "unscored_emails": sum(1 for c in mine if c.channel == "email" and c.sentiment is None and c.band is None),
            "oldest_unanswered_at": min((at for at in waits.values() if at), default=None),
        })
    return out


def insight_tables(db: sqlite_utils.Database, promises: list[Any] | None = None,
                   model_path: Any = None) -> dict[str, Rows]:
    """{table: rows} for publish (see the module docstring); rebuilds the warehouse's insight sums."""
    items = comments(db)
    carried = comment_themes(db)
    info = theme_info(db)
    model = vector_model(db)
    vectors, model_rows = feedback_vectors(db, model)
    sums.rebuild(db, items, carried, info)
    volume = sums.rows(db, "volume")
    week_rows = sums.rows(db, "theme_week")
    section_weeks = sums.rows(db, "section_week")
    per_week: Counter[str] = Counter()
    for row in volume:
        per_week[row["week"]] += row["comments"]
    email = email_tables(db)  # published as they are: computed once, here
    threads = email["email_threads"]
    tables: dict[str, Rows] = {
        "feedback_vectors": vectors,
        "vector_model": model_rows,
        "weekly_volume": volume,
        "theme_weeks": week_rows,
        "theme_sources": sums.rows(db, "theme_source"),
        "theme_trends": trend_rows(per_week, week_rows, info),
        "section_weeks": section_weeks,
        "section_trends": section_trend_rows(per_week, section_weeks, section_info(db)),
        "score_drivers": sums.driver_rows(db),
        "section_drivers": sums.section_driver_rows(db),
        "customers": customer_rows(items, threads, email["email_feedback"]),
    }
    tables.update(promise_tables(db, items, promises or [], model, model_path))
    tables.update(email)
    tables.update(action_tables(db, items, carried, info, email["email_feedback"]))
    log.info("insight tables: %s", {k: len(v) for k, v in tables.items()})
    return tables
