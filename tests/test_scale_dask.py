"""Scale-out on Dask: the nightly flow on a real two-worker dask.distributed cluster publishes the
archive the local run publishes; a scheduler that does not answer is one clear line."""

from __future__ import annotations

import importlib.util
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import yaml

from feedback.config import load_config
from feedback.errors import ConfigError, FeedbackError
from feedback.scale.batches import batches, snapshot
from feedback.scale.worker import Snapshot, snapshot_db
from feedback.warehouse import open_warehouse

from .conftest import REPO

spec = importlib.util.spec_from_file_location("archive_digest", REPO / "scripts" / "archive_digest.py")
assert spec and spec.loader
archive_digest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(archive_digest)

SEED = 20261122
# which warehouse built the archive (each run has its own), not what it holds
IGNORE = frozenset({"archive_info.warehouse_id"})


def sample_night(folder: Path, samples: Path, **scale: Any) -> Path:
    """The shipped configuration's NPS survey and support e-mail over the generated samples, in ``folder``
    (the e-mail senders' names are what the redactor a worker builds must know; the e-mails read whole,
    ``themes.read_whole``, so the workers' segmenting must honour it)."""
    data = yaml.safe_load((REPO / "data" / "config.yml").read_text(encoding="utf-8"))
    data.pop("datasette_metadata", None)
    data["sources"] = [s for s in data["sources"] if s["name"] in ("checkout-nps", "support-email")]
    data["themes"] = {"read_whole": ["support-email"]}  # the workers cut its comments whole, as the local run does
    if scale:
        data["scale"] = scale
    folder.mkdir()
    shutil.copytree(samples, folder / "samples")
    (folder / "config.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder / "config.yml"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.timeout(1800)  # two whole nights and a cluster's start, on a loaded 2-core machine
def test_a_night_on_a_two_worker_dask_cluster_publishes_the_local_archive(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    from feedback.samples import generate
    from feedback.samples.emails import generate_emails
    from flows.nightly import nightly

    monkeypatch.setenv("FEEDBACK_CUSTOMER_KEY", "k")
    generate(tmp_path / "samples")
    generate_emails(tmp_path / "samples", SEED)
    local = nightly(config_path=str(sample_night(tmp_path / "local", tmp_path / "samples")))
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        # small batches, so every stage runs several on each worker
        config = sample_night(tmp_path / "dask", tmp_path / "samples", runner="dask",
                              address=cluster.scheduler_address, batch_items=300)
        dask = nightly(config_path=str(config))
        workers = len(cluster.scheduler_info["workers"])
    assert workers == 2
    assert (dask["new"], dask["published"]) == (local["new"], local["published"])
    assert local["published"] > 900
    a = archive_digest.digest(str(tmp_path / "local" / "archive.db"), IGNORE)
    b = archive_digest.digest(str(tmp_path / "dask" / "archive.db"), IGNORE)
    assert differing_columns(tmp_path / "local" / "archive.db", tmp_path / "dask" / "archive.db",
                             [table for table in a if a[table] != b.get(table)]) == {}
    assert a == b
    themes = sqlite_utils.Database(tmp_path / "dask" / "archive.db")["themes"].count
    assert themes > 5  # the sample night has themes, and they are the same on both runs
    # what the run log says the night did is the same too (the theme stage's counts included)
    details = [json_details(tmp_path / name / "warehouse.db") for name in ("local", "dask")]
    assert details[0] == details[1]
    assert details[0]["processed"] == local["published"]


def differing_columns(left: Path, right: Path, tables: list[str]) -> dict[str, list[str]]:
    """Per table, the columns whose sorted values differ between two archives (what to look at)."""
    found: dict[str, list[str]] = {}
    for table in tables:
        dbs = [sqlite_utils.Database(path) for path in (left, right)]
        columns = [c.name for c in dbs[0][table].columns]
        found[table] = [c for c in columns if c not in archive_digest.VOLATILE and f"{table}.{c}" not in IGNORE and (
            sorted(map(repr, (r[0] for r in dbs[0].execute(f"select [{c}] from [{table}]"))))
            != sorted(map(repr, (r[0] for r in dbs[1].execute(f"select [{c}] from [{table}]")))))]
    return found


def json_details(warehouse: Path) -> dict[str, Any]:
    import json

    [row] = sqlite_utils.Database(warehouse).query("select details from runs where flow = 'nightly'")
    found = json.loads(row["details"])
    themes = {k: v for k, v in found["themes"].items() if k in ("segments_new", "embedded", "themes_total")}
    return {"processed": found["processed"], "themes": themes}


@pytest.mark.slow
def test_a_scheduler_that_does_not_answer_is_one_clear_line(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.nightly import nightly

    monkeypatch.setenv("FEEDBACK_CUSTOMER_KEY", "k")
    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late delivery again\n", encoding="utf-8")
    address = f"tcp://127.0.0.1:{free_port()}"
    config = write_config([{"name": "good", "channel": "survey", "paths": "a.csv",
                            "columns": {"received_at": "Timestamp", "text": "Why?"}}],
                          scale={"runner": "dask", "address": address, "connect_timeout": 2})
    with pytest.raises(ConfigError) as caught:
        nightly(config_path=str(config))
    message = str(caught.value)
    assert message.startswith(f"scale: cannot reach the Dask scheduler at {address}: ")
    assert "\n" not in message
    # the comment was read and waits for the next night; nothing was processed or published
    warehouse = sqlite_utils.Database(tmp_path / "warehouse.db")
    assert (warehouse["items"].count, warehouse["processed"].count) == (1, 0)
    assert not (tmp_path / "archive.db").exists()


@pytest.mark.parametrize(
    ("scale", "error"),
    [
        ({"runner": "local", "address": "tcp://10.0.0.5:8786"}, "address is for runner: dask"),
        ({"runner": "ray"}, "field 'scale.runner'"),
        ({"runner": "dask", "workers": 0}, "field 'scale.workers'"),
        ({"runner": "dask", "batch_items": 0}, "field 'scale.batch_items'"),
        ({"runnr": "dask"}, "field 'scale.runnr': unknown field"),
    ],
)
def test_a_bad_scale_section_is_refused_naming_the_field(write_config: Callable[..., Path], scale: dict[str, Any],
                                                          error: str) -> None:
    with pytest.raises(ConfigError, match=error.replace(".", r"\.").replace("(", r"\(")):
        load_config(write_config([], scale=scale))


def test_the_default_runner_is_local(write_config: Callable[..., Path]) -> None:
    assert load_config(write_config([])).scale.runner == "local"


def test_workers_read_a_snapshot_the_flows_writes_do_not_change(tmp_path: Path) -> None:
    """While a snapshot is out, the flow's writes go to the WAL: a worker's read-only, immutable view
    of the file still shows the warehouse as it was; the next snapshot shows them."""
    db = open_warehouse(tmp_path / "warehouse.db")
    db["items_probe"].insert({"id": 1})
    with snapshot(db) as first:
        db["items_probe"].insert({"id": 2})
        assert [r["id"] for r in snapshot_db(first)["items_probe"].rows] == [1]
    with snapshot(db) as second:
        assert second.token != first.token
        assert [r["id"] for r in snapshot_db(second)["items_probe"].rows] == [1, 2]


def test_a_worker_without_the_warehouse_says_it_needs_a_shared_mount(tmp_path: Path) -> None:
    with pytest.raises(FeedbackError, match="workers need it on a shared mount"):
        snapshot_db(Snapshot(str(tmp_path / "elsewhere" / "warehouse.db"), "t"))


@pytest.mark.parametrize(("ids", "size", "expected"), [
    (["a", "b", "c"], 2, [["a", "b"], ["c"]]),
    (["a", "b"], 2, [["a", "b"]]),
    ([], 5, []),
])
def test_batches_keep_the_ids_order(ids: list[str], size: int, expected: list[list[str]]) -> None:
    assert batches(ids, size) == expected


def test_an_embedding_batch_naming_texts_the_snapshot_lacks_is_refused(tmp_path: Path) -> None:
    from feedback.scale.worker import embed_batch
    from feedback.themes.settings import ThemeSettings

    db = open_warehouse(tmp_path / "warehouse.db")
    with snapshot(db) as snap, pytest.raises(FeedbackError, match="1 text hashes are not in the warehouse snapshot"):
        embed_batch(ThemeSettings(), snap, ["0" * 64], threads=1)
