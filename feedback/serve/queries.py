"""The SQL behind each staff page, over the published archive's precomputed tables.

Each function takes a Datasette ``Database`` (anything with ``async execute(sql, params)``)
and returns plain dicts for a template. Pages read small aggregate tables (theme_weeks,
weekly_volume, theme_trends, ...) or use an index (feedback.customer, feedback_themes
(theme_id, score)), so their cost does not grow with the archive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

Rows = list[dict[str, Any]]
TOP_PER_THEME = 300  # comments per theme considered for "strongest complaints"
REPRESENTATIVE_POOL = 40  # comments per (sub-)theme considered for "most representative"
REPRESENTATIVES, COMPLAINTS = 12, 5  # comments a theme page shows under each
FEEDBACK_FIELDS = ("f.id, f.source, f.channel, f.received_at, f.customer, f.rating_band, f.rating_raw, "
                   "f.rating_scale, f.title, f.text, f.sentiment, f.language")


# The top-level entry the theme engine makes of comments that say nothing about a topic ("No
# further comments", "Good thanks"): feedback.themes.label.GENERAL (not imported: it loads spaCy).
GENERAL = "General remarks"
OPTIONAL = ("theme_weeks", "theme_sources", "theme_trends", "weekly_volume", "score_drivers", "customers",
            "promises", "promise_mentions", "promise_weeks", "email_threads", "email_feedback", "segments",
            "archive_info", "sources", "theme_sections", "sentiment_calibration", "section_drivers",
            "section_trends")


async def rows(db: Any, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Rows:
    """Rows as dicts. Publish creates no table for an extension that had no rows (an archive
    without e-mail, promises or scores): a query over such a table reads as empty."""
    words = set(re.findall(r"\b(?:from|join)\s+(\w+)", sql))
    if words & set(OPTIONAL):
        missing = (words & set(OPTIONAL)) - set(await db.table_names())
        if missing:
            return []
    result = await db.execute(sql, params or {})
    return [dict(r) for r in result.rows]


async def tables(db: Any) -> set[str]:
    return set(await db.table_names())


async def themed(db: Any) -> bool:
    """Has the theme engine published its themes (with comments, level, is_new)?"""
    return "level" in await db.table_columns("themes")


async def themes_overview(db: Any) -> Rows:
    """Every theme with its 4-week trend, parents first; sorted by the caller."""
    if not await themed(db):
        return []
    section = "t.section_id" if await sectioned(db) else "null as section_id"
    if "theme_trends" not in await db.table_names():
        return await rows(db, f"""
            select t.*, {section}, p.label as parent_label, null as recent, null as baseline, null as ratio,
                   null as q_value, 'stable' as trend
            from themes t left join themes p on p.id = t.parent_id order by t.comments desc, t.id""")
    return await rows(db, f"""
        select t.id, t.label, t.keywords, t.parent_id, t.size, t.comments, t.sentiment, t.level, t.is_new,
               t.first_seen, t.last_seen, {section}, p.label as parent_label,
               tr.recent, tr.baseline, tr.ratio, tr.q_value, coalesce(tr.trend, 'stable') as trend
        from themes t left join themes p on p.id = t.parent_id
        left join theme_trends tr on tr.theme_id = t.id and tr.window = '4 weeks'
        order by t.comments desc, t.id""")


async def sectioned(db: Any) -> bool:
    """Does the archive say which section of a large entry each sub-theme is in (theme_sections)?"""
    return "theme_sections" in await db.table_names() and "section_id" in await db.table_columns("themes")


async def theme_sections(db: Any, parent_id: int | None = None) -> Rows:
    """The sections of large entries (of ``parent_id``'s only, when given), largest first (comments)."""
    if not await sectioned(db):
        return []
    where = "where parent_id = :p" if parent_id is not None else ""
    return await rows(db, f"select id, parent_id, label, comments, sentiment from theme_sections {where}"
                          " order by comments desc, position, id", {"p": parent_id})


async def section_names(db: Any, section: int | None) -> dict[int, str]:
    """{id: "label (in its entry's label)"} of ``section`` (none when None or not in the archive)."""
    if section is None:
        return {}
    return {r["id"]: f"{r['label']} (in {r['parent_label']})" for r in await rows(
        db, "select x.id, x.label, p.label as parent_label from theme_sections x join themes p on p.id = x.parent_id"
            " where x.id = :s", {"s": section})}


# each section of a large entry with its sub-themes: those of its own entry (one an analyst moved out since the fit is in
# none), as the pages, the search filter and the morning summary read them
SECTION_MEMBERS = ("select x.id as section_id, t.id as theme_id from theme_sections x"
                   " join themes t on t.section_id = x.id and t.parent_id = x.parent_id")

OTHER_SUB_THEMES = "Other sub-themes"  # an entry's sub-themes in none of its sections (made or edited since the fit)


def in_sections(children: Rows, sections: Rows) -> Rows:
    """An entry's ``children`` (each with a ``section_id``; kept in their order) under its ``sections``
    (in their order): each section with its ``children``; a section none of them is in is left out;
    the children in none come last, in an entry :data:`OTHER_SUB_THEMES` with no ``id``, figures or
    sentiment. [] when none is in a section: the entry lists its sub-themes as one list."""
    known = {s["id"] for s in sections}
    out = [{**s, "children": [c for c in children if c.get("section_id") == s["id"]]} for s in sections]
    out = [s for s in out if s["children"]]
    if not out:
        return []
    rest = [c for c in children if c.get("section_id") not in known]
    if rest:
        out.append({"id": None, "label": OTHER_SUB_THEMES, "comments": None, "sentiment": None, "children": rest})
    return out


async def theme_history(db: Any, theme_id: int, limit: int = 12) -> Rows:
    """What happened to a theme, latest first, in words (made, renamed, merged, split, moved; not
    the nightly snapshots): each row's ``at``, ``event`` and ``words``."""
    from feedback.themes.history_words import ROUTINE, describe

    if "theme_history" not in await db.table_names():
        return []
    found = await rows(db, f"""select at, event, label, size, details from theme_history where theme_id = :id
                               and event not in ({', '.join(repr(e) for e in ROUTINE)}) order by rowid desc limit :n""",
                       {"id": theme_id, "n": limit})
    for r in found:
        try:
            details = json.loads(r["details"] or "{}")
        except ValueError:
            details = {}
        r["words"] = describe(r["event"], r["label"], r["size"], details if isinstance(details, dict) else {})
    return found


async def merged_into(db: Any, theme_id: int) -> tuple[int, str] | None:
    """(the theme a merged-away theme lives on in, following merges of merges; its label then) or
    None when ``theme_id`` was not merged (or its history is not published)."""
    if "theme_history" not in await db.table_names():
        return None
    current, label, seen = theme_id, None, set[int]()
    while current not in seen and len(seen) < 100:
        seen.add(current)
        last = await rows(db, "select event, label, details from theme_history where theme_id = :id"
                              " and event = 'merged' order by rowid desc limit 1", {"id": current})
        if not last:
            break
        label = label or last[0]["label"]
        try:
            into = json.loads(last[0]["details"] or "{}").get("into")
        except (ValueError, AttributeError):
            return None
        if not isinstance(into, int):
            return None
        current = into
    if current == theme_id or not await rows(db, "select 1 from themes where id = :id", {"id": current}):
        return None
    return current, label or ""


async def theme(db: Any, theme_id: int) -> dict[str, Any] | None:
    if not await themed(db):
        return None
    found = await rows(db, "select * from themes where id = :id", {"id": theme_id})
    if not found:
        return None
    row = found[0]
    row["keywords_list"] = json.loads(row.get("keywords") or "[]")
    row["representatives"] = json.loads(row.get("representative_comments") or "[]")
    parents = await rows(db, "select id, label from themes where id = :p", {"p": row["parent_id"]})
    row["parent"] = parents[0] if parents else None
    section = "section_id" if await sectioned(db) else "null as section_id"
    row["children"] = await rows(db, f"select id, label, comments, sentiment, {section} from themes where parent_id = :id"
                                     " order by comments desc", {"id": theme_id})
    row["sections"] = in_sections(row["children"], await theme_sections(db, theme_id))
    if row["sections"]:  # each section's change over the last 4 weeks (an archive before them has none)
        changes = {t["section_id"]: t for t in await rows(
            db, "select * from section_trends where parent_id = :id and window = '4 weeks'", {"id": theme_id})}
        row["sections"] = [{**s, "trend": changes.get(s["id"])} for s in row["sections"]]
    row["weeks"] = await rows(db, "select week, comments, negative, sentiment from theme_weeks"
                                  " where theme_id = :id order by week", {"id": theme_id})
    row["sources"] = await rows(db, "select channel, source, comments, negative, sentiment from theme_sources"
                                    " where theme_id = :id order by comments desc", {"id": theme_id})
    row["trends"] = await rows(db, "select * from theme_trends where theme_id = :id", {"id": theme_id})
    row["history"] = await theme_history(db, theme_id)
    # A theme's best comments: the top of each (child) theme by the (theme_id, score) index, so a
    # large group costs a few index range scans, not a sort of all its comments. A group's are
    # spread over its sub-themes, largest first (the tightest small sub-theme would fill the list).
    # Its strongest complaints: by their text, most negative first; then those that are complaints
    # by a low rating alone (a text in another language has no score), lowest rating first, as the
    # theme's complaint counts take them (feedback.insights.stats.complaint_by).
    ids = [theme_id] + [c["id"] for c in row["children"]]
    params = {f"t{i}": t for i, t in enumerate(ids)}
    top = " union all ".join(
        f"select * from (select feedback_id, score, theme_id from feedback_themes where theme_id = :t{i}"
        f" order by score desc limit {{n}})" for i in range(len(ids)))
    candidates = await rows(db, f"""
        select {FEEDBACK_FIELDS}, b.score, b.theme_id from ({top.format(n=REPRESENTATIVE_POOL)}) b
        join feedback f on f.id = b.feedback_id order by b.score desc, f.id""", params)
    row["comments_list"] = spread(candidates, ids, REPRESENTATIVES)
    best = (f"select feedback_id, max(score) as score from ({top.format(n=TOP_PER_THEME)})"
            " group by feedback_id")
    worst = await rows(db, f"""
        select {FEEDBACK_FIELDS}, b.score from ({best}) b join feedback f on f.id = b.feedback_id
        where f.sentiment <= -0.05 or f.rating_band = 'low'
        order by (f.sentiment is null or f.sentiment > -0.05), case when f.sentiment <= -0.05 then f.sentiment end,
                 f.rating, f.id limit {COMPLAINTS * 5 + REPRESENTATIVES}""", params)
    # not a comment the page shows already as representative: the next strongest instead (how many
    # of the strongest are shown above, the page says)
    row["complaints"] = spread(worst, [None], COMPLAINTS, shown=row["comments_list"])
    shown = {r["id"] for r in row["comments_list"]}
    row["complaints_above"] = sum(r["id"] in shown for r in spread(worst, [None], COMPLAINTS))
    return row


def _words(r: dict[str, Any]) -> str:
    return " ".join(f"{r.get('title') or ''} {r.get('text') or ''}".lower().split())


def spread(found: Rows, order: list[Any], limit: int, shown: Sequence[dict[str, Any]] = ()) -> Rows:
    """At most ``limit`` of ``found`` (each with a ``theme_id``, best first within a theme; without
    one, all of one theme): the best of each theme in ``order``, then the second best of each,
    and so on; a text already shown (the same words, case and spaces aside), here or in ``shown``
    (what the page lists above), is not shown again."""
    queues: dict[Any, Rows] = {}
    for r in found:
        queues.setdefault(r.get("theme_id"), []).append(r)
    queue_order = [t for t in order if t in queues] + [t for t in queues if t not in order]
    out: Rows = []
    seen: set[str] = {_words(r) for r in shown}
    position = 0
    while len(out) < limit and any(position < len(queues[t]) for t in queue_order):
        for t in queue_order:
            if position < len(queues[t]) and len(out) < limit:
                r = queues[t][position]
                words = _words(r)
                if words not in seen:
                    seen.add(words)
                    out.append(r)
        position += 1
    return out


async def trends(db: Any, window: str) -> Rows:
    """The themes' trends in ``window``, and those of the sections of large entries (``section_id`` set; an archive
    before them has none), most certain first."""
    if not await themed(db):
        return []
    found = await rows(db, """
        select tr.*, null as section_id, t.label, t.comments, t.is_new, t.parent_id, p.label as parent_label
        from theme_trends tr join themes t on t.id = tr.theme_id left join themes p on p.id = t.parent_id
        where tr.window = :w""", {"w": window})
    if await sectioned(db):
        found += await rows(db, """
            select tr.*, null as theme_id, x.label, x.comments, 0 as is_new, p.label as parent_label
            from section_trends tr join theme_sections x on x.id = tr.section_id join themes p on p.id = tr.parent_id
            where tr.window = :w""", {"w": window})
    return sorted(found, key=lambda t: (t["q_value"], t["ratio"] is None, -(t["ratio"] or 0)))


async def weekly_volume(db: Any) -> Rows:
    return await rows(db, "select week, channel, sum(comments) as comments, sum(negative) as negative"
                          " from weekly_volume group by week, channel order by week")


async def top_theme_weeks(db: Any, limit: int = 4) -> tuple[Rows, Rows]:
    """The largest top-level themes (groups and themes without one) and their comments per week;
    not the entry of comments that say nothing about a topic (:data:`GENERAL`), however large."""
    if not await themed(db):
        return [], []
    top = await rows(db, "select id, label, comments from themes where parent_id is null and label is not :general"
                         " order by comments desc, id limit :n", {"n": limit, "general": GENERAL})
    ids = ", ".join(str(int(t["id"])) for t in top) or "null"
    weeks = await rows(db, f"select theme_id, week, comments from theme_weeks where theme_id in ({ids}) order by week")
    return top, weeks


async def sentiment_by_theme(db: Any, limit: int = 25) -> Rows:
    """The top level's sentiment (groups and themes without one), largest first, as the overview's
    other figures: a sub-theme is read on its group's page."""
    if not await themed(db):
        return []
    return await rows(db, "select id, label, comments, sentiment from themes where parent_id is null"
                          " order by comments desc, id limit :n", {"n": limit})


async def new_themes(db: Any, limit: int = 20) -> Rows:
    if not await themed(db):
        return []
    return await rows(db, "select id, label, comments, first_seen from themes where is_new = 1"
                          " order by first_seen desc limit :n", {"n": limit})


async def drivers(db: Any) -> Rows:
    return await rows(db, """
        select d.*, t.label, t.parent_id, p.label as parent_label,
               (select count(*) from themes c where c.parent_id = d.theme_id) as sub_themes from score_drivers d
        join themes t on t.id = d.theme_id left join themes p on p.id = t.parent_id
        order by d.source, d.rank""")


async def section_drivers(db: Any) -> Rows:
    """The sections' drivers (an archive before them has none), with their labels, in score_drivers' column names
    (a section's responses as ``theme_responses``, ...) so the page shows them as it shows the themes'."""
    if "section_drivers" not in await db.table_names() or not await sectioned(db):
        return []
    return await rows(db, """
        select d.source, d.score_name, d.rank, d.section_id, d.parent_id, d.responses,
               d.section_responses as theme_responses, d.score, d.score_with_section as score_with_theme,
               d.score_without_section as score_without_theme, d.points, d.points_low, d.points_high, x.label
        from section_drivers d join theme_sections x on x.id = d.section_id order by d.source, d.rank""")


async def promises(db: Any) -> tuple[Rows, Rows]:
    found = await rows(db, "select * from promises order by id")
    weeks = await rows(db, "select promise_id, week, mentions, negative from promise_weeks order by week")
    return found, weeks


async def promise_areas(db: Any) -> Rows:
    """Per area (promises without one: "(no area)"), its promises and the comments that mention
    any of them, each comment once ("the delivery came 2 hours late" mentions two delivery
    promises), fewest first."""
    return await rows(db, """
        select coalesce(p.area, '(no area)') as area, count(distinct p.id) as promises,
               count(distinct m.feedback_id) as comments
        from promises p left join promise_mentions m on m.promise_id = p.id
        group by coalesce(p.area, '(no area)') order by comments, area""")


async def promise_examples(db: Any, promise_id: int, limit: int = 5) -> Rows:
    """The promise's complaints, the most negative point mentioning it first: each comment with that
    point (``passage``) and the point's own sentiment (``passage_sentiment``), by which they are
    ordered (a comment's mean can be milder: "Ordering is really easy - but the delivery came 2
    hours late" is -0.35, its point about the delivery -0.80)."""
    return await rows(db, f"""
        select {FEEDBACK_FIELDS}, m.similarity, s.text as passage, m.sentiment as passage_sentiment
        from promise_mentions m
        join feedback f on f.id = m.feedback_id left join segments s on s.id = m.segment_id
        where m.promise_id = :p and m.negative = 1
        order by coalesce(m.sentiment, f.sentiment, 0), m.similarity desc limit :n""",
        {"p": promise_id, "n": limit})


async def customers_at_risk(db: Any, days: float, silence: float = 30, limit: int = 100, offset: int = 0) -> Rows:
    """Negative feedback and an e-mail unanswered for ``days``; or a returning customer (two or more
    comments) whose last word was a complaint, silent since for ``silence`` days and for at least
    twice their usual gap between comments. A complaint is one by its text or by a low rating
    (``customers.negative``), so a customer whose text was not scored (another language) is
    at risk by their rating, and the reason says so. An e-mail unanswered for ``days`` that
    nothing can read (no text sentiment: another language; and no rating) puts its customer at
    risk too: it may be a complaint, and waiting is the risk. Each row's ``total`` is how many
    there are in all: ``limit`` rows are read from the ``offset``-th on (a page of them)."""
    # an archive published before customers.last_negative_by (format 3) reads as "by its text", and
    # one before customers.unscored_emails (format 5) as having none: the page reads the customers
    # table alone (its readers need not see the comments)
    columns = await db.table_columns("customers") if "customers" in await db.table_names() else []
    by_rating = "c.last_negative_by = 'rating'" if "last_negative_by" in columns else "0"
    unscored = "c.unscored_emails > 0" if "unscored_emails" in columns else "0"
    waited = "c.oldest_unanswered_at is not null and julianday('now') - julianday(c.oldest_unanswered_at) >= :days"
    return await rows(db, f"""
        with candidates as (
          select k.* from customers k where k.negative > 0 or k.oldest_unanswered_at is not null)
        select c.*, count(*) over () as total,
          cast(round(julianday('now') - julianday(c.oldest_unanswered_at)) as int) as days_waiting,
          case when {waited}
               then 'no answer for ' || cast(round(julianday('now') - julianday(c.oldest_unanswered_at)) as int)
                    || ' days' || case when c.negative > 0 and {by_rating} then ' (their last complaint: a low rating)'
                                       when c.negative = 0 then ' (their e-mail could not be scored for sentiment and may be a complaint)'
                                       else '' end
               else 'silent for ' || cast(round(julianday('now') - julianday(c.last_negative_at)) as int)
                    || ' days since ' || case when {by_rating} then 'a low rating' else 'a complaint' end end as reason
        from candidates c
        where (c.negative > 0 and (
          ({waited})
          or (c.comments >= 2 and c.said_since_last_negative = 0
              and julianday('now') - julianday(c.last_negative_at)
                  >= max(:silence, 2 * coalesce(c.usual_gap_days, 0)))))
          or (c.negative = 0 and {waited} and {unscored})
        order by (c.oldest_unanswered_at is null), c.oldest_unanswered_at, c.last_negative_at desc, c.customer
        limit :n offset :skip""", {"days": days, "silence": silence, "n": limit, "skip": offset})


async def waiting(db: Any) -> Rows:
    """Customers with an e-mail nobody has answered: one row per customer, longest wait first.
    Read from ``customers`` (``oldest_unanswered_at``: a thread without an answer, or a message
    the customer sent after the last answer that has none: see
    :func:`feedback.insights.tables.customer_rows`), and the unanswered threads without a customer
    key from ``email_threads``. An archive published before follow-ups counted reads as before."""
    keyless = """select null as customer, 1 as threads, t.first_customer_message_at as waiting_since
                 from email_threads t where t.answered = 0 and t.customer is null"""
    days = "cast(round(julianday('now') - julianday(waiting_since)) as int) as days_waiting"
    if "customers" not in await db.table_names() or "unanswered_threads" not in await db.table_columns("customers"):
        return await rows(db, f"""
            select customer, threads, waiting_since, {days} from (
              select t.customer, count(*) as threads, min(t.first_customer_message_at) as waiting_since
              from email_threads t where t.answered = 0 group by coalesce(t.customer, t.thread_id))
            order by waiting_since, customer""")
    return await rows(db, f"""
        select customer, threads, waiting_since, {days} from (
          select c.customer, c.unanswered_threads as threads, c.oldest_unanswered_at as waiting_since
          from customers c where c.oldest_unanswered_at is not null
          union all {keyless if "email_threads" in await db.table_names() else "select null, 0, null where 0"})
        order by waiting_since, customer""")


async def customer(db: Any, key: str) -> dict[str, Any] | None:
    found = await rows(db, "select * from customers where customer = :c", {"c": key})
    if not found:
        return None
    row = found[0]
    row["feedback"] = await rows(db, f"""
        select {FEEDBACK_FIELDS}, f.rating, (select t.label from feedback_themes ft join themes t on t.id = ft.theme_id
                                   where ft.feedback_id = f.id order by ft.score desc limit 1) as theme
        from feedback f where f.customer = :c order by f.received_at, f.id""", {"c": key})
    themes = await comment_themes(db, [r["id"] for r in row["feedback"]])
    for comment in row["feedback"]:
        comment["themes"] = themes.get(comment["id"], [])
    row["threads"] = await rows(db, "select * from email_threads where customer = :c"
                                    " order by first_customer_message_at", {"c": key})
    # each conversation's oldest e-mail with no answer after it: a follow-up after our answer waits too
    waiting = {r["thread_id"]: r["since"] for r in await rows(db, """
        select e.thread_id, min(f.received_at) as since from email_feedback e join feedback f on f.id = e.feedback_id
        where e.answered = 0 and f.customer = :c group by e.thread_id""", {"c": key})}
    for thread in row["threads"]:
        thread["waiting_since"] = waiting.get(thread["thread_id"])
    return row


async def comment_themes(db: Any, ids: list[str]) -> dict[str, Rows]:
    """Each comment's themes (id, label, score, and the group it is in: parent_id, parent_label),
    its main theme first."""
    out: dict[str, Rows] = {}
    if not ids or not await themed(db):
        return out
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        params = {f"i{n}": v for n, v in enumerate(chunk)}
        for r in await rows(db, f"""
            select ft.feedback_id, t.id, t.label, ft.score, p.id as parent_id, p.label as parent_label
            from feedback_themes ft join themes t on t.id = ft.theme_id left join themes p on p.id = t.parent_id
            where ft.feedback_id in ({', '.join(':' + k for k in params)})
            order by ft.feedback_id, ft.score desc, t.id""", params):
            out.setdefault(r.pop("feedback_id"), []).append(r)
    return out


async def corrected_columns(db: Any) -> bool:
    """Does the archive mark the points whose side an analyst set (``segments.sentiment_corrected``)?
    An archive published before analysts' corrections does not."""
    return "segments" in await tables(db) and "sentiment_corrected" in await db.table_columns("segments")


async def corrected_points(db: Any) -> int:
    """How many points read as analysts set them (feedback themes tone), by the archive's partial index."""
    if not await corrected_columns(db):
        return 0
    return int((await rows(db, "select count(*) as n from segments where sentiment_corrected = 1"))[0]["n"])


async def comment(db: Any, comment_id: str) -> dict[str, Any] | None:
    """One comment with its points (segments, each with its theme and sentiment), its themes and,
    for an e-mail, its conversation and the other comments of it."""
    found = await rows(db, "select f.* from feedback f where f.id = :id", {"id": comment_id})
    if not found:
        return None
    row = found[0]
    row["themes"] = (await comment_themes(db, [comment_id])).get(comment_id, [])
    labelled = ("left join themes t on t.id = s.theme_id left join themes p on p.id = t.parent_id"
                if await themed(db) else "")
    labels = ("t.label as theme_label, p.id as parent_id, p.label as parent_label" if labelled
              else "null as theme_label, null as parent_id, null as parent_label")
    corrected = "s.sentiment_corrected" if await corrected_columns(db) else "0 as sentiment_corrected"
    row["segments"] = await rows(db, f"""
        select s.id as segment_id, s.seq, s.text, s.sentiment, {corrected}, s.theme_id, {labels}
        from segments s {labelled} where s.feedback_id = :id order by s.seq""", {"id": comment_id})
    row["thread"] = None
    row["thread_comments"] = []
    link = await rows(db, "select * from email_feedback where feedback_id = :id", {"id": comment_id})
    if link:
        threads = await rows(db, "select * from email_threads where thread_id = :t", {"t": link[0]["thread_id"]})
        row["thread"] = {**(threads[0] if threads else {}), "message": link[0]}
        row["thread_comments"] = await rows(db, """
            select f.id, f.received_at, f.title, f.text, f.sentiment, e.answered from email_feedback e
            join feedback f on f.id = e.feedback_id where e.thread_id = :t order by f.received_at, f.id""",
            {"t": link[0]["thread_id"]})
    return row
