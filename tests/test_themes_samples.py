"""The sample company's known themes are recovered from its survey comments (the real model).

The generator writes ``truth.csv`` with each survey comment's known themes (late_delivery,
billing_error, app_crashes, ...). Comments with exactly one known theme are joined to the
warehouse (file, response id, question) and we check, at the top level a person reads
first (parent themes, and themes without a parent), that most of each known theme lands
in one theme. Measured when written (surveys only): mean ~0.72, lowest 0.29 (billing_error;
support_wait's "on hold", "no reply", "more staff on the phones" also sit far apart in
MiniLM space). Before the top-level rework: mean 0.49. With the size-weighted top level
(feedback/themes/hierarchy.py, 2026-12-02): mean 0.750, 6 of 16 >= 0.85, lowest 0.37
(easy_ordering); main's top level on the same themes: 0.742, 7 of 16. The shares are computed
by feedback.samples.truth, as in bench/themes_samples.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.embed import Embedder
from feedback.pipeline import ingest_source, process
from feedback.samples import generate
from feedback.samples.truth import single_theme_comments, top_level_shares
from feedback.themes import archive_tables, update_themes
from feedback.themes.settings import with_overrides
from feedback.warehouse import open_warehouse

from .conftest import REPO, SECRET

sys.path.insert(0, str(REPO / "bench"))

from themes_taxonomy import (  # noqa: E402
    known_of_leaves,
    nearest_known_groups,
    perfect_groups,
    read_leaves,
    shares,
)

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlite_utils.Database, dict[str, object], Path]:
    root = tmp_path_factory.mktemp("samples-themes")
    shutil.copy(REPO / "data" / "config.yml", root / "config.yml")
    generate(root / "samples")
    config = load_config(root / "config.yml")
    db = open_warehouse(config.warehouse)
    for source in config.sources:
        if source.channel == "survey":
            ingest_source(db, config, source.name, SECRET)
    process(db, config)
    # one torch thread: the vectors' last bits depend on the thread count (and so, at the margins, the
    # top level: store_queues 0.70 with two threads, 0.38 with one), and the test must read the same
    # on a CI machine of any size
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        stats = update_themes(db, with_overrides(config.themes, config.base_dir, {}), Embedder())
    finally:
        torch.set_num_threads(threads)
    return db, stats, root / "samples" / "surveys" / "truth.csv"


def test_known_themes_are_mostly_in_one_top_level_theme(run: tuple[sqlite_utils.Database, dict[str, object],
                                                                   Path]) -> None:
    db, _, truth_csv = run
    shares = top_level_shares(db, truth_csv)
    print({k: round(v, 2) for k, v in sorted(shares.items())})
    assert len(shares) >= 14, shares  # the generator's 16 known themes, nearly all common enough
    assert sum(shares.values()) / len(shares) >= 0.7, shares  # 0.743 before sides split the groups, 0.768 after
    assert min(shares.values()) >= 0.25, shares
    # store_queues mixes requests ("More tills") with complaints ("Long queue"), which the top level now
    # keeps apart (hierarchy.settle): it may sit under two entries
    assert sum(s >= 0.5 for s in shares.values()) >= len(shares) - 4, shares


def test_top_level_is_human_sized_and_labels_distinct(run: tuple[sqlite_utils.Database, dict[str, object],
                                                                 Path]) -> None:
    db, stats, _ = run
    themes = archive_tables(db)["themes"]
    top = [t for t in themes if not t["parent_id"]]
    assert 8 <= len(top) <= 40
    labels = [t["label"].lower() for t in themes]
    assert len(labels) == len(set(labels))
    assert not any(t["label"].lower().startswith("misc") for t in top)
    assert isinstance(stats["outlier_share"], float) and stats["outlier_share"] <= 0.15


def test_fine_themes_are_pure_and_the_top_level_near_what_their_centroids_allow(
        run: tuple[sqlite_utils.Database, dict[str, object], Path]) -> None:
    # The known themes split at the top level because their fine themes sit nearer other known
    # themes' in MiniLM space, not because the fine themes mix them: grouped with perfect
    # knowledge they reach the target; placed by their centroids around the truth's own centres
    # (each theme left out of its centre) they do not, and the top level comes close to that.
    db, _, truth_csv = run
    leaves, truth = read_leaves(db), single_theme_comments(db, truth_csv)
    known = known_of_leaves(leaves, truth)
    found = {name: shares(leaves, truth, group) for name, group in (
        ("now", leaves.top), ("perfect", perfect_groups(known)), ("centres", nearest_known_groups(leaves, known)))}
    mean = {name: sum(v.values()) / len(v) for name, v in found.items()}
    print({name: round(v, 3) for name, v in mean.items()})
    assert mean["perfect"] >= 0.9, found["perfect"]
    # Ward on neighbour means (ward_neighbours 5, for stability on real sets) blurs this generated set's smallest
    # phrasings across known themes a little: perfect grouping 0.955 -> 0.930, 16 -> 13 of 16 (bench/RESULTS.md)
    assert sum(s >= 0.85 for s in found["perfect"].values()) >= len(found["perfect"]) - 3, found["perfect"]
    assert mean["now"] >= mean["centres"] - 0.1, mean


def test_comments_that_say_nothing_have_a_top_level_entry_of_their_own(
        run: tuple[sqlite_utils.Database, dict[str, object], Path]) -> None:
    # "As above", "fine", "Made my day": under "General remarks", which holds no comment about a topic
    db, _, _ = run
    under = set(db.execute(
        "select distinct s.text, p.label from theme_segments s join themes t on t.id = s.theme_id "
        "join themes p on p.id = t.parent_id where s.text in ('As above.', 'fine', 'Made my day.')").fetchall())
    assert under == {("As above.", "General remarks"), ("fine", "General remarks"), ("Made my day.", "General remarks")}
    assert db.execute("select count(*) from themes where status = 'parent' and label = 'General remarks'"
                      ).fetchone()[0] == 1


def parents_of(db: sqlite_utils.Database, texts: list[str]) -> dict[str, str]:
    """Segment text -> the label of the top-level entry its theme is under, for those of ``texts`` under one."""
    return dict(db.execute(
        "select s.text, p.label from theme_segments s join themes t on t.id = s.theme_id "
        f"join themes p on p.id = t.parent_id where s.text in ({', '.join('?' * len(texts))})", texts).fetchall())


def test_reaching_the_company_has_an_entry_of_its_own(
        run: tuple[sqlite_utils.Database, dict[str, object], Path]) -> None:
    # hold times, chat queues, e-mails unanswered under "Support contact", which holds nothing else; the late vans
    # Ward had put with them (MiniLM reads both as waiting) under the deliveries (feedback/themes/contact.py)
    db, _, _ = run
    under = parents_of(db, ["I was on hold for 90 minutes", "The chat queue was huge", "No one replies to emails.",
                            "The van turned up 120 minutes late", "Late again."])
    print(under)
    assert [under.get(t) for t in ("I was on hold for 90 minutes", "The chat queue was huge",
                                   "No one replies to emails.")] == ["Support contact"] * 3, under
    assert under.get("The van turned up 120 minutes late") == under.get("Late again.") != "Support contact", under
    assert "deliver" in (under.get("Late again.") or "").lower(), under


def test_a_point_that_follows_its_topic_is_under_that_topic(
        run: tuple[sqlite_utils.Database, dict[str, object], Path]) -> None:
    # "The kids had toast for tea." follows "Booked an evening slot on Monday, the van came at nearly 10pm." and
    # "Thought you were meant to be going greener?" the packaging complaint: Ward had put them with other points that
    # name no topic, in an entry of their own ("Quality comments"); read in their comments, they go with their topic
    # (feedback/themes/context.py), and no entry of three themes or more is left whose themes share no topic
    db, _, _ = run
    late = "Booked an evening slot on Monday, the van came at nearly 10pm."
    parent = parents_of(db, ["The kids had toast for tea.", late, "Thought you were meant to be going greener?",
                             "Too much plastic."])
    assert len(parent) == 4, parent
    assert parent["The kids had toast for tea."] == parent[late], parent
    assert parent["Thought you were meant to be going greener?"] == parent["Too much plastic."], parent
    import numpy as np

    from feedback.themes.context import loose

    rows = db.execute("select parent_id, centroid from themes where status = 'active' and parent_id is not null")
    groups: dict[int, list[np.ndarray]] = {}
    for parent_id, blob in rows.fetchall():
        groups.setdefault(parent_id, []).append(np.frombuffer(blob, dtype=np.float32))
    for vectors in groups.values():
        unit = np.vstack(vectors) / np.linalg.norm(np.vstack(vectors), axis=1, keepdims=True)
        assert loose([list(range(len(vectors)))], unit) == []
