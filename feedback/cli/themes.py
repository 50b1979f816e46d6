"""``feedback themes``: list, inspect, re-cluster and edit themes (a thin shell over feedback.themes)."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feedback.cli.session import warehouse_session

if TYPE_CHECKING:
    from collections.abc import Callable

    import sqlite_utils

    from feedback.cli.progress import Stages
    from feedback.config import Config


def _warehouse(ctx: click.Context, republish: bool = False, stages: Stages | None = None
               ) -> AbstractContextManager[tuple[Config, sqlite_utils.Database]]:
    """The configuration (``themes --config`` first) and an open warehouse; republished after a change."""
    return warehouse_session(ctx, republish, "feedback.no_publish", own_key="themes_config", stages=stages)


@click.group()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Configuration file (default: the main command's, else data/config.yml).")
@click.option("--no-publish", is_flag=True, help="After a change, do not rebuild the published archive.")
@click.pass_context
def themes(ctx: click.Context, config_path: Path | None, no_publish: bool) -> None:
    """List, inspect, re-cluster and edit the themes of the feedback."""
    ctx.meta["feedback.no_publish"] = no_publish
    if config_path is not None:
        ctx.obj = {"themes_config": config_path}


@themes.command("recluster")
@click.option("--themes", "theme_count", type=click.IntRange(min=2),
              help="About how many themes to draw: more for finer themes, fewer for broader (default: from the data).")
@click.option("--min-cluster-size", type=click.IntRange(min=2),
              help="Smallest theme, in segments (without --themes it also sets how many themes there are).")
@click.option("--min-samples", type=click.IntRange(min=1),
              help="HDBSCAN density smoothing (without --themes: lower finds more themes).")
@click.option("--cluster-selection-method", "--selection", "cluster_selection_method",
              type=click.Choice(["leaf", "eom"]), help="leaf: fine, even themes; eom: fewer, uneven themes.")
@click.option("--reduction", type=click.Choice(["pca", "none"]), help="Reduction before HDBSCAN.")
@click.option("--dims", type=click.IntRange(2, 384), help="PCA dimensions.")
@click.option("--seed", type=int, help="Seed of the fit sample on large data.")
@click.option("--assign-threshold", type=click.FloatRange(0, 1), help="Cosine needed to join a theme.")
@click.option("--top-themes", type=click.IntRange(min=2),
              help="How many top-level themes to show (default: from the number of themes, 8..25).")
@click.pass_context
def recluster_cmd(ctx: click.Context, **params: Any) -> None:
    """Re-cluster every comment; theme ids, labels and edits carry over."""
    from feedback.cli.progress import Stages, configure_logging
    from feedback.embed import make_embedder
    from feedback.themes import run_recluster
    from feedback.themes.settings import with_overrides

    verbose = bool(ctx.find_root().params.get("verbose"))
    configure_logging(verbose)
    stages = Stages("re-cluster", verbose)
    with stages.following("feedback"), _warehouse(ctx, republish=True, stages=stages) as (config, db):
        settings = with_overrides(config.themes, config.base_dir, params)
        named = dict(db.execute("select id, label from themes where status = 'parent' and label_pinned = 1").fetchall())
        held = {g: [r[0] for r in db.execute("select id from themes where parent_id = ? and status = 'active'"
                                             " order by id", [g])] for g in named}
        with stages.stage("recluster-themes"):
            stats = run_recluster(db, settings, make_embedder(settings.model_path, settings.batch_size, config.embed,
                                                              config.base_dir, db=db))
        gone = [r[0] for r in db.execute(f"select id from themes where status = 'retired' and id in"
                                         f" ({','.join('?' * len(named))}) order by id", list(named))] if named else []
    click.echo(
        f"{stats['themes_total']} themes ({stats['themes_new']} new, {stats['themes_matched']} kept), "
        f"{stats['parents_total']} parents; {stats['outlier_share']:.1%} of comments fit no theme"
    )
    if gone:  # an analyst's group the new top level did not continue: say so, and how to have it again
        click.echo(f"note: {len(gone)} group{'s' if len(gone) > 1 else ''} named by an analyst did not continue: "
                   + "; ".join(f"#{g} {named[g]!r} (held {', '.join(map(str, held[g]))})" for g in gone)
                   + ". Their themes are in the new groups; to have such a group again:"
                   " `feedback themes group LABEL THEME...`")


@themes.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also show merged and retired themes.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None, help="Show at most this many themes.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects instead of the table.")
@click.pass_context
def list_cmd(ctx: click.Context, show_all: bool, limit: int | None, as_json: bool) -> None:
    """Themes with comments, segments, sentiment and parent, biggest first."""
    statuses = ("active", "parent", "merged", "retired") if show_all else ("active", "parent")
    with _warehouse(ctx) as (_, db):
        marks = ",".join("?" * len(statuses))
        rows = db.execute(
            f"""select id, label, size, sentiment, parent_id, status, is_new, label_pinned, comments from themes
                where status in ({marks}) order by status = 'parent' desc, size desc, id limit ?""",
            [*statuses, -1 if limit is None else limit],
        ).fetchall()
    if as_json:
        keys = ("id", "label", "size", "sentiment", "parent_id", "status", "is_new", "label_pinned", "comments")
        found = [{**dict(zip(keys, row, strict=True)), "is_new": bool(row[6]), "label_pinned": bool(row[7])}
                 for row in rows]
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no themes yet (run the nightly flow or `feedback themes recluster`)")
        return
    # a comment can make points in several themes: pages count comments, the engine segments (points made)
    click.echo(f"{'id':>5}  {'comments':>8}  {'segments':>8}  {'sent':>5}  {'parent':>6}  label")
    for tid, label, size, sent, parent, status, is_new, pinned, comments in rows:
        flags = "".join([" [group]" if status == "parent" else "", " [new]" if is_new else "",
                         " [pinned]" if pinned else "", f" [{status}]" if status in ("merged", "retired") else ""])
        sent_text = f"{sent:+.2f}" if sent is not None else "  -  "
        click.echo(f"{tid:>5}  {comments or 0:>8}  {size or 0:>8}  {sent_text:>5}  {parent or '':>6}  {label}{flags}")


@themes.command("show")
@click.argument("theme_id", type=int)
@click.pass_context
def show_cmd(ctx: click.Context, theme_id: int) -> None:
    """A theme's label, keywords, representative comments and history."""
    from feedback.themes.edits import get_theme
    from feedback.themes.history_words import describe

    with _warehouse(ctx) as (_, db):
        row = get_theme(db, theme_id, ("active", "parent", "merged", "retired"))
        reps = json.loads(row["representatives"] or "[]")
        texts = [r[0] for r in db.execute(
            f"select text from theme_segments where id in ({','.join('?' * len(reps))})", reps)] if reps else []
        children = db.execute("select id, label, size, sentiment from themes where parent_id = ? and status = 'active'"
                              " order by size desc, id", [theme_id]).fetchall()
        parent = db.execute("select label from themes where id = ?", [row["parent_id"]]).fetchone()
        merged = db.execute("select id, label from themes where id = ?", [row["merged_into"]]).fetchone()
        # the nightly snapshots repeat the label and size: the edits and fits are what happened
        history = db.execute("select at, event, label, size, details from theme_history where theme_id = ?"
                             " and event != 'nightly' order by id desc limit 10", [theme_id]).fetchall()
    click.echo(f"#{row['id']} {row['label']}  ({row['status']}{', pinned' if row['label_pinned'] else ''})")
    if row["status"] == "merged" and merged:
        click.echo(f"merged into #{merged[0]} {merged[1]}")
    sentiment = f"{row['sentiment']:+.2f}" if row["sentiment"] is not None else "-"
    click.echo(f"{row['comments'] or 0} comments, {row['size'] or 0} segments (points made); sentiment {sentiment};"
               f" first seen {row['first_seen']}, last seen {row['last_seen']}")
    click.echo("keywords: " + ", ".join(json.loads(row["keywords"] or "[]")))
    if row["parent_id"] and row["status"] == "active":
        click.echo(f"parent: #{row['parent_id']} {parent[0] if parent else ''}".rstrip())
    for cid, clabel, csize, csent in children:
        sent_text = f"{csent:+.2f}" if csent is not None else "-"
        click.echo(f"  child #{cid} {clabel} ({csize or 0} segments, sentiment {sent_text})")
    for text in texts:
        click.echo(f"  \u201c{text}\u201d")
    if history:
        click.echo("history, latest first:")
    for at, event, label, size, details in history:
        click.echo(f"  {at[:19]} {describe(event, label, size, json.loads(details or '{}'))}")


