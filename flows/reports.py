"""What a run leaves to read in Prefect: its name with the date, a markdown summary and a table.

The texts and tables are pure functions of a run's result (tested without Prefect); the flows
call :func:`publish_report` at their end, and :func:`dated_name` names their runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from feedback.config import Config
from feedback.notify.morning import Morning, morning, resolve_urls
from feedback.secret_refs import resolve_secret
from feedback.warehouse import open_warehouse


def run_name(flow: str, when: datetime) -> str:
    """``nightly-2026-11-22``: the flow and the (local) date of its run."""
    return f"{flow}-{when.astimezone().date().isoformat()}"


def dated_name(flow: str) -> Callable[[], str]:
    """A ``flow_run_name`` for ``@flow``: the flow's name and the date the run was scheduled for
    (a scheduled run keeps its night's date when it starts late), else today."""

    def name() -> str:
        from prefect.runtime import flow_run

        scheduled = flow_run.scheduled_start_time
        return run_name(flow, scheduled if isinstance(scheduled, datetime) else datetime.now().astimezone())

    return name


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Rows as a markdown table (the summary's own copy of the table artifact's rows)."""
    if not rows:
        return ""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def source_rows(per_source: Mapping[str, Mapping[str, int]], failed: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per source of a nightly run: what it read, or why it failed."""
    rows: list[dict[str, Any]] = []
    for name in [*per_source, *(n for n in failed if n not in per_source)]:
        counts = per_source.get(name, {})
        rows.append({
            "source": name,
            "status": "failed" if name in failed else "ok",
            "seen": counts.get("seen", 0), "new": counts.get("new", 0), "changed": counts.get("changed", 0),
            "quarantined": counts.get("quarantined", 0),
            "error": failed.get(name, ""),
        })
    return rows


def nightly_summary(
    run_id: int, rows: list[dict[str, Any]], processed: int, themes: Mapping[str, Any],
    published: tuple[int, str] | None, publish_note: str = "",
) -> str:
    """The nightly run's summary: per source, then processing, themes and publishing."""
    failed = [r for r in rows if r["status"] == "failed"]
    seen, new, quarantined = (sum(r[k] for r in rows) for k in ("seen", "new", "quarantined"))
    lines = [
        f"# Nightly run {run_id}",
        "",
        f"**{seen}** comments read from {len(rows) - len(failed)} of {len(rows)} sources: "
        f"**{new}** new, **{quarantined}** quarantined.",
    ]
    if failed:
        lines += ["", f"**{len(failed)} source(s) failed:**", ""]
        lines += [f"- `{r['source']}`: {r['error']}" for r in failed]
    lines += [
        "", f"Processed {processed} comments (redacted, language, sentiment).",
        f"Themes: {themes.get('segments_new', 0)} new segments, {themes.get('themes_total', 0)} themes "
        f"({themes.get('themes_new', 0)} new); {100 * float(themes.get('outlier_share', 0.0)):.1f} % of "
        "comments fit no theme.",
    ]
    if published is not None:
        lines.append(f"Published {published[0]} comments to `{published[1]}`.")
    else:
        lines.append(f"Not published{': ' + publish_note if publish_note else ''}.")
    lines += ["", "## Sources", "", markdown_table(rows)]
    return "\n".join(lines)


def theme_rows(themes: list[dict[str, Any]], limit: int = 20) -> list[dict[str, Any]]:
    """The biggest themes after a re-cluster, for its table."""
    biggest = sorted(themes, key=lambda t: (-(t.get("size") or 0), t["id"]))[:limit]
    return [{
        "id": t["id"], "label": t.get("label"), "size": t.get("size") or 0, "comments": t.get("comments") or 0,
        "sentiment": None if t.get("sentiment") is None else round(float(t["sentiment"]), 2),
        "new": bool(t.get("is_new")), "pinned": bool(t.get("label_pinned")),
    } for t in biggest]


def recluster_summary(parameters: Mapping[str, Any], stats: Mapping[str, Any], rows: list[dict[str, Any]]) -> str:
    """The re-cluster's summary: the parameters an analyst set, what came out, the biggest themes."""
    chosen = {k: v for k, v in parameters.items() if v is not None and k != "config_path"}
    lines = [
        "# Re-cluster",
        "",
        "Parameters: " + (", ".join(f"`{k}={v}`" for k, v in chosen.items()) or "the configuration's `themes:`"),
        "",
        f"**{stats.get('themes_total', 0)}** themes ({stats.get('themes_new', 0)} new, "
        f"{stats.get('themes_matched', 0)} kept their id), {stats.get('parents_total', 0)} parent groups; "
        f"{100 * float(stats.get('outlier_share', 0.0)):.1f} % of comments fit no theme.",
    ]
    if "published" in stats:
        lines.append(f"Published {stats['published']} comments.")
    else:
        lines.append("Not published (publish: false): the next publish or nightly run shows the new themes.")
    lines += ["", f"## The {len(rows)} biggest themes", "", markdown_table(rows)]
    return "\n".join(lines)


def publish_report(flow: str, markdown: str, table: list[dict[str, Any]], description: str) -> None:
    """The run's two artifacts, under stable keys so the Artifacts page keeps their history:
    ``<flow>-summary`` (markdown) and ``<flow>-<what>`` (table)."""
    create_markdown_artifact(markdown, key=f"{flow}-summary", description=f"{flow} run: summary")
    create_table_artifact(table, key=f"{flow}-{'sources' if flow == 'nightly' else 'themes'}", description=description)


@task(name="morning-summary", task_run_name="morning-summary", cache_policy=NO_CACHE)
def morning_summary(config: Config, run_id: int, rows: list[dict[str, Any]]) -> Morning:
    """Summarise the night, send it to the configured notifications when due, record how that went
    in the run's details (warehouse ``runs``); a notification that fails is logged, not raised."""
    logger = get_run_logger()
    urls, unresolved = resolve_urls(config.notify, resolve_secret)  # the URLs hold tokens: never logged
    db = open_warehouse(config.warehouse)
    try:
        done = morning(db, run_id, rows, config.archive, config.notify, urls, unresolved)
    finally:
        db.close()
    sent = sum(d.ok for d in done.deliveries)
    logger.info("morning summary: %d alert(s); sent to %d of %d notification(s)",
                done.summary.alerts, sent, len(done.deliveries))
    if done.error:
        logger.error("%s", done.error)
    return done
