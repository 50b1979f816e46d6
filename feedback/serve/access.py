"""Who may read what: the staff pages obey the same table permissions as Datasette's own pages.

Each page names the archive tables it reads (:data:`PAGE_TABLES`) and checks ``view-table`` for
every one of them, with Datasette's cascade (table, then database, then instance), before it
runs a query: with ``tables: feedback: allow: {id: admin}`` in the metadata, a page that shows
comments answers 403 to anyone else, as ``/archive/feedback`` does.

A full-text index holds a copy of its table's text (``feedback_fts``, and its shadow tables
``feedback_fts_data``, ``_idx``, ``_content``, ``_docsize``, ``_config``): it is closed to whoever
may not view the table it indexes (:func:`indexed_table`, used by the ``permission_allowed`` hook).
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from feedback.serve.reload import served_key

PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "overview": ("weekly_volume", "themes", "theme_weeks", "theme_trends", "section_trends", "theme_sections",
                 "promises", "promise_weeks", "archive_info"),
    "search": ("feedback", "feedback_fts", "feedback_themes", "themes", "sources", "feedback_vectors",
               "vector_model", "vector_codebook", "vector_codes", "theme_sections"),
    "themes": ("themes", "theme_trends", "theme_sections", "section_trends"),
    "theme": ("themes", "theme_weeks", "theme_sources", "theme_trends", "feedback_themes", "feedback", "theme_history",
              "theme_sections", "section_trends", "section_drivers"),
    "trends": ("theme_trends", "section_trends", "theme_sections", "themes", "weekly_volume", "archive_info"),
    "drivers": ("score_drivers", "themes", "section_drivers", "theme_sections"),
    "promises": ("promises", "promise_weeks", "promise_mentions", "feedback", "segments"),
    "customers": ("customers", "email_threads"),
    "customer": ("customers", "feedback", "feedback_themes", "themes", "email_threads", "email_feedback"),
    "comment": ("feedback", "segments", "feedback_themes", "themes", "email_feedback", "email_threads"),
    "actions": ("actions", "action_customers"),
    "promise_filter": ("promises", "promise_mentions"),  # the search page narrowed to a promise's mentions
}

FTS_SHADOWS = ("data", "idx", "content", "docsize", "config",  # FTS5
               "segments", "segdir", "stat")  # FTS4
_CONTENT = re.compile(r"""\bcontent\s*=\s*['"\[`]?([^'"\]`,\s)]+)""", re.IGNORECASE)
_parents: weakref.WeakKeyDictionary[Any, tuple[Any, dict[str, str]]] = weakref.WeakKeyDictionary()


async def ensure_tables(datasette: Any, actor: dict[str, Any] | None, database: str, tables: tuple[str, ...]) -> None:
    """Raise Datasette's ``Forbidden`` unless ``actor`` may view every one of ``tables``."""
    for table in tables:
        await datasette.ensure_permissions(actor, [("view-table", (database, table)), ("view-database", database),
                                                   "view-instance"])


def fts_parents(schema: list[tuple[str, str | None]]) -> dict[str, str]:
    """Full-text tables and their shadow tables -> the table they index, from ``sqlite_master``
    (name, sql) rows: the ``content=`` table, or ``X`` for an index named ``X_fts`` without one."""
    tables = {name for name, _ in schema}
    out: dict[str, str] = {}
    for name, sql in schema:
        if not sql or not re.match(r"\s*create\s+virtual\s+table\b.*\busing\s+fts[345]\b", sql, re.I | re.S):
            continue
        match = _CONTENT.search(sql)
        parent = match.group(1) if match and match.group(1) else None
        if parent is None and name.lower().endswith("_fts"):
            parent = name[:-4]
        if parent is None or parent not in tables:
            continue
        out[name] = parent
        for suffix in FTS_SHADOWS:
            if f"{name}_{suffix}" in tables:
                out[f"{name}_{suffix}"] = parent
    return out


async def indexed_table(datasette: Any, database: str, table: str) -> str | None:
    """The table whose text ``table`` holds a copy of, when it is a full-text index (or part of one)."""
    db = datasette.databases.get(database)
    if db is None or db.is_memory:
        return None
    key = served_key(db)
    cached = _parents.get(db)
    if cached is None or cached[0] != key:
        result = await db.execute("select name, sql from sqlite_master where type = 'table'")
        cached = (key, fts_parents([(r[0], r[1]) for r in result.rows]))
        _parents[db] = cached
    return cached[1].get(table)


async def fts_permission(datasette: Any, actor: dict[str, Any] | None, action: str, resource: Any) -> bool | None:
    """``view-table`` of a full-text index: False when the actor may not view the table it indexes;
    no opinion otherwise (the index's own rules and the database's then decide)."""
    if action != "view-table" or not isinstance(resource, tuple | list) or len(resource) != 2:
        return None
    database, table = resource
    parent = await indexed_table(datasette, database, table)
    if parent is None:
        return None
    allowed = await datasette.permission_allowed(actor, "view-table", (database, parent), default=None)
    return False if allowed is False else None
