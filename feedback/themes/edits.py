"""Analyst edits: rename, pin, merge, split, move, group. Each is recorded in theme_history and survives
re-clustering (see engine: pinned labels are kept, merged-away themes fold into their
target, split and pinned themes are anchored, moved themes keep the place an analyst gave them:
:func:`placements`, :func:`.hierarchy.honour_placements`; a group an analyst made continues
while it holds themes an analyst placed there). What each edit changed is kept (:mod:`.edit_log`)
so that it can be undone (:mod:`.undo`)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import sqlite_utils

from feedback.embed import SupportsEmbed, to_blob
from feedback.errors import FeedbackError
from feedback.themes import cluster, edit_log, label, sections, store
from feedback.themes.settings import ThemeSettings
from feedback.warehouse import now_iso
from feedback.warehouse.sql import chunks, marks


class ThemeError(FeedbackError):
    """A theme edit that cannot be done (unknown id, wrong status, too few comments), or undone."""


def get_theme(db: sqlite_utils.Database, theme_id: int, statuses: tuple[str, ...] = ("active", "parent")) -> dict[str, Any]:
    """The row of theme ``theme_id`` when its status is one of ``statuses``; else a :class:`ThemeError`
    that says what the id is instead and what to do."""
    cursor = db.execute("select * from themes where id = ?", [theme_id])
    found = cursor.fetchone()
    if found is None:
        undone = db.execute("select details from theme_history where theme_id = ? and event = 'undone'"
                            " order by id desc limit 1", [theme_id]).fetchone()
        if undone:  # a theme an undone edit made (a split's part, a group)
            raise ThemeError(f"theme {theme_id} is gone: edit #{json.loads(undone[0])['edit']}, which made it,"
                             " was undone")
        raise ThemeError(f"no theme with id {theme_id} (`feedback themes list --all` shows every id)")
    row = dict(zip([d[0] for d in cursor.description], found, strict=True))
    if row["status"] not in statuses:
        raise ThemeError(_why_not(db, row))
    return row


def _why_not(db: sqlite_utils.Database, row: dict[str, Any]) -> str:
    """Why the theme ``row`` cannot be edited as asked, and what to name instead."""
    tid = row["id"]
    if row["status"] == "merged":
        into, seen = row["merged_into"], {tid}
        while into is not None and into not in seen:  # a merge target merged again: the theme that holds it now
            seen.add(into)
            nxt = db.execute("select merged_into from themes where id = ? and status = 'merged'", [into]).fetchone()
            if nxt is None or nxt[0] is None:
                break
            into = nxt[0]
        return f"theme {tid} was merged into theme {into}; name {into} instead"
    if row["status"] == "retired" and row["level"] == 1:
        return (f"group {tid} was retired (no theme is left in it); to have it again: "
                f"`feedback themes group {json.dumps(row['label'])} THEME...`")
    if row["status"] == "retired":
        return (f"theme {tid} was retired (it no longer holds comments); "
                f"`feedback themes show {tid}` shows its history")
    if row["status"] == "parent":
        return (f"theme {tid} is a top-level group, not a theme: `feedback themes show {tid}` lists its themes"
                f" (to put a theme in it: `feedback themes move THEME --under {tid}`)")
    return f"theme {tid} is a theme, not a top-level group (`feedback themes list` marks groups [group])"


MAX_LABEL = 80  # characters: a label names a theme in lists, charts and page titles


def clean_label(text: str, what: str) -> str:
    """An analyst's label on one line, its runs of spaces, tabs and line breaks made one space;
    refused when empty or longer than ``MAX_LABEL``."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ThemeError(f"{what} cannot be empty")
    if len(cleaned) > MAX_LABEL:
        raise ThemeError(f"{what} has at most {MAX_LABEL} characters (this one has {len(cleaned)}): shorten it")
    return cleaned


