"""Segment sentiment from the stored sentence embeddings, a few lexicon scores and cues.

The theme stage embeds every themable segment with all-MiniLM-L6-v2; a small linear head
(with a small hidden layer beside it) reads that vector together with the segment's VADER scores (negative, neutral, positive,
compound; the service lexicon of :mod:`.sentiment` included) and a handful of cues a lexicon
misses: a question, a request, a negation, an unresolved wait ("hasn't arrived", "still no
reply"), a duration ("11 days"), persistence ("again", "and counting"); and its word n-grams
(:func:`word_ngrams`: idioms such as "going back" or "wanted to love" that the sentence vector
blurs). It gives three class probabilities, negative / neutral / positive; a segment's score is ``P(positive) -
P(negative)`` with the neutral band cut out (:func:`dead_zone`), so a question or a plain
statement scores exactly 0 and anything else keeps its order. A comment's score comes from its
segments (:func:`comment_score`): their mean (counting negative segments twice was measured and
read worse on every set: bench/RESULTS.md).

The head is trained by ``scripts/train_sentiment.py`` on public rated text of several kinds
(see that script; each text fitted both segment by segment and as a whole, the mean of its
segments' rows, since the product scores a comment from its segments) and shipped as ``sentiment_head.npz`` beside this module. It only reads
vectors of the model it was trained on (:attr:`SentimentHead.model`): other vectors are refused
rather than scored wrongly, and callers fall back to the lexicon (:func:`.sentiment.sentiment`),
as they do for languages other than English.

A company's own rated comments calibrate it (:func:`fit_calibration`): a scale and two class
biases on the head's logits plus an embedding delta on its negative and positive rows, so it
learns how this company's customers word a complaint (or praise) that public reviews do not
teach. feedback.themes.segment_sentiment fits it once enough rated comments are there and
applies it only when it ranks the company's own held-out ratings better. Everything here is pure: loading the shipped file is the only I/O.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from feedback.text.emoji_sentiment import emoji_reading
from feedback.text.nothing_said import courtesy, plain_question, prior_doubt, says_nothing
from feedback.text.segments import PLACEHOLDER, cause_part, clean_for_embedding, told_part
from feedback.text.sentiment import (
    as_read,
    emoticon_reading,
    saying_reading,
    saying_side,
    vader_scores,
)

HEAD_PATH = Path(__file__).with_name("sentiment_head.npz")
CLASSES = ("negative", "neutral", "positive")

# Cues, each 0/1 (or a small count) per segment. Order matters: it is the order of the head's
# last columns, so a change here needs a retrained head (HEAD_FEATURES names them).
_QUESTION_START = re.compile(
    r"^\s*(?:what|where|when|why|how|who|which|whose|can|could|do|does|did|is|are|am|was|were|will|would|"
    r"should|shall|may|have|has|any)\b", re.IGNORECASE)
_REQUEST = re.compile(
    r"\b(?:please|i'?d like|i would like|i want to|i need to|let me know|can you|could you|would you)\b",
    re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not|no|never|nobody|nothing|none|nowhere|neither|nor|cannot|without)\b|n't\b|n’t\b", re.IGNORECASE)
_UNRESOLVED = re.compile(
    r"(?:\b(?:not|never|no|still|yet)\b|n't|n’t)\W+(?:\w+\W+){0,3}?(?:arriv|receiv|got|get|come|came|turn|show|"
    r"deliver|refund|repl|respon|answer|heard|hear|work|fix|resolv|sort|call|contact|process|credit|paid|pay|"
    r"sent|send|updat)\w*", re.IGNORECASE)
_DURATION = re.compile(
    r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)\s+"
    r"(?:more\s+)?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b", re.IGNORECASE)
_PERSIST = re.compile(
    r"\b(?:still|again|yet again|and counting|forever|ages|another|third|fourth|every time|keeps?|kept|chase|chasing)\b",
    re.IGNORECASE)
HEAD_FEATURES = ("vader_neg", "vader_neu", "vader_pos", "vader_compound", "question_mark", "question_start",
                 "request", "negation", "unresolved", "duration", "persistence", "exclamation", "length")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def word_ngrams(text: str, size: int = 2) -> set[str]:
    """The distinct lower-cased words and runs of up to ``size`` words of a segment: the head's
    lexical features ("going back", "wanted to love"), present or not. A redaction placeholder is no
    word the customer wrote, and no run crosses it: "[NAME] on the phone was really nice" read "name"
    before (a word of product reviews, -0.36 towards negative); the text embedded leaves them out too."""
    out: set[str] = set()
    for piece in PLACEHOLDER.split(text):
        words = _WORD.findall(piece.lower().replace("\u2019", "'"))
        out.update(words)
        for n in range(2, size + 1):
            out.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


def negated(text: str) -> bool:
    """Whether a text holds a negation ("not", "never", "didn't", "without"): the head's negation cue."""
    return _NEGATION.search(text) is not None


