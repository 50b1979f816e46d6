"""The morning summary of a nightly run, read from what it published, and the alerts in it.

What the night did per source comes from the run; what changed comes from the archive, as the
staff pages show it: a theme (or a section of a large one) is *spiking* when the trends page calls it rising (or new) over the
last week, *emerging* when it does over the last 4 weeks (``theme_trends``, whose verdicts
:func:`feedback.insights.tables.trend_rows` computes with the one significance test of
:mod:`feedback.insights.stats`: an exact conditional binomial test, Benjamini-Hochberg at 5 %);
a promise is broken by :func:`feedback.insights.promises.promise_status`'s rule; customers wait
longest on the e-mail conversations nobody has answered.

An alert is a change since the previous night's summary (recorded in the warehouse with each
nightly run, :func:`record_morning`): a theme that became significant, a promise that became
broken, and every source that failed. A theme that keeps rising is listed every morning but
alerts once, until it falls back to no real change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.insights.promises import BROKEN_FROM
from feedback.insights.stats import ALPHA
from feedback.serve.queries import SECTION_MEMBERS
from feedback.warehouse.sql import write_transaction

KINDS = {"1 week": "spiking", "4 weeks": "emerging"}  # theme_trends windows, the shorter first


@dataclass(frozen=True)
class SourceNight:
    source: str
    status: str  # ok | failed
    seen: int
    new: int
    quarantined: int
    error: str = ""


@dataclass(frozen=True)
class Change:
    """A theme's significant rise in one window, as a theme_trends row says it."""

    window: str
    since: str
    recent: int
    baseline: int
    recent_share: float
    baseline_share: float
    ratio: float | None
    q_value: float
    tested: int
    family: str = "themes"  # what was tested together: the themes, or the sections of large themes

    def why(self) -> str:
        """The reason, in the trends page's words, with the figures behind the verdict."""
        span = "in the last week" if self.window == "1 week" else f"in the last 4 weeks (since {self.since})"
        if self.baseline == 0:
            counts = f"new: {self.recent} comments {span}, none in the 12 weeks before"
        else:
            counts = (f"rising: {self.recent} comments {span} against {self.baseline} in the 12 weeks before, "
                      f"{100 * self.baseline_share:.1f} % → {100 * self.recent_share:.1f} % of all comments"
                      + (f" ({self.ratio:.1f}×)" if self.ratio else ""))
        q = "q < 0.001" if self.q_value < 0.001 else f"q = {self.q_value:.3f}"
        return (f"{counts}; unlikely to be chance ({q} after correcting for the {self.tested} {self.family} tested,"
                f" false discovery rate {100 * ALPHA:.0f} %)")


@dataclass(frozen=True)
class ThemeNews:
    theme_id: int  # a section's id when ``section_of`` is set
    label: str
    changes: dict[str, Change]  # kind (spiking / emerging) -> its window's figures
    alert: bool = False  # significant since the previous summary
    quote: str | None = None
    section_of: str | None = None  # a section of a large theme: that theme's label

    @property
    def keys(self) -> list[str]:
        return [news_key(kind, self.theme_id, self.section_of is not None) for kind in self.changes]


def news_key(kind: str, what: int, section: bool = False) -> str:
    """What a morning remembers of a theme's change ("spiking:12"), or a section's ("spiking:section:3")."""
    return f"{kind}:section:{what}" if section else f"{kind}:{what}"


@dataclass(frozen=True)
class BrokenPromise:
    text: str
    comments: int
    negative: int
    alert: bool = False  # broken since the previous summary

    def why(self) -> str:
        return (f"{self.negative} of the {self.comments} comments that mention it are complaints"
                f" ({100 * BROKEN_FROM:.0f} % or more count as broken)")


@dataclass(frozen=True)
class Waiting:
    customer: str
    conversations: int
    days: int


