"""Research for issue 12 (not wired into the pipeline): sentiment from the sentence embeddings
the theme stage already stores, from -1 to 1.

Measured (bench/RESULTS.md, 2026-12-01): better than VADER on held-out clothing reviews
(Spearman 0.42 -> 0.63, binary macro-F1 0.67 -> 0.82) but no better, or worse, on other kinds
of text (tweets, service sentences), so the product keeps VADER + the service lexicon until a
head generalises.

A small linear head reads a segment's all-MiniLM-L6-v2 vector (and, when the head was
trained with it, the segment's VADER + service-lexicon score from :mod:`.sentiment`) and
gives three class probabilities: negative, neutral, positive. A segment's score is
``blend * (P(positive) - P(negative)) + (1 - blend) * lexicon score``, so it lies in -1..1
and is near 0 for a factual statement; the blend keeps the rated words of the lexicon in the
score where the head, trained on one kind of text, is unsure. A comment's score is the mean of
its segments' scores.

The head is trained by ``bench/train_sentiment_head.py`` from star-rated product reviews
(1-2 stars negative, 3 neutral, 4-5 positive, classes weighted equally) and shipped as
``sentiment_head.npz`` beside this module. It is only valid for vectors of the model it was
trained on (:attr:`SentimentHead.model`, :attr:`SentimentHead.dim`): vectors of another
model are refused rather than scored wrongly.

Pure functions over arrays: loading the head is the only I/O, and the embedder is passed in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from feedback.embed import SupportsEmbed
from feedback.text import segments as nlp
from feedback.text.sentiment import sentiment as lexicon_sentiment

HEAD_PATH = Path(__file__).with_name("sentiment_head.npz")
CLASSES = ("negative", "neutral", "positive")
Label = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True)
class SentimentHead:
    """A multinomial linear model over a segment's features.

    ``coef`` is (3, features) and ``intercept`` (3,), rows in :data:`CLASSES` order. The
    features are the embedding (``dim`` values) followed, when ``lexicon`` is true, by the
    segment's lexicon score and its absolute value. ``band`` is the half-width of the neutral
    band of :func:`classify`; ``blend`` the head's share of a segment's score (the rest is the
    lexicon score; 1.0 for a head without lexicon inputs).
    """

    coef: np.ndarray
    intercept: np.ndarray
    model: str
    dim: int
    lexicon: bool
    band: float
    blend: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        features = self.dim + (2 if self.lexicon else 0)
        if self.coef.shape != (len(CLASSES), features):
            raise ValueError(f"coef has shape {self.coef.shape}, expected {(len(CLASSES), features)}")
        if self.intercept.shape != (len(CLASSES),):
            raise ValueError(f"intercept has shape {self.intercept.shape}, expected {(len(CLASSES),)}")
        if not 0.0 <= self.band < 1.0:
            raise ValueError(f"band must be in [0, 1), got {self.band}")
        if not 0.0 <= self.blend <= 1.0 or (self.blend < 1.0 and not self.lexicon):
            raise ValueError(f"blend must be in [0, 1] (1 without lexicon inputs), got {self.blend}")

    def save(self, path: str | Path) -> None:
        """Write the head as an ``.npz`` file (float32 weights, metadata as JSON)."""
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh,
                coef=self.coef.astype(np.float32),
                intercept=self.intercept.astype(np.float32),
                info=np.array(json.dumps({"model": self.model, "dim": self.dim, "lexicon": self.lexicon,
                                          "band": self.band, "blend": self.blend, "meta": self.meta}, sort_keys=True)),
            )


def read_head(path: str | Path) -> SentimentHead:
    """A head from an ``.npz`` file written by :meth:`SentimentHead.save`."""
    with np.load(path, allow_pickle=False) as data:
        info = json.loads(str(data["info"]))
        return SentimentHead(
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float32),
            model=str(info["model"]),
            dim=int(info["dim"]),
            lexicon=bool(info["lexicon"]),
            band=float(info["band"]),
            blend=float(info.get("blend", 1.0)),
            meta=dict(info.get("meta") or {}),
        )


@lru_cache(maxsize=1)
def load_head() -> SentimentHead:
    """The shipped head, read once per process."""
    return read_head(HEAD_PATH)


def probabilities(
    vectors: np.ndarray, lexicon: Sequence[float | None] | np.ndarray | None = None, head: SentimentHead | None = None
) -> np.ndarray:
    """(n, 3) class probabilities (negative, neutral, positive) for n segment vectors.

    ``lexicon`` holds each segment's :func:`feedback.text.sentiment.sentiment` score (None
    counts as 0); it is required when the head was trained with it and ignored otherwise.
    """
    head = head or load_head()
    matrix = _matrix(vectors, head)
    if head.lexicon:
        lex = _lexicon(lexicon, matrix.shape[0])
        matrix = np.hstack([matrix, lex[:, None], np.abs(lex)[:, None]])
    logits = matrix @ head.coef.T + head.intercept
    logits -= logits.max(axis=1, keepdims=True)
    odds = np.exp(logits)
    return np.asarray(odds / odds.sum(axis=1, keepdims=True), dtype=np.float64)


def score_vectors(
    vectors: np.ndarray, lexicon: Sequence[float | None] | np.ndarray | None = None, head: SentimentHead | None = None
) -> np.ndarray:
    """Each segment's sentiment in -1..1: the head's ``P(positive) - P(negative)`` blended with
    the segment's lexicon score (see :class:`SentimentHead` and :func:`probabilities`)."""
    head = head or load_head()
    proba = probabilities(vectors, lexicon, head)
    scores = proba[:, 2] - proba[:, 0]
    if head.blend < 1.0:
        scores = head.blend * scores + (1.0 - head.blend) * _lexicon(lexicon, scores.shape[0])
    return np.asarray(np.clip(scores, -1.0, 1.0), dtype=np.float64)


