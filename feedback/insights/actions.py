"""Did it work? The archive's ``actions`` table: each recorded action with its theme's share of
comments and complaint rate in the weeks after it against as many weeks before; and
``action_customers``: the customers who raised its theme before it, and whether their e-mails
on it were answered.

The windows are whole weeks of seven days on either side of the action's day: ``weeks``
(8, fewer when the comments do not reach that far on either side) before, ``[day - 7w, day)``,
and after, ``[day, day + 7w)``. Both measures use the trends page's test
(:func:`feedback.insights.stats.share_test`, the exact conditional binomial test, at
:data:`~feedback.insights.stats.ALPHA`): the theme's comments among all comments, and its
complaints (:func:`~feedback.insights.stats.is_negative`: a low rating or negative sentiment)
among the theme's comments. Each action is one question asked in advance, so unlike the
trends page, which scans every theme, there is no false-discovery correction.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from feedback.actions.record import list_actions
from feedback.insights.comments import Comment, Rows
from feedback.insights.stats import ALPHA, Trend, share_test

ACTION_WEEKS = 8
DASH = "\u2014"


@dataclass(frozen=True)
class Effect:
    weeks: int  # compared on each side; 0: not enough data yet
    before_since: str | None  # first day of the window before
    after_until: str | None  # the day after the window after
    comments_before: int
    comments_after: int
    theme_before: int
    theme_after: int
    negative_before: int
    negative_after: int
    share: Trend | None  # the theme's comments among all comments (recent = after)
    complaints: Trend | None  # the theme's complaints among its comments


def comparable_weeks(day: date, first: date, last: date, most: int = ACTION_WEEKS) -> int:
    """Whole weeks of comments on both sides of ``day`` (first and last: the oldest and newest
    comments' days), at most ``most``."""
    after = ((last - day).days + 1) // 7
    before = (day - first).days // 7
    return max(0, min(most, after, before))


def action_effect(day: date, all_days: Sequence[str], on_theme: Iterable[tuple[str, bool]],
                  most: int = ACTION_WEEKS) -> Effect:
    """The effect of an action on ``day``: ``all_days`` is every comment's day (``YYYY-MM-DD``),
    sorted; ``on_theme`` each of the theme's comments' (day, is a complaint)."""
    if not all_days:
        return Effect(0, None, None, 0, 0, 0, 0, 0, 0, None, None)
    weeks = comparable_weeks(day, date.fromisoformat(all_days[0]), date.fromisoformat(all_days[-1]), most)
    if weeks == 0:
        return Effect(0, None, None, 0, 0, 0, 0, 0, 0, None, None)
    since, start, until = (day - timedelta(weeks=weeks)).isoformat(), day.isoformat(), (day + timedelta(weeks=weeks)).isoformat()
    total_b = bisect_left(all_days, start) - bisect_left(all_days, since)
    total_a = bisect_left(all_days, until) - bisect_left(all_days, start)
    theme_b = theme_a = neg_b = neg_a = 0
    for d, negative in on_theme:
        if since <= d < start:
            theme_b += 1
            neg_b += negative
        elif start <= d < until:
            theme_a += 1
            neg_a += negative
    share = share_test(theme_a, theme_b, total_a, total_b)
    complaints = share_test(neg_a, neg_b, theme_a, theme_b) if theme_a and theme_b else None
    return Effect(weeks, since, until, total_b, total_a, theme_b, theme_a, neg_b, neg_a, share, complaints)


def percents(before: float, after: float) -> tuple[str, str]:
    """Two shares as percentages, with as few decimals as tell them apart (at most two)."""
    for decimals in (0, 1, 2):
        a, b = f"{before * 100:.{decimals}f}", f"{after * 100:.{decimals}f}"
        if a != b or decimals == 2:
            return f"{a} %", f"{b} %"
    raise AssertionError("unreachable")


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def change_words(test: Trend, what: str) -> str:
    """``fell from 12 % to 5 % of comments — unlikely to be chance (p = 0.004)``."""
    before, after = test.baseline_share, test.recent_share
    if before == after:
        return f"unchanged at {before * 100:.1f}".removesuffix(".0") + f" % {what}"
    verb = "fell" if after < before else "rose"
    chance = "unlikely to be chance" if test.p_value < ALPHA else "could be chance"
    old, new = percents(before, after)
    return f"{verb} from {old} to {new} {what} {DASH} {chance} ({p_text(test.p_value)})"


def direction(test: Trend | None) -> str | None:
    if test is None:
        return None
    if test.recent_share == test.baseline_share:
        return "unchanged"
    return "fell" if test.recent_share < test.baseline_share else "rose"


def effect_words(effect: Effect) -> tuple[str, str]:
    """(the share of comments, the complaint rate), in words."""
    if effect.weeks == 0:
        text = "too early to tell: not a full week of comments on each side of the action yet"
        return text, text
    if effect.share is None or effect.theme_before + effect.theme_after == 0:
        text = f"no comments on the theme in the {_weeks(effect.weeks)} before or after"
        return text, text
    share = change_words(effect.share, "of comments")
    if effect.complaints is None:
        side = "before" if effect.theme_before == 0 else "after"
        return share, f"no comments on the theme in the {_weeks(effect.weeks)} {side}: no complaint rate to compare"
    return share, "complaints " + change_words(effect.complaints, "of the theme's comments")


def raised_before(action_id: int, day: str, mine: list[Comment], answers: dict[str, dict[str, Any]]) -> Rows:
    """``action_customers`` rows: each customer who raised the theme before ``day``, their comments
    on it, the latest, and how many of them were e-mails and were answered (``email_feedback``)."""
    rows: dict[str, dict[str, Any]] = {}
    for c in mine:
        if not (c.customer and c.received_at and c.received_at < day):
            continue
        row = rows.setdefault(c.customer, {"action_id": action_id, "customer": c.customer, "comments": 0,
                                           "last_at": c.received_at, "emails": 0, "answered": 0,
                                           "answered_at": None})
        row["comments"] += 1
        row["last_at"] = max(row["last_at"], c.received_at)
        answer = answers.get(c.id)
        if answer is not None:
            row["emails"] += 1
            row["answered"] += int(bool(answer.get("answered")))
            if answer.get("answered_at") and (row["answered_at"] or "") < answer["answered_at"]:
                row["answered_at"] = answer["answered_at"]
    return sorted(rows.values(), key=lambda r: (r["last_at"], r["customer"]), reverse=True)


def has_actions(db: sqlite_utils.Database) -> bool:
    return "actions" in db.table_names() and db.execute("select 1 from actions limit 1").fetchone() is not None


def action_tables(db: sqlite_utils.Database, items: list[Comment], carried: dict[str, frozenset[int]],
                  info: dict[int, dict[str, Any]], email_feedback: Sequence[dict[str, Any]] = (), most: int = ACTION_WEEKS
                  ) -> dict[str, Rows]:
    """The archive's ``actions`` and ``action_customers`` rows (see the module docstring); a
    parent counts its children's comments."""
    found = list_actions(db) if "actions" in db.table_names() else []
    if not found:
        return {"actions": [], "action_customers": []}
    answers = {r["feedback_id"]: r for r in email_feedback}
    customers: Rows = []
    children: dict[int, set[int]] = defaultdict(set)
    for theme, row in info.items():
        if row.get("parent_id") is not None:
            children[row["parent_id"]].add(theme)
    counting = {a.id: {a.theme_id} | children.get(a.theme_id, set()) for a in found}
    needed = set().union(*counting.values())
    all_days = sorted(c.received_at[:10] for c in items if c.received_at)
    by_theme: dict[int, list[int]] = defaultdict(list)  # theme -> its comments (positions in items)
    for i, c in enumerate(items):
        for theme in carried.get(c.id, ()):
            if theme in needed:
                by_theme[theme].append(i)
    out: Rows = []
    for action in found:
        mine = [items[i] for i in sorted({i for t in counting[action.id] for i in by_theme.get(t, ())})]
        effect = action_effect(date.fromisoformat(action.date), all_days,
                               ((c.received_at[:10], c.negative) for c in mine if c.received_at), most)
        raised = raised_before(action.id, action.date, mine, answers)
        customers.extend(raised)
        share_words, complaint_words = effect_words(effect)
        out.append({
            "id": action.id, "theme_id": action.theme_id, "recorded_theme_id": action.recorded_theme_id,
            "theme_label": action.theme_label, "theme_status": action.theme_status, "date": action.date,
            "text": action.text, "created_at": action.created_at, "customers_before": len(raised),
            "weeks": effect.weeks, "before_since": effect.before_since, "after_until": effect.after_until,
            "comments_before": effect.comments_before, "comments_after": effect.comments_after,
            "theme_before": effect.theme_before, "theme_after": effect.theme_after,
            "share_before": _round(effect.share.baseline_share if effect.share else None),
            "share_after": _round(effect.share.recent_share if effect.share else None),
            "share_p": _round(effect.share.p_value if effect.share else None),
            "share_change": direction(effect.share), "share_words": share_words,
            "negative_before": effect.negative_before, "negative_after": effect.negative_after,
            "complaint_before": _round(effect.complaints.baseline_share if effect.complaints else None),
            "complaint_after": _round(effect.complaints.recent_share if effect.complaints else None),
            "complaint_p": _round(effect.complaints.p_value if effect.complaints else None),
            "complaint_change": direction(effect.complaints), "complaint_words": complaint_words,
        })
    return {"actions": out, "action_customers": customers}


def _weeks(n: int) -> str:
    return "week" if n == 1 else f"{n} weeks"


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None
