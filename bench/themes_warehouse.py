"""The theme engine run as the product runs it, on a labelled set, in a temporary warehouse.

Items and their processed rows are written as the ingest and process stages would (English,
one date per simulated night), then only the engine's public entry points run:
``feedback.themes.update_themes`` (the nightly step: a full fit on the first run, then
assignment + outlier-pool proposals) and ``feedback.themes.recluster``. So the benchmark
measures whatever the engine does, segmentation, hierarchy and labels included.

A comment's theme is the theme of its best-scoring segment (an outlier when no segment is in a
theme); its top-level theme is that theme's parent, or the theme itself when it has none.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.embed import SupportsEmbed
from feedback.items import content_hash, stable_id
from feedback.themes import recluster, update_themes
from feedback.themes.settings import ThemeSettings
from feedback.warehouse import now_iso, open_warehouse

SOURCE = "bench"


@dataclass(frozen=True)
class Snapshot:
    """What a user sees after a run: per comment (by local id) its theme and top-level theme."""

    theme: dict[str, int]  # local id -> leaf theme id, -1 = outlier
    top: dict[str, int]  # local id -> top-level theme id, -1 = outlier
    leaves: dict[int, str]  # active leaf id -> label
    parent_of: dict[int, int | None]  # active leaf id -> parent id
    parents: dict[int, str]  # parent id -> label

    @property
    def top_level(self) -> int:
        """Entries at the top: parents and themes without one."""
        return len(self.parents) + sum(p is None for p in self.parent_of.values())

    def leaf_siblings(self) -> dict[int | None, list[str]]:
        """Parent (None: the top level) -> its leaf themes' labels."""
        out: dict[int | None, list[str]] = defaultdict(list)
        for leaf, parent in sorted(self.parent_of.items()):
            out[parent].append(self.leaves[leaf])
        return dict(out)

    def top_labels(self) -> dict[int | None, list[str]]:
        """The top level's labels, as one group of siblings."""
        return {None: [*self.parents.values(), *(self.leaves[t] for t, p in self.parent_of.items() if p is None)]}


class BenchWarehouse:
    """A temporary warehouse in ``folder`` the engine runs on."""

    def __init__(self, folder: Path, settings: ThemeSettings, embedder: SupportsEmbed) -> None:
        self.db = open_warehouse(folder / "warehouse.db")
        self.settings = settings
        self.embedder = embedder
        self.local_of: dict[str, str] = {}
        self.seconds = 0.0

    def add(self, local_ids: list[str], texts: list[str], day: str) -> None:
        """Comments received on ``day`` (YYYY-MM-DD), processed as English text."""
        stamp = now_iso()
        items, processed = [], []
        for local, text in zip(local_ids, texts, strict=True):
            item_id = stable_id(SOURCE, local)
            self.local_of[item_id] = local
            items.append({"id": item_id, "source": SOURCE, "channel": "survey", "local_id": local,
                          "received_at": f"{day}T10:00:00Z", "text": text, "ingested_at": stamp})
            processed.append({"item_id": item_id, "text_hash": content_hash(text), "version": "bench",
                              "text": text, "language": "en", "sentiment": None, "processed_at": stamp})
        with self.db.atomic():
            self.db["items"].insert_all(items, batch_size=1000)
            self.db["processed"].insert_all(processed, batch_size=1000)

    def nightly(self) -> dict[str, Any]:
        started = time.perf_counter()
        stats = update_themes(self.db, self.settings, self.embedder)
        self.seconds += time.perf_counter() - started
        return stats

    def recluster(self) -> dict[str, Any]:
        started = time.perf_counter()
        stats = recluster(self.db, self.settings, self.embedder)
        self.seconds += time.perf_counter() - started
        return stats

    def snapshot(self) -> Snapshot:
        return read_snapshot(self.db, self.local_of)

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True)
class Nights:
    """What a run of nights and the re-cluster after them left (:func:`run_nights`)."""

    first: set[int]  # the leaves after the first night (its full fit)
    made: list[int]  # themes each later night made
    night: Snapshot  # after the last night
    after: Snapshot  # after the re-cluster of everything


def run_nights(wh: BenchWarehouse, batches: list[tuple[list[str], list[str]]], first_day: date) -> Nights:
    """Each batch (local ids, texts) arrives on its own day from ``first_day`` and the nightly step runs (a full fit
    the first night); then the engine re-clusters everything."""
    first: set[int] = set()
    made: list[int] = []
    for k, (ids, texts) in enumerate(batches):
        wh.add(ids, texts, (first_day + timedelta(days=k)).isoformat())
        stats = wh.nightly()
        if k == 0:
            first = set(wh.snapshot().leaves)
        else:
            made.append(int(stats.get("themes_new") or 0))
    night = wh.snapshot()
    wh.recluster()
    return Nights(first, made, night, wh.snapshot())


def read_snapshot(db: sqlite_utils.Database, local_of: dict[str, str]) -> Snapshot:
    leaves: dict[int, str] = {}
    parent_of: dict[int, int | None] = {}
    for theme_id, label, parent in db.execute(
            "select id, label, parent_id from themes where status = 'active' order by id"):
        leaves[int(theme_id)] = str(label)
        parent_of[int(theme_id)] = int(parent) if parent is not None else None
    parents = {int(i): str(lab) for i, lab in db.execute(
        "select id, label from themes where status = 'parent' order by id")}
    theme = {local: -1 for local in local_of.values()}
    for item_id, theme_id in db.execute(
        """select item_id, theme_id from theme_segments where theme_id is not null
           order by item_id, score, seq desc"""
    ):
        theme[local_of[item_id]] = int(theme_id)  # the last row of an item is its best segment's
    top = {local: (-1 if t < 0 else (parent_of.get(t) or t)) for local, t in theme.items()}
    return Snapshot(theme, top, leaves, parent_of, parents)
