"""A night with nothing new does no model, redactor or clustering work; a night with news does all of it.

The nights are the library calls the nightly flow makes (ingest, process, themes, publish) over
real reviews from ../shared/data, with a fresh embedder per night as the flow builds one. What
is observed is the real code's own state: whether the embedder's model was loaded (its cached
``model``), how often the spaCy NER loader was asked for a model (its cache's call counts), the
theme engine's log of reading the outlier pool, and the theme rows, history and fit state.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback import pipeline
from feedback.config import Config, load_config
from feedback.embed import Embedder
from feedback.text.names import load_model
from feedback.themes import make_embedder, segment_sentiment, store, update_themes
from feedback.themes.settings import with_overrides
from feedback.warehouse import open_warehouse

from .conftest import SECRET, shared

POOL_READ = "outlier pool:"  # the engine's log line when it reads the pool's vectors to look for a new theme


def _reviews(count: int) -> list[tuple[str, str]]:
    """(id, text) of the first ``count`` clothing reviews with a text (real customers' words)."""
    found: list[tuple[str, str]] = []
    with shared("labelled/clothing_reviews/reviews.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Review Text"].strip():
                found.append((row[""], row["Review Text"]))
            if len(found) == count:
                break
    return found


def _export(path: Path, reviews: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "when", "comment"])
        for n, (review_id, text) in enumerate(reviews):
            out.writerow([review_id, f"2026-11-{1 + n % 28:02d}", text])


def _ner_calls() -> int:
    """How often the spaCy NER loader has been asked for a model in this process (its cache's count)."""
    info = load_model.cache_info()
    return info.hits + info.misses


def _night(db: sqlite_utils.Database, config: Config) -> tuple[int, dict[str, Any], Embedder]:
    """One night as the flow runs it: (items processed, theme statistics, the night's embedder)."""
    pipeline.ingest_source(db, config, "reviews", SECRET)
    processed = pipeline.process(db, config)
    settings = with_overrides(config.themes, config.base_dir, {})
    embedder = make_embedder(settings)  # as the flow's assign-themes task: one per night, loaded on first use
    themes = update_themes(db, settings, embedder)
    pipeline.publish_archive(db, config)
    return processed, themes, embedder


def _theme_state(db: sqlite_utils.Database) -> tuple[list[tuple[Any, ...]], ...]:
    return (
        db.execute("select * from themes order by id").fetchall(),
        db.execute("select * from theme_history order by id").fetchall(),
        db.execute("select key, value, updated_at from theme_state order by key").fetchall(),
        db.execute("select id, theme_id, score, assigned_at, sentiment from theme_segments order by id").fetchall(),
    )


