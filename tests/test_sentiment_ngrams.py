"""The sentiment head's word n-gram columns: how they are read, stored, scored and learnt."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from feedback.text.sentiment_model import (
    CLASSES,
    HEAD_FEATURES,
    SentimentHead,
    load_head,
    logits,
    read_head,
    word_ngrams,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import train_sentiment  # noqa: E402


@pytest.mark.parametrize(("text", "size", "expected"), [
    ("I wanted to LOVE it.", 2, {"i", "wanted", "to", "love", "it", "i wanted", "wanted to", "to love", "love it"}),
    ("It didn’t fit", 2, {"it", "didn't", "fit", "it didn't", "didn't fit"}),
    ("going back, going back", 2, {"going", "back", "going back", "back going"}),
    ("going back", 1, {"going", "back"}),
    ("leaves a lot", 3, {"leaves", "a", "lot", "leaves a", "a lot", "leaves a lot"}),
    ("!!! ...", 2, set()),
    ("[NAME] was so kind", 2, {"was", "so", "kind", "was so", "so kind"}),  # a placeholder is no word
    ("Call me on [PHONE] today", 2, {"call", "me", "on", "today", "call me", "me on"}),  # ... and no run crosses it
])
def test_word_ngrams(text: str, size: int, expected: set[str]) -> None:
    assert word_ngrams(text, size) == expected


def _with_grams(vocab: tuple[str, ...], grams: list[list[float]]) -> SentimentHead:
    return dataclasses.replace(load_head(), vocab=vocab, ngram_coef=np.array(grams, np.float32).reshape(3, -1))


def test_an_ngram_adds_its_column_to_the_logits() -> None:
    plain = dataclasses.replace(load_head(), vocab=(), ngram_coef=np.zeros((3, 0), np.float32))
    head = _with_grams(("going back", "love"), [[2.0, 0.0], [0.0, 0.0], [0.0, 0.5]])
    vectors = np.random.default_rng(0).normal(size=(3, 384)).astype(np.float32)
    texts = ["This is going back.", "I love it, going back for more", "A plain sentence."]
    moved = logits(vectors, texts, head) - logits(vectors, texts, plain)
    assert moved.round(5).tolist() == [[2.0, 0.0, 0.0], [2.0, 0.0, 0.5], [0.0, 0.0, 0.0]]


def test_a_head_with_ngrams_round_trips_and_changes_version(tmp_path: Path) -> None:
    head = _with_grams(("going back", "love"), [[2.0, 0.0], [0.0, 0.0], [0.0, 0.5]])
    head.save(tmp_path / "h.npz")
    again = read_head(tmp_path / "h.npz")
    assert again.vocab == ("going back", "love") and np.array_equal(again.ngram_coef, head.ngram_coef)
    assert again.version == head.version
    other = _with_grams(("going back", "love"), [[1.0, 0.0], [0.0, 0.0], [0.0, 0.5]])
    assert other.version != head.version


def test_broken_ngram_columns_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ngram_coef has shape"):
        _with_grams(("a", "b"), [[1.0], [0.0], [0.0]])
    with pytest.raises(ValueError, match="duplicates"):
        _with_grams(("a", "a"), [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    head = load_head()
    path = tmp_path / "broken.npz"
    np.savez(path, coef=head.coef, intercept=head.intercept, info=np.load(ROOT / "feedback/text/sentiment_head.npz")["info"],
             vocab=np.array(["a", "b"]), ngram_coef=np.zeros((3, 1), np.float32))
    with pytest.raises(ValueError, match="not a sentiment head.*ngram_coef"):
        read_head(path)


def test_the_vocabulary_keeps_ngrams_seen_often_enough() -> None:
    texts = ["going back", "Going back!", "going home", "back"]
    assert train_sentiment.ngram_vocab(texts, 2, min_count=2) == ("back", "going", "going back")
    columns = train_sentiment.ngram_columns(texts, ("back", "going", "going back"), 2)
    assert columns.toarray().tolist() == [[1, 1, 1], [1, 1, 1], [0, 1, 0], [1, 0, 0]]


def test_the_vocabulary_can_leave_out_ngrams_of_stop_words_alone() -> None:
    # "were", "really", "were really": the review sets' style, not sentiment (measured: bench/RESULTS.md); a negation
    # stays ("not really", "didn't"), and so does any run holding a content word ("really fresh")
    texts = ["The pears were really fresh.", "They were really fresh", "It wasn't really fresh, didn't like it",
             "not really fresh", "didn't arrive"] * 5
    kept = train_sentiment.ngram_vocab(texts, 2, min_count=5)
    dropped = train_sentiment.ngram_vocab(texts, 2, min_count=5, stop="drop")
    assert set(kept) - set(dropped) == {"the", "were", "really", "it", "they", "they were", "were really"}
    assert {"not really", "didn't", "wasn't really", "really fresh", "fresh", "pears"} <= set(dropped)
    with pytest.raises(ValueError, match="'keep' or 'drop'"):
        train_sentiment.ngram_vocab(texts, 2, stop="some")


def test_fit_head_learns_a_complaint_idiom_the_features_miss() -> None:
    rng = np.random.default_rng(1)
    n = 300
    labels = np.arange(n) % 3
    features = rng.normal(size=(n, 4 + len(HEAD_FEATURES)))  # noise: only the words tell the classes apart
    words = {0: "this is going back", 1: "it is a dress", 2: "i love this dress"}
    texts = [words[int(k)] for k in labels]
    head = train_sentiment.fit_head(features, labels, np.ones(n), "test", c=1.0, texts=texts, min_count=5)
    assert head.dim == 4 and "going back" in head.vocab and "love" in head.vocab
    going = head.vocab.index("going back")
    assert head.ngram_coef[:, going].argmax() == CLASSES.index("negative")
    assert head.ngram_coef[:, head.vocab.index("love")].argmax() == CLASSES.index("positive")
    none = train_sentiment.fit_head(features, labels, np.ones(n), "test", c=1.0, texts=texts, ngram_weight=0.0)
    assert none.vocab == () and none.ngram_coef.shape == (3, 0)


# --- comment rows: fitting the comment (the mean of its segments) beside its segments -------------------------


def test_comment_rows_are_the_mean_of_each_texts_segments() -> None:
    design = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0], [0.0, 4.0]])
    rows, labels, weights = train_sentiment.comment_rows(design, np.array([0, 0, 2, 1]), np.array([0.5, 0.5, 1.0, 2.0]),
                                                         np.array([0, 0, 1, 2]))
    assert rows.toarray().tolist() == [[2.0, 1.0], [5.0, 5.0], [0.0, 4.0]]
    assert labels.tolist() == [0, 2, 1] and weights.tolist() == [1.0, 1.0, 2.0]


def test_comment_rows_refuse_segments_that_disagree_with_their_text() -> None:
    with pytest.raises(ValueError, match="share its class"):
        train_sentiment.comment_rows(np.eye(2), np.array([0, 2]), np.ones(2), np.array([0, 0]))


def test_comment_rows_let_praise_in_a_complaint_stay_praise() -> None:
    # every complaint is "i love it" + "this is going back": trained segment by segment, "love" learns that a third of
    # its segments are negative; fitted as whole comments, "going back" carries the complaint and "love" stays praise
    rng = np.random.default_rng(2)
    texts = {0: ["i love it", "this is going back"], 1: ["it is a dress", "it is a dress"], 2: ["i love it", "i love it"]}
    labels = np.repeat(np.arange(300) % 3, 2)
    segments = [texts[int(k)][i % 2] for i, k in enumerate(labels)]
    owners = np.repeat(np.arange(300), 2)
    features = rng.normal(size=(600, 4 + len(HEAD_FEATURES)))
    lean = {}
    for weight in (0.0, 1.0):
        head = train_sentiment.fit_head(features, labels, np.ones(600), "test", c=1.0, texts=segments, min_count=5,
                                        owners=owners, comment_weight=weight)
        love = head.ngram_coef[:, head.vocab.index("love")]
        lean[weight] = float(love[2] - love[0])
    assert lean[1.0] > lean[0.0] + 0.5, lean
    with pytest.raises(ValueError, match="no comment rows"):
        train_sentiment.fit_head(features, labels, np.ones(600), "test", ordinal=True, owners=owners, comment_weight=0.5)
