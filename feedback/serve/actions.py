"""What the "You said, we did" page (``/-/feedback/actions``) and a theme's page show of actions.

Each action comes from the archive's ``actions`` table (did it work: computed at publish time,
:mod:`feedback.insights.actions`), with the customers who raised its theme (or one of its
sub-themes) before its day, read from ``feedback_themes`` and ``feedback``, and whether their
e-mails on it were answered (``email_feedback``; "not by e-mail" when none of their comments on
it was an e-mail).
"""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Forbidden

from feedback.serve import queries as q
from feedback.serve.access import PAGE_TABLES, ensure_tables

CUSTOMERS_SHOWN = 50  # per action, the latest to raise the theme

_RAISED = """
    with theme_comments as (
      select distinct ft.feedback_id from feedback_themes ft
      where ft.theme_id in (select :theme union select id from themes where parent_id = :theme))
    select f.customer, count(*) as comments, max(f.received_at) as last_at, {answers}
    from theme_comments tc join feedback f on f.id = tc.feedback_id {join}
    where f.received_at < :day and f.customer is not null
    group by f.customer order by last_at desc, f.customer limit :n"""
_WITH_EMAIL = ("count(ef.feedback_id) as emails, coalesce(sum(ef.answered), 0) as answered,"
               " max(ef.answered_at) as answered_at", "left join email_feedback ef on ef.feedback_id = f.id")
_WITHOUT_EMAIL = ("0 as emails, 0 as answered, null as answered_at", "")


def answer_words(emails: int, answered: int, answered_at: str | None) -> str:
    """Whether a customer's e-mails on the theme were answered, in words."""
    if not emails:
        return "not by e-mail"
    if answered == emails:
        return f"answered{f' (last on {answered_at[:10]})' if answered_at else ''}"
    if not answered:
        return "not answered" if emails == 1 else f"none of {emails} e-mails answered"
    return f"{answered} of {emails} e-mails answered"


async def raised_before(db: Any, theme_id: int, day: str, email: bool, limit: int = CUSTOMERS_SHOWN) -> q.Rows:
    """The latest ``limit`` customers who raised the theme before ``day``, with their answers."""
    answers, join = _WITH_EMAIL if email else _WITHOUT_EMAIL
    found = await q.rows(db, _RAISED.format(answers=answers, join=join), {"theme": theme_id, "day": day, "n": limit})
    for row in found:
        row["answer"] = answer_words(row["emails"], row["answered"], row["answered_at"])
    return found


async def action_cards(db: Any, theme_id: int | None = None) -> q.Rows:
    """The published actions (of one theme, or all), newest first, each with its ``customers``."""
    tables = await q.tables(db)
    if "actions" not in tables:  # an archive published before actions existed
        return []
    where = "where theme_id = :theme" if theme_id is not None else ""
    found = await q.rows(db, f"select * from actions {where} order by date desc, id desc", {"theme": theme_id})
    email = "email_feedback" in tables
    for action in found:
        action["customers"] = await raised_before(db, action["theme_id"], action["date"], email)
    return found


async def theme_actions(datasette: Any, request: Any, db: Any, theme_id: int) -> q.Rows:
    """The actions on a theme for its page; none when the actor may not view a table they read."""
    try:
        await ensure_tables(datasette, request.actor, db.name, PAGE_TABLES["actions"])
    except Forbidden:
        return []
    return await action_cards(db, theme_id)