def _matrix(vectors: np.ndarray, head: SentimentHead) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != head.dim:
        raise ValueError(f"expected an (n, {head.dim}) matrix of {head.model} vectors, got {matrix.shape}")
    return matrix


def _lexicon(lexicon: Sequence[float | None] | np.ndarray | None, rows: int) -> np.ndarray:
    if lexicon is None:
        raise ValueError("this head reads each segment's lexicon score: pass lexicon=")
    lex = np.array([0.0 if v is None else float(v) for v in lexicon], dtype=np.float32)
    if lex.shape != (rows,):
        raise ValueError(f"lexicon has {lex.shape[0]} scores for {rows} vectors")
    return lex


def classify(scores: np.ndarray | Sequence[float], band: float | None = None) -> list[Label]:
    """negative / neutral / positive: a score within ``band`` of 0 (the head's by default) is neutral."""
    width = load_head().band if band is None else band
    out: list[Label] = []
    for score in np.asarray(scores, dtype=np.float64):
        out.append("positive" if score > width else "negative" if score < -width else "neutral")
    return out


def aggregate(scores: np.ndarray | Sequence[float]) -> float:
    """A comment's score from its segments' scores: their mean (0.0 for none)."""
    values = np.asarray(scores, dtype=np.float64)
    return float(values.mean()) if values.size else 0.0


def score_texts(
    texts: Sequence[str], embedder: SupportsEmbed, head: SentimentHead | None = None
) -> np.ndarray:
    """Each text's sentiment in -1..1, NaN for a text with nothing to read.

    Texts are cut into segments as the theme stage cuts them (:func:`.segments.segment_many`);
    each themable segment is embedded (once per distinct cleaned text) and scored, and a text's
    score is the :func:`aggregate` of its segments. A text with no themable segment ("ok!")
    is scored as one segment of its cleaned text.
    """
    head = head or load_head()
    if embedder.name != head.model:
        raise ValueError(f"the sentiment head reads {head.model} vectors, not {embedder.name}")
    units: list[list[tuple[str, str]]] = []
    for text, segs in zip(texts, nlp.segment_many(texts), strict=True):
        pieces = [(seg.clean, seg.text) for seg in segs if nlp.is_themable(seg.clean)]
        clean = nlp.clean_for_embedding(text or "")
        units.append(pieces or ([(clean, text)] if clean else []))
    distinct = list(dict.fromkeys(clean for pieces in units for clean, _ in pieces))
    if not distinct:
        return np.full(len(units), np.nan)
    vectors = embedder.encode(distinct)
    row = {clean: i for i, clean in enumerate(distinct)}
    flat = [(clean, raw) for pieces in units for clean, raw in pieces]
    lexicon = [lexicon_sentiment(raw) or 0.0 for _, raw in flat] if head.lexicon else None
    scores = score_vectors(vectors[[row[clean] for clean, _ in flat]], lexicon, head)
    out = np.full(len(units), np.nan)
    start = 0
    for i, pieces in enumerate(units):
        if pieces:
            out[i] = aggregate(scores[start : start + len(pieces)])
            start += len(pieces)
    return out