def cues(text: str) -> np.ndarray:
    """The non-embedding features of one segment, in :data:`HEAD_FEATURES` order."""
    neg, neu, pos, compound = vader_scores(text)
    words = len(text.split())
    return np.array([
        neg, neu, pos, compound,
        float("?" in text),
        float(bool(_QUESTION_START.match(text))),
        float(bool(_REQUEST.search(text))),
        min(len(_NEGATION.findall(text)), 2) / 2,
        float(bool(_UNRESOLVED.search(text))),
        float(bool(_DURATION.search(text))),
        min(len(_PERSIST.findall(text)), 2) / 2,
        float("!" in text),
        min(np.log1p(words) / 4.0, 1.5),
    ], dtype=np.float32)


def cue_matrix(texts: Sequence[str]) -> np.ndarray:
    """:func:`cues` for many segments, as an (n, len(HEAD_FEATURES)) matrix."""
    if not texts:
        return np.zeros((0, len(HEAD_FEATURES)), dtype=np.float32)
    return np.vstack([cues(text) for text in texts])


@dataclass(frozen=True)
class Calibration:
    """A company's adjustment of the head: ``logits * scale + bias + vectors @ delta.T``.

    ``bias`` is in CLASSES order; ``delta`` (3, dim) or None moves the head's negative and
    positive rows (its neutral row stays 0) in embedding space: how the company's own words lean,
    e.g. a phrase its customers only use to complain. ``comments``: the rated comments it was
    fitted on. :attr:`version` fingerprints all of it.
    """

    scale: float = 1.0
    bias: tuple[float, float, float] = (0.0, 0.0, 0.0)
    comments: int = 0  # how many rated comments it was fitted on
    delta: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.bias) != len(CLASSES):
            raise ValueError(f"a calibration has {len(CLASSES)} biases, got {len(self.bias)}")
        if self.delta is not None and (self.delta.ndim != 2 or self.delta.shape[0] != len(CLASSES)):
            raise ValueError(f"a calibration's delta is ({len(CLASSES)}, dim), got {self.delta.shape}")

    @property
    def version(self) -> str:
        import hashlib

        digest = hashlib.sha256(json.dumps([self.scale, list(self.bias)]).encode())
        if self.delta is not None:
            digest.update(np.asarray(self.delta, dtype=np.float32).tobytes())
        return digest.hexdigest()[:12]

    def as_json(self) -> dict[str, Any]:
        return {"scale": self.scale, "bias": list(self.bias), "comments": self.comments}

    @classmethod
    def from_json(cls, value: dict[str, Any] | None, delta: np.ndarray | None = None) -> Calibration | None:
        if not value:
            return None
        bias = tuple(float(b) for b in value["bias"])
        if len(bias) != len(CLASSES):
            raise ValueError(f"a calibration has {len(CLASSES)} biases, got {len(bias)}")
        return cls(float(value["scale"]), (bias[0], bias[1], bias[2]), int(value.get("comments", 0)), delta)


