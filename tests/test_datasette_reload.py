"""A running Datasette serves the new archive after a publish, without a restart."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from feedback.config import Config, load_config
from feedback.pipeline import ingest_source
from feedback.publish import publish
from feedback.serve.reload import file_key
from feedback.serve.search import IndexCache, SearchUnavailable
from feedback.text.process import build_redactor, process_items
from feedback.warehouse import open_warehouse

from .conftest import REPO, SECRET

HEADER = "Timestamp,Email Address,How likely are you to recommend us?,Why?\n"
FIRST = ['9/14/2026 10:22:05,ann@example.com,2,"Delivery was two days late"',
         '9/20/2026 08:01:00,bob@example.org,9,"Lovely driver and fresh bread"']
LATER = ['10/02/2026 12:00:00,carol@example.net,3,"No parking spaces left at the store"']
WARM_UP = {"plugins": {"feedback": {"warm_up": True}}}  # the plugin option `feedback serve` sets


def nightly(config: Config, lines: list[str]) -> None:
    """What the nightly run does for one survey export: ingest what is new, process, publish."""
    (config.base_dir / "nps.csv").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "nps", SECRET)
    process_items(db, build_redactor(["GB", "US"]), ["en"])
    publish(db, config.archive)
    db.close()


@pytest.fixture
def config(write_config: Callable[..., Path]) -> Config:
    columns = {"received_at": "Timestamp", "customer": "Email Address",
               "rating": {"column": "How likely are you to recommend us?", "scale": "nps"}, "text": "Why?"}
    return load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv", "columns": columns}]))


async def texts(ds: Any, query: str = "") -> list[str]:
    response = await ds.client.get(f"/archive/feedback.json?_shape=array&_sort=received_at{query}")
    assert response.status_code == 200, response.text[:300]
    return [row["text"] for row in response.json()]


async def test_served_archive_follows_a_new_publish_without_restart(config: Config) -> None:
    from datasette.app import Datasette

    nightly(config, FIRST)
    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    ds = Datasette(immutables=[str(config.archive)], metadata=metadata)  # as `feedback serve` opens it
    await ds.invoke_startup()
    for _ in range(6):  # every SQL thread opens its connection to the first file
        assert await texts(ds) == ["Delivery was two days late", "Lovely driver and fresh bread"]
    assert await texts(ds, "&_search=parking") == []
    first_inode = os.stat(config.archive).st_ino

    nightly(config, FIRST + LATER)
    assert os.stat(config.archive).st_ino != first_inode  # a new file swapped in, not the old one rewritten
    for _ in range(6):
        assert await texts(ds) == ["Delivery was two days late", "Lovely driver and fresh bread",
                                   "No parking spaces left at the store"]
    assert await texts(ds, "&_search=parking") == ["No parking spaces left at the store"]
    db = ds.get_database("archive")
    assert (db.name, db.route, db.is_mutable) == ("archive", "archive", False)
    served = {d["name"]: d for d in (await ds.client.get("/-/databases.json")).json()}
    assert served["archive"]["path"] == str(config.archive) and not served["archive"]["is_mutable"]
    table = await ds.client.get("/archive/feedback.json?_search=parking&_facet=channel")
    assert table.json()["facet_results"]["channel"]["results"][0]["count"] == 1


def vector_archive(path: Path, vectors: list[list[float]]) -> None:
    tmp = path.with_suffix(".tmp")
    conn = sqlite3.connect(tmp)
    conn.execute("create table feedback (id text primary key, text text)")
    conn.execute("create table feedback_vectors (feedback_id text primary key, vector blob)")
    conn.execute("create table vector_model (model text, model_version text, dim int, vectors int)")
    for i, vector in enumerate(vectors):
        conn.execute("insert into feedback values (?, ?)", (f"f{i}", f"comment {i}"))
        conn.execute("insert into feedback_vectors values (?, ?)", (f"f{i}", np.asarray(vector, np.float32).tobytes()))
    conn.execute("insert into vector_model values ('m', '1', 2, ?)", (len(vectors),))
    conn.commit()
    conn.close()
    os.replace(tmp, path)


def test_vector_index_is_read_again_for_a_new_archive_file_only(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    cache = IndexCache()
    vector_archive(path, [[1, 0], [0, 1]])
    old_key = file_key(path)
    first = cache.get(str(path), sqlite3.connect(path), old_key)
    assert cache.get(str(path), sqlite3.connect(path), old_key) is first  # read once per file
    assert first.top(np.array([0, 1], np.float32), 1)[0].tolist() == [2]

    vector_archive(path, [[1, 0], [0, 1], [0.6, 0.8]])
    new_key = file_key(path)
    assert new_key != old_key
    second = cache.get(str(path), sqlite3.connect(path), new_key)
    assert second is not first and len(second.rowids) == 3
    assert cache.get(str(path), sqlite3.connect(path), new_key) is second  # the new file is read once
    assert second.top(np.array([0.6, 0.8], np.float32), 1)[0].tolist() == [3]
    # A request that began on the replaced file does not load the old vectors over the new ones.
    with pytest.raises(SearchUnavailable, match="search again"):
        cache.get(str(path), sqlite3.connect(path), old_key, current=False)
    assert cache.get(str(path), sqlite3.connect(path), new_key) is second


async def test_warm_up_reads_the_indexes_at_start_and_after_a_publish(config: Config,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from datasette.app import Datasette

    from feedback.serve import plugin as datasette_plugin

    async def settled() -> None:
        while datasette_plugin._warming:
            await asyncio.to_thread(datasette_plugin._warming.pop().join)

    monkeypatch.setattr(datasette_plugin, "_facet_indexes", IndexCache(datasette_plugin.load_facets))
    nightly(config, FIRST)
    ds = Datasette(immutables=[str(config.archive)], metadata=WARM_UP)
    await ds.invoke_startup()
    await settled()
    path = str(config.archive)
    assert datasette_plugin._facet_indexes._indexes[path].key == file_key(path)  # before any search
    first = file_key(path)
    nightly(config, FIRST + LATER)
    assert file_key(path) != first
    assert len(await texts(ds)) == 3  # the request that notices the new file starts its warm-up
    await settled()
    assert datasette_plugin._facet_indexes._indexes[path].key == file_key(path)



async def test_without_the_warm_up_option_nothing_is_loaded_before_a_search(config: Config,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from datasette.app import Datasette

    from feedback.serve import plugin as datasette_plugin

    monkeypatch.setattr(datasette_plugin, "_facet_indexes", IndexCache(datasette_plugin.load_facets))
    monkeypatch.setattr(datasette_plugin, "_warming", [])
    nightly(config, FIRST)
    ds = Datasette(immutables=[str(config.archive)])
    await ds.invoke_startup()
    nightly(config, FIRST + LATER)
    assert len(await texts(ds)) == 3  # the new file is served, and not warmed up either
    assert datasette_plugin._warming == []
    assert str(config.archive) not in datasette_plugin._facet_indexes._indexes

async def test_a_warm_up_that_fails_is_logged_and_the_server_still_serves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    from datasette.app import Datasette

    from feedback.serve import plugin as datasette_plugin

    broken = tmp_path / "archive.db"
    con = sqlite3.connect(broken)  # tables by the right names, but not what publish writes
    con.execute("create table feedback_fts (x)")
    con.execute("create table feedback (y)")
    con.commit()
    con.close()
    monkeypatch.setattr(datasette_plugin, "_facet_indexes", IndexCache(datasette_plugin.load_facets))
    ds = Datasette(immutables=[str(broken)], metadata=WARM_UP)
    with caplog.at_level("WARNING", logger="feedback.serve.plugin"):
        await ds.invoke_startup()
        while datasette_plugin._warming:
            await asyncio.to_thread(datasette_plugin._warming.pop().join)
    assert any("warm-up of archive failed" in r.getMessage() for r in caplog.records), caplog.text
    assert str(broken) not in datasette_plugin._facet_indexes._indexes
    assert (await ds.client.get("/archive/feedback.json")).status_code == 200
