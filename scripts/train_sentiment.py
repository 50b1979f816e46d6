"""Train the segment sentiment head (feedback/text/sentiment_head.npz) from public rated text.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_sentiment.py \\
        [--clothing ../shared/data/labelled/clothing_reviews/reviews.csv] \\
        [--clinc ../shared/data/labelled/clinc150/data_full.json] \\
        [--vader-gt [DIR]] [--uci [DIR]] [--out feedback/text/sentiment_head.npz] \\
        [--cache bench/.cache/vectors.npz] [--limit N] [--clothing-limit N] [--validate]

The VADER and UCI files are not in shared/data and are not committed. ``--vader-gt`` and ``--uci``
without a folder read them from ``bench/.cache/vader`` and ``bench/.cache/uci`` (git-ignored);
get them there once:

    git clone https://github.com/cjhutto/vaderSentiment /tmp/vs && mkdir -p bench/.cache/vader && \\
        tar -xzf /tmp/vs/additional_resources/hutto_ICWSM_2014.tar.gz -C bench/.cache/vader --strip-components=1
    git clone https://github.com/Jayaprakashsuseelam/SentimentLabelledAnalysis /tmp/sla && \\
        cp -r /tmp/sla/sentiment-labelled-dataset bench/.cache/uci

(commits 44fc044cd877 and 7b5dc80a2e1c of those repositories were used on 2026-12-02; the UCI
files are also at https://archive.ics.uci.edu/dataset/331). md5 of the files read:
amazonReviewSnippets_GroundTruth.txt 061c8acd32e012312ed077a3b11dbeb6, movieReviewSnippets_GroundTruth.txt
0f3af01bfd9659ccaff4195eb171511f, nytEditorialSnippets_GroundTruth.txt 4c9354d022364c43092f8c658b41684f,
tweets_GroundTruth.txt 1225f43ee55e6ee8a8e6e6860b80b311 (benchmark only), amazon_cells_labelled.txt
f737b1e64487b2d2518fcefdb0257e63, imdb_labelled.txt ccea809cf06938e64b783737778f5ca0, yelp_labelled.txt
3a7fe2c38dc373d2ca8e687d6226a82e. With them the shipped head's command reads exactly the texts its
``meta`` counts (clothing 12,000, VADER snippets 4,489, UCI 2,411, CLINC 1,496, GoEmotions 30,782).

The shipped head's limits are in its ``meta`` ("command") and its command line in bench/RESULTS.md.
Shipped head c3ef832435dc (2026-12-07 04:28): the same command with segmenter version 12 (a contrast beside a clause
that only plays the point down is not cut, "..., but that's a minor quibble": 3 fewer training segments, 123,782),
594,206 bytes, md5 c047f4e543da28f1757cbc64c81790be (built twice, byte-identical). It was built on a fresh machine
whose vector cache was filled anew: there the same command with segmenter 11 gave f9d99b1981d6, not c2bf576e1c23
(coefficients within 0.0018 of weights up to 3.9, n-gram weights within 0.00025): vectors embedded in other batches
differ in their last bits. Before it: c2bf576e1c23 (2026-12-06 21:48): the same command with segmenter version 11 ("\r\n" ends a line as "\n"
does: the clothing CSV's multi-line reviews keep it; 42 more training segments, 123,785), 594,133 bytes, md5
57cbc193b56cce64ddfc42ed62081d57 (built twice, byte-identical). Before it: b42d16adfb61 (2026-12-06 20:02): the same
command with segmenter version 10 (a line break ends a point where a stop would: 19 more training segments, 123,743;
137 of them new to the vector cache), 594,124 bytes, md5 0c2e859cc0ef2e5c86594a1468c2b8d4 (built twice,
byte-identical). Before it: fcf1e24d3e8a (2026-12-06 11:58): the same
command with segmenter version 9 and lexicon version 37 (a
number after an abbreviation's stop stays on its sentence, "Order no. 12345 never came", and "no." before a number is
read as "number": 3 fewer training segments, 123,724), 594,271 bytes, md5 bd29cd991a1d6d5cebd27b04e3f620f6 (built
twice, byte-identical). Before it: 4bc35f7b5be6 (2026-12-06 10:24): the same command with segmenter version 8 (a hashtag after a sentence's
stop stays whole and on its sentence: 9 fewer training segments, 123,727), 594,294 bytes,
md5 dac778d2532f59681628b969d7d82b1c (built twice, byte-identical). Before it: f39983cf3fcd (2026-12-06 07:21): the
same command with lexicon version 36 (early, kept informed, well packed: 2 training texts read differently), 594,242
bytes, md5 021c29542669a8ac42e2037a41d8bcb3 (built twice, byte-identical). Before it:
870606fa11fd (2026-12-06 06:57): the same command with lexicon version 35 (an order that came as it
should, "Everything arrived as ordered", "Nothing missing", "Reasonably priced", and service done quickly or as
promised, "Refund was processed the same day", "in one click", "without a hitch": the lexicon reads 122 of the
51,178 training texts read differently, 104 of them rated positive, so their cue columns changed), 123,736 training
segments, 594,238 bytes, md5 19ceb28d282a9ef31d80f191393c761c (built twice, byte-identical). Before it: 241951a61949 (2026-12-05 04:12): the command of c476bffe4a5c below with lexicon version 29 (what a company has still not
done, "not heard back", "still no response", and thanks for what came wrong: the cues changed for the few training
texts that hold one), 123,736 training segments, 594,280 bytes, md5 6de7e1c87cd7e515cfefd01a8b453d3e (built three
times, byte-identical; rebuilt with lexicon 30, whose plural outages no training text holds, byte-identical again;
lexicon 31's "It's always something.", lexicon 32's "the driver just said traffic." and lexicon 34's "number 34 in
the queue" are in no training text of every file read, unlimited: checked, so no cue changed; lexicon 33 reads no
cue). Before it: c476bffe4a5c (2026-12-05 01:38): ``--vader-gt --uci --goemotions --limit 1875
--clothing-limit 15048 --cache bench/.cache/vectors.npz`` with lexicon version 28 (a request to put right what is wrong is a complaint:
its cues changed for the few training texts that hold one, "please fix it and then i will buy again."), 123,736
training segments, 594,202 bytes, md5 18fb1cd8891a25ca102d35bb749cb0b6 (built twice, byte-identical); before it 0cf8b73b54a0
(2026-12-04 21:29, the same command with lexicon 27: comment weight 0.75, the default; GoEmotions' share 0.1; the neutral band 0.2, 0.3
on the side of praise: :data:`PRAISE_BAND`; segmenter version 5, which cuts ", also ..."), 123,736 training segments,
35,518 n-grams, 594,213 bytes, md5 4e61c77b815749b0555b3c62c84e266b, built twice, byte-identical: 6-7 min each on 2
cores shared, the vectors cached), ae641513d40f (2026-12-04 20:39, the same command with segmenter 4; md5
f2fe3fd7a5fb7f5e3098b486e69b737a), a1ca8c0b84f8 (2026-12-03 18:28, the same command; one band, and the cues of the
lexicon of that day: the lexicon's sayings since then changed its cue columns, so this code no longer rebuilds it;
md5 4d498ce563cea74dce865105133aab13), 4ebac6e9eb91 (2026-12-02 09:11, the same command without ``--goemotions``; md5
3e38c70f847c36076ff40367e462c123), and before that 1b7826ffd925 (the same command before comment rows existed;
``--comment-weight 0`` takes the code path it was built with, not rebuilt to check).

Training data, none of it committed (each is read where it lies):

- ``--clothing``: Women's E-Commerce Clothing Reviews (shared/data/labelled, CC0): 1-2 stars
  negative, 3 neutral, 4-5 positive. (Leaving the 3-star reviews out, as mixed rather than
  neutral, read better on the clothing validation fifth but turned plain complaints such as
  "Nobody has answered my email from last Monday." neutral: bench/RESULTS.md; not shipped.)
  The reviews whose text hashes into the held-out fifth
  (:func:`held_out`) are never trained on: bench/sentiment_quality.py measures on them.
- ``--vader-gt``: the human-rated sentences of the VADER paper (Hutto & Gilbert, ICWSM 2014;
  MIT licence, the ``additional_resources/hutto_ICWSM_2014.tar.gz`` of the cjhutto/vaderSentiment
  GitHub repository, unpacked): Amazon review snippets, movie review snippets and New York Times
  editorial snippets, mean rating >= 0.5 positive, <= -0.5 negative, else neutral. Their tweets
  are left out: the benchmark reads them as an unseen kind of text.
- ``--uci``: "Sentiment Labelled Sentences" (Kotzias et al., KDD 2015; UCI Machine Learning
  Repository, CC BY 4.0; copied in the Jayaprakashsuseelam/SentimentLabelledAnalysis GitHub
  repository, folder ``sentiment-labelled-dataset``, which has no licence file of its own: the
  licence is the data set's): 1,000 sentences each of Amazon, IMDb and
  Yelp reviews, positive or negative.
- ``--goemotions``: GoEmotions (Demszky et al., ACL 2020; Google Research, Apache 2.0): Reddit comments
  rated by people for 27 emotions or neutral, the train split (43,410 comments; :func:`read_goemotions`). A
  comment takes the side its emotions share in the paper's sentiment grouping; comments of both sides or only of
  surprise, curiosity, confusion or realization are left out (38,428 kept). Short, informal text that thanks,
  praises, mocks and complains about people and services: the kind of writing the review sets lack. Read from
  ``bench/.cache/goemotions`` (``train.tsv``, ``emotions.txt``; git-ignored; bench/sentiment_quality.py
  ``--goemotions`` reads ``test.tsv``, never trained on): the files of
  ``goemotions/data`` in the google-research/google-research GitHub repository, or the same files in
  ``data/original`` of the RhiM1/GoEmotions-pytorch repository (there ``labels.txt``, renamed; commit
  2dbab0f6344e was used on 2026-12-03; md5 train.tsv 83a206cc5aa2fa9749ee45675f866d03, emotions.txt
  e0e6d342e661e202e3a0f241db907512)::

      git clone https://github.com/RhiM1/GoEmotions-pytorch /tmp/ge && mkdir -p bench/.cache/goemotions && \\
          cp /tmp/ge/data/original/train.tsv /tmp/ge/data/original/test.tsv bench/.cache/goemotions/ && \\
          cp /tmp/ge/data/original/labels.txt bench/.cache/goemotions/emotions.txt

- ``--clinc``: the in-scope queries of CLINC150 (shared/data/labelled, CC BY 3.0) as neutral
  text: questions and requests to an assistant carry no sentiment (the small-talk domain and
  intents about a problem, such as a lost or declined card, are left out).

No airline or customer-service tweets are trained on: those are the kind of text the pipeline
is judged on. Texts are cut into segments as the theme stage cuts comments; every segment takes
its text's class, with weight 1 / (segments in the text). Since 2026-12-02 09:00 each text is also
fitted as a whole, as the product scores a comment from its segments: one more row per text, the
mean of its segments' rows (for a linear head, the mean of the segments' logits), with its class
(:func:`comment_rows`; three quarters of the loss, :data:`COMMENT_WEIGHT`). Trained segment by segment only, the
praise in a 2-star review was taught as negative and a complaint's milder sentences pulled its
score to neutral; fitted as a whole, the review's class only has to come out of all its segments
together (multiple-instance learning). On the validation fifth and unseen clothing reviews it raised
binary macro-F1 at the product's cut-off without lowering the ranking (bench/RESULTS.md). Each source carries a fixed share of
the total weight (:data:`SHARES`) and, within the whole, the three classes weigh the same.
Model: multinomial logistic regression (L2, lbfgs: deterministic) on standardised features
([MiniLM vector, VADER + service lexicon scores and cues of feedback.text.sentiment_model]): the
lexicon is a feature the regression weighs against the embedding, not a second opinion averaged
in after. Beside them, the segment's word n-grams (words and two-word runs seen in at least
:data:`MIN_COUNT` training segments, 0/1 columns, ``--ngram-weight``; since 2026-12-02) let the
head learn idioms the sentence vector blurs ("going back", "wanted to love", "leaves a lot to be
desired"): on the validation fifth and on unseen clothing reviews they raised Spearman and ROC AUC
and lowered no out-of-domain set beyond noise (bench/RESULTS.md). The standardisation is folded
into the weights, so the shipped head is a plain linear map plus an n-gram lookup. The same data
gives the same weights. Options measured and not shipped (bench/RESULTS.md, 2026-12-02 12:00):
``--hidden-units N`` adds N ReLU units on the embedding and cues beside the linear map (:func:`fit_hidden`,
fitted jointly from the linear fit, a text's logits the mean of its segments'), ``--balance source``
balances the classes within each source's share instead of over all sources; together (32 units) they
ranked the held-out clothing reviews better but read the tweets, movie snippets and UCI yelp worse. More clothing
reviews (``--clothing-limit 20000``, head 51d1ee93941d, 2026-12-02 12:50) left the validation fifth level and read the
hand-written sentences and UCI yelp slightly worse: not shipped. Measured on the validation fifth and kept as options,
not shipped: an adjacent-category ordinal logit (one sentiment axis; ``fit_head(ordinal=True)``)
read worse on every set, and a lighter penalty on the cue columns (``cue_weight``) changed nothing.
``--hotel [CSV]`` (hotel guests' "disliked" parts as negative text, "liked" parts as positive, in the columns of the
Kaggle "515K Hotel Reviews Data in Europe" set; :func:`read_hotel`) was measured on one hotel's 4,789 reviews and not
shipped: clothing binary F1 0.865 -> 0.829 on unseen reviews, the hand-written and service sentences slightly worse,
the tweets level (bench/RESULTS.md, 2026-12-03 10:13).
Embeddings are the slow part (~30-150 segments/s on 2 shared cores); ``--cache`` keeps them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from feedback.embed import SupportsEmbed, text_hash  # noqa: E402
from feedback.text import segments as nlp  # noqa: E402
from feedback.text.sentiment_model import (  # noqa: E402
    CLASSES,
    HEAD_FEATURES,
    HEAD_PATH,
    SentimentHead,
    comment_score,
    cue_matrix,
    negated,
    score_segments,
    word_ngrams,
)

log = logging.getLogger("train_sentiment")

SHARED = ROOT.parent / "shared" / "data" / "labelled"
CLOTHING = SHARED / "clothing_reviews" / "reviews.csv"
CLINC = SHARED / "clinc150" / "data_full.json"
CACHE_DIR = ROOT / "bench" / ".cache"  # git-ignored: downloaded data and vector caches
VADER_GT = CACHE_DIR / "vader"
UCI = CACHE_DIR / "uci"
UCI_SETS = ("amazon_cells", "imdb", "yelp")
HOTEL = CACHE_DIR / "hotel" / "Hotel_Reviews.csv"
GOEMOTIONS = CACHE_DIR / "goemotions"
HOLD_OUT_MODULUS = 5
C = 0.05  # inverse L2 strength on standardised features
BAND = 0.2  # neutral band cut out of a segment's P(pos) - P(neg)
# The band on the positive side (SentimentHead.praise_band): the head calls faint praise more readily than faint
# complaints (neutral tweets and questions read mildly positive), so praise needs a little more. 0.3 against 0.2 on
# both sides: every set read level or better (bench/RESULTS.md, "A wider neutral band on the side of praise").
PRAISE_BAND = 0.3
ORDINAL = False
CUE_WEIGHT = 1.0
# Added to the fitted head's negative logit (a prior shift; ``--negative-shift``). Trained with
# balanced classes, the head calls too few clothing reviews negative (a complaint's segments are
# often milder than the praise beside them). A shift of 0.25, chosen on 800 clothing reviews the
# head never saw and checked on the hand-written service sentences, read better on the held-out
# clothing reviews (binary macro-F1 0.782 -> 0.807) but worse on the VADER paper's tweets
# (0.648 -> 0.624: positive tweets read negative), so the shipped head has none: bench/RESULTS.md.
NEGATIVE_SHIFT = 0.0
# Word n-grams (feedback.text.sentiment_model.word_ngrams) read beside the embedding: the words and
# two-word runs of at least MIN_COUNT training segments, present (1) or not, each held back by the
# same L2 penalty as a standardised embedding dimension scaled by NGRAM_WEIGHT (0: no n-grams).
NGRAM_SIZE = 2
MIN_COUNT = 5
NGRAM_WEIGHT = 1.0
# Whether n-grams made only of stop words (spaCy's, :func:`feedback.text.words.stop_words`) and holding no negation
# ("were", "really", "also the", "however") are columns: "keep" (the heads up to 241951a61949) or "drop". Their
# weights carry the review sets' style, not sentiment: "were" and "really" leant against praise, so "The pears were
# really fresh." read 0.00 on the sample company (bench/RESULTS.md).
NGRAM_STOP = "keep"
# Share of the loss on whole texts (:func:`comment_rows`: one row per text, the mean of its segments'
# rows) beside their segments (each taking its text's class): 0 fits segments alone (before
# 2026-12-02 09:00); 1 fits texts alone (ranked worse); 0.5 and 0.75 measured, 0.75 read better out of
# domain (tweets, the hand-written sentences) and on binary F1, at a small cost in Spearman: bench/RESULTS.md.
COMMENT_WEIGHT = 0.75
# A hidden layer beside the linear map (:func:`fit_hidden`, ``--hidden-units``): HIDDEN_UNITS ReLU units on the
# standardised embedding and cues, fitted jointly with the linear weights from the linear fit, held back
# HIDDEN_PENALTY times as hard as the linear weights, HIDDEN_ITERATIONS L-BFGS steps. 0 units: the linear head
# as shipped. 32 units with BALANCE "source" (head cc5168617cb4, 2026-12-02 11:53) ranked the held-out clothing
# reviews better (binary macro-F1 0.860 -> 0.866, Spearman 0.670 -> 0.682) but read the VADER paper's tweets,
# its movie snippets and UCI yelp worse (0.664 -> 0.658, 0.475 -> 0.445, 0.916 -> 0.890): not shipped
# (bench/RESULTS.md, 2026-12-02 12:00).
HIDDEN_UNITS = 0
# How the classes are balanced (:func:`design`): "global" (as shipped) or "source" (measured with the hidden
# layer above; alone, on the validation fifth: binary F1 0.837 -> 0.834, unseen clothing 0.857 -> 0.863).
BALANCE = "global"
HIDDEN_PENALTY = 30.0
HIDDEN_ITERATIONS = 300
SHARES = {"clothing": 0.45, "vader_gt": 0.25, "uci": 0.15, "clinc": 0.15}
# The shares of sources read only when asked for, added to SHARES only when they are trained on, so a head built
# without them is byte for byte what it was before the option existed: the hotel parts (``--hotel``, measured and
# not shipped) and GoEmotions (``--goemotions``, shipped since 2026-12-03; 0.05, 0.1, 0.15, 0.2 and 0.35 measured,
# 0.1 read the tweets nearly as well as more and the clothing reviews nearly as well as none: bench/RESULTS.md).
OPTIONAL_SHARES = {"hotel": 0.2, "goemotions": 0.1}
# GoEmotions' emotions by side, as the set's paper groups them for sentiment (Demszky et al., ACL 2020); the
# others but "neutral" (confusion, curiosity, realization, surprise) take no side.
GOEMOTIONS_POSITIVE = frozenset({"admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude",
                                 "joy", "love", "optimism", "pride", "relief"})
GOEMOTIONS_NEGATIVE = frozenset({"anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
                                 "fear", "grief", "nervousness", "remorse", "sadness"})
VADER_GT_SETS = ("amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets")
CLINC_SKIP_DOMAINS = {"small_talk"}
CLINC_SKIP_INTENTS = {"damaged_card", "report_lost_card", "card_declined", "report_fraud", "account_blocked",
                      "lost_luggage"}
CLINC_EVERY = 4  # one query in this many (the set is 15,000 queries of 150 intents)


def shares(sources: Iterable[str]) -> dict[str, float]:
    """:data:`SHARES`, and the optional sources' shares of those among ``sources``."""
    wanted = set(sources)
    return {**SHARES, **{s: v for s, v in OPTIONAL_SHARES.items() if s in wanted}}