@dataclass(frozen=True)
class MorningSummary:
    run_id: int
    sources: list[SourceNight]
    themes: list[ThemeNews] = field(default_factory=list)
    promises: list[BrokenPromise] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    archive_note: str = ""  # why the changes are missing, when they are

    @property
    def alerts(self) -> int:
        return (sum(s.status == "failed" for s in self.sources) + sum(t.alert for t in self.themes)
                + sum(p.alert for p in self.promises))

    def state(self) -> dict[str, Any]:
        """What the next night compares with (:func:`record_morning`)."""
        return {"keys": sorted({k for t in self.themes for k in t.keys} | {f"broken:{p.text}" for p in self.promises}),
                "alerts": self.alerts}


# --- reading -----------------------------------------------------------------------------------


def source_nights(rows: Iterable[Mapping[str, Any]]) -> list[SourceNight]:
    """The nightly run's per-source rows (:func:`flows.reports.source_rows`) as values."""
    return [SourceNight(str(r["source"]), str(r["status"]), int(r.get("seen") or 0), int(r.get("new") or 0),
                        int(r.get("quarantined") or 0), str(r.get("error") or "")) for r in rows]


def theme_news(archive: sqlite_utils.Database, previous: set[str], quote: bool = True) -> list[ThemeNews]:
    """Themes the trends page calls rising or new, spiking first; each with whether it alerts. Then the sections
    of large themes it calls so (``section_trends``, tested as a family of their own)."""
    names = set(archive.table_names())
    if not {"theme_trends", "themes"} <= names:
        return []
    news = _news(archive, previous, "theme_trends", "themes", "select tr.*, tr.theme_id as what, t.label, null as section_of"
                 " from theme_trends tr join themes t on t.id = tr.theme_id", quote)
    if {"section_trends", "theme_sections"} <= names:
        news += _news(archive, previous, "section_trends", "sections",
                      "select tr.*, tr.section_id as what, x.label, p.label as section_of from section_trends tr"
                      " join theme_sections x on x.id = tr.section_id join themes p on p.id = tr.parent_id", quote)
    return news


def _news(archive: sqlite_utils.Database, previous: set[str], table: str, family: str, select: str,
          quote: bool) -> list[ThemeNews]:
    tested = dict(archive.execute(f"select window, count(*) from {table} group by window").fetchall())
    found: dict[int, tuple[str, str | None, dict[str, Change]]] = {}
    for row in archive.query(f"{select} where tr.trend = 'emerging' order by tr.q_value, tr.ratio desc, what"):
        kind = KINDS.get(row["window"])
        if kind is None:
            continue
        change = Change(row["window"], row["since"], row["recent"], row["baseline"], row["recent_share"],
                        row["baseline_share"], row["ratio"], row["q_value"], tested[row["window"]], family)
        label = row["label"] or f"{family[:-1]} {row['what']}"
        found.setdefault(row["what"], (label, row["section_of"], {}))[2][kind] = change
    out = []
    for what, (label, section_of, changes) in found.items():
        ordered = {k: changes[k] for k in KINDS.values() if k in changes}
        section = section_of is not None
        alert = (("spiking" in ordered and news_key("spiking", what, section) not in previous)
                 or ("emerging" in ordered and not {news_key("emerging", what, section),
                                                    news_key("spiking", what, section)} & previous))
        since = next(iter(ordered.values())).since
        example = _quote(archive, what, since, section) if quote else None
        out.append(ThemeNews(what, label, ordered, alert, example, section_of))
    return sorted(out, key=lambda t: (not t.alert, "spiking" not in t.changes, t.theme_id))


def _quote(archive: sqlite_utils.Database, theme_id: int, since: str, section: bool = False) -> str | None:
    """The theme's (or the section's) most typical comment of the window (already redacted: it is the archive's
    text)."""
    if "feedback_themes" not in archive.table_names():
        return None
    of = f"in (select theme_id from ({SECTION_MEMBERS}) where section_id = ?)" if section else "= ?"
    row = archive.execute(
        "select f.text from feedback_themes ft join feedback f on f.id = ft.feedback_id"
        f" where ft.theme_id {of} and f.received_at >= ? and f.text is not null"
        " order by ft.score desc, f.id limit 1", [theme_id, since]).fetchone()
    return str(row[0]) if row else None


