"""A theme's history in words: one ``theme_history`` row as a sentence ("moved from group #222
to group #236"), for ``feedback themes show`` and the staff theme pages, and an analyst's edit as
one (``feedback themes undo --list``: "merged #12, #13 into #7"); an undo or redo tells the edit
("undid edit #4: merged #12, #13 into #7", "redid edit #4: ..."). Pure: no database."""

from __future__ import annotations

from typing import Any

# rows that only repeat the label and size (every night's snapshot): not what happened to a theme
ROUTINE = ("nightly",)


def _ids(values: Any) -> str:
    return ", ".join(f"#{v}" for v in (values if isinstance(values, list) else [values]))


def _where(group: Any) -> str:
    return "the top level" if group is None else f"group #{group}"


BY = {"fit": "the first fit", "recluster": "a re-cluster", "model-change": "a re-fit for a new model",
      "move": "a move", "merge": "a merge", "analyst": "an analyst"}


def describe(event: str, label: str | None, size: int | None, details: dict[str, Any]) -> str:
    """One theme_history row in words: what happened, by whom, to what."""
    by = BY.get(str(details.get("by")), str(details.get("by") or ""))
    get = details.get
    kind = "group " if get("kind") == "parent" else ""
    match event:
        case "created":
            made = f"group {label!r} made" if get("kind") == "parent" else f"made as {label!r}"
            what = f"{made} by {by}" if by else made
        case "matched":
            what = f"kept by {by} as {label!r}" if by else f"{kind}kept as {label!r}"
        case "retired":
            what = (f"retired by {by}" if by else "group retired by a re-fit (its themes are in other groups now)"
                    if kind else "retired")
        case "proposed":
            what = f"proposed as {label!r} from the {get('source') or 'outlier pool'}"
        case "renamed":
            what = f"renamed from {get('previous')!r} to {label!r} (pinned)"
        case "pinned":
            what = f"label {label!r} pinned"
        case "merged":
            what = f"merged into #{get('into')}"
        case "merge-target":
            what = f"took in {_ids(get('merged') or [])}"
        case "split":
            what = f"split into {_ids(get('into') or [])}; this id keeps {label!r}"
        case "split-from":
            what = f"split off #{get('of')} as {label!r}"
        case "moved" if get("by") == "split":
            what = f"placed in {_where(get('to'))}, as the theme it was split from"
        case "moved":
            what = f"moved from {_where(get('from'))} to {_where(get('to'))}"
        case "undone":
            undid = dict(get("undid") or {})
            what = f"undid edit #{get('edit')}: {describe_edit(str(undid.pop('kind', '')), undid)}"
        case "redone":
            redid = dict(get("redid") or {})
            what = f"redid edit #{get('edit')}: {describe_edit(str(redid.pop('kind', '')), redid)}"
        case _:
            what = f"{event} {label or ''}".rstrip()
    return f"{what} ({size} segments)" if size is not None else what


def describe_edit(kind: str, details: dict[str, Any]) -> str:
    """An analyst's edit (a ``theme_edits`` row: its kind and details) in words."""
    get = details.get
    match kind:
        case "rename":
            return f"renamed #{get('theme')} from {get('from')!r} to {get('to')!r}"
        case "pin":
            return f"pinned #{get('theme')}'s label {get('label')!r}"
        case "merge":
            return f"merged {_ids(get('merged') or [])} into #{get('into')}"
        case "split":
            return f"split #{get('theme')} into {_ids(get('into') or [])}"
        case "move":
            return f"moved #{get('theme')} from {_where(get('from'))} to {_where(get('to'))}"
        case "group":
            return f"made group #{get('group')} {get('label')!r} of {_ids(get('themes') or [])}"
        case "tone":
            from feedback.themes.tone_edits import describe

            return describe(details)
    return kind