@dataclass(frozen=True)
class Labelled:
    text: str
    label: int  # index into CLASSES
    source: str


def held_out(text: str) -> bool:
    """Whether a text belongs to the fixed held-out fifth (by a hash of its text), never trained on."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % HOLD_OUT_MODULUS == 0


def star_class(stars: int) -> int:
    """Index into CLASSES: 1-2 stars negative, 3 neutral, 4-5 positive."""
    return 0 if stars <= 2 else 1 if stars == 3 else 2


def rating_class(rating: float) -> int:
    """Index into CLASSES for a VADER-paper mean rating (-4..4): >= 0.5 positive, <= -0.5 negative."""
    return 2 if rating >= 0.5 else 0 if rating <= -0.5 else 1


def read_clothing(path: Path) -> list[tuple[str, int]]:
    """(text, stars) of the reviews with text and a 1-5 rating, HTML entities decoded, in file order."""
    return [(text, stars) for _, text, stars in read_clothing_titled(path)]


def read_clothing_titled(path: Path) -> list[tuple[str, str, int]]:
    """(title, text, stars) of the same reviews (the title "" where there is none)."""
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = html.unescape(row.get("Review Text") or "").strip()
            stars = (row.get("Rating") or "").strip()
            if text and stars.isdigit() and 1 <= int(stars) <= 5:
                out.append((html.unescape(row.get("Title") or "").strip(), text, int(stars)))
    return out


def read_vader_gt(folder: Path, name: str) -> list[tuple[str, float]]:
    """(sentence, mean rating -4..4) of one ``*_GroundTruth.txt`` file of the VADER paper."""
    out = []
    text = (folder / f"{name}_GroundTruth.txt").read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip():
            out.append((html.unescape(parts[2]).strip(), float(parts[1])))
    return out


def read_uci(folder: Path, name: str) -> list[tuple[str, int]]:
    """(sentence, 0 negative / 1 positive) of one ``*_labelled.txt`` file of the UCI set."""
    out = []
    for line in (folder / f"{name}_labelled.txt").read_text(encoding="utf-8", errors="replace").splitlines():
        sentence, _, label = line.rpartition("\t")
        if sentence.strip() and label.strip() in ("0", "1"):
            out.append((sentence.strip(), int(label)))
    return out


# A hotel review's "disliked" or "liked" part that names nothing ("No Negative", "Nothing", "None at all",
# "Nothing it was great"): not a complaint or praise of anything, so not trained on.
_EMPTY_PART = re.compile(r"^\W*(?:no (?:negative|positive|complaints?)|nothing|none|non|nil|n\W*a|na|not (?:much|really|a thing|one thing|anything)|"
                         r"all good|everything|can\W*t think|cannot think)\b", re.IGNORECASE)
# The set's texts have lost their apostrophes ("didn t", "it s"): put back, as customers write them.
_LOST_APOSTROPHE = re.compile(r"\b([A-Za-z]+) (t|s|m|re|ve|ll|d)\b")
HOTEL_MIN_WORDS = 3


def read_hotel(path: Path) -> list[tuple[str, int]]:
    """(text, 0 negative / 1 positive) of the "disliked" (``Negative_Review``) and "liked" (``Positive_Review``)
    parts of hotel guest reviews (the Kaggle "515K Hotel Reviews Data in Europe" columns), in file order;
    parts of fewer than :data:`HOTEL_MIN_WORDS` words or naming nothing (:data:`_EMPTY_PART`) are left out."""
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        lacking = {"Negative_Review", "Positive_Review"} - set(reader.fieldnames or [])
        if lacking:
            raise ValueError(f"{path}: no {' or '.join(sorted(lacking))} column (want the hotel reviews' CSV)")
        for row in reader:
            for column, label in (("Negative_Review", 0), ("Positive_Review", 1)):
                text = _LOST_APOSTROPHE.sub(r"\1'\2", " ".join((row.get(column) or "").split()))
                if len(text.split()) >= HOTEL_MIN_WORDS and not _EMPTY_PART.match(text):
                    out.append((text, label))
    return out


def read_goemotions(folder: Path, split: str = "train") -> list[tuple[str, int]]:
    """(comment, index into CLASSES) of one split of GoEmotions (``{split}.tsv``: text, comma-separated emotion
    numbers, id; ``emotions.txt``: the emotions' names in number order), in file order. A comment takes the side
    of its emotions (:data:`GOEMOTIONS_POSITIVE`, :data:`GOEMOTIONS_NEGATIVE`), neutral when "neutral" is its only
    label; one with emotions of both sides, or of none (surprise, curiosity), is left out."""
    names = (folder / "emotions.txt").read_text(encoding="utf-8").split()
    out = []
    for number, line in enumerate((folder / f"{split}.tsv").read_text(encoding="utf-8").splitlines(), 1):
        text, _, rest = line.partition("\t")
        numbers = rest.partition("\t")[0].split(",")
        if not text.strip() or not all(n.isdigit() and int(n) < len(names) for n in numbers):
            raise ValueError(f"{folder / f'{split}.tsv'} line {number}: want text, emotion numbers below "
                             f"{len(names)} and an id, tab-separated")
        emotions = {names[int(n)] for n in numbers}
        sides = {2 for e in emotions if e in GOEMOTIONS_POSITIVE} | {0 for e in emotions if e in GOEMOTIONS_NEGATIVE}
        if len(sides) == 1:
            out.append((text.strip(), sides.pop()))
        elif emotions == {"neutral"}:
            out.append((text.strip(), 1))
    return out


def read_clinc(path: Path) -> list[str]:
    """Neutral queries: in-scope CLINC150 training queries, without small talk and problem intents."""
    data = json.loads(path.read_text(encoding="utf-8"))
    domains = json.loads(path.with_name("domains.json").read_text(encoding="utf-8"))
    skip = {intent for domain in CLINC_SKIP_DOMAINS for intent in domains.get(domain, [])} | CLINC_SKIP_INTENTS
    queries = [text for text, intent in data["train"] if intent not in skip]
    return queries[::CLINC_EVERY]


def missing_files(vader_gt: Path | None, uci: Path | None, goemotions: Path | None = None) -> list[Path]:
    """The files of the VADER paper, UCI and GoEmotions sets that training reads and the given folders lack."""
    wanted = [vader_gt / f"{name}_GroundTruth.txt" for name in VADER_GT_SETS] if vader_gt else []
    wanted += [uci / f"{name}_labelled.txt" for name in UCI_SETS] if uci else []
    wanted += [goemotions / "train.tsv", goemotions / "emotions.txt"] if goemotions else []
    return [path for path in wanted if not path.is_file()]


def validation(text: str) -> bool:
    """Whether a training text is in the validation fifth (another hash than :func:`held_out`): with
    ``--validate`` a first head is fitted without it and measured on it, to choose the settings."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[8:16], 16) % HOLD_OUT_MODULUS == 0


def training_texts(clothing: Path | None, vader_gt: Path | None, uci: Path | None, clinc: Path | None,
                   limit: int | None = None, clothing_limit: int | None = None,
                   hotel: Path | None = None, goemotions: Path | None = None) -> list[Labelled]:
    """Every training text with its class and source; held-out texts are left out. ``limit``: read
    at most N texts of each file; ``clothing_limit``: of the clothing file (default ``limit``)."""
    out: list[Labelled] = []
    if clothing:
        reviews = read_clothing(clothing)[: clothing_limit or limit]
        out += [Labelled(t, star_class(s), "clothing") for t, s in reviews if not held_out(t)]
    if vader_gt:
        for name in VADER_GT_SETS:
            out += [Labelled(t, rating_class(r), "vader_gt") for t, r in read_vader_gt(vader_gt, name)[:limit]
                    if not held_out(t)]
    if uci:
        for name in UCI_SETS:
            out += [Labelled(t, 2 if y else 0, "uci") for t, y in read_uci(uci, name)[:limit] if not held_out(t)]
    if clinc:
        out += [Labelled(t, 1, "clinc") for t in read_clinc(clinc)[:limit] if not held_out(t)]
    if hotel:
        out += [Labelled(t, 2 if y else 0, "hotel") for t, y in read_hotel(hotel) if not held_out(t)]
    if goemotions:
        out += [Labelled(t, y, "goemotions") for t, y in read_goemotions(goemotions) if not held_out(t)]
    return out


def segment_texts(texts: Sequence[str]) -> list[list[tuple[str, str]]]:
    """Per text, its pieces as (cleaned text to embed, display text for the cues): its themable
    segments, or the whole cleaned text when it has none (as the pipeline scores "ok!")."""
    out = []
    for text, segs in zip(texts, nlp.segment_many(texts), strict=True):
        pieces = [(seg.clean, seg.text) for seg in segs if nlp.is_themable(seg.clean)]
        clean = nlp.clean_for_embedding(text or "")
        out.append(pieces or ([(clean, text)] if clean else []))
    return out


def embed_cached(texts: Iterable[str], embedder: SupportsEmbed, cache: Path | None,
                 chunk: int = 4000) -> dict[str, np.ndarray]:
    """Vectors by text, embedding only what the cache (.npz: text hash -> vector) does not hold.

    The cache is written after every ``chunk`` new texts, so an interrupted run keeps its work.
    """
    wanted = list(dict.fromkeys(texts))
    stored: dict[str, np.ndarray] = {}
    tag = f"{embedder.name}:{embedder.version}"
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["model"]) == tag:
                stored = dict(zip((str(h) for h in data["hashes"]), data["vectors"], strict=True))
    hashes = {text: text_hash(text) for text in wanted}
    todo = [text for text in wanted if hashes[text] not in stored]
    if todo:
        log.info("embedding %d segments (%d cached)", len(todo), len(wanted) - len(todo))
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        stored.update(zip((hashes[t] for t in part), embedder.encode(part), strict=True))
        log.info("embedded %d of %d", min(start + chunk, len(todo)), len(todo))
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(stored)
            partial = cache.with_name(cache.name + ".partial")
            with partial.open("wb") as fh:
                np.savez(fh, model=np.array(tag), hashes=np.array(keys),
                         vectors=np.vstack([stored[k] for k in keys]).astype(np.float32))
            partial.replace(cache)  # a reader never sees half a file
    return {text: stored[hashes[text]] for text in wanted}