def _label_clash(db: sqlite_utils.Database, new_label: str, theme_id: int | None = None) -> None:
    """Refuse ``new_label`` when another current theme or group has it (case aside)."""
    clash = db.execute("select id, status from themes where lower(label) = lower(?) and id != ?"
                       " and status in ('active', 'parent')", [new_label, -1 if theme_id is None else theme_id]
                       ).fetchone()
    if clash:
        hint = "choose another label"
        if theme_id is not None and clash[1] == "active" and get_theme(db, theme_id)["status"] == "active":
            hint += f", or merge the two themes: `feedback themes merge {clash[0]} {theme_id}`"
        raise ThemeError(f"theme {clash[0]} is already labelled {new_label!r}; {hint}")


def rename(db: sqlite_utils.Database, theme_id: int, new_label: str) -> bool:
    """Give a theme a label of your own; it is pinned (kept by every re-cluster). Returns False,
    changing and recording nothing, when the theme already has that label pinned."""
    new_label = clean_label(new_label, "a label")
    old = get_theme(db, theme_id)
    if old["label"] == new_label and old["label_pinned"]:
        return False
    _label_clash(db, new_label, theme_id)
    with db.atomic(), edit_log.recorded(db, "rename", {"theme": theme_id, "from": old["label"], "to": new_label}):
        db.table("themes").update(theme_id, {"label": new_label, "label_pinned": 1, "updated_at": now_iso()})
        store.history(db, now_iso(), theme_id, "renamed", new_label, old["size"], previous=old["label"])
    return True


def pin(db: sqlite_utils.Database, theme_id: int) -> bool:
    """Keep the current label through re-clusters. Returns False, changing and recording nothing,
    when it is pinned already."""
    old = get_theme(db, theme_id)
    if old["label_pinned"]:
        return False
    with db.atomic(), edit_log.recorded(db, "pin", {"theme": theme_id, "label": old["label"]}):
        db.table("themes").update(theme_id, {"label_pinned": 1, "updated_at": now_iso()})
        store.history(db, now_iso(), theme_id, "pinned", old["label"], old["size"])
    return True


def merge(db: sqlite_utils.Database, target: int, sources: list[int], context: float = 0.0) -> None:
    """Move the segments of ``sources`` into ``target``; the sources are marked merged. ``context``:
    the settings' ``context_weight`` (the merged centroid is placed as the fit places centroids)."""
    sources = list(dict.fromkeys(sources))
    if not sources:
        raise ThemeError("name at least one theme to merge into the first")
    if target in sources:
        raise ThemeError("a theme cannot be merged into itself")
    into = get_theme(db, target, ("active",))
    rows = [get_theme(db, s, ("active",)) for s in sources]
    stamp = now_iso()
    with db.atomic(), edit_log.recorded(db, "merge", {"into": target, "merged": sources}, moving=sources):
        sections.unsection(db, [target, *sources])  # until the next fit
        for row in rows:
            db.execute("update theme_segments set theme_id = ? where theme_id = ?", [target, row["id"]])
            db.table("themes").update(row["id"], {"status": "merged", "merged_into": target, "updated_at": stamp})
            store.history(db, stamp, row["id"], "merged", row["label"], row["size"], into=target)
            _retire_if_empty(db, row["parent_id"], stamp, "merge")
        cent = store.member_centroid(db, target, into["model"], into["model_version"], context)
        if cent is not None:
            db.table("themes").update(target, {"centroid": to_blob(cent)})
        store.refresh_theme_stats(db)
        size = db.execute("select size from themes where id = ?", [target]).fetchone()[0]  # with the merged ones
        store.history(db, stamp, target, "merge-target", into["label"], size, merged=sources)