@dataclass(frozen=True)
class SentimentHead:
    """A multinomial model over [embedding (``dim``), cues (:data:`HEAD_FEATURES`), word n-grams]: linear, plus
    an optional small hidden layer on the embedding and cues.

    ``coef`` is (3, dim + cues) and ``intercept`` (3,), rows in :data:`CLASSES` order. ``vocab``:
    the word n-grams it reads (:func:`word_ngrams` of up to ``ngram_size`` words), each adding its
    column of ``ngram_coef`` (3, len(vocab)) when a segment has it; none in a head without them.
    ``band`` is the neutral band cut out of a segment's score (:func:`dead_zone`); ``praise_band`` (None: ``band``)
    that band on the positive side. ``hidden``
    (units, dim + cues), ``hidden_bias`` (units,) and ``hidden_out`` (3, units): a small ReLU layer on
    the same features whose output adds to the logits; none (0 units) in a linear head.
    """

    coef: np.ndarray
    intercept: np.ndarray
    model: str
    dim: int
    band: float
    features: tuple[str, ...] = HEAD_FEATURES
    meta: dict[str, Any] = field(default_factory=dict)
    vocab: tuple[str, ...] = ()
    ngram_coef: np.ndarray = field(default_factory=lambda: np.zeros((len(CLASSES), 0), np.float32))
    ngram_size: int = 2
    hidden: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    hidden_bias: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    hidden_out: np.ndarray = field(default_factory=lambda: np.zeros((len(CLASSES), 0), np.float32))
    praise_band: float | None = None

    def __post_init__(self) -> None:
        if self.features != HEAD_FEATURES:
            raise ValueError(f"head built for features {self.features}, this code computes {HEAD_FEATURES}")
        width = self.dim + len(HEAD_FEATURES)
        if self.coef.shape != (len(CLASSES), width):
            raise ValueError(f"coef has shape {self.coef.shape}, expected {(len(CLASSES), width)}")
        if self.intercept.shape != (len(CLASSES),):
            raise ValueError(f"intercept has shape {self.intercept.shape}, expected {(len(CLASSES),)}")
        if not all(0.0 <= band < 1.0 for band in (self.band, self.praise_band or 0.0)):
            raise ValueError(f"bands must be in [0, 1), got {self.band} and {self.praise_band}")
        if self.ngram_coef.shape != (len(CLASSES), len(self.vocab)):
            raise ValueError(f"ngram_coef has shape {self.ngram_coef.shape}, expected {(len(CLASSES), len(self.vocab))}")
        if len(set(self.vocab)) != len(self.vocab):
            raise ValueError("the n-gram vocabulary has duplicates")
        units = self.hidden_bias.shape[0]
        if units and (self.hidden.shape != (units, width) or self.hidden_out.shape != (len(CLASSES), units)):
            raise ValueError(f"hidden layer of {units} units needs hidden {(units, width)} and hidden_out "
                             f"{(len(CLASSES), units)}, got {self.hidden.shape} and {self.hidden_out.shape}")

    @cached_property
    def vocab_index(self) -> dict[str, int]:
        return {gram: i for i, gram in enumerate(self.vocab)}

    @property
    def version(self) -> str:
        """A short fingerprint of the weights: a new head means every segment is scored again."""
        import hashlib

        digest = hashlib.sha256(np.asarray(self.coef, dtype=np.float32).tobytes())
        digest.update(np.asarray(self.intercept, dtype=np.float32).tobytes())
        digest.update(f"{self.band}".encode())
        if self.praise_band not in (None, self.band):  # a head with one band keeps the version it had
            digest.update(f"praise {self.praise_band}".encode())
        if self.vocab:  # a head without n-grams keeps the version it had before they existed
            digest.update(json.dumps([self.ngram_size, list(self.vocab)]).encode())
            digest.update(np.asarray(self.ngram_coef, dtype=np.float32).tobytes())
        if self.hidden_bias.size:  # likewise a head without a hidden layer
            for part in (self.hidden, self.hidden_bias, self.hidden_out):
                digest.update(np.asarray(part, dtype=np.float32).tobytes())
        return digest.hexdigest()[:12]

    def save(self, path: str | Path) -> None:
        """Write the head as an ``.npz`` file (float32 weights, the rest as JSON)."""
        info = {"model": self.model, "dim": self.dim, "band": self.band, "features": list(self.features),
                "meta": self.meta, "ngram_size": self.ngram_size,
                **({"praise_band": self.praise_band} if self.praise_band is not None else {})}
        arrays: dict[str, Any] = {"coef": self.coef.astype(np.float32), "intercept": self.intercept.astype(np.float32),
                                  "info": np.array(json.dumps(info, sort_keys=True)),
                                  "vocab": np.array(self.vocab, dtype=np.str_),
                                  "ngram_coef": self.ngram_coef.astype(np.float32)}
        if self.hidden_bias.size:  # a linear head's file stays as it was
            arrays.update(hidden=self.hidden.astype(np.float32), hidden_bias=self.hidden_bias.astype(np.float32),
                          hidden_out=self.hidden_out.astype(np.float32))
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def read_head(path: str | Path) -> SentimentHead:
    """A head from an ``.npz`` file written by :meth:`SentimentHead.save`; ValueError when it is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            info = json.loads(str(data["info"]))
            coef, intercept = np.asarray(data["coef"], np.float32), np.asarray(data["intercept"], np.float32)
            vocab = tuple(str(g) for g in data["vocab"]) if "vocab" in data.files else ()
            grams = (np.asarray(data["ngram_coef"], np.float32) if "ngram_coef" in data.files
                     else np.zeros((len(CLASSES), 0), np.float32))
            layer = {name: np.asarray(data[name], np.float32) for name in ("hidden", "hidden_bias", "hidden_out")
                     if name in data.files}
        return SentimentHead(coef=coef, intercept=intercept, model=str(info["model"]), dim=int(info["dim"]),
                             band=float(info["band"]), features=tuple(info["features"]),
                             meta=dict(info.get("meta") or {}), vocab=vocab, ngram_coef=grams,
                             ngram_size=int(info.get("ngram_size", 2)), praise_band=info.get("praise_band"),
                             **layer)
    except (OSError, EOFError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a sentiment head ({exc.__class__.__name__}: {exc})") from exc


@lru_cache(maxsize=1)
def load_head() -> SentimentHead:
    """The shipped head, read once per process."""
    return read_head(HEAD_PATH)


def logits(vectors: np.ndarray, texts: Sequence[str], head: SentimentHead,
           calibration: Calibration | None = None) -> np.ndarray:
    """(n, 3) class logits for n segments: their vectors and their display texts (for the cues and word n-grams, as
    read: :func:`.sentiment.as_read`)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != head.dim:
        raise ValueError(f"expected an (n, {head.dim}) matrix of {head.model} vectors, got {matrix.shape}")
    if len(texts) != matrix.shape[0]:
        raise ValueError(f"{len(texts)} texts for {matrix.shape[0]} vectors")
    texts = [as_read(text) for text in texts]  # no @handles; "#neveragain" read as "never again"
    features = np.hstack([matrix, cue_matrix(texts)]).astype(np.float64)
    out = features @ head.coef.T.astype(np.float64)
    out += head.intercept
    if head.hidden_bias.size:  # a small hidden layer (ReLU) beside the linear map
        units = np.maximum(features @ head.hidden.T.astype(np.float64) + head.hidden_bias, 0.0)
        out += units @ head.hidden_out.T.astype(np.float64)
    out += ngram_logits(texts, head)
    if calibration is not None:
        out = out * calibration.scale + np.asarray(calibration.bias)
        if calibration.delta is not None:
            if calibration.delta.shape[1] != head.dim:
                raise ValueError(f"a calibration for {calibration.delta.shape[1]}-d vectors, the head reads {head.dim}")
            out += matrix.astype(np.float64) @ calibration.delta.T.astype(np.float64)
    return np.asarray(out)


