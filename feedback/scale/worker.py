"""What a Dask worker runs for one batch: read its inputs from the warehouse snapshot, compute,
return the rows. It never writes: the flow writes what comes back (one writer).

A batch names its inputs by id (item ids, text hashes); the worker reads them from the warehouse
file opened read-only and ``immutable`` (no locks, no WAL: safe on a shared network mount), which
the flow keeps unchanged while the batches run (see :func:`.batches.snapshot`). What is expensive
to build is built once per worker process and kept for the next batches: the snapshot's
connection, the redactor (names, spaCy NER) and the embedding model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils
from sqlite_utils.utils import sqlite3

from feedback.config import Config
from feedback.embed import Embedder, make_embedder, resolved
from feedback.embed_settings import EmbedSettings
from feedback.errors import FeedbackError
from feedback.text.process import ProcessPiece, items_by_id
from feedback.themes import store
from feedback.themes.settings import ThemeSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The warehouse file as the workers see it, and a token that changes with every snapshot."""

    path: str
    token: str


# In a worker process: the last snapshot's connection, the last redactor, the embedders by model.
_OPEN: dict[str, sqlite_utils.Database] = {}
_REDACTORS: dict[str, ProcessPiece] = {}
_EMBEDDERS: dict[tuple[str, int, str, str, int], Embedder] = {}


def snapshot_db(snapshot: Snapshot) -> sqlite_utils.Database:
    """The snapshot's read-only connection in this worker, opened at its first batch."""
    db = _OPEN.get(snapshot.token)
    if db is None:
        for old in _OPEN.values():
            old.close()
        _OPEN.clear()
        if not Path(snapshot.path).is_file():
            raise FeedbackError(
                f"worker cannot read the warehouse at {snapshot.path}: the workers need it on a shared "
                "mount (scale.warehouse: the path as they see it)")
        connection = sqlite3.connect(f"{Path(snapshot.path).resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        db = _OPEN[snapshot.token] = sqlite_utils.Database(connection)
    return db


def process_batch(config: Config, snapshot: Snapshot, ids: list[str], version: str) -> list[dict[str, Any]]:
    """The ``processed`` rows of these items: redacted, language, sentiment (as the local stage)."""
    db = snapshot_db(snapshot)
    piece = _REDACTORS.get(snapshot.token)
    if piece is None:  # this night's redactor (tonight's e-mail senders' names), once per worker
        from feedback.pipeline import make_redactor

        _REDACTORS.clear()
        piece = _REDACTORS[snapshot.token] = ProcessPiece(
            make_redactor(db, config), tuple(config.processing.languages), version)
    return piece(items_by_id(db, ids))


def segment_batch(snapshot: Snapshot, ids: list[str], whole: tuple[str, ...] = ()
                  ) -> tuple[list[str], list[store.SegmentRecord]]:
    """(the item ids cut, their segment rows without created_at) for these processed comments (those of the sources
    in ``whole`` as one point each: ``ThemeSettings.read_whole``)."""
    rows = store.unsegmented(snapshot_db(snapshot), ids, whole)
    return [row[0] for row in rows], store.segment_records(rows)


@dataclass(frozen=True)
class Vectors:
    """A batch's embeddings and the model that made them (the flow checks it is its own)."""

    hashes: list[str]
    vectors: np.ndarray
    model: str
    version: str


def embed_batch(settings: ThemeSettings, snapshot: Snapshot, hashes: list[str], threads: int,
                embed: EmbedSettings | None = None, base_dir: Path = Path(".")) -> Vectors:
    """The vectors of these text hashes, encoded together in this order (the local chunk's call)
    with ``threads`` torch threads: the float sums, and so a vector's last bits, depend on it."""
    import torch

    texts = store.embedding_texts(snapshot_db(snapshot), hashes)
    missing = [h for h in hashes if h not in texts]
    if missing:
        raise FeedbackError(f"{len(missing)} text hashes are not in the warehouse snapshot (first {missing[0]})")
    embed = resolved(embed or EmbedSettings())  # the flow hands its resolved settings
    key = (str(settings.model_path or ""), settings.batch_size, str(embed.backend), str(embed.cache), threads)
    embedder = _EMBEDDERS.get(key)
    if embedder is None:  # the flow's backend, with the flow machine's thread count (onnxruntime's too)
        embedder = _EMBEDDERS[key] = make_embedder(settings.model_path, settings.batch_size, embed, base_dir,
                                                   show_progress=False, threads=embed.threads or threads)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        vectors = embedder.encode([texts[h] for h in hashes])
    finally:
        torch.set_num_threads(before)
    return Vectors(hashes, vectors, embedder.name, embedder.version)
