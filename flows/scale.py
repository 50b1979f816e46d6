"""The night's heavy per-item work on a Dask cluster (``scale: {runner: dask}``), as Prefect tasks.

The process stage (redaction, language, sentiment), segmenting and embedding are each submitted
over batches of ids to prefect-dask's ``DaskTaskRunner``: the scheduler at ``scale.address``, or a
local cluster of ``scale.workers`` processes started for the run. Workers read their batch from a
snapshot of the warehouse (:mod:`feedback.scale.batches`) and return rows; this process writes
them, batch by batch in submission order, so the warehouse has one writer and the result does not
depend on which worker finished first. Clustering and assignment stay in the flow (assign_themes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from feedback.config import Config
from feedback.embed import EMBED_CHUNK, SupportsEmbed, make_embedder, resolved, store_vectors
from feedback.errors import ConfigError, FeedbackError
from feedback.scale import worker
from feedback.scale.batches import batches, snapshot
from feedback.scale.settings import ScaleSettings
from feedback.text.process import PROCESS_VERSION, pending_ids, write_processed
from feedback.themes import store as theme_store
from feedback.themes.settings import with_overrides
from feedback.warehouse import now_iso, open_warehouse


@task(name="process-batch", cache_policy=NO_CACHE, persist_result=False)
def process_batch(config: Config, snap: worker.Snapshot, ids: list[str], version: str) -> list[dict[str, Any]]:
    return worker.process_batch(config, snap, ids, version)


@task(name="segment-batch", cache_policy=NO_CACHE, persist_result=False)
def segment_batch(snap: worker.Snapshot, ids: list[str], whole: tuple[str, ...]
                  ) -> tuple[list[str], list[theme_store.SegmentRecord]]:
    return worker.segment_batch(snap, ids, whole)


@task(name="embed-batch", cache_policy=NO_CACHE, persist_result=False)
def embed_batch(config: Config, snap: worker.Snapshot, hashes: list[str], threads: int) -> worker.Vectors:
    return worker.embed_batch(with_overrides(config.themes, config.base_dir, {}), snap, hashes, threads, config.embed,
                              config.base_dir)


def task_runner(settings: ScaleSettings) -> DaskTaskRunner:
    """The configured Dask task runner: the scheduler at ``address``, else a local cluster."""
    client = {"timeout": settings.connect_timeout}
    if settings.address:
        return DaskTaskRunner(address=settings.address, client_kwargs=client)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", client_kwargs=client,
                          cluster_kwargs={"n_workers": settings.workers, "processes": True,
                                          "threads_per_worker": 1, "dashboard_address": None})


@contextmanager
def connected(settings: ScaleSettings) -> Iterator[DaskTaskRunner]:
    """The task runner, started and connected; a scheduler that does not answer is one clear line."""
    with task_runner(settings) as runner:
        try:
            runner.client  # noqa: B018 - connects (or starts the local cluster) now, not at the first batch
        except OSError as exc:  # distributed: "Timed out trying to connect to ..."
            where = f"the Dask scheduler at {settings.address}" if settings.address else "a local Dask cluster"
            raise ConfigError(f"scale: cannot reach {where}: {' '.join(str(exc).split())}") from None
        yield runner


def scale_out(config: Config) -> tuple[int, dict[str, int]]:
    """Process, segment and embed what is new on the cluster; returns (items processed, the theme
    stage's counts: segments_new, embedded). With nothing to do no cluster is started or contacted,
    and no model or redactor is loaded."""
    themes = with_overrides(config.themes, config.base_dir, {})
    db = open_warehouse(config.warehouse)
    try:
        config = config.model_copy(update={"embed": resolved(config.embed, db)})  # the workers' backend too
        embedder = make_embedder(themes.model_path, themes.batch_size, config.embed, config.base_dir)  # no load
        todo = pending_ids(db)
        if not (todo or theme_store.unsegmented_ids(db) or theme_store.unembedded(db, embedder)):
            return 0, {"segments_new": 0, "embedded": 0}
        with connected(config.scale) as runner:
            processed = _process(runner, db, config, todo) if todo else 0
            segments = _segment(runner, db, config)
            embedded = _embed(runner, db, config, embedder)
    finally:
        db.close()
    return processed, {"segments_new": segments, "embedded": embedded}


def _process(runner: DaskTaskRunner, db: Any, config: Config, todo: list[str]) -> int:
    with snapshot(db, _worker_path(config)) as snap:
        futures = [runner.submit(process_batch, {"config": config, "snap": snap, "ids": ids,
                                                 "version": PROCESS_VERSION})
                   for ids in batches(todo, config.scale.batch_items)]
        return sum(write_processed(db, future.result()) for future in futures)


def _segment(runner: DaskTaskRunner, db: Any, config: Config) -> int:
    ids = theme_store.unsegmented_ids(db)
    if not ids:
        return 0
    done = 0
    stamp = now_iso()  # one stamp for the night's segments, as the local stage writes them
    with snapshot(db, _worker_path(config)) as snap:
        futures = [runner.submit(segment_batch, {"snap": snap, "ids": part, "whole": config.themes.read_whole})
                   for part in batches(ids, config.scale.batch_items)]
        for future in futures:
            cut, records = future.result()
            theme_store.write_segments(db, cut, records, stamp)
            done += len(records)
    return done


def _embed(runner: DaskTaskRunner, db: Any, config: Config, embedder: SupportsEmbed) -> int:
    hashes = theme_store.unembedded(db, embedder)
    if not hashes:
        return 0
    import torch

    threads = config.scale.embed_threads or torch.get_num_threads()  # as the local stage embeds here
    with snapshot(db, _worker_path(config)) as snap:
        futures = [runner.submit(embed_batch, {"config": config, "snap": snap, "hashes": part, "threads": threads})
                   for part in batches(hashes, EMBED_CHUNK)]  # the local stage's chunks: the same vectors
        for future in futures:
            found: worker.Vectors = future.result()
            if (found.model, found.version) != (embedder.name, embedder.version):
                raise FeedbackError(f"a worker embeds with {found.model} {found.version}, this flow with "
                                    f"{embedder.name} {embedder.version}: install the same model everywhere")
            store_vectors(db, found.hashes, found.vectors, found.model, found.version)
    return len(hashes)


def _worker_path(config: Config) -> Any:
    return config.resolve(config.scale.warehouse) if config.scale.warehouse else None