def split(db: sqlite_utils.Database, theme_id: int, settings: ThemeSettings,
          embedder: SupportsEmbed | None = None) -> list[int]:
    """Re-cluster one theme into parts. The id and the label stay together: the biggest part keeps
    both, unless the label's words fit another part clearly better (:func:`label_keeper`), which
    then keeps them; the other parts get new ids and labels of their own. Returns all part ids, the
    theme's own first. ``embedder``: as a fit names a theme no counted word names, by the word at its centre
    (:mod:`.label_centre`: the parts' stored vectors are read, only their words embedded); None: by its fallback."""
    row = get_theme(db, theme_id, ("active",))
    ids_, hashes, vectors = store.segment_vectors(db, store.ModelKey(row["model"], row["model_version"]),
                                                  "s.theme_id = ?", [theme_id], context=settings.context_weight)
    if len(ids_) < 2 * MIN_PART:
        raise ThemeError(f"theme {theme_id} has {len(ids_)} segments; at least {2 * MIN_PART} are needed to split"
                         f" it (to fold it into another theme: `feedback themes merge OTHER {theme_id}`)")
    found = {r[0]: (r[1], r[2]) for r in db.execute("select id, text, sentiment from theme_segments where theme_id = ?",
                                                      [theme_id])}
    seg = [(i, h, found[i][0]) for i, h in zip(ids_, hashes, strict=True)]
    parts = fold_small_parts(_parts(vectors, [f"{s[1]}:{s[0]}" for s in seg], settings), vectors)
    if parts.max() < 1:
        raise ThemeError(f"theme {theme_id}'s {len(ids_)} segments do not fall into two parts of {MIN_PART} or more;"
                         " nothing changed")
    order = sorted(range(parts.max() + 1), key=lambda p: (-int((parts == p).sum()), p))
    cents = cluster.centroids(vectors, parts)
    docs = {p: [seg[i][2] for i in np.flatnonzero(parts == p)] for p in order}
    tones = {p: [found[seg[i][0]][1] for i in np.flatnonzero(parts == p)] for p in order}  # as the fit reads them
    keeper = order[label_keeper(*_label_words(row["label"], [docs[p] for p in order]))]
    # the other parts are named first (the kept label is taken); the kept part's labelling gives its keywords
    taken = [r["label"] for r in store.theme_rows(db, ("active", "parent")) if r["id"] != theme_id]
    labels = label.label_themes(docs, [*(p for p in order if p != keeper), keeper], taken=[*taken, row["label"]],
                                keywords=settings.keywords, tones=tones,  # a part no counted word names: its centre
                                encode=store.stored_encoder(db, embedder) if embedder is not None else None)
    stamp = now_iso()
    ids = [theme_id]
    placed = theme_id in placements(db)
    with db.atomic(), edit_log.recorded(db, "split", {"theme": theme_id}, moving=[theme_id]) as said:
        sections.unsection(db, [theme_id])  # its parts have none until the next fit
        next_id = store.next_theme_id(db)
        db.table("themes").update(theme_id, {"centroid": to_blob(cents[keeper]), "updated_at": stamp,
                                             "keywords": json.dumps(labels[keeper].keywords)})
        for p in (p for p in order if p != keeper):
            members = [seg[i][0] for i in np.flatnonzero(parts == p)]
            lab = labels[p]
            new_id, next_id = next_id, next_id + 1
            db.table("themes").insert({**{k: row[k] for k in ("parent_id", "model", "model_version")},
                                 "id": new_id, "label": lab.label, "label_pinned": 0,
                                 "keywords": json.dumps(lab.keywords), "level": 0, "status": "active",
                                 "split_of": theme_id, "is_new": 0,
                                 "centroid": to_blob(cents[p]), "created_at": stamp, "updated_at": stamp})
            for part in chunks(members):
                db.execute(f"update theme_segments set theme_id = ? where id in ({marks(len(part))})", [new_id, *part])
            store.history(db, stamp, new_id, "split-from", lab.label, len(members), of=theme_id)
            if placed:  # the place an analyst gave the theme is its parts' too
                store.history(db, stamp, new_id, "moved", lab.label, len(members),
                              **{"from": row["parent_id"], "to": placements(db)[theme_id], "by": "split"})
            ids.append(new_id)
        store.refresh_theme_stats(db)
        store.history(db, stamp, theme_id, "split", row["label"], int((parts == keeper).sum()), into=ids)
        said["into"] = ids
    return ids


MIN_PART = 3  # segments: a smaller part of a split joins the part nearest it


