"""Sentences whose sentiment any reader agrees on, which a company's calibration must keep.

A calibration of the sentiment head on a company's rated comments
(:mod:`feedback.themes.segment_sentiment`) learns how its customers word a complaint; fitted on
comment ratings, it can also learn what merely sits beside a rating (on the sample data the
first sentence of a templated comment) and unlearn plain English: "Not good enough." read 0.00
after one such calibration, -0.97 before. ``sentiment_anchors.tsv`` holds plain service sentences
(negative, neutral, positive) written for this check, never for training; a calibration is
applied only when the head still reads them about as well as it did
(:data:`feedback.themes.segment_sentiment.ANCHOR_SLACK`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from feedback.text.sentiment_model import CLASSES

PATH = Path(__file__).with_name("sentiment_anchors.tsv")
CUT = 0.05  # a score at or below -CUT reads negative, at or above CUT positive (as the product reads one)


@lru_cache(maxsize=1)
def anchors() -> tuple[tuple[str, ...], np.ndarray]:
    """(texts, CLASSES indices) of the anchor sentences."""
    texts: list[str] = []
    labels: list[int] = []
    for number, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in CLASSES or not text.strip():
            raise ValueError(f"{PATH.name} line {number}: want '<{'|'.join(CLASSES)}>\\t<text>', got {line[:60]!r}")
        texts.append(text.strip())
        labels.append(CLASSES.index(label))
    return tuple(texts), np.array(labels)


def agreement(scores: np.ndarray, labels: np.ndarray) -> float:
    """Three-class macro-F1 of ``scores`` (-1..1, read at +-:data:`CUT`) against ``labels``."""
    from sklearn.metrics import f1_score

    read = np.where(np.asarray(scores) <= -CUT, 0, np.where(np.asarray(scores) >= CUT, 2, 1))
    return round(float(f1_score(labels, read, labels=[0, 1, 2], average="macro", zero_division=0)), 4)
