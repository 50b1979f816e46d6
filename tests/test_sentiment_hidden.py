"""The sentiment head's hidden layer: how it is read, stored, checked and learnt."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from feedback.text.sentiment_model import HEAD_FEATURES, SentimentHead, load_head, logits, read_head

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import train_sentiment  # noqa: E402

WIDTH = 384 + len(HEAD_FEATURES)


def _linear() -> SentimentHead:
    return dataclasses.replace(load_head(), hidden=np.zeros((0, 0), np.float32), hidden_bias=np.zeros(0, np.float32),
                               hidden_out=np.zeros((3, 0), np.float32))


def _with_layer(unit_weight: float = 1.0) -> SentimentHead:
    hidden = np.zeros((2, WIDTH), np.float32)
    hidden[0, 0] = unit_weight  # unit 0 reads the first embedding dimension
    hidden[1, 1] = -1.0  # unit 1 reads minus the second
    out = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0]], np.float32)
    return dataclasses.replace(_linear(), hidden=hidden, hidden_bias=np.array([0.0, 0.5], np.float32), hidden_out=out)


def test_the_hidden_layer_adds_its_relu_units_to_the_logits() -> None:
    vectors = np.zeros((3, 384), np.float32)
    vectors[0, 0], vectors[1, 0], vectors[2, 1] = 2.0, -2.0, 3.0
    texts = ["A plain sentence."] * 3
    moved = logits(vectors, texts, _with_layer()) - logits(vectors, texts, _linear())
    # row 0: unit 0 = relu(2) = 2 -> negative +2; unit 1 = relu(0.5) -> positive +1
    # row 1: unit 0 = relu(-2) = 0; unit 1 = 0.5 -> positive +1; row 2: unit 1 = relu(-3 + 0.5) = 0
    assert moved.round(5).tolist() == [[2.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]


def test_a_head_with_a_hidden_layer_round_trips_and_changes_version(tmp_path: Path) -> None:
    head = _with_layer()
    head.save(tmp_path / "h.npz")
    again = read_head(tmp_path / "h.npz")
    assert np.array_equal(again.hidden, head.hidden) and np.array_equal(again.hidden_out, head.hidden_out)
    assert np.array_equal(again.hidden_bias, head.hidden_bias) and again.version == head.version
    assert _with_layer(0.5).version != head.version and _linear().version != head.version
    _linear().save(tmp_path / "plain.npz")
    plain = read_head(tmp_path / "plain.npz")
    assert plain.hidden_bias.size == 0 and plain.version == _linear().version


def test_a_hidden_layer_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hidden layer of 2 units"):
        dataclasses.replace(_with_layer(), hidden_out=np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="hidden layer of 2 units"):
        dataclasses.replace(_with_layer(), hidden=np.zeros((2, 10), np.float32))
    path = tmp_path / "broken.npz"
    _with_layer().save(path)
    with np.load(path) as data:
        parts = {name: data[name] for name in data.files}
    parts["hidden_bias"] = np.zeros(5, np.float32)  # five units, two rows of weights
    with path.open("wb") as fh:
        np.savez(fh, **parts)
    with pytest.raises(ValueError, match="not a sentiment head"):
        read_head(path)


def test_fit_head_with_hidden_units_learns_what_a_linear_head_cannot() -> None:
    # the class depends on |x0| (positive far from 0 either way, negative near it): no linear map separates it
    rng = np.random.default_rng(3)
    n = 600
    features = rng.normal(size=(n, 4 + len(HEAD_FEATURES)))
    labels = np.where(np.abs(features[:, 0]) > 1.0, 2, np.where(np.abs(features[:, 0]) < 0.5, 0, 1))
    owners = np.arange(n)  # one segment a text

    def fit(units: int) -> SentimentHead:
        return train_sentiment.fit_head(features, labels, np.ones(n), "test", c=1.0, ngram_weight=0.0, owners=owners,
                                        comment_weight=0.5, hidden_units=units, hidden_penalty=0.1,
                                        hidden_iterations=200)

    def accuracy(head: SentimentHead) -> float:
        raw = features @ head.coef.T + head.intercept
        if head.hidden_bias.size:
            raw += np.maximum(features @ head.hidden.T + head.hidden_bias, 0.0) @ head.hidden_out.T
        return float((raw.argmax(axis=1) == labels).mean())

    linear, layered, again = fit(0), fit(8), fit(8)
    assert linear.hidden_bias.size == 0 and layered.hidden.shape == (8, 4 + len(HEAD_FEATURES))
    assert accuracy(linear) < 0.6 < 0.9 < accuracy(layered)
    assert layered.version == again.version  # the same data gives the same weights


def test_classes_balanced_within_each_source() -> None:
    texts = [train_sentiment.Labelled(f"clothing {i}", 0 if i < 2 else 2, "clothing") for i in range(10)]
    texts += [train_sentiment.Labelled(f"uci {i}", 0 if i < 5 else 2, "uci") for i in range(10)]
    texts += [train_sentiment.Labelled(f"clinc {i}", 1, "clinc") for i in range(4)]
    pieces = [[(t.text, t.text)] for t in texts]
    vectors = {t.text: np.full(384, i, np.float32) for i, t in enumerate(texts)}
    _, labels, weights, _ = train_sentiment.design(texts, vectors, pieces, "source")
    parts = {(t.source, t.label): round(float(weights[i]), 6) for i, t in enumerate(texts)}
    share = {s: v / sum(train_sentiment.SHARES[k] for k in ("clothing", "uci", "clinc"))
             for s, v in train_sentiment.SHARES.items()}
    total = weights.sum()
    # the 2 negative clothing reviews carry as much as the 8 positive ones: half the clothing share each side
    assert weights[:2].sum() / total == pytest.approx(share["clothing"] / 2)
    assert weights[2:10].sum() / total == pytest.approx(share["clothing"] / 2)
    assert weights[20:].sum() / total == pytest.approx(share["clinc"])  # one class: the whole share
    assert parts[("clothing", 0)] == pytest.approx(4 * parts[("clothing", 2)])
    _, _, global_weights, _ = train_sentiment.design(texts, vectors, pieces, "global")
    assert not np.allclose(global_weights, weights)
    with pytest.raises(ValueError, match="balance"):
        train_sentiment.design(texts, vectors, pieces, "per-class")