def _listen(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture the engine's lines, whatever logging set-up an earlier test left behind (Prefect's
    dictConfig disables the loggers it does not name; the CLI quiets "feedback")."""
    for name in ("feedback.themes.engine", "feedback.themes.night_pool"):  # the night, its new-theme proposal
        engine_log = logging.getLogger(name)
        monkeypatch.setattr(engine_log, "disabled", False)
        monkeypatch.setattr(engine_log, "propagate", True)
        caplog.set_level(logging.INFO, logger=name)


def _reviews_source(write_config: Callable[..., Path]) -> tuple[Config, sqlite_utils.Database]:
    """A survey source reading reviews.csv beside the configuration, and its warehouse."""
    config = load_config(write_config([{
        "name": "reviews", "channel": "survey", "paths": "reviews.csv",
        "columns": {"id": "id", "received_at": "when", "text": "comment"},
    }], processing={"names": [], "workers": 1}))
    return config, open_warehouse(config.warehouse)


def _pool_reads(caplog: pytest.LogCaptureFixture) -> int:
    return sum(POOL_READ in record.getMessage() for record in caplog.records)


@pytest.mark.slow
def test_a_night_with_nothing_new_loads_no_model_builds_no_redactor_and_fits_nothing(
    tmp_path: Path, write_config: Callable[..., Path], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reviews = _reviews(240)
    export = tmp_path / "reviews.csv"
    _export(export, reviews[:200])
    config, db = _reviews_source(write_config)
    _listen(caplog, monkeypatch)

    # the first night: everything is new
    calls = _ner_calls()
    processed, first, embedder = _night(db, config)
    assert processed == 200 and first["mode"] == "fit" and first["themes_total"] > 0
    assert "model" in embedder.__dict__  # the embedding model was loaded
    assert _ner_calls() > calls  # the redactor was built, asking for its NER model

    # a night with nothing new
    before, calls, reads = _theme_state(db), _ner_calls(), _pool_reads(caplog)
    processed, quiet, embedder = _night(db, config)
    assert processed == 0
    assert "model" not in embedder.__dict__  # no embedding model loaded
    assert _ner_calls() == calls  # no redactor built
    assert _pool_reads(caplog) == reads  # the outlier pool not read, let alone re-fitted
    assert _theme_state(db) == before  # no theme, statistic, history row or fit state changed
    assert quiet["mode"] == "unchanged" and quiet["themes_new"] == 0 and quiet["segments_new"] == 0
    assert quiet["themes_total"] == first["themes_total"]
    assert quiet["outlier_share"] == first["outlier_share"]

    # a night with news does all of it again
    _export(export, reviews)
    calls, reads = _ner_calls(), _pool_reads(caplog)
    processed, news, embedder = _night(db, config)
    assert processed == 40 and news["mode"] == "assign" and news["segments_new"] > 0 and news["embedded"] > 0
    assert "model" in embedder.__dict__
    assert _ner_calls() > calls
    joined = db.execute("select count(*) from theme_segments where theme_id is null and themable = 1"
                        " and assigned_at = (select max(assigned_at) from theme_segments)").fetchone()[0]
    assert joined > 0  # some of tonight's comments fit no theme and joined the pool ...
    assert _pool_reads(caplog) == reads + 1  # ... so the pool was read for a new theme
    assert news["assigned"] > 0 and news["comments_total"] == 240
    # and the night after it is quiet again
    before = _theme_state(db)
    assert _night(db, config)[1]["mode"] == "unchanged"
    assert _theme_state(db) == before


@pytest.mark.slow
def test_the_pool_is_not_read_when_every_new_segment_found_a_theme(
    tmp_path: Path, write_config: Callable[..., Path], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reviews = _reviews(200)
    export = tmp_path / "reviews.csv"
    _export(export, reviews)
    config, db = _reviews_source(write_config)
    _listen(caplog, monkeypatch)
    _night(db, config)
    # tonight's one comment says, word for word, what a themed comment near its theme's centre says: it joins that
    # theme, nearer its centre than most (not at its edge, where a new topic's first comments would be)
    tight = float(np.median(store.theme_cohesion(db)))
    (themed,) = db.execute(
        """select i.text from items i where exists (select 1 from theme_segments s where s.item_id = i.id
           and s.theme_id is not null) and not exists (select 1 from theme_segments s where s.item_id = i.id
           and s.themable = 1 and (s.theme_id is null or s.score < ?)) order by i.id limit 1""", [tight]).fetchone()
    _export(export, [*reviews, ("again-1", themed)])
    reads = _pool_reads(caplog)
    processed, night, _ = _night(db, config)
    assert processed == 1 and night["assigned"] >= 1 and night["themes_new"] == 0
    assert db.execute("select count(*) from theme_segments where theme_id is null and themable = 1"
                      " and assigned_at = (select max(assigned_at) from theme_segments)").fetchone()[0] == 0
    assert _pool_reads(caplog) == reads  # nothing joined the pool or sits at a theme's edge: it is not read


@pytest.mark.slow
def test_a_quiet_night_that_scores_every_segment_again_refreshes_the_themes_sentiment(
    tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _export(tmp_path / "reviews.csv", _reviews(120))
    config, db = _reviews_source(write_config)
    _night(db, config)
    # a new lexicon (or head, or company calibration) scores every segment again on a night with nothing new
    monkeypatch.setattr(segment_sentiment, "LEXICON_VERSION", "next")
    monkeypatch.setattr(segment_sentiment, "score_segments",
                        lambda vectors, texts, head, calibration=None, alone=None, embed=None: np.full(len(texts), 0.5))
    processed, quiet, embedder = _night(db, config)
    assert processed == 0 and quiet["mode"] == "unchanged" and "model" not in embedder.__dict__
    themes = db.execute("select sentiment from themes where status in ('active', 'parent') and size > 0").fetchall()
    assert themes and {s for (s,) in themes} == {0.5}  # the themes read their segments' new scores
    published = sqlite_utils.Database(config.archive).execute("select sentiment from themes where size > 0")
    assert {s for (s,) in published} == {0.5}  # ... and so does the archive
