"""A theme no counted word names is named by the word at its centre (feedback/themes/label_centre.py).

The texts are written in the manner of the complaint tweets' themes that were named "Mixed problems"
and "Assorted issues" on 2026-12-05 (bench/themes_reviews.py --tweets): one thing said many ways, no
word used by a third of the theme.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from feedback.themes import label_centre, label_units
from feedback.themes.label import label_themes
from feedback.themes.label_units import Candidate

DELAYS = ["What's the delay?", "Been waiting 30 mins.", "Delayed again.", "Still waiting for an update.",
          "Almost 2 hours on hold.", "We are now 3 hours late :(", "On hold an hour, then told to call back.",
          "Seven working days and counting.", "Another delay tonight?", "Sat on the platform since 7."]
BOOKINGS = ["Unable to find my booking.", "Booking number FD-658.", "Can you move a seat for my friend?",
            "Not appearing as an option to buy online.", "Opened 2 tickets, both closed unfixed.",
            "Need a seat for my son on his flight.", "How do I claim a discount on my room booking?",
            "No response to our ticket.", "Booked on another site, not in my account.",
            "I don't know if I have a pet reservation."]
SPOILT = ["The milk was sour when it came.", "Bread was stale.", "Eggs arrived cracked.", "The butter had melted.",
          "Bananas were bruised black.", "Strawberries mouldy on day one.", "Cheese past its date.",
          "Lettuce was slimy.", "Yoghurt lid burst.", "Chicken smelled off.", "The milk leaked.", "Stale bread again."]


def test_a_theme_no_word_names_is_named_by_the_word_at_its_centre(parser: Any, embedder: Any) -> None:
    negative = [-0.5] * len(BOOKINGS)  # as the head scores them
    assert label_themes({1: DELAYS}, [1])[1].label == "Mixed problems"  # without the model, as before
    assert label_themes({1: DELAYS}, [1], encode=embedder.encode)[1].label == "Delay problems"
    assert label_themes({1: BOOKINGS}, [1], tones={1: negative})[1].label == "Mixed problems"
    assert label_themes({1: BOOKINGS}, [1], tones={1: negative}, encode=embedder.encode)[1].label == "Booking problems"


def test_a_taken_centre_gives_way_to_the_fallback(parser: Any, embedder: Any) -> None:
    labelled = label_themes({1: DELAYS}, [1], taken=["Delay problems", "Delay issues", "Delay complaints"],
                            encode=embedder.encode)
    assert labelled[1].label == "Mixed problems"


def test_an_example_is_no_centre(parser: Any, embedder: Any) -> None:
    # "milk" and "bread" are each written by two of twelve segments about spoilt food: examples, not the topic
    unit = label_units.unit(SPOILT, parser)
    words = [Candidate(key, key, 1.0, unit.share[key]) for key in ("milk", "bread")]
    assert all(key in unit.eligible for key in ("milk", "bread"))
    assert label_centre.central_word(unit.docs, words, embedder.encode) is None


def test_the_centre_is_the_word_nearer_than_the_median_segment() -> None:
    # two axes: the segments lie around the first; "parcel" lies on it, "weather" on the second
    table = {"s1": [1.0, 0.2], "s2": [1.0, -0.2], "s3": [1.0, 0.5], "s4": [1.0, -0.5], "parcel": [1.0, 0.0],
             "weather": [0.0, 1.0], "courier": [1.0, 0.9], "this": [1.0, 0.0], "2nd": [1.0, 0.0]}

    def encode(texts: list[str]) -> np.ndarray:
        return np.array([table[t] for t in texts])

    parcel, weather, courier, this, second = (Candidate(k, k, 1.0, 0.2)
                                              for k in ("parcel", "weather", "courier", "this", "2nd"))
    docs = ["s1", "s2", "s3", "s4"]
    assert label_centre.central_word(docs, [weather, parcel], encode) == parcel
    assert label_centre.central_word(docs, [weather, courier], encode) is None  # farther out than the median segment
    assert label_centre.central_word(docs[:3], [parcel], encode) is None  # too few segments to have a centre
    assert label_centre.central_word(docs, [this, second], encode) is None  # at the centre, but no topic

    def never(texts: list[str]) -> np.ndarray:
        raise AssertionError("nothing to embed")

    assert label_centre.central_word(docs, [], never) is None


class _Counting:
    """The real model, counting the texts it is asked to encode."""

    def __init__(self, real: Any) -> None:
        self.real, self.name, self.version, self.asked, self.calls = real, real.name, real.version, [], 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.asked.extend(texts)
        return np.asarray(self.real.encode(texts))


def test_a_segments_stored_vector_is_read_not_encoded_again(tmp_path: Any, embedder: Any) -> None:
    from feedback.embed import ensure_embeddings, text_hash
    from feedback.text.segments import clean_for_embedding
    from feedback.themes import store
    from tests.themes_fixtures import new_warehouse

    db = new_warehouse(tmp_path / "warehouse.db")
    said = ["What's the delay? https://t.co/x1", "Been waiting 30 mins."]
    ensure_embeddings(db, {text_hash(clean_for_embedding(t)): clean_for_embedding(t) for t in said}, embedder)
    counting = _Counting(embedder)
    vectors = store.stored_encoder(db, counting)([*said, "delay", said[0]])
    assert counting.asked == ["delay"]  # the segments' vectors were stored: only the word is new
    expected = embedder.encode(["What's the delay?", "Been waiting 30 mins.", "delay", "What's the delay?"])
    assert vectors.shape == (4, expected.shape[1])
    assert np.allclose(vectors, expected, atol=1e-5)
    assert store.stored_encoder(db, counting)([]).shape[0] == 0
    counting.calls = 0
    assert store.stored_encoder(db, counting)(said).shape[0] == 2 and counting.calls == 0  # all stored: no call
