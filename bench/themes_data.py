"""Labelled sets for the theme benchmarks, with their embeddings cached in bench/out/.

    .venv/bin/python bench/themes_data.py          # embed (once) banking77 test + clinc150 test
    .venv/bin/python bench/themes_data.py --large  # also every labelled text (for the 50k speed run)

Texts go through the pipeline's cleanup (feedback.text.segments.clean_for_embedding) before
embedding, as in production. Cached as bench/out/<name>.npz (vectors, texts, labels).
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data/labelled")
OUT = ROOT / "bench" / "out"


def banking77() -> tuple[list[str], list[str]]:
    with (DATA / "banking77" / "test.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def clinc150() -> tuple[list[str], list[str]]:
    data = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    rows = data["test"]  # in-scope test split: 150 intents x 30
    return [r[0] for r in rows], [r[1] for r in rows]


def every_text() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with (DATA / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            texts.append(r["text"])
            labels.append("b:" + r["category"])
    data = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    for split in data.values():
        for text, label in split:
            texts.append(text)
            labels.append("c:" + label)
    t, lab = banking77()
    return texts + t, labels + ["b:" + x for x in lab]


SETS = {"banking77": banking77, "clinc150": clinc150, "all": every_text}


def load(name: str) -> tuple[np.ndarray, list[str], list[str]]:
    """(vectors, texts, labels) for a set, embedding it on first use."""
    path = OUT / f"{name}.npz"
    if path.exists():
        data = np.load(path, allow_pickle=False)
        return data["vectors"], list(data["texts"]), list(data["labels"])
    from feedback.embed import Embedder
    from feedback.text.segments import clean_for_embedding

    texts, labels = SETS[name]()
    started = time.perf_counter()
    vectors = Embedder(show_progress=True).encode([clean_for_embedding(t) for t in texts])
    print(f"{name}: embedded {len(texts)} texts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(path, vectors=vectors, texts=np.array(texts), labels=np.array(labels))
    return vectors, texts, labels


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    for set_name in ["banking77", "clinc150"] + (["all"] if "--large" in sys.argv else []):
        v, _, lab = load(set_name)
        print(set_name, v.shape, len(set(lab)), "labels")
