"""What the "You said, we did" page (``/-/feedback/actions``) and a theme's page show of actions.

Each action comes from the archive's ``actions`` table, the customers who raised its theme
before it from ``action_customers`` (both computed at publish time: :mod:`feedback.insights.actions`),
so the page reads a few rows per action whatever the size of the archive.
"""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Forbidden

from feedback.serve import queries as q
from feedback.serve.access import PAGE_TABLES, ensure_tables

CUSTOMERS_SHOWN = 50  # per action, the latest to raise the theme


def answer_words(emails: int, answered: int, answered_at: str | None) -> str:
    """Whether a customer's e-mails on the theme were answered, in words."""
    if not emails:
        return "not by e-mail"
    if answered == emails:
        return f"answered{f' (last on {answered_at[:10]})' if answered_at else ''}"
    if not answered:
        return "not answered" if emails == 1 else f"none of {emails} e-mails answered"
    return f"{answered} of {emails} e-mails answered"


async def action_cards(db: Any, theme_id: int | None = None) -> q.Rows:
    """The published actions (of one theme, or all), newest first, each with its latest ``customers``."""
    tables = await q.tables(db)
    if "actions" not in tables:  # an archive published before actions existed
        return []
    where = "where theme_id = :theme" if theme_id is not None else ""
    found = await q.rows(db, f"select * from actions {where} order by date desc, id desc", {"theme": theme_id})
    for action in found:
        action["customers"] = [] if "action_customers" not in tables else await q.rows(db, """
            select * from action_customers where action_id = :a order by last_at desc, customer desc limit :n""",
            {"a": action["id"], "n": CUSTOMERS_SHOWN})
        for row in action["customers"]:
            row["answer"] = answer_words(row["emails"] or 0, row["answered"] or 0, row["answered_at"])
    return found


async def theme_actions(datasette: Any, request: Any, db: Any, theme_id: int) -> q.Rows:
    """The actions on a theme for its page; none when the actor may not view a table they read."""
    try:
        await ensure_tables(datasette, request.actor, db.name, PAGE_TABLES["actions"])
    except Forbidden:
        return []
    return await action_cards(db, theme_id)
