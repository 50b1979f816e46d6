"""A configured file or folder that is not there fails its source with a clear reason (the run
reports it), instead of a quiet night with nothing new."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedback.config import load_config
from feedback.errors import ConfigError
from feedback.pipeline import ingest_source, missing_inputs
from feedback.warehouse import open_warehouse

COLUMNS = {"received_at": "Timestamp", "text": "Why?"}


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ({"channel": "survey", "paths": "a.csv", "columns": COLUMNS}, []),
        ({"channel": "survey", "paths": ["a.csv", "gone.csv"], "columns": COLUMNS}, ["gone.csv"]),
        ({"channel": "survey", "paths": "drop/*.csv", "columns": COLUMNS}, []),  # a folder waiting for exports
        ({"channel": "survey", "paths": "nowhere/*.csv", "columns": COLUMNS}, ["nowhere/*.csv"]),
        ({"channel": "survey", "paths": "drop", "columns": COLUMNS}, ["drop"]),  # a folder, not a file
        ({"channel": "email", "mbox": "gone.mbox", "maildir": "drop", "eml": "a.csv"}, ["gone.mbox"]),
        ({"channel": "email", "maildir": "a.csv"}, ["a.csv"]),  # a file, not a maildir folder
        ({"channel": "review", "exports": [{"path": "gone.csv", "format": "csv"},
                                           {"path": "https://example.com/r.csv", "format": "csv"}]}, ["gone.csv"]),
    ],
    ids=["there", "one file gone", "glob in an empty folder", "glob in a missing folder", "folder for a file",
         "mbox gone", "file for a maildir", "review export gone"],
)
def test_missing_inputs(
    tmp_path: Path, write_config: Callable[..., Path], source: dict[str, Any], missing: list[str]
) -> None:
    (tmp_path / "a.csv").write_text("Timestamp,Why?\n", encoding="utf-8")
    (tmp_path / "drop").mkdir()
    config = load_config(write_config([{"name": "s", **source}]))
    assert missing_inputs(config.source("s"), config.base_dir) == missing


def test_ingesting_a_source_whose_file_is_gone_fails_it_and_writes_nothing(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = load_config(write_config([{"name": "s", "channel": "survey", "paths": "gone.csv", "columns": COLUMNS}]))
    db = open_warehouse(config.warehouse)
    with pytest.raises(ConfigError) as failed:
        ingest_source(db, config, "s", b"k")
    assert str(failed.value) == f"gone.csv: no such file or folder (relative paths start at {tmp_path})"
    assert db["items"].count == 0