@themes.command("rename")
@click.argument("theme_id", type=int)
@click.argument("label")
@click.pass_context
def rename_cmd(ctx: click.Context, theme_id: int, label: str) -> None:
    """Give a theme your own label (kept by every re-cluster)."""
    from feedback.themes import rename

    with _warehouse(ctx, republish=True) as (_, db):
        changed = rename(db, theme_id, label)
        if not changed:
            ctx.meta["feedback.no_publish"] = True  # nothing changed: nothing to publish
        label = db.execute("select label from themes where id = ?", [theme_id]).fetchone()[0]
    click.echo(f"theme {theme_id} is now {label!r} (pinned)" if changed
               else f"theme {theme_id} is already {label!r} (pinned); nothing changed")


@themes.command("pin")
@click.argument("theme_id", type=int)
@click.pass_context
def pin_cmd(ctx: click.Context, theme_id: int) -> None:
    """Keep a theme's current label through re-clusters."""
    from feedback.themes import pin

    with _warehouse(ctx, republish=True) as (_, db):
        changed = pin(db, theme_id)
        if not changed:
            ctx.meta["feedback.no_publish"] = True  # nothing changed: nothing to publish
        label = db.execute("select label from themes where id = ?", [theme_id]).fetchone()[0]
    click.echo(f"theme {theme_id}'s label {label!r} is pinned" if changed
               else f"theme {theme_id}'s label {label!r} is already pinned; nothing changed")


