"""Helpers for the theme tests: a real warehouse holding generated comments with known themes."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import sqlite_utils

from feedback.embed import SupportsEmbed
from feedback.items import stable_id
from feedback.samples.company import THEMES, compose_comment
from feedback.text.sentiment import sentiment
from feedback.themes import ThemeSettings, cluster, store
from feedback.warehouse import now_iso, open_warehouse


def sample_comments(seed: int, per_theme: int) -> list[tuple[str, str]]:
    """(text, theme key) pairs: single-theme English comments from the sample company."""
    rng = random.Random(seed)
    out = []
    for key in sorted(THEMES):
        for _ in range(per_theme):
            c = compose_comment(rng, [key], foreign=0.0, personal=0.0, emoji=False)
            out.append((c.text, key))
    rng.shuffle(out)
    return out


def add_comments(db: sqlite_utils.Database, texts: list[str], prefix: str, *, day: str = "2024-05-01",
                 language: str | None = "en", rating: float | None = None) -> list[str]:
    """Insert items + processed rows (as the process stage would); returns the item ids."""
    ids = []
    stamp = now_iso()
    for n, text in enumerate(texts):
        local = f"{prefix}-{n}"
        item_id = stable_id("test", local)
        ids.append(item_id)
        db["items"].insert({"id": item_id, "source": "test", "channel": "survey", "local_id": local,
                            "received_at": f"{day}T10:00:00Z", "rating": rating, "text": text})
        db["processed"].insert({"item_id": item_id, "text_hash": str(hash(text)), "version": "1",
                                "text": text, "language": language,
                                "sentiment": sentiment(text, language), "processed_at": stamp})
    return ids


def new_warehouse(path: Path) -> sqlite_utils.Database:
    return open_warehouse(path)


def copy_of(fitted: Path, folder: Path) -> sqlite_utils.Database:
    """An open copy of a fitted warehouse in ``folder``, so a test can change it freely."""
    copy = folder / "warehouse.db"
    source = sqlite_utils.Database(fitted)
    source.conn.execute(f"vacuum into '{copy}'")
    source.close()
    return new_warehouse(copy)


def fitted_warehouse(folder: Path, texts: list[str], embedder: SupportsEmbed, settings: ThemeSettings) -> Path:
    """A warehouse in ``folder`` holding ``texts`` and the themes of its first fit; closed, to copy (:func:`copy_of`)."""
    from feedback.themes import update_themes

    path = folder / "warehouse.db"
    db = new_warehouse(path)
    add_comments(db, texts, "a")
    assert update_themes(db, settings, embedder)["mode"] == "fit"
    db.close()
    return path


def blobs(per: int = 60, k: int = 6, dim: int = 32, spread: float = 0.08, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(unit vectors, true group) of ``k`` well-separated groups of ``per`` points."""
    rng = np.random.default_rng(seed)
    centres = cluster.normalise(rng.normal(size=(k, dim)))
    truth = np.repeat(np.arange(k), per)
    vectors = centres[truth] + spread * rng.normal(size=(k * per, dim))
    return cluster.normalise(vectors), truth


def keys_of(n: int, prefix: str = "h") -> list[str]:
    """Segment keys as the engine makes them (text hash : comment : position)."""
    return [f"{prefix}{i:05d}:c{i}:0" for i in range(n)]


def shaped_warehouse(path: Path) -> sqlite_utils.Database:
    """Themes 1, 2 active under group 10 (3 and 2 segments); 3 active under group 11 (1 segment);
    6 active, top-level, pinned; 5 retired."""
    db = new_warehouse(path)
    rows = [(1, "Refund process", "active", 10, 0, 0), (2, "Late delivery", "active", 10, 0, 0),
            (3, "Cat food", "active", 11, 0, 0), (5, "Old bags", "retired", None, 0, 0),
            (6, "Our own", "active", None, 1, 0), (10, "Money matters", "parent", None, 0, 1),
            (11, "Cat things", "parent", None, 0, 1)]
    db["themes"].insert_all([{"id": i, "label": lab, "status": s, "parent_id": p, "label_pinned": pinned,
                              "keywords": "[]", "level": level, "centroid": bytes([i]) * 4}
                             for i, lab, s, p, pinned, level in rows])
    db["items"].insert_all([{"id": f"c{n}", "source": "test", "channel": "survey", "local_id": str(n),
                             "received_at": f"2024-05-0{n}T10:00:00Z", "text": "x"} for n in range(1, 7)])
    segs = [("s1", 1), ("s2", 1), ("s3", 1), ("s4", 2), ("s5", 2), ("s6", 3)]
    db["theme_segments"].insert_all([{"id": s, "item_id": f"c{n}", "seq": 0, "text": s, "text_hash": s,
                                      "themable": 1, "theme_id": t, "score": 0.5, "sentiment": 0.0}
                                     for n, (s, t) in enumerate(segs, 1)])
    store.refresh_theme_stats(db, full=True)
    db.conn.commit()
    return db


def biggest(db: sqlite_utils.Database, n: int) -> list[int]:
    """The ``n`` largest active themes' ids, largest first."""
    return [r[0] for r in db.execute("select id from themes where status = 'active' order by size desc, id limit ?",
                                     [n])]