def ngram_logits(texts: Sequence[str], head: SentimentHead) -> np.ndarray:
    """(n, 3): what each segment's word n-grams add to its class logits (0 for a head without them)."""
    out = np.zeros((len(texts), len(CLASSES)))
    if head.vocab:
        index = head.vocab_index
        for row, text in enumerate(texts):
            columns = sorted(index[g] for g in word_ngrams(text, head.ngram_size) if g in index)  # a fixed sum order
            if columns:
                out[row] = head.ngram_coef[:, columns].astype(np.float64).sum(axis=1)
    return out


def probabilities(raw: np.ndarray) -> np.ndarray:
    """Softmax of (n, 3) logits."""
    shifted = raw - raw.max(axis=1, keepdims=True)
    odds = np.exp(shifted)
    return np.asarray(odds / odds.sum(axis=1, keepdims=True))


def dead_zone(raw_scores: np.ndarray, band: float, praise_band: float | None = None) -> np.ndarray:
    """``P(pos) - P(neg)`` with the neutral band cut out: within ``band`` of 0 (above 0: ``praise_band``, when
    given) is 0, the rest is stretched back to -1..1, so the order is kept and a neutral segment reads exactly 0."""
    raw = np.asarray(raw_scores, dtype=np.float64)
    width = np.where(raw > 0, band if praise_band is None else praise_band, band)
    return np.asarray(np.sign(raw) * np.clip((np.abs(raw) - width) / (1.0 - width), 0.0, 1.0))