@themes.command("merge")
@click.argument("target", type=int)
@click.argument("others", type=int, nargs=-1, required=True)
@click.pass_context
def merge_cmd(ctx: click.Context, target: int, others: tuple[int, ...]) -> None:
    """Merge the OTHERS themes into TARGET (re-clusters keep them merged)."""
    from feedback.themes import merge
    from feedback.themes.settings import with_overrides

    with _warehouse(ctx, republish=True) as (config, db):
        merge(db, target, list(others), with_overrides(config.themes, config.base_dir, {}).context_weight)
    click.echo(f"merged {', '.join(map(str, others))} into {target}")


@themes.command("split")
@click.argument("theme_id", type=int)
@click.pass_context
def split_cmd(ctx: click.Context, theme_id: int) -> None:
    """Re-cluster one theme into parts; one part keeps the id and the label."""
    # the biggest part, unless the label's words fit another clearly better (edits.label_keeper)
    from feedback.embed import make_embedder
    from feedback.themes import split
    from feedback.themes.settings import with_overrides

    with _warehouse(ctx, republish=True) as (config, db):
        settings = with_overrides(config.themes, config.base_dir, {})
        # the model loads only if a part's label needs its centre's words embedded (label_centre)
        ids = split(db, theme_id, settings, make_embedder(settings.model_path, settings.batch_size, config.embed,
                                                          config.base_dir, db=db))
        parts = [db.execute("select id, label, size from themes where id = ?", [i]).fetchone() for i in ids]
    click.echo(f"theme {theme_id} split into {len(ids)} parts:")
    for pid, plabel, psize in parts:
        click.echo(f"  #{pid} {plabel} ({psize or 0} segments){' (keeps the id)' if pid == theme_id else ''}")


@themes.command("move")
@click.argument("theme_id", type=int)
@click.option("--under", "parent_id", type=int, default=None,
              help="The top-level group (a [group] in `feedback themes list`) to put the theme under.")
@click.option("--top", is_flag=True, help="Make the theme a top-level entry of its own.")
@click.pass_context
def move_cmd(ctx: click.Context, theme_id: int, parent_id: int | None, top: bool) -> None:
    """Put a theme under another top-level group (re-clusters keep it there)."""
    from feedback.themes.edits import move

    if (parent_id is None) == (not top):
        raise click.UsageError("give either --under PARENT_ID or --top")
    with _warehouse(ctx, republish=True) as (_, db):
        moved = move(db, theme_id, parent_id)
        if not moved:
            ctx.meta["feedback.no_publish"] = True  # nothing changed: nothing to publish
    where = f"under group {parent_id}" if parent_id is not None else "a top-level entry"
    click.echo(f"theme {theme_id} is now {where}" if moved else f"theme {theme_id} is already {where}; nothing changed")


