"""Requests placed by what they ask about (feedback/themes/request_form.py)."""

from __future__ import annotations

import numpy as np

from feedback.themes import hierarchy
from feedback.themes.request_form import without_request_form

DIM = 64


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _topics(seed: int, n: int) -> np.ndarray:
    return _unit(np.random.default_rng(seed).normal(size=(n, DIM)))


def test_requests_move_to_the_statements_of_their_topic() -> None:
    # four topics said as statements (two themes each) and asked for (one theme each) in one shared voice
    rng = np.random.default_rng(3)
    topics, voice = _topics(1, 4), 2.0 * _topics(2, 1)[0]
    said = _unit(np.repeat(topics, 2, axis=0) + 0.3 * rng.normal(size=(8, DIM)) / np.sqrt(DIM))
    asked = _unit(topics + voice + 0.3 * rng.normal(size=(4, DIM)) / np.sqrt(DIM))
    unit = np.vstack([said, asked])
    asking = [False] * 8 + [True] * 4
    out = without_request_form(unit, asking, np.full(12, 10.0))
    assert np.allclose(out[:8], unit[:8])  # the statements stay where they are
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    for k in range(4):
        own = said[2 * k: 2 * k + 2]
        assert (out[8 + k] @ own.T).max() > (unit[8 + k] @ own.T).max() + 0.2
        nearest = int(np.argmax(out[8 + k] @ said.T))
        assert nearest // 2 == k  # nearest statement: its own topic's
    # before, each request sat nearer the other requests than its own topic's statements
    assert all((unit[8 + k] @ np.delete(asked, k, axis=0).T).max() > (unit[8 + k] @ said[2 * k: 2 * k + 2].T).max()
               for k in range(4))


def test_requests_without_a_shared_voice_stay() -> None:
    # commands that sit each beside one statement topic, with no common way of asking: removing the mean offset
    # (here only which topics are asked about) would move them away from their topics, so nothing moves
    rng = np.random.default_rng(4)
    topics = _topics(5, 8)
    asked = _unit(topics[:4] + 0.4 * _unit(rng.normal(size=(4, DIM))))
    unit = np.vstack([topics, asked])
    asking = [False] * 8 + [True] * 4
    assert without_request_form(unit, asking, np.full(12, 10.0)) is unit


def test_too_few_requests_or_others_move_nothing() -> None:
    unit = _topics(6, 5)
    assert without_request_form(unit, [True, False, False, False, False], np.ones(5)) is unit
    assert without_request_form(unit, [True, True, True, True, False], np.ones(5)) is unit
    # themes set aside (content-free, another language) count on neither side
    assert without_request_form(unit, [True, True, False, False, False], np.ones(5), skip={3, 4}) is unit


def test_the_top_level_groups_requests_with_their_topic() -> None:
    # three topics, each two themes of complaints and one of requests in a shared voice
    rng = np.random.default_rng(7)
    topics, voice = _topics(8, 3), 2.0 * _topics(9, 1)[0]
    centroids, docs = [], []
    said = {0: ["Cardboard and plastic everywhere.", "So much packaging waste."],
            1: ["Waited 75 minutes on hold.", "Nobody answers the phone."],
            2: ["The voucher code wouldn't apply at checkout.", "Checkout page kept spinning."]}
    asked = {0: "Use less plastic", 1: "Shorter hold times please", 2: "Add PayPal at checkout"}
    for k in range(3):
        for _ in range(2):
            centroids.append(topics[k] + 0.3 * rng.normal(size=DIM) / np.sqrt(DIM))
            docs.append(said[k])
    for k in range(3):
        centroids.append(topics[k] + voice + 0.3 * rng.normal(size=DIM) / np.sqrt(DIM))
        docs.append([asked[k]] * 3)
    themes = np.vstack(centroids)
    tones = [[-0.6] * len(d) for d in docs]
    plain = hierarchy.parent_groups(themes, 0.35, 3, sizes=[20] * 9, fewest=3)
    assert [6, 7, 8] in plain  # by centroids alone the requests make an entry of their own
    groups = hierarchy.parent_groups(themes, 0.35, 3, sizes=[20] * 9, fewest=3, docs=docs, tones=tones)
    assert sorted(groups) == [[0, 1, 6], [2, 3, 7], [4, 5, 8]], groups


def test_the_voice_is_measured_topic_by_topic() -> None:
    # statements on eight topics (five themes each), requests on the first three only: the difference of the two
    # means also holds which topics are asked about; the offset measured against each request's nearest themes not
    from feedback.themes.request_form import NEAREST, local_offset

    rng = np.random.default_rng(11)
    topics, voice = _topics(12, 8), 0.8 * _topics(13, 1)[0]
    said = _unit(np.repeat(topics, NEAREST, axis=0) + 0.2 * rng.normal(size=(8 * NEAREST, DIM)) / np.sqrt(DIM))
    asked = _unit(np.repeat(topics[:3], 2, axis=0) + voice + 0.2 * rng.normal(size=(6, DIM)) / np.sqrt(DIM))
    unit = np.vstack([said, asked])
    ask = np.array([False] * len(said) + [True] * len(asked))
    weights = np.ones(len(unit))
    means = asked.mean(axis=0) - said.mean(axis=0)
    local = local_offset(unit, ask, ~ask, weights)

    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert cosine(local, voice) > 0.95 and cosine(means, voice) < 0.9