def fold_small_parts(parts: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``parts`` (a part number per segment) with every part under ``MIN_PART`` segments folded
    into the nearest bigger one (centroid cosine), renumbered 0.. in order of first appearance."""
    sizes = np.bincount(parts[parts >= 0])
    big = [p for p in range(len(sizes)) if sizes[p] >= MIN_PART]
    if not big:
        return np.zeros_like(parts)
    cents = cluster.centroids(vectors, parts)
    out = parts.copy()
    for p in range(len(sizes)):
        if sizes[p] and p not in big:
            out[parts == p] = big[int(np.argmax(cents[big] @ cents[p]))]
    kept = {p: n for n, p in enumerate(dict.fromkeys(int(x) for x in out if x >= 0))}
    return np.array([kept.get(int(x), -1) for x in out], dtype=np.int64)


CLEARLY_BETTER = 0.25  # how much more often another part's segments must use the label's words to take it


def label_keeper(words: set[str], parts: list[list[set[str]]]) -> int:
    """Which of a split theme's ``parts`` (biggest first; each a list of its segments' word sets)
    keeps the theme's id and label, whose content words are ``words``: the biggest, unless another
    part uses the label's words in a share of its segments at least ``CLEARLY_BETTER`` above the
    biggest's (the mean share over the words; the best such part, the bigger on a tie)."""
    if not words or not parts:
        return 0
    fits = [sum(sum(w in s for s in segs) for w in words) / (len(words) * len(segs)) if segs else 0.0
            for segs in parts]
    best = max(range(len(fits)), key=lambda p: (fits[p], -p))
    return best if fits[best] >= fits[0] + CLEARLY_BETTER else 0


def _label_words(theme_label: str, parts: list[list[str]]) -> tuple[set[str], list[list[set[str]]]]:
    """The content lemmas of a label and of each part's segments (for :func:`label_keeper`)."""
    from feedback.text.segments import lemma_terms_many

    found = lemma_terms_many([theme_label, *(t for texts in parts for t in texts)], max_n=1)
    words, rest = set(found[0]), iter(found[1:])
    return words, [[set(next(rest)) for _ in texts] for texts in parts]


def move(db: sqlite_utils.Database, theme_id: int, under: int | None) -> bool:
    """Put a theme under the top-level group ``under`` (None: a top-level entry of its own).

    Recorded as a ``moved`` history row ({"from": old parent, "to": ``under``}); every fit keeps
    the place while the group continues (:func:`.hierarchy.honour_placements`). A group left with
    no theme is retired. Returns False, changing nothing, when the theme is there already.
    """
    row = get_theme(db, theme_id)
    if row["status"] == "parent":
        raise ThemeError(f"theme {theme_id} is a top-level group; move the themes under it instead")
    if under is not None:
        if under == theme_id:
            raise ThemeError(f"theme {theme_id} cannot be moved under itself")
        target = get_theme(db, under)
        if target["status"] != "parent":
            raise ThemeError(f"theme {under} is not a top-level group (`feedback themes list` marks them [group])")
    if row["parent_id"] == under:
        return False
    with db.atomic(), edit_log.recorded(db, "move", {"theme": theme_id, "from": row["parent_id"], "to": under}):
        _place(db, row, under, now_iso())
        store.refresh_theme_stats(db)
    return True


def _place(db: sqlite_utils.Database, row: dict[str, Any], under: int | None, stamp: str) -> None:
    """Put the theme ``row`` under ``under`` and record it; the group it leaves empty is retired."""
    old = row["parent_id"]
    db.table("themes").update(row["id"], {"parent_id": under, "section_id": None, "updated_at": stamp})
    store.history(db, stamp, row["id"], "moved", row["label"], row["size"], **{"from": old, "to": under})
    _retire_if_empty(db, old, stamp, "move")