FAINT = 0.35  # a plain question the head reads more faintly than this reads 0 (.nothing_said.plain_question)


def score_segments(vectors: np.ndarray, texts: Sequence[str], head: SentimentHead | None = None,
                   calibration: Calibration | None = None, alone: Sequence[bool] | None = None,
                   embed: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
    """Each segment's sentiment in -1..1 (0 for a neutral one, and for an answer that says nothing:
    "As above", "Just the usual", :func:`.nothing_said.says_nothing`), rounded to 4 places. ``alone``: per
    segment, whether it is its comment's only scored point; where it is not, a greeting, thanks or sign-off
    (:func:`.nothing_said.courtesy`) reads 0, courtesy beside the comment's points rather than praise. A segment
    holding a saying whose words mislead (:data:`.sentiment.IDIOMS`: "Can't fault them"), or a person praised ("The
    driver was so kind": :data:`.sentiment.PRAISED_PERSON`), that the head reads on the other side of it, as neutral
    or more faintly than the lexicon does, gets the lexicon's score when that is on the saying's side. Else a segment
    the head reads neutral whose emoji say something ("Delivery came today 😡") gets their score
    (:func:`.emoji_sentiment.emoji_reading`: the Emoji Sentiment Ranking, measured on rated tweets), else what its ASCII
    faces say (:func:`.sentiment.emoticon_reading`: ":)", VADER's valences). A plain question about how things work
    that the head reads only faintly (below :data:`FAINT`) reads 0 (:func:`.nothing_said.plain_question`: "Do you
    ship to Ireland?" read -0.11). With ``embed`` (the theme stage's embedder), a segment that tells what happened
    and asks ("you lost my suitcase, please help me find it") is read by what it tells (:func:`.segments.told_part`):
    the request would read it neutral; and one read neutral, by what went wrong before "so I" (:func:`.cause_part`)."""
    head = head or load_head()
    texts = [as_read(text) for text in texts]  # no @handles; a hashtag that joins words read as them ("#neveragain")

    def read(found: list[tuple[int, str]], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        parts = [part for _, part in found]  # the class probabilities of a part of some segments, read alone
        return probabilities(logits(encode([clean_for_embedding(p) for p in parts]), parts, head, calibration))

    proba = probabilities(logits(vectors, texts, head, calibration))
    if embed is not None and (told := [(i, part) for i, text in enumerate(texts) if (part := told_part(text))]):
        proba[[i for i, _ in told]] = read(told, embed)
    scores = np.round(dead_zone(proba[:, 2] - proba[:, 0], head.band, head.praise_band), 4)
    if embed is not None and (caused := [(i, p) for i, t in enumerate(texts) if not scores[i] and (p := cause_part(t))]):
        cause = read(caused, embed)
        scores[[i for i, _ in caused]] = np.round(dead_zone(cause[:, 2] - cause[:, 0], head.band, head.praise_band), 4)
    for i, text in enumerate(texts):  # a saying read against its words ("Can't fault them"): the lexicon's reading
        side = saying_side(text)
        reading = saying_reading(text) if side else 0.0
        if side and reading * side > 0 and (np.sign(scores[i]) != side or reading * side > scores[i] * side):
            scores[i] = round(reading, 4)
            continue
        if not side and abs(scores[i]) < FAINT and plain_question(text):  # "Do you ship to Ireland?" read -0.11
            scores[i] = 0.0
        if scores[i] == 0 and (felt := emoji_reading(text)) is not None:  # "Delivery came today 😡"
            scores[i] = felt
        elif scores[i] == 0 and (faces := emoticon_reading(text)) is not None:  # "It arrived today. :)"
            scores[i] = faces
    scores[[says_nothing(text) for text in texts]] = 0.0
    if alone is not None:  # beside the comment's points: courtesy, and a doubt before the experience, read 0
        scores[[not only and (courtesy(text) or prior_doubt(text)) for text, only in zip(texts, alone, strict=True)]] = 0.0
    return np.asarray(scores)


NEGATIVE_WEIGHT = 1.0  # a negative segment counts this many times in its comment's score (2 measured worse)


def comment_score(scores: Sequence[float | None] | np.ndarray) -> float | None:
    """A comment's sentiment from its segments': their mean, a negative one counted
    :data:`NEGATIVE_WEIGHT` times; None when no segment has a score. :func:`comment_score_sql`
    is the same in SQL. (A learned blend of the mean, lowest and highest segment scores read
    worse on the clothing validation reviews: bench/RESULTS.md.)"""
    values = np.array([s for s in scores if s is not None and not np.isnan(s)], dtype=np.float64)
    if not values.size:
        return None
    weights = np.where(values < 0, NEGATIVE_WEIGHT, 1.0)
    return round(float((values * weights).sum() / weights.sum()), 4)


def comment_score_sql(column: str) -> str:
    """:func:`comment_score` as an SQLite aggregate expression over ``column`` (NULLs ignored)."""
    weight = f"(case when {column} < 0 then {NEGATIVE_WEIGHT} else 1.0 end)"
    return f"round(sum({column} * {weight}) / sum(case when {column} is null then null else {weight} end), 4)"


def published_sentiment_sql(processed: str = "p") -> str:
    """SQL for a comment's published sentiment: :func:`comment_score` of its current segments
    (``theme_segments`` cut from the processed text ``processed``), else the process stage's score."""
    return (f"coalesce((select {comment_score_sql('s.sentiment')} from theme_segments s"
            f" where s.item_id = {processed}.item_id and s.source_hash is {processed}.text_hash),"
            f" {processed}.sentiment)")


MIN_CALIBRATION = 500  # rated comments needed before a company's ratings calibrate the head
_PRIOR = 2.0  # pull of the scale and biases towards no change, in rated-comment equivalents per parameter
MIN_SCALE = 1.0  # a calibration may sharpen the head, never flatten it (0.25 read "Not good enough." as 0.00)
RIDGE = 1.0  # pull of the embedding delta towards none, likewise (chosen on clothing validation: bench/RESULTS.md)


def fit_calibration(raw: np.ndarray, labels: np.ndarray, weights: np.ndarray, comments: int,
                    prior: float = _PRIOR, vectors: np.ndarray | None = None, ridge: float = RIDGE) -> Calibration:
    """Scale, negative / positive biases and (with ``vectors``) an embedding delta on the head's
    logits that best fit a company's ratings.

    ``raw``: (n, 3) uncalibrated logits of rated comments' segments; ``labels``: each segment's
    comment band as a CLASSES index (low 0, medium 1, high 2); ``weights``: 1 / (segments in the
    comment); ``vectors``: the segments' (n, dim) embeddings, to learn how the company's own words
    lean (the negative and positive rows move by ``delta``, held back by ``ridge`` comments' worth
    per unit of squared norm). The bands are balanced (each present band carries the same weight).
    Weighted cross-entropy plus a pull towards scale 1 and zero biases (``prior`` comments' worth
    per parameter), minimised by L-BFGS from no change: deterministic for the same input.
    Without medium ratings (only low and high) nothing says what is neutral: the negative and
    positive rows then move by opposite amounts (``b_pos = -b_neg``, ``delta_pos = -delta_neg``),
    else both grow away from neutral and every plain statement reads as praise or complaint.
    """
    from scipy.optimize import minimize

    raw = np.asarray(raw, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] != len(CLASSES) or len(labels) != raw.shape[0] or len(weights) != raw.shape[0]:
        raise ValueError("raw must be (n, 3) with one label and one weight per row")
    if not len(labels) or labels.min() < 0 or labels.max() >= len(CLASSES):
        raise ValueError("labels must be CLASSES indices, at least one")
    matrix = np.zeros((len(labels), 0)) if vectors is None else np.asarray(vectors, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(labels):
        raise ValueError(f"vectors must be (n, dim) with one row per segment, got {matrix.shape}")
    dim = matrix.shape[1]
    # every band present weighs the same, as in training: a company whose customers are mostly
    # happy must not learn to read every comment as praise (that hid its complaints when measured)
    totals = np.array([weights[labels == k].sum() for k in range(len(CLASSES))])
    present = totals > 0
    weights = weights * (totals[present].sum() / (present.sum() * np.where(present, totals, 1.0)))[labels]
    onehot = np.eye(len(CLASSES))[labels]
    two_sided = not present[1]  # no medium band: the two rows move by opposite amounts

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = _loss(params)
        if two_sided:  # d/d(b_neg) of f(b_neg, -b_neg) = grad_neg - grad_pos, likewise the delta rows
            grad[1], grad[2] = grad[1] - grad[2], 0.0
            if dim:
                grad[3:3 + dim], grad[3 + dim:] = grad[3:3 + dim] - grad[3 + dim:], 0.0
        return value, grad

    def tied(params: np.ndarray) -> np.ndarray:
        if not two_sided:
            return params
        params = params.copy()
        params[2] = -params[1]
        params[3 + dim:] = -params[3:3 + dim]
        return params

    def _loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        params = tied(params)
        scale, b_neg, b_pos = params[:3]
        delta = params[3:].reshape(2, dim)  # the negative and positive rows; the neutral row stays
        z = raw * scale + np.array([b_neg, 0.0, b_pos])
        if dim:
            z[:, 0] += matrix @ delta[0]
            z[:, 2] += matrix @ delta[1]
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -(weights * logp[np.arange(len(labels)), labels]).sum()
        value += prior * ((scale - 1.0) ** 2 + b_neg**2 + b_pos**2) + ridge * float((delta**2).sum())
        grad_z = weights[:, None] * (np.exp(logp) - onehot)
        grad = [(grad_z * raw).sum() + 2 * prior * (scale - 1.0), grad_z[:, 0].sum() + 2 * prior * b_neg,
                grad_z[:, 2].sum() + 2 * prior * b_pos]
        grad_delta = np.stack([matrix.T @ grad_z[:, 0], matrix.T @ grad_z[:, 2]]) + 2 * ridge * delta
        return float(value), np.concatenate([grad, grad_delta.ravel()])

    start = np.concatenate([[1.0, 0.0, 0.0], np.zeros(2 * dim)])
    bounds = [(MIN_SCALE, 4.0), (-4.0, 4.0), (-4.0, 4.0)] + [(None, None)] * (2 * dim)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 500})
    fitted = tied(result.x)
    scale, b_neg, b_pos = (round(float(v), 4) for v in fitted[:3])
    delta = None
    if dim:
        moved = fitted[3:].reshape(2, dim).astype(np.float32)
        delta = np.vstack([moved[0], np.zeros(dim, np.float32), moved[1]])
    return Calibration(scale=scale, bias=(b_neg, 0.0, b_pos), comments=comments, delta=delta)