@themes.command("group")
@click.argument("label")
@click.argument("theme_ids", type=int, nargs=-1, required=True)
@click.pass_context
def group_cmd(ctx: click.Context, label: str, theme_ids: tuple[int, ...]) -> None:
    """Make a top-level group LABEL of the THEME_IDS (re-clusters keep it)."""
    from feedback.themes.edits import group
    from feedback.themes.settings import with_overrides

    with _warehouse(ctx, republish=True) as (config, db):
        group_id = group(db, label, list(theme_ids), with_overrides(config.themes, config.base_dir, {}).keywords)
        label = db.execute("select label from themes where id = ?", [group_id]).fetchone()[0]
    click.echo(f"group {group_id} {label!r} now holds {', '.join(map(str, dict.fromkeys(theme_ids)))}")


@themes.command("undo")
@click.argument("edit_id", type=int, required=False)
@click.option("--list", "show_list", is_flag=True,
              help="Show the recent edits, latest first, which can be undone and which undone ones can be redone.")
@click.pass_context
def undo_cmd(ctx: click.Context, edit_id: int | None, show_list: bool) -> None:
    """Undo your latest theme edit, or edit EDIT_ID (--list: the recent edits)."""
    from feedback.themes.history_words import describe_edit
    from feedback.themes.redo import listed
    from feedback.themes.undo import undo

    if show_list and edit_id is not None:
        raise click.UsageError("give either EDIT_ID or --list")
    if show_list:
        with _warehouse(ctx) as (_, db):
            lines = listed(db)
        click.echo("\n".join(["edits, latest first:", *lines]) if lines else "no edit to undo or redo")
        return
    with _warehouse(ctx, republish=True) as (config, db):
        edit = undo(db, edit_id, _rescorer(config, db))
    click.echo(f"undid edit #{edit.id}: {describe_edit(edit.kind, edit.details)}")


@themes.command("redo")
@click.argument("edit_id", type=int, required=False)
@click.pass_context
def redo_cmd(ctx: click.Context, edit_id: int | None) -> None:
    """Redo the edit you undid last, or EDIT_ID (`undo --list` shows them)."""
    from feedback.themes.history_words import describe_edit
    from feedback.themes.redo import redo

    with _warehouse(ctx, republish=True) as (config, db):
        edit = redo(db, edit_id, _rescorer(config, db))
    click.echo(f"redid edit #{edit.id}: {describe_edit(edit.kind, edit.details)}")


def _rescorer(config: Any, db: Any) -> Callable[[list[str]], int]:
    """What undoing or redoing a sentiment correction re-scores its texts with (the configured embedder's
    name picks the stored vectors; the model itself is not loaded)."""
    from feedback.embed import make_embedder
    from feedback.themes.segment_sentiment import rescore_texts
    from feedback.themes.settings import with_overrides

    settings = with_overrides(config.themes, config.base_dir, {})
    embedder = make_embedder(settings.model_path, settings.batch_size, config.embed, config.base_dir, db=db)
    return lambda hashes: rescore_texts(db, embedder, hashes)


@themes.command("tone")
@click.argument("segment_id", required=False)
@click.argument("side", type=click.Choice(["positive", "neutral", "negative"]), required=False, metavar="[SIDE]")
@click.option("--clear", is_flag=True, help="Take the segment's correction away: the model's reading returns.")
@click.option("--note", help="Why (kept in the warehouse, never published).")
@click.option("--list", "show_list", is_flag=True, help="Show the corrections, latest first.")
@click.option("--suggest", is_flag=True,
              help="Show the points most worth checking: the model and the lexicon disagree, most shared texts first.")
@click.option("--alike", is_flag=True,
              help="Also correct the texts that read almost the same (case, punctuation, a typo), as listed without it.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True,
              help="With --suggest, or the texts read alike: how many.")