def _retire_if_empty(db: sqlite_utils.Database, group_id: int | None, stamp: str, by: str) -> None:
    """Retire the group ``group_id`` when no active theme is left in it (an edit took its last)."""
    emptied = db.execute(
        """select id, label from themes where id = ? and status = 'parent' and not exists
           (select 1 from themes c where c.parent_id = themes.id and c.status = 'active')""", [group_id]).fetchone()
    if emptied:
        store.retire_theme(db, emptied[0], stamp)
        store.history(db, stamp, emptied[0], "retired", emptied[1], None, by=by)  # no theme left: no size


def group(db: sqlite_utils.Database, new_label: str, theme_ids: list[int], keywords: int = 8) -> int:
    """A new top-level group labelled ``new_label`` (pinned) holding ``theme_ids``; returns its id.
    Its ``keywords`` (how many: the settings' ``keywords``) are drawn from its themes' segments as
    a fit draws a group's (:func:`.label.label_parents`).

    Each theme is moved there as by :func:`move` (recorded, so every fit keeps it there; a group
    it leaves empty is retired). The group continues through re-clusters while it holds at least
    two of the themes placed in it, whatever the fit's own grouping (analysts' groups are kept,
    see engine ``_plan_parents``).
    """
    new_label = clean_label(new_label, "a group's label")
    wanted = list(dict.fromkeys(theme_ids))
    if len(wanted) < 2:
        raise ThemeError("a group needs at least two themes")
    rows = [get_theme(db, t, ("active",)) for t in wanted]  # a parent or a merged theme is refused here
    _label_clash(db, new_label)
    read = [db.execute("select text, sentiment from theme_segments indexed by idx_theme_segments_theme_score"
                       " where theme_id = ? order by score desc limit ?", [t, label.REPRESENTATIVES]).fetchall()
            for t in wanted]  # the best segments and the sentiment the archive shows (their tone)
    docs, tones = {0: [[r[0] for r in rows] for rows in read]}, {0: [[r[1] for r in rows] for rows in read]}
    words = label.label_parents(docs, [0], keywords=keywords, tones=tones)[0].keywords
    with db.atomic(), edit_log.recorded(db, "group", {"label": new_label, "themes": wanted}) as said:
        group_id = store.next_theme_id(db)
        said["group"] = group_id
        stamp = now_iso()
        centre = cluster.normalise(store.centroid_matrix(rows).mean(axis=0)[None, :])[0]
        store.insert_parent(db, group_id, new_label, words, centre, stamp)
        store.update_theme(db, group_id, {"label_pinned": 1})
        store.history(db, stamp, group_id, "created", new_label, None, kind="parent", by="analyst", themes=wanted)
        for row in rows:
            _place(db, row, group_id, stamp)
        store.refresh_theme_stats(db)
    return group_id


def placements(db: sqlite_utils.Database) -> dict[int, int | None]:
    """Each moved theme's place, by its latest ``moved`` history row: {theme: group, or None for
    a top-level entry of its own}."""
    # one pass in id order, the latest row winning: 0.3 s over a million history rows, where
    # grouping by theme for the latest id took 2.5 s (SQLite reads every row's group either way)
    # the moves of an edit since undone (:mod:`.undo`) are not places: the one before them is
    rows = db.execute("select theme_id, details from theme_history h where event = 'moved' and not exists"
                      " (select 1 from theme_edits e where e.undone_at is not null"
                      " and h.id between e.history_from and e.history_to) order by id")
    return {int(theme): json.loads(details)["to"] for theme, details in rows}


def _parts(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> np.ndarray:
    """HDBSCAN inside the theme (smaller clusters); two-means when it finds fewer than two parts."""
    size = max(3, len(keys) // 10)
    sub = settings.model_copy(update={"min_cluster_size": size, "assign_threshold": 0.0, "max_fit": 10**9})
    cents, result = cluster.fit(vectors, keys, sub)
    if cents.shape[0] >= 2:
        return result.theme
    from sklearn.cluster import KMeans

    order = sorted(range(len(keys)), key=lambda i: keys[i])
    labels = np.empty(len(keys), dtype=np.int64)
    labels[order] = KMeans(n_clusters=2, n_init=10, random_state=settings.seed).fit_predict(vectors[order])
    return labels
