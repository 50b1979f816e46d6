"""Labelled sets for the theme benchmarks, and their MiniLM vectors cached on disk.

    .venv/bin/python bench/themes_data.py          # embed (once) banking77 test + clinc150 test
    .venv/bin/python bench/themes_data.py --large  # also every labelled text (for the 50k speed run)
    .venv/bin/python bench/themes_data.py --warm [all|test]  # embed what bench/themes_quality.py uses

Texts go through the pipeline's cleanup (feedback.text.segments.clean_for_embedding) before
embedding, as in production. :func:`load` caches bench/out/<name>.npz (vectors, texts, labels)
for bench/themes_speed.py; :func:`labelled` gives a set with its coarse categories, and
:class:`CachedEmbedder` is the real embedder behind a vector cache in bench/.cache (keyed by
text hash, model and version), so the warehouse runs of bench/themes_quality.py embed a text once
across runs.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parents[2] / "shared/data/labelled"  # ../shared beside the project
OUT = ROOT / "bench" / "out"
CACHE = ROOT / "bench" / ".cache"


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


@dataclass(frozen=True)
class Labelled:
    """A labelled set: texts, their fine labels and, where the set has them, coarse categories."""

    name: str
    texts: list[str]
    labels: list[str]
    coarse: list[str] | None  # clinc150: the intent's domain; banking77 has none

    def subset(self, index: list[int] | np.ndarray) -> Labelled:
        coarse = [self.coarse[i] for i in index] if self.coarse is not None else None
        return Labelled(self.name, [self.texts[i] for i in index], [self.labels[i] for i in index], coarse)


def labelled(name: str, split: str = "all") -> Labelled:
    """banking77 (train + test, or test) or clinc150's in-scope queries (train + val + test, or
    test) with each intent's domain from domains.json."""
    if name == "banking77":
        texts, labels = banking77()
        if split == "all":
            with (DATA / "banking77" / "train.csv").open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            texts, labels = [r["text"] for r in rows] + texts, [r["category"] for r in rows] + labels
        return Labelled(name, texts, labels, None)
    if name == "clinc150":
        data = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        rows = data["test"] if split == "test" else data["train"] + data["val"] + data["test"]
        domains = json.loads((DATA / "clinc150" / "domains.json").read_text(encoding="utf-8"))
        domain_of = {intent: domain for domain, intents in domains.items() for intent in intents}
        return Labelled(name, [r[0] for r in rows], [r[1] for r in rows], [domain_of[r[1]] for r in rows])
    raise ValueError(f"unknown labelled set {name!r} (banking77, clinc150)")


class CachedEmbedder:
    """The pipeline's embedder (SupportsEmbed) behind an on-disk vector cache.

    Same name and version as the real model, so vectors stored in a warehouse are the ones the
    product would store; the model is loaded only when a text is not cached yet.
    """

    def __init__(self, folder: Path = CACHE) -> None:
        from feedback.embed import Embedder

        self.real = Embedder(show_progress=True)
        self.name, self.version = self.real.name, self.real.version
        self.path = folder / f"vectors-{self.name}-{self.version}.npz"
        self.index: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        if self.path.exists():
            data = np.load(self.path, allow_pickle=False)
            self.vectors = data["vectors"]
            self.index = {h: i for i, h in enumerate(data["hashes"].tolist())}
        self.computed = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        from feedback.embed import text_hash

        hashes = [text_hash(t) for t in texts]
        missing = list(dict.fromkeys(h for h in hashes if h not in self.index))
        if missing:
            text_of = dict(zip(hashes, texts, strict=True))
            started = time.perf_counter()
            fresh = self.real.encode([text_of[h] for h in missing])
            self.computed += len(missing)
            print(f"embedded {len(missing)} texts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            base = len(self.index)
            self.vectors = fresh if not base else np.vstack([self.vectors, fresh])
            self.index.update({h: base + i for i, h in enumerate(missing)})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, vectors=self.vectors, hashes=np.array(list(self.index)))
        if not texts:
            return np.zeros((0, self.vectors.shape[1] if self.vectors.size else 384), dtype=np.float32)
        return self.vectors[[self.index[h] for h in hashes]]


def text_vectors(texts: list[str], embedder: CachedEmbedder) -> np.ndarray:
    """One vector per whole text, cleaned as the pipeline cleans a segment (BERTopic's input)."""
    from feedback.text.segments import clean_for_embedding

    return embedder.encode([clean_for_embedding(t) for t in texts])


def warm(names: list[str], split: str, embedder: CachedEmbedder, chunk: int = 1000) -> None:
    """Embed every whole text and every themable segment of the sets, saving every ``chunk`` texts."""
    from feedback.text.segments import clean_for_embedding, is_themable, segment_many

    for set_name in names:
        data = labelled(set_name, split)
        clean = {clean_for_embedding(t) for t in data.texts}
        clean |= {s.clean for segs in segment_many(data.texts) for s in segs if is_themable(s.clean)}
        todo = sorted(clean)
        for start in range(0, len(todo), chunk):
            embedder.encode(todo[start : start + chunk])
        print(set_name, len(data.texts), "texts,", len(clean), "distinct texts and segments cached", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    if "--warm" in sys.argv:
        warm(["banking77", "clinc150"], sys.argv[-1] if sys.argv[-1] in ("all", "test") else "all", CachedEmbedder())
        sys.exit(0)
    for set_name in ["banking77", "clinc150"] + (["all"] if "--large" in sys.argv else []):
        v, _, lab = load(set_name)
        print(set_name, v.shape, len(set(lab)), "labels")
