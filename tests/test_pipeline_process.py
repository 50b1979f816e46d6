"""The process stage as the nightly run calls it: a night with nothing pending builds no redactor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feedback import pipeline
from feedback.config import load_config
from feedback.text.process import has_pending
from feedback.warehouse import open_warehouse

from .conftest import SECRET


def test_nothing_pending_costs_no_redactor(tmp_path: Path, write_config: Callable[..., Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers.csv").write_text(
        "id,when,comment\n1,2026-11-02,The driver was late again\n2,2026-11-03,Lovely fresh bread\n",
        encoding="utf-8")
    config = load_config(write_config([{
        "name": "pulse", "channel": "survey", "paths": "answers.csv",
        "columns": {"id": "id", "received_at": "when", "text": "comment"},
    }], processing={"names": [], "workers": 1}))
    db = open_warehouse(config.warehouse)
    assert not has_pending(db)  # an empty warehouse
    pipeline.ingest_source(db, config, "pulse", SECRET)
    assert has_pending(db)
    assert pipeline.process(db, config) == 2
    assert not has_pending(db)

    built = []
    real = pipeline.make_redactor
    monkeypatch.setattr(pipeline, "make_redactor", lambda *args: built.append(1) or real(*args))
    assert pipeline.process(db, config) == 0
    assert built == []
    # an item ingested again after it was processed (its text changed) is pending again
    db.execute("update items set ingested_at = '9999-01-01T00:00:00Z' where local_id = "
               "(select min(local_id) from items)")
    assert has_pending(db)
    assert pipeline.process(db, config) == 1
    assert built == [1]
