"""The staff pages other than search: overview, themes, trends, drivers, promises, customers, actions.

Each page checks that the actor may view every archive table it reads
(:mod:`feedback.serve.access`), reads them through :mod:`feedback.serve.queries` and renders
a template; a malformed parameter is a 400 with a plain message (:mod:`feedback.serve.errors`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import BadRequest, Forbidden, NotFound, Response

from feedback.insights.actions import ACTION_WEEKS
from feedback.insights.no_topic import names_no_topic
from feedback.ratings import SCALES
from feedback.serve import queries as q
from feedback.serve.access import PAGE_TABLES, ensure_tables
from feedback.serve.actions import action_cards, theme_actions
from feedback.serve.errors import SQLITE_INT, days_number, text_arg, whole_number

NAV = [("Overview", "/-/feedback"), ("Search", "/-/feedback/search"), ("Themes", "/-/feedback/themes"),
       ("What changed", "/-/feedback/trends"), ("Score drivers", "/-/feedback/drivers"),
       ("Promise gap", "/-/feedback/promises"), ("Customers", "/-/feedback/customers"),
       ("You said, we did", "/-/feedback/actions")]
# Escaped in JSON so that no text in it can end or comment out the <script> element that holds it.
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                               "\u2028": "\\u2028", "\u2029": "\\u2029"})


def rating_text(raw: Any, scale: str | None) -> str:
    """A rating as a person reads it (the ``feedback_rating`` template filter): a bare number with
    the top of its scale ("5 of 10", "5 of 5": a 5 is low on an NPS and the best of five stars);
    an answer that says its scale itself (words, stars, "4/5") as it was given."""
    text = str(raw).strip()
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return text
    stated = re.fullmatch(r"-?\d+(?:\.\d+)?-(\d+(?:\.\d+)?)", scale or "")  # a review's "worst-best"
    top = SCALES[scale][1] if scale in SCALES else (float(stated.group(1)) if stated else None)
    if top is None:
        return f"{text} ({scale} scale)" if scale else text
    return f"{text} of {top:g}"


def settings(datasette: Any) -> dict[str, Any]:
    return datasette.plugin_config("feedback") or {}


async def archive_db(datasette: Any, request: Any, page: str) -> Any:
    """The archive, once the actor may view it and every table ``page`` reads (the same
    permissions as Datasette's own pages)."""
    db = await _find_archive(datasette)
    await datasette.ensure_permissions(request.actor, [("view-database", db.name), "view-instance"])
    await ensure_tables(datasette, request.actor, db.name, PAGE_TABLES[page])
    return db


async def _find_archive(datasette: Any) -> Any:
    name = settings(datasette).get("database")
    if name:
        return datasette.get_database(name)
    for db in datasette.databases.values():
        if "feedback" in await db.table_names():
            return db
    raise NotFound("no feedback archive is served here")


async def render(datasette: Any, request: Any, db: Any, template: str, context: dict[str, Any]) -> Response:
    context = {"db_name": db.name, "nav": NAV, **context}
    return Response.html(await datasette.render_template(template, context, request=request))


def chart_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>``, ``&`` and the line
    separators escaped as ``\\u003c`` etc., so no comment text can close the element or open an
    HTML comment in it (``JSON.parse`` reads back the same text)."""
    return json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES)


def pivot(rows: list[dict[str, Any]], row_key: str, column_key: str, value: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """A chart's figures as a table: the distinct ``column_key`` values, and per ``row_key`` value
    (in first-seen order) a row ``{"key": ..., "cells": [value per column (0 when none)]}``."""
    columns = sorted({r[column_key] for r in rows}, key=str)
    table: dict[Any, dict[Any, Any]] = {}
    for r in rows:
        cells = table.setdefault(r[row_key], {})
        cells[r[column_key]] = cells.get(r[column_key], 0) + (r[value] or 0)
    return columns, [{"key": k, "cells": [cells.get(c, 0) for c in columns]} for k, cells in table.items()]


async def overview(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "overview")
    top, theme_weeks = await q.top_theme_weeks(db)
    promises, _ = await q.promises(db)
    volume = await q.weekly_volume(db)
    labels = {t["id"]: t["label"] for t in top}
    sentiment = general_last(await q.sentiment_by_theme(db))
    return await render(datasette, request, db, "feedback_overview.html", {
        "volume": chart_json(volume), "volume_table": pivot(volume, "week", "channel", "comments"),
        "top_themes": chart_json(top), "top": top, "theme_weeks": chart_json(theme_weeks),
        "theme_table": pivot([{**w, "label": labels.get(w["theme_id"])} for w in theme_weeks], "week", "label", "comments"),
        # a theme nothing could score (other languages) has no bar; the figures table lists it with "–"
        "sentiment_rows": sentiment, "sentiment": chart_json([r for r in sentiment if r["sentiment"] is not None]),
        "promise_rows": promises, "promises": chart_json(promises),
        "emerging": [t for t in await q.trends(db, "4 weeks") if t["trend"] == "emerging"][:8],
        "info": (await q.rows(db, "select * from archive_info"))[:1],
        # whether the sentiment is tuned to this company's own ratings (feedback.insights.calibration_table)
        "tuning": (await q.rows(db, "select * from sentiment_calibration"))[:1],
        "corrected": await q.corrected_points(db),
    })


def general_last(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``themes`` in the same order, but the top-level entry of comments that say nothing about a
    topic (:data:`feedback.serve.queries.GENERAL`) after the topics, however large it is."""
    def general(t: dict[str, Any]) -> bool:
        return t.get("parent_id") is None and t.get("label") == q.GENERAL

    return [t for t in themes if not general(t)] + [t for t in themes if general(t)]


def top_level(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The themes a person reads first: parents and themes without one, each with ``children``
    (its sub-themes, in the same order as ``themes``)."""
    children: dict[Any, list[dict[str, Any]]] = {}
    for t in themes:
        if t["parent_id"] is not None:
            children.setdefault(t["parent_id"], []).append(t)
    return [{**t, "children": children.get(t["id"], [])} for t in themes if t["parent_id"] is None]


async def themes(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "themes")
    sort = "growth" if text_arg(request, "sort") == "growth" else "size"
    view = "all" if text_arg(request, "view") == "all" else "top"
    found = await q.themes_overview(db)
    if sort == "growth":
        found.sort(key=lambda t: (-(t["ratio"] if t["ratio"] is not None else (99 if t["recent"] else 0)),
                                  t["q_value"] if t["q_value"] is not None else 1))
    shown = general_last(top_level(found)) if view == "top" else found
    if view == "top":  # a large entry's drop-down: its sub-themes under its sections
        sections: dict[Any, list[dict[str, Any]]] = {}
        changed = {t["section_id"]: t for t in await q.rows(
            db, "select * from section_trends where window = '4 weeks' and trend != 'stable'")}
        for s in await q.theme_sections(db):
            sections.setdefault(s["parent_id"], []).append({**s, "trend": changed.get(s["id"])})
        shown = [{**t, "sections": q.in_sections(t["children"], sections.get(t["id"], []))} for t in shown]
    return await render(datasette, request, db, "feedback_themes.html",
                        {"themes": shown, "sort": sort, "view": view, "total": len(found)})


async def theme_page(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "theme")
    value = request.url_vars["theme_id"]
    try:
        theme_id = int(value) if value.isascii() else None
    except ValueError:
        theme_id = None
    if theme_id is None:
        raise NotFound("no such theme")
    if abs(theme_id) > SQLITE_INT:
        raise BadRequest("a theme number is a whole number below 2^63")
    found = await q.theme(db, theme_id)
    if found is None:
        moved = await q.merged_into(db, theme_id)  # an old link to a theme merged away: where it lives on
        if moved is None:
            raise NotFound(f"no theme {theme_id}")
        return Response.redirect(datasette.urls.path(f"/-/feedback/themes/{moved[0]}?{urlencode({'merged': theme_id})}"))
    merged = whole_number(request.args.get("merged", ""), "merged")
    came = await q.merged_into(db, merged) if merged is not None else None
    if found["sections"]:  # each section's clear effect on a score, beside its heading (as the drivers page has it)
        least = int(settings(datasette).get("driver_min_responses") or DRIVER_MIN_RESPONSES)
        clear: dict[Any, list[dict[str, Any]]] = {}
        for d in await q.section_drivers(db):
            verdict = driver_verdict(d)
            if d["parent_id"] == theme_id and d["theme_responses"] >= least and verdict in ("drag", "strength"):
                clear.setdefault(d["section_id"], []).append({**d, "verdict": verdict})
        found["sections"] = [{**s, "drivers": clear.get(s["id"], [])} for s in found["sections"]]
    return await render(datasette, request, db, "feedback_theme.html", {
        "merged_from": {"id": merged, "label": came[1]} if came and came[0] == theme_id else None,
        "theme": found, "general": found["parent_id"] is None and found["label"] == q.GENERAL, "weeks": chart_json(found["weeks"]), "by_source": chart_json(found["sources"]),
        "actions": await theme_actions(datasette, request, db, theme_id),
    })


async def trends(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "trends")
    week = await q.trends(db, "1 week")
    month = await q.trends(db, "4 weeks")
    volume = await q.weekly_volume(db)
    weeks = sorted({v["week"] for v in volume})
    last = weeks[-1] if weeks else None
    return await render(datasette, request, db, "feedback_trends.html", {
        "week": [t for t in week if t["trend"] != "stable"], "month": [t for t in month if t["trend"] != "stable"],
        "new_themes": await q.new_themes(db),
        "last_week": last, "week_counts": [v for v in volume if v["week"] == last],
        "info": (await q.rows(db, "select built_at from archive_info"))[:1],
        "tested": sum(t["section_id"] is None for t in month),
        "sections_tested": sum(t["section_id"] is not None for t in month), "since": month[0]["since"] if month else None,
        "baseline_since": month[0]["baseline_since"] if month else None,
    })


AT_RISK_PAGE = 100  # customers at risk a page
DRIVER_MIN_RESPONSES = 20  # a theme raised by fewer scored responses is listed as "too few to tell"


def driver_verdict(row: dict[str, Any]) -> str:
    """What a driver's 95 % interval says: a drag or a strength when it excludes no effect,
    "could be chance" when it includes it, "unknown" without an interval (an older archive)."""
    low, high = row.get("points_low"), row.get("points_high")
    if low is None or high is None:
        return "unknown"
    if low > 0:
        return "drag"
    if high < 0:
        return "strength"
    return "could be chance"


def split_drivers(found: list[dict[str, Any]], least: int,
                  sections: list[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Per source, the top level first: the groups and the themes without one (and a theme whose
    group has no figure), those raised by at least ``least`` responses ranked biggest drag first
    (with their verdict), the rest "too few to tell", most responses first, and the catch-alls
    that name no topic (``no_topic``: "General remarks", ...) apart, unranked; and per group
    (``children``), its sub-themes split the same way, and its ``sections`` (of a large entry: the
    source's ``sections`` rows of that group) too."""
    out: dict[str, dict[str, Any]] = {}
    for row in found:
        out.setdefault(row["source"], {"head": row, "rows": []})["rows"].append({**row, "verdict": driver_verdict(row)})
    for entry in out.values():
        rows = entry.pop("rows")
        shown = {r["theme_id"] for r in rows}
        top = [r for r in rows if r.get("parent_id") is None or r["parent_id"] not in shown]
        entry.update(_split(top, least))
        children: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            if r.get("parent_id") in shown:
                children.setdefault(r["parent_id"], []).append(r)
        parts: dict[Any, list[dict[str, Any]]] = {}  # a group's sections can be figured where none of its sub-themes is
        for r in sections or []:
            if r["source"] == entry["head"]["source"] and r.get("parent_id") in shown:
                parts.setdefault(r["parent_id"], []).append({**r, "verdict": driver_verdict(r)})
        entry["children"] = {r["theme_id"]: {"label": r.get("label"), "sub_themes": r.get("sub_themes"),
                                             **_split(children.get(r["theme_id"], []), least),
                                             "sections": _split(parts.get(r["theme_id"], []), least)}
                             for r in entry["ranked"] + entry["too_few"] + entry["no_topic"]
                             if r["theme_id"] in children or r["theme_id"] in parts}
    return out


def _split(rows: list[dict[str, Any]], least: int) -> dict[str, list[dict[str, Any]]]:
    """Ranked, too few to tell, and apart (``no_topic``: "General remarks", "Mixed comments", ...,
    whose comments name no topic anyone can act on: never ranked beside the topics), each most
    responses first but the ranked, biggest drag first."""
    def order(r: dict[str, Any]) -> tuple[bool, int]:  # an archive's rank is None for one that named no topic
        return r.get("rank") is None, r.get("rank") or 0

    topics = [r for r in rows if not names_no_topic(r.get("label"))]
    ranked = sorted((r for r in topics if r["theme_responses"] >= least),
                    key=lambda r: (-(r.get("points") or 0), -(r.get("level") or 0), *order(r)))
    too_few = sorted((r for r in topics if r["theme_responses"] < least), key=lambda r: (-r["theme_responses"], *order(r)))
    apart = sorted((r for r in rows if names_no_topic(r.get("label"))), key=lambda r: (-r["theme_responses"], *order(r)))
    return {"ranked": ranked, "too_few": too_few, "no_topic": apart}


async def drivers(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "drivers")
    least = settings(datasette).get("driver_min_responses") or DRIVER_MIN_RESPONSES
    by_source = split_drivers(await q.drivers(db), int(least), await q.section_drivers(db))
    chart = {source: entry["ranked"][:15] for source, entry in by_source.items()}  # the top level
    return await render(datasette, request, db, "feedback_drivers.html",
                        {"sources": by_source, "chart": chart_json(chart), "least": least})


async def promises(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "promises")
    found, weeks = await q.promises(db)
    for promise in found:
        promise["examples"] = await q.promise_examples(db, promise["id"])
    return await render(datasette, request, db, "feedback_promises.html", {
        "promises": found, "chart": chart_json(found), "weeks": chart_json(weeks),
        "silent": [p for p in found if p["status"] == "silent"],
        "areas": await q.promise_areas(db),
    })


async def customers(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "customers")
    conf = settings(datasette)
    days = days_number(text_arg(request, "days"), "days", conf.get("answer_days", 2))
    silence = days_number(text_arg(request, "silence"), "silence", conf.get("silence_days", 30))
    page = whole_number(text_arg(request, "page"), "page") or 1
    if not 1 <= page <= 100_000:
        raise BadRequest("page must be a page number from 1")
    at_risk = await q.customers_at_risk(db, days, silence, AT_RISK_PAGE, (page - 1) * AT_RISK_PAGE)
    total = at_risk[0]["total"] if at_risk else 0
    if page > 1 and not at_risk:  # past the last page: the window function has no row to count on
        first = await q.customers_at_risk(db, days, silence, 1)
        total = first[0]["total"] if first else 0

    def here(number: int) -> str:
        return "?" + urlencode({"days": f"{days:g}", "silence": f"{silence:g}", "page": number}) + "#at-risk-count"

    return await render(datasette, request, db, "feedback_customers.html", {
        "waiting": await q.waiting(db), "at_risk": at_risk, "at_risk_total": total,
        "first": (page - 1) * AT_RISK_PAGE + 1, "page": page, "pages": max(1, -(-total // AT_RISK_PAGE)),
        "here": here, "days": days, "silence": silence,
    })


async def customer_page(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "customer")
    key = request.url_vars["customer"]
    if not key.startswith("c_"):
        raise Forbidden("customers are identified by their pseudonymous key only")
    found = await q.customer(db, key)
    if found is None:
        raise NotFound("no such customer")
    return await render(datasette, request, db, "feedback_customer.html", {
        "customer": found, "timeline": chart_json(found["feedback"]),
    })


async def comment_page(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "comment")
    comment_id = request.url_vars["comment_id"]
    if "\x00" in comment_id or len(comment_id) > 200:
        raise NotFound("no such comment")
    found = await q.comment(db, comment_id)
    if found is None:
        raise NotFound("no such comment")
    return await render(datasette, request, db, "feedback_comment.html", {"comment": found})
async def actions(datasette: Any, request: Any) -> Response:
    """You said, we did: every recorded action, who raised its theme before it, and whether it worked."""
    db = await archive_db(datasette, request, "actions")
    return await render(datasette, request, db, "feedback_actions.html",
                        {"actions": await action_cards(db), "weeks": ACTION_WEEKS})