@click.pass_context
def tone_cmd(ctx: click.Context, segment_id: str | None, side: str | None, clear: bool, note: str | None,
             show_list: bool, suggest: bool, alike: bool, limit: int) -> None:
    """Correct point SEGMENT_ID's sentiment to SIDE: positive, neutral or negative."""
    # SEGMENT_ID: the archive's segments.id. Every point with the same text reads so from now on, the
    # themes' figures follow, and the company's calibration learns from the corrections at its next fit.
    from feedback.embed import make_embedder
    from feedback.themes import segment_sentiment
    from feedback.themes import sentiment_corrections as corrections
    from feedback.themes.sentiment_corrections import REFIT_STEP, contradicted, listed, suggestions
    from feedback.themes.sentiment_corrections import alike as read_alike
    from feedback.themes.settings import with_overrides

    if suggest:
        if segment_id or side or clear or show_list or alike:
            raise click.UsageError("--suggest takes no segment, side, --clear, --list or --alike")
        with _warehouse(ctx) as (config, db):
            found = suggestions(db, limit)
            settings = with_overrides(config.themes, config.base_dir, {})
            shifted = segment_sentiment.calibration_moves(db, make_embedder(
                settings.model_path, settings.batch_size, config.embed, config.base_dir, db=db), limit)

        def point(r: dict[str, Any], reading: str) -> str:
            return (f"{r['segment_id']}  {r['points']:>4} point{'s' * (r['points'] != 1):<1}  {reading}"
                    f"  \u201c{r['text']}\u201d" + (f"  ({r['theme']})" if r["theme"] else ""))

        click.echo("The model and the lexicon read these on different sides:" if found else
                   "The model and the lexicon agree on every uncorrected point.")
        for r in found:
            click.echo(point(r, f"model {r['model']:+.2f}  lexicon {r['lexicon']:+.2f}"))
        if shifted:
            click.echo("Your ratings' calibration moved these most from the shipped model's reading:")
        for r in shifted:
            click.echo(point(r, f"shipped {r['shipped']:+.2f}  now {r['model']:+.2f}"))
        if found or shifted:
            click.echo("Correct one with: feedback themes tone SEGMENT_ID positive|neutral|negative")
        return
    if show_list:
        if segment_id or side or clear or alike:
            raise click.UsageError("--list takes no segment, side, --clear or --alike")
        with _warehouse(ctx) as (_, db):
            rows = listed(db)
        if not rows:
            click.echo("no sentiment corrections")
        for r in rows:
            now = f"{r['sentiment']:+.2f}" if r["sentiment"] is not None else "-"
            click.echo(f"{r['at'][:19]}  {r['side']:<8}  {r['segments']} segment{'s' * (r['segments'] != 1)} (now {now})"
                       f"  \u201c{r['text']}\u201d  [{r['segment_id']}]" + (f"  note: {r['note']}" if r["note"] else ""))
        return
    if not segment_id or (side is None) == (not clear):
        raise click.UsageError("give SEGMENT_ID and SIDE (positive, neutral, negative), or SEGMENT_ID --clear")
    if alike and clear:
        raise click.UsageError("--alike goes with a SIDE, not --clear: clear each text by its own segment id")
    with _warehouse(ctx, republish=True) as (config, db):
        settings = with_overrides(config.themes, config.base_dir, {})
        embedder = make_embedder(settings.model_path, settings.batch_size, config.embed, config.base_dir, db=db)
        if clear:
            row, moved = segment_sentiment.correct(db, embedder, segment_id, None, note)
            similar = []
        else:
            assert side is not None
            text_hash = corrections.segment(db, segment_id)["text_hash"]
            similar = read_alike(db, embedder.name, embedder.version, text_hash, side, limit)
            row, moved = segment_sentiment.correct(db, embedder, segment_id, side, note,
                                                   [r["segment_id"] for r in similar] if alike else ())
        now = db.execute("select count(*), round(avg(sentiment), 2) from theme_segments where text_hash = ?",
                         [row["text_hash"]]).fetchone()
        against = contradicted(db, row["text_hash"])
    what = "no longer corrected" if clear else f"corrected to {side}"
    click.echo(f"\u201c{row['text']}\u201d is {what}: {now[0]} segment{'s' * (now[0] != 1)} with this text, "
               f"{moved} re-scored, now {now[1]:+.2f}; `feedback themes undo` takes it back." + ("" if clear else
               " With enough rated comments for a calibration, it learns from the corrections when it is fitted"
               f" again (after {REFIT_STEP} more, or more ratings)."))
    for theme_id, label, sentiment, claimed in against:
        click.echo(f"note: theme {theme_id} \u201c{label}\u201d now reads {sentiment:+.2f} while its label claims {claimed}:"
                   f" rename it (`feedback themes rename {theme_id} LABEL`), or a re-cluster names it again")
    if similar:
        click.echo(f"Also corrected to {side}, reading almost the same:" if alike else
                   f"These read almost the same and are not on that side ({side}):")
        for r in similar:
            click.echo(f"{r['segment_id']}  {r['points']:>4} point{'s' * (r['points'] != 1):<1}  model {r['model']:+.2f}"
                       f"  \u201c{r['text']}\u201d")
        if not alike:
            click.echo(f"Correct them too with: feedback themes tone {segment_id} {side} --alike")
