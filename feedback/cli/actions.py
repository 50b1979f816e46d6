"""``feedback actions``: record what was done about a theme, and export the consenting contacts
of the customers who raised it (a thin shell over feedback.actions)."""

from __future__ import annotations

import getpass
import json
import os
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from feedback.cli.session import warehouse_session

if TYPE_CHECKING:
    import sqlite_utils

    from feedback.config import Config


def _warehouse(ctx: click.Context, republish: bool = False) -> AbstractContextManager[
        tuple[Config, sqlite_utils.Database]]:
    """The configuration and an open warehouse; republished after a change."""
    return warehouse_session(ctx, republish, "feedback.actions.no_publish")


def today_in(timezone: str) -> date:
    """Today in the configuration's time zone (an action dated today is never "in the future")."""
    return datetime.now(ZoneInfo(timezone)).date()


def who_asks() -> str:
    """The person running the command: $USER, else the OS account."""
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid {os.getuid()}"


@click.group()
@click.option("--no-publish", is_flag=True, help="After a change, do not rebuild the published archive.")
@click.pass_context
def actions(ctx: click.Context, no_publish: bool) -> None:
    """You said, we did: record what was done about a theme and tell the customers who raised it."""
    ctx.meta["feedback.actions.no_publish"] = no_publish


@actions.command("add")
@click.argument("theme_id", type=int)
@click.argument("text")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="When the change was in place (default: today).")
@click.pass_context
def add_cmd(ctx: click.Context, theme_id: int, text: str, day: str | None) -> None:
    """Record TEXT, what was changed, against theme THEME_ID (a merged theme's action goes to its target)."""
    from feedback.actions import add_action

    with _warehouse(ctx, republish=True) as (config, db):
        action = add_action(db, theme_id, text, day, today=today_in(config.timezone), created_by=who_asks())
    merged = f" (theme {theme_id} was merged into it)" if action.theme_id != theme_id else ""
    click.echo(f"action {action.id}: theme {action.theme_id} {action.theme_label!r}{merged}, {action.date}: {action.text}")


@actions.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of the actions.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """The recorded actions, newest first."""
    from feedback.actions import list_actions

    with _warehouse(ctx) as (_, db):
        found = list_actions(db)
    if as_json:
        click.echo(json.dumps([a.as_dict() for a in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no actions yet (`feedback actions add THEME_ID \"what we changed\"`)")
        return
    for a in found:
        moved = f" (recorded on {a.recorded_theme_id})" if a.recorded_theme_id != a.theme_id else ""
        status = f" [{a.theme_status}]" if a.theme_status not in ("active", "parent") else ""
        click.echo(f"{a.id:>4}  {a.date}  theme {a.theme_id} {a.theme_label or '?'}{status}{moved}\n      {a.text}")


@actions.command("remove")
@click.argument("action_id", type=int)
@click.pass_context
def remove_cmd(ctx: click.Context, action_id: int) -> None:
    """Delete an action (the log of its contact exports is kept)."""
    from feedback.actions import remove_action

    with _warehouse(ctx, republish=True) as (_, db):
        action = remove_action(db, action_id)
    click.echo(f"removed action {action.id} ({action.date}: {action.text})")


@actions.command("contacts")
@click.argument("action_id", type=int)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The CSV file to write (e-mail, customer, comment, action).")
@click.pass_context
def contacts_cmd(ctx: click.Context, action_id: int, out: Path) -> None:
    """Export the contact addresses of the customers who raised the action's theme before it and
    agreed to be contacted (intake-form consent; e-mail sources with `contact_consent: true`).

    Reads the warehouse only; each export is logged there (who asked, when, how many rows)."""
    from feedback.actions.contacts import export_contacts

    with _warehouse(ctx) as (config, db):
        mail = [s.name for s in config.sources if s.channel == "email" and getattr(s, "contact_consent", False)]
        done = export_contacts(db, action_id, out, asked_by=who_asks(), email_sources=mail)
    click.echo(f"wrote {done.rows} contact{'s' if done.rows != 1 else ''} for action {done.action.id} to {out}"
               f" (logged as export {done.log_id})")