def broken_promises(archive: sqlite_utils.Database, previous: set[str]) -> list[BrokenPromise]:
    if "promises" not in archive.table_names():
        return []
    rows = archive.query("select promise, comments, negative from promises where status = 'broken' order by id")
    found = [BrokenPromise(r["promise"], r["comments"], r["negative"], f"broken:{r['promise']}" not in previous)
             for r in rows]
    return sorted(found, key=lambda p: not p.alert)


def waiting_longest(archive: sqlite_utils.Database, now: datetime, limit: int) -> list[Waiting]:
    """Customers with an e-mail conversation nobody has answered, longest wait first (as the
    customers page's "waiting" list: one row per customer, their oldest conversation decides)."""
    if limit <= 0 or "email_threads" not in archive.table_names():
        return []
    rows = archive.execute(
        "select coalesce(customer, thread_id), count(*), min(first_customer_message_at) from email_threads"
        " where answered = 0 and first_customer_message_at is not null"
        " group by coalesce(customer, thread_id) order by min(first_customer_message_at), 1 limit ?", [limit],
    ).fetchall()
    return [Waiting(str(key), int(n), _days(first, now)) for key, n, first in rows]


def _days(start: str, now: datetime) -> int:
    when = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=now.tzinfo)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=when.tzinfo)
    return max(0, round((now - when).total_seconds() / 86400))


def morning_summary(run_id: int, rows: Iterable[Mapping[str, Any]], archive_path: Path | None,
                    previous: set[str], now: datetime, customers: int = 5, quote: bool = True) -> MorningSummary:
    """The summary of a nightly run: its sources, and the archive's themes, promises and waiting
    customers (none, with the reason, when ``archive_path`` is None or not there)."""
    sources = source_nights(rows)
    if archive_path is None or not archive_path.exists():
        return MorningSummary(run_id, sources, archive_note="no archive has been published yet")
    try:
        archive = sqlite_utils.Database(sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True))
    except sqlite3.Error as exc:
        return MorningSummary(run_id, sources, archive_note=f"cannot read the archive: {exc}")
    try:
        return MorningSummary(run_id, sources, theme_news(archive, previous, quote),
                              broken_promises(archive, previous), waiting_longest(archive, now, customers))
    except sqlite3.Error as exc:
        return MorningSummary(run_id, sources, archive_note=f"cannot read the archive: {exc}")
    finally:
        archive.close()


# --- what the next night compares with ---------------------------------------------------------


def previous_keys(db: sqlite_utils.Database, run_id: int) -> set[str]:
    """The alert keys of the last nightly run before ``run_id`` that recorded a morning summary."""
    for (text,) in db.execute(
        "select details from runs where flow = 'nightly' and id < ? and details like '%\"morning\"%'"
        " order by id desc limit 1", [run_id]
    ).fetchall():
        try:
            keys = json.loads(text).get("morning", {}).get("keys", [])
        except (ValueError, AttributeError):
            return set()
        return {str(k) for k in keys} if isinstance(keys, list) else set()
    return set()


def record_morning(db: sqlite_utils.Database, run_id: int, summary: MorningSummary,
                   delivered: Iterable[Any] = ()) -> dict[str, Any]:
    """Add the summary's state and how each notification went to the run's ``details``
    (``"morning"``: keys, alerts, notified: [{reference, ok, error}]); returns what was added."""
    morning = {**summary.state(), "notified": [asdict(d) for d in delivered]}
    with write_transaction(db):
        row = db.execute("select details from runs where id = ?", [run_id]).fetchone()
        if row is None:
            return morning
        try:
            details = json.loads(row[0] or "{}")
        except ValueError:
            details = {}
        details = details if isinstance(details, dict) else {}
        details["morning"] = morning
        db.execute("update runs set details = ? where id = ?", [json.dumps(details, sort_keys=True), run_id])
    return morning