def design(texts: list[Labelled], vectors: dict[str, np.ndarray],
           pieces: list[list[tuple[str, str]]], balance: str = BALANCE) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features, class, weight, owner) per training segment; weights follow :data:`SHARES` and balance
    the classes (``balance``: "global", the three classes of all sources together weigh the same; "source",
    within each source's share its classes weigh the same); ``owner``: the index of the segment's text in
    ``texts`` (for :func:`comment_rows`)."""
    if balance not in ("global", "source"):
        raise ValueError(f"balance is 'global' or 'source', not {balance!r}")
    rows, labels, weights, sources, owners = [], [], [], [], []
    for index, (item, segs) in enumerate(zip(texts, pieces, strict=True)):
        for clean, _ in segs:
            rows.append(vectors[clean])
            labels.append(item.label)
            weights.append(1.0 / len(segs))
            sources.append(item.source)
            owners.append(index)
    raws = [raw for segs in pieces for _, raw in segs]
    features = np.hstack([np.vstack(rows), cue_matrix(raws)]).astype(np.float64)
    y, w, src = np.array(labels), np.array(weights), np.array(sources)
    present = {s: share for s, share in shares(sources).items() if (src == s).any()}
    for source, share in present.items():
        mask = src == source
        w[mask] *= share / sum(present.values()) / w[mask].sum()
        if balance == "source":  # each class of the source carries the same part of its share
            classes, total = [k for k in range(len(CLASSES)) if (mask & (y == k)).any()], w[mask].sum()
            for k in classes:
                w[mask & (y == k)] *= total / len(classes) / w[mask & (y == k)].sum()
    if balance == "source":
        if len(set(y.tolist())) < len(CLASSES):
            raise ValueError("every class (negative, neutral, positive) needs at least one training example")
        return features, y, w / w.mean(), np.array(owners, dtype=np.int64)
    totals = np.array([w[y == k].sum() for k in range(len(CLASSES))])
    if (totals == 0).any():
        raise ValueError("every class (negative, neutral, positive) needs at least one training example")
    w = w * (totals.sum() / (len(CLASSES) * totals))[y]
    return features, y, w / w.mean(), np.array(owners, dtype=np.int64)


def comment_rows(segment_design: Any, labels: np.ndarray, weights: np.ndarray, owners: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """One row per text: the mean of its segments' design rows, its class, the sum of its segments' weights.

    For a linear head the mean of a text's segment logits is the logit of this row, so fitting these
    rows fits the comment as the product sees it (from its segments), not each segment alone.
    """
    from scipy import sparse

    pool, text_labels, text_weights = pooling(labels, weights, owners)
    return sparse.csr_matrix(pool @ segment_design), text_labels, text_weights


def pooling(labels: np.ndarray, weights: np.ndarray, owners: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """(pool, class, weight) per text: ``pool`` is the sparse (texts, segments) matrix whose row
    averages a text's segments; each text's class and the sum of its segments' weights."""
    from scipy import sparse

    texts, inverse = np.unique(owners, return_inverse=True)
    counts = np.bincount(inverse)
    pool = sparse.csr_matrix((1.0 / counts[inverse], (inverse, np.arange(len(owners)))), shape=(len(texts), len(owners)))
    first = np.zeros(len(texts), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(owners))[::-1]  # each text's first segment
    if not np.array_equal(labels[first][inverse], labels):
        raise ValueError("the segments of a text must share its class")
    return pool, labels[first], np.bincount(inverse, weights=weights)


def fit_hidden(scaled: np.ndarray, grams: Any, labels: np.ndarray, weights: np.ndarray, owners: np.ndarray | None,
               comment_weight: float, start: tuple[np.ndarray, np.ndarray], c: float, units: int = 32,
               penalty: float = 30.0, iterations: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A hidden layer (``units`` ReLU units on the standardised dense features) beside the linear map,
    fitted jointly with it from the linear fit ``start`` = (coef (3, dense + n-grams), intercept).

    The loss is the linear fit's: weighted cross-entropy of each segment (``1 - comment_weight``) and of
    each text (``comment_weight``), a text's logits being the mean of its segments' logits (as the product
    scores a comment from its segments; :func:`pooling`), plus L2 ``1 / (2 c)`` on the linear weights and
    ``penalty`` times that on the hidden layer's. Full-batch L-BFGS (PyTorch, one thread, float64) for
    ``iterations`` steps from a seeded start: the same input gives the same weights.
    Returns (coef, intercept, hidden (units, dense), hidden_bias (units,), hidden_out (3, units)).
    """
    import torch

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(seed)

    def tensor(matrix: Any) -> Any:
        coo = matrix.tocoo()
        return torch.sparse_coo_tensor(np.vstack([coo.row, coo.col]), coo.data, coo.shape, dtype=torch.float64,
                                       check_invariants=True).coalesce()

    seg_weights = weights * (1.0 - comment_weight)
    pooled = owners is not None and comment_weight > 0
    if pooled:
        assert owners is not None
        pool, text_labels, text_weights = pooling(labels, weights, owners)
        text_weights = text_weights * comment_weight
        scale = np.concatenate([seg_weights, text_weights]).mean()
        pool_t, y_text, w_text = tensor(pool), torch.tensor(text_labels), torch.tensor(text_weights / scale)
    else:
        seg_weights, scale = weights, 1.0
    dense = scaled.shape[1]
    x, ngrams = torch.tensor(scaled, dtype=torch.float64), tensor(grams)
    y_seg, w_seg = torch.tensor(labels), torch.tensor(seg_weights / scale)
    coef = torch.tensor(np.asarray(start[0], np.float64).T[:dense].copy(), requires_grad=True)
    gram_coef = torch.tensor(np.asarray(start[0], np.float64).T[dense:].copy(), requires_grad=True)
    bias = torch.tensor(np.asarray(start[1], np.float64).copy(), requires_grad=True)
    hidden = (torch.randn(dense, units, generator=generator, dtype=torch.float64) / np.sqrt(dense)).requires_grad_()
    hidden_bias = torch.zeros(units, dtype=torch.float64, requires_grad=True)
    hidden_out = (torch.randn(units, len(CLASSES), generator=generator, dtype=torch.float64) * 0.01).requires_grad_()
    params = [coef, gram_coef, bias, hidden, hidden_bias, hidden_out]
    l2 = 1.0 / (2.0 * c)
    rows = len(labels) + (len(text_labels) if pooled else 0)
    optimiser = torch.optim.LBFGS(params, lr=1, max_iter=iterations, history_size=20, tolerance_grad=1e-9,
                                  tolerance_change=1e-12, line_search_fn="strong_wolfe")
    cross_entropy = torch.nn.functional.cross_entropy

    def closure() -> Any:
        optimiser.zero_grad()
        out = x @ coef + torch.sparse.mm(ngrams, gram_coef) + bias + torch.relu(x @ hidden + hidden_bias) @ hidden_out
        loss = (w_seg * cross_entropy(out, y_seg, reduction="none")).sum()
        if pooled:
            loss = loss + (w_text * cross_entropy(torch.sparse.mm(pool_t, out), y_text, reduction="none")).sum()
        loss = loss + l2 * ((coef**2).sum() + (gram_coef**2).sum()) + penalty * l2 * ((hidden**2).sum() + (hidden_out**2).sum())
        loss = loss / rows
        loss.backward()
        return loss

    optimiser.step(closure)
    linear = np.vstack([coef.detach().numpy(), gram_coef.detach().numpy()]).T
    return (linear, bias.detach().numpy(), hidden.detach().numpy().T, hidden_bias.detach().numpy(),
            hidden_out.detach().numpy().T)


def ngram_vocab(texts: Sequence[str], size: int = NGRAM_SIZE, min_count: int = MIN_COUNT,
                stop: str = NGRAM_STOP) -> tuple[str, ...]:
    """The word n-grams of at least ``min_count`` of ``texts``, sorted (the same texts give the same list);
    ``stop`` "drop": without those made only of stop words that hold no negation (:func:`function_gram`)."""
    from collections import Counter

    if stop not in ("keep", "drop"):
        raise ValueError(f"stop must be 'keep' or 'drop', got {stop!r}")
    counts = Counter(gram for text in texts for gram in word_ngrams(text, size))
    return tuple(sorted(gram for gram, n in counts.items()
                        if n >= min_count and not (stop == "drop" and function_gram(gram))))


def function_gram(gram: str) -> bool:
    """Whether an n-gram is made only of stop words and holds no negation ("were really", "also the"; not
    "not really", "didn't", "fresh")."""
    from feedback.text.words import stop_words

    if negated(gram):
        return False
    stops = stop_words()
    return all(word in stops for word in gram.split())


def ngram_columns(texts: Sequence[str], vocab: Sequence[str], size: int = NGRAM_SIZE) -> Any:
    """A sparse (len(texts), len(vocab)) 0/1 matrix: which n-grams of ``vocab`` each text has."""
    from scipy import sparse

    index = {gram: i for i, gram in enumerate(vocab)}
    rows, cols = [], []
    for row, text in enumerate(texts):
        found = sorted(index[g] for g in word_ngrams(text, size) if g in index)
        rows += [row] * len(found)
        cols += found
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))


def fit_head(features: np.ndarray, labels: np.ndarray, weights: np.ndarray, model: str, *, c: float = C,
             band: float = BAND, ordinal: bool = ORDINAL, cue_weight: float = CUE_WEIGHT,
             praise_band: float = PRAISE_BAND, negative_shift: float = NEGATIVE_SHIFT, meta: dict[str, object] | None = None,
             texts: Sequence[str] | None = None, ngram_weight: float = NGRAM_WEIGHT,
             min_count: int = MIN_COUNT, ngram_stop: str = NGRAM_STOP, owners: np.ndarray | None = None,
             comment_weight: float = COMMENT_WEIGHT, hidden_units: int = HIDDEN_UNITS,
             hidden_penalty: float = HIDDEN_PENALTY, hidden_iterations: int = HIDDEN_ITERATIONS) -> SentimentHead:
    """A linear head on standardised features, the standardisation folded into the weights.

    ``ordinal``: an adjacent-category ordinal logit (:func:`fit_ordinal`: one sentiment axis,
    negative < neutral < positive) instead of a multinomial one (three free rows). ``cue_weight``:
    the cue columns (lexicon scores and cues) are scaled by this after standardising, so the L2
    penalty holds them back this many times less than each of the 384 embedding dimensions.
    ``negative_shift`` is added to the negative class's float32 intercept (:data:`NEGATIVE_SHIFT`).
    ``texts``: each row's display text, whose word n-grams (:func:`ngram_vocab`) are read beside
    the features unless ``ngram_weight`` is 0 (their 0/1 columns times ``ngram_weight``, not centred).
    ``owners``: each row's text (:func:`design`); with it and a ``comment_weight`` above 0 the fit also
    reads one row per text, the mean of its segments' rows (:func:`comment_rows`), and the loss is
    ``(1 - comment_weight)`` times the segments' plus ``comment_weight`` times the comments'.
    """
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    dim = features.shape[1] - len(HEAD_FEATURES)
    mean = np.average(features, axis=0, weights=weights)
    std = np.sqrt(np.average((features - mean) ** 2, axis=0, weights=weights))
    std[std < 1e-6] = 1.0
    std[dim:] /= cue_weight
    scaled = (features - mean) / std
    vocab = ngram_vocab(texts, NGRAM_SIZE, min_count, ngram_stop) if texts is not None and ngram_weight > 0 else ()
    pooled = owners is not None and comment_weight > 0
    if ordinal:
        if vocab or pooled or hidden_units:
            raise ValueError("the ordinal head reads no n-grams (ngram_weight=0), no comment rows and no hidden layer")
        coef, intercept = fit_ordinal(scaled, labels, weights, c)
    else:
        clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
        gram_columns = ngram_columns(texts or [], vocab) * ngram_weight if vocab else sparse.csr_matrix((len(labels), 0))
        design_matrix = sparse.hstack([sparse.csr_matrix(scaled), gram_columns]).tocsr() if vocab else scaled
        fit_labels, fit_weights = labels, weights
        if pooled:
            assert owners is not None
            rows, row_labels, row_weights = comment_rows(design_matrix, labels, weights, owners)
            design_matrix = sparse.vstack([sparse.csr_matrix(design_matrix), rows]).tocsr()
            fit_labels = np.concatenate([labels, row_labels])
            fit_weights = np.concatenate([weights * (1.0 - comment_weight), row_weights * comment_weight])
            fit_weights = fit_weights / fit_weights.mean()
        clf.fit(design_matrix, fit_labels, sample_weight=fit_weights)
        coef, intercept = clf.coef_, clf.intercept_
        if hidden_units:
            coef, intercept, hidden, hidden_bias, hidden_out = fit_hidden(
                scaled, gram_columns, labels, weights, owners, comment_weight if pooled else 0.0, (coef, intercept), c,
                units=hidden_units, penalty=hidden_penalty, iterations=hidden_iterations)
    grams = np.asarray(coef[:, features.shape[1]:] * ngram_weight, np.float32)
    coef = coef[:, : features.shape[1]] / std
    intercept = intercept - coef @ mean
    layer: dict[str, np.ndarray] = {}
    if hidden_units:  # the standardisation folded into the hidden layer too
        layer = {"hidden": np.asarray(hidden / std, np.float32),
                 "hidden_bias": np.asarray(hidden_bias - (hidden / std) @ mean, np.float32),
                 "hidden_out": np.asarray(hidden_out, np.float32)}
    shifted = np.asarray(intercept, np.float32) + np.array([negative_shift, 0.0, 0.0], np.float32)
    return SentimentHead(coef=np.asarray(coef, np.float32), intercept=shifted, model=model, dim=dim, band=band,
                         meta=dict(meta or {}), vocab=vocab, ngram_coef=grams, ngram_size=NGRAM_SIZE,
                         praise_band=praise_band, **layer)


def fit_ordinal(scaled: np.ndarray, labels: np.ndarray, weights: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """An adjacent-category ordinal logit as a 3-class linear map: class logits ``[0, a1 + s, a1 + a2 + 2 s]``
    with ``s = scaled @ beta``, i.e. log P(neutral)/P(negative) = a1 + s, log P(positive)/P(neutral) = a2 + s.

    Objective as scikit-learn's: ``c * weighted NLL + |beta|^2 / 2`` (thresholds unpenalised), L-BFGS
    from zero: deterministic. Returns (coef (3, d), intercept (3,)).
    """
    from scipy.optimize import minimize

    n, d = scaled.shape
    steps = np.array([0.0, 1.0, 2.0])
    onehot = np.eye(len(CLASSES))[labels]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        beta, a1, a2 = params[:d], params[d], params[d + 1]
        s = scaled @ beta
        z = np.stack([np.zeros(n), a1 + s, a1 + a2 + 2 * s], axis=1)
        z -= z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        grad_z = weights[:, None] * (np.exp(z - lse[:, None]) - onehot)
        value = c * float(-(weights * (z[np.arange(n), labels] - lse)).sum()) + 0.5 * float(beta @ beta)
        grad = np.concatenate([c * (scaled.T @ (grad_z @ steps)) + beta,
                               [c * (grad_z[:, 1] + grad_z[:, 2]).sum(), c * grad_z[:, 2].sum()]])
        return value, grad

    result = minimize(loss, np.zeros(d + 2), jac=True, method="L-BFGS-B", options={"maxiter": 5000, "gtol": 1e-7})
    beta, a1, a2 = result.x[:d], result.x[d], result.x[d + 1]
    return np.stack([np.zeros(d), beta, 2 * beta]), np.array([0.0, a1, a1 + a2])


def train(texts: list[Labelled], embedder: SupportsEmbed, cache: Path | None = None, *, c: float = C,
          band: float = BAND, negative_shift: float = NEGATIVE_SHIFT, ngram_weight: float = NGRAM_WEIGHT,
          comment_weight: float = COMMENT_WEIGHT, hidden_units: int = HIDDEN_UNITS, balance: str = BALANCE,
          ngram_stop: str = NGRAM_STOP, command: str | None = None) -> SentimentHead:
    """Segment, embed, and fit the head on ``texts``."""
    pieces = segment_texts([t.text for t in texts])
    vectors = embed_cached([clean for segs in pieces for clean, _ in segs], embedder, cache)
    features, labels, weights, owners = design(texts, vectors, pieces, balance)
    used = shares(t.source for t in texts)
    counts = {source: sum(t.source == source for t in texts) for source in used}
    meta = {"texts": counts, "segments": int(len(labels)), "C": c, "shares": used,
            "hold_out": f"sha256(text)[:8] % {HOLD_OUT_MODULUS} == 0", "clothing_3_stars": "neutral",
            **({"negative_shift": negative_shift} if negative_shift else {}),
            **({"ngrams": {"size": NGRAM_SIZE, "min_count": MIN_COUNT, "weight": ngram_weight,
                           **({"stop_words": ngram_stop} if ngram_stop != "keep" else {})}} if ngram_weight else {}),
            **({"comment_weight": comment_weight} if comment_weight else {}),
            **({"balance": balance} if balance != "global" else {}),
            **({"hidden": {"units": hidden_units, "penalty": HIDDEN_PENALTY, "iterations": HIDDEN_ITERATIONS}}
               if hidden_units else {}),
            **({"command": command} if command else {})}
    return fit_head(features, labels, weights, embedder.name, c=c, band=band, negative_shift=negative_shift,
                    meta=meta, texts=[raw for segs in pieces for _, raw in segs], ngram_weight=ngram_weight,
                    owners=owners, comment_weight=comment_weight, hidden_units=hidden_units, ngram_stop=ngram_stop)


def validation_figures(head: SentimentHead, texts: list[Labelled], embedder: SupportsEmbed,
                       cache: Path | None) -> list[str]:
    """Per source, the comment-level figures of ``head`` on its validation texts: three-class macro-F1
    (read at the product's +-0.05 cut-offs) and, where a source has two classes or more, Spearman."""
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    pieces = segment_texts([t.text for t in texts])
    vectors = embed_cached([clean for segs in pieces for clean, _ in segs], embedder, cache)
    lines = []
    for source in shares(t.source for t in texts):
        chosen = [(t, segs) for t, segs in zip(texts, pieces, strict=True) if t.source == source and segs]
        if not chosen:
            continue
        scores = []
        for _, segs in chosen:
            raw = score_segments(np.vstack([vectors[c] for c, _ in segs]), [r for _, r in segs], head)
            scores.append(comment_score(raw) or 0.0)
        values, truth = np.array(scores), np.array([t.label for t, _ in chosen])
        read = np.where(values >= 0.05, 2, np.where(values <= -0.05, 0, 1))
        f1 = f1_score(truth, read, average="macro", labels=sorted(set(truth)))
        rho = spearmanr(values, truth).statistic if len(set(truth)) > 1 else float("nan")
        lines.append(f"validation {source}: {len(chosen)} texts, macro-F1 {f1:.3f} (its classes), Spearman {rho:.3f}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clothing", type=Path, default=CLOTHING, help="the clothing reviews CSV")
    parser.add_argument("--clinc", type=Path, default=CLINC, help="CLINC150 data_full.json")
    parser.add_argument("--vader-gt", type=Path, nargs="?", const=VADER_GT,
                        help=f"folder of the VADER paper's *_GroundTruth.txt files (no folder: {VADER_GT})")
    parser.add_argument("--uci", type=Path, nargs="?", const=UCI,
                        help=f"folder of the UCI sentiment labelled sentences (no folder: {UCI})")
    parser.add_argument("--hotel", type=Path, nargs="?", const=HOTEL,
                        help=f"hotel reviews CSV with liked / disliked parts (no file: {HOTEL})")
    parser.add_argument("--goemotions", type=Path, nargs="?", const=GOEMOTIONS,
                        help=f"folder of GoEmotions' train.tsv and emotions.txt (no folder: {GOEMOTIONS})")
    parser.add_argument("--no-clothing", action="store_true", help="leave the clothing reviews out")
    parser.add_argument("--out", type=Path, default=HEAD_PATH, help="where to write the head (.npz)")
    parser.add_argument("--cache", type=Path, help="segment vectors cache (.npz), reused between runs")
    parser.add_argument("--limit", type=int, help="read at most N texts of each file")
    parser.add_argument("--clothing-limit", type=int, help="read at most N clothing reviews (default: --limit)")
    parser.add_argument("--validate", action="store_true",
                        help="first fit without the validation fifth and print its figures")
    parser.add_argument("--model-path", type=Path, help="sentence-transformers folder (default: MiniLM)")
    parser.add_argument("--negative-shift", type=float, default=NEGATIVE_SHIFT,
                        help="added to the head's negative logit (default %(default)s; 0.25 measured: bench/RESULTS.md)")
    parser.add_argument("--comment-weight", type=float, default=COMMENT_WEIGHT,
                        help="share of the loss on whole texts (their segments' mean rows) (default %(default)s; "
                             "0: segments only, as before 2026-12-02 09:00)")
    parser.add_argument("--ngram-weight", type=float, default=NGRAM_WEIGHT,
                        help="weight of the word n-gram columns (default %(default)s; 0: none, as before 2026-12-02 06:00)")
    parser.add_argument("--hidden-units", type=int, default=HIDDEN_UNITS,
                        help="ReLU units of the hidden layer beside the linear map (default %(default)s; "
                             "0: a linear head, as shipped)")
    parser.add_argument("--balance", choices=("global", "source"), default=BALANCE,
                        help="classes weigh the same over all sources or within each (default %(default)s; "
                             "global: as shipped)")
    parser.add_argument("--ngram-stop", choices=("keep", "drop"), default=NGRAM_STOP,
                        help="n-grams made only of stop words, without a negation: columns or not "
                             "(default %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from feedback.embed import Embedder

    for path in (args.clothing, args.clinc, args.vader_gt, args.uci, args.hotel, args.goemotions):
        if path is not None and not path.exists():
            parser.error(f"{path} not found")
    missing = missing_files(args.vader_gt, args.uci, args.goemotions)
    if missing:
        parser.error(f"{', '.join(map(str, missing))} not found (how to get them: scripts/train_sentiment.py's docstring)")
    texts = training_texts(None if args.no_clothing else args.clothing, args.vader_gt, args.uci, args.clinc,
                           args.limit, args.clothing_limit, args.hotel, args.goemotions)
    embedder = Embedder(args.model_path)
    if args.validate:
        fitted = train([t for t in texts if not validation(t.text)], embedder, args.cache,
                       negative_shift=args.negative_shift, ngram_weight=args.ngram_weight,
                       comment_weight=args.comment_weight, hidden_units=args.hidden_units, balance=args.balance,
                       ngram_stop=args.ngram_stop)
        for line in validation_figures(fitted, [t for t in texts if validation(t.text)], embedder, args.cache):
            log.info("%s", line)
    settings = f"--limit {args.limit} --clothing-limit {args.clothing_limit}" + (" --no-clothing" * args.no_clothing)
    settings += " --hotel" if args.hotel else ""
    settings += " --goemotions" if args.goemotions else ""
    settings += f" --negative-shift {args.negative_shift}" if args.negative_shift else ""
    settings += f" --ngram-weight {args.ngram_weight}" if args.ngram_weight != NGRAM_WEIGHT else ""
    settings += f" --comment-weight {args.comment_weight}" if args.comment_weight != COMMENT_WEIGHT else ""
    settings += f" --hidden-units {args.hidden_units}" if args.hidden_units != HIDDEN_UNITS else ""
    settings += f" --balance {args.balance}" if args.balance != BALANCE else ""
    settings += f" --ngram-stop {args.ngram_stop}" if args.ngram_stop != NGRAM_STOP else ""
    head = train(texts, embedder, args.cache, negative_shift=args.negative_shift, ngram_weight=args.ngram_weight,
                 comment_weight=args.comment_weight, hidden_units=args.hidden_units, balance=args.balance,
                 ngram_stop=args.ngram_stop, command=settings)
    head.save(args.out)
    log.info("wrote %s: %s", args.out, head.meta)


if __name__ == "__main__":
    main()
