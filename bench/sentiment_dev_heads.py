"""Dev heads of the sentiment trainer and their figures on clothing reviews no head was fitted on.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_dev_heads.py fit NAME CLOTHING_LIMIT [HIDDEN_UNITS BALANCE] [--hotel]
    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_dev_heads.py eval HEAD.npz [HEAD.npz ...] [--ood]

``fit``: the shipped recipe (scripts/train_sentiment.py's defaults, ``--vader-gt --uci --limit 1875``) on the
clothing reviews before file position CLOTHING_LIMIT, without the validation fifth, written to
``bench/.cache/dev_NAME.npz`` (HIDDEN_UNITS and BALANCE: the trainer's ``--hidden-units`` and ``--balance``;
``--hotel``: the hotel guests' liked / disliked parts too, the trainer's ``--hotel``); prints the trainer's per-source validation lines (the validation fifth of the
first 20,000 reviews). ``eval``: per head, comment-level figures as the product reads a score (+-0.05) on the
validation fifth of the first 15,048 and 20,000 clothing reviews and on the reviews from position 20,000
(outside the held-out fifth; without and with the validation fifth): Spearman vs stars and vs the three
classes, binary and three-class macro-F1, ROC AUC (1-2 vs 4-5 stars) and the best binary F1 over cut-offs
-0.3..0.3 (diagnostic only); ``--ood``: bench/sentiment_quality.py's out-of-domain rows. The held-out fifth
is never read. Vectors come from ``bench/.cache/vectors-r.npz`` (clothing) and ``bench/.cache/vectors.npz``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sentiment_quality as quality  # noqa: E402
import train_sentiment as training  # noqa: E402

CLOTHING_VECTORS = training.CACHE_DIR / "vectors-r.npz"
OTHER_VECTORS = training.CACHE_DIR / "vectors.npz"


def texts(clothing_limit: int, hotel: bool = False) -> list[training.Labelled]:
    return training.training_texts(training.CLOTHING, training.VADER_GT, training.UCI, training.CLINC, 1875,
                                   clothing_limit, training.HOTEL if hotel else None)


def figures(scores: np.ndarray, stars: np.ndarray) -> dict[str, object]:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score, roc_auc_score

    out: dict[str, object] = dict(quality.star_figures(scores, stars))
    out["spearman3"] = round(float(spearmanr(scores, np.sign(stars - 3)).statistic), 3)
    rated = stars != 3
    positive = stars[rated] >= 4
    out["auc"] = round(float(roc_auc_score(positive, scores[rated])), 3)
    out["best"] = max((round(float(f1_score(positive, scores[rated] > cut, average="macro")), 3), round(float(cut), 2))
                      for cut in np.arange(-0.3, 0.31, 0.01))
    return out


def main(argv: list[str]) -> None:
    from feedback.embed import Embedder
    from feedback.text.sentiment_model import read_head

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    embedder = Embedder()
    if argv[0] == "fit":
        hotel = "--hotel" in argv
        argv = [a for a in argv if a != "--hotel"]
        name, limit = argv[1], int(argv[2])
        units, balance = (int(argv[3]), argv[4]) if len(argv) > 4 else (training.HIDDEN_UNITS, training.BALANCE)
        head = training.train([t for t in texts(limit, hotel) if not training.validation(t.text)], embedder,
                              CLOTHING_VECTORS, hidden_units=units, balance=balance)
        head.save(training.CACHE_DIR / f"dev_{name}.npz")
        for line in training.validation_figures(head, [t for t in texts(20000) if training.validation(t.text)],
                                                embedder, CLOTHING_VECTORS):
            print(name, line, flush=True)
        return
    paths = [a for a in argv[1:] if a != "--ood"]
    heads = [read_head(Path(p)) for p in paths]
    cached = quality.CachedEmbedder(embedder, CLOTHING_VECTORS)
    reviews = training.read_clothing(training.CLOTHING)
    sets = {
        "validation fifth < 15048": [(t, s) for t, s in reviews[:15048] if not training.held_out(t) and training.validation(t)],
        "validation fifth < 20000": [(t, s) for t, s in reviews[:20000] if not training.held_out(t) and training.validation(t)],
        "unseen >= 20000": [(t, s) for t, s in reviews[20000:] if not training.held_out(t) and not training.validation(t)],
        "unseen >= 20000 with its validation fifth": [(t, s) for t, s in reviews[20000:] if not training.held_out(t)],
    }
    for name, pairs in sets.items():
        stars = np.array([s for _, s in pairs])
        for path, head in zip(paths, heads, strict=True):
            scores = quality.head_scores([t for t, _ in pairs], cached, head)
            print(name, len(pairs), path, json.dumps(figures(scores, stars)), flush=True)
    if "--ood" in argv:
        other = quality.CachedEmbedder(embedder, OTHER_VECTORS)
        for row in quality.out_of_domain(other, [(h, quality.comment_score) for h in heads], training.VADER_GT,
                                         training.UCI):
            print("out of domain", row, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
