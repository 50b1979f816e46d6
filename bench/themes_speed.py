"""Theme engine speed on 2 cores: embedding overhead, 50k re-cluster, nightly 5k. Appends to RESULTS.md.

    .venv/bin/python bench/themes_data.py --large   # once: cache the labelled texts' vectors
    .venv/bin/python bench/themes_speed.py

1. Pipeline embedding (segment + clean + embed + store in a warehouse) against a bare
   ``model.encode`` of the same 2,000 texts in the same process.
2. Re-cluster 50,000 stored embeddings (and BERTopic's defaults on the same vectors): the labelled texts (~36.7k real vectors) topped
   up with jittered copies, written to a warehouse as comments + segments + embeddings,
   then ``recluster`` (PCA, HDBSCAN on a 20k sample, assignment, labels, parents).
3. Nightly: 5,000 new comments (real texts, never embedded before) through
   ``update_themes``, embedding included.
Peak memory is the process's max RSS.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_data import load  # noqa: E402

from feedback.embed import Embedder, text_hash, to_blob  # noqa: E402
from feedback.items import stable_id  # noqa: E402
from feedback.text import segments as nlp  # noqa: E402
from feedback.themes import ThemeSettings, recluster, update_themes  # noqa: E402
from feedback.themes.store import embed_pending, segment_new  # noqa: E402
from feedback.warehouse import now_iso, open_warehouse  # noqa: E402


def add(db, texts: list[str], prefix: str) -> None:  # type: ignore[no-untyped-def]
    stamp = now_iso()
    items, processed = [], []
    for n, text in enumerate(texts):
        item_id = stable_id("bench", f"{prefix}{n}")
        items.append({"id": item_id, "source": "bench", "channel": "survey", "local_id": f"{prefix}{n}",
                      "received_at": "2024-01-01T00:00:00Z", "text": text})
        processed.append({"item_id": item_id, "text_hash": text_hash(text), "version": "1", "text": text,
                          "language": "en", "sentiment": None, "processed_at": stamp})
    db["items"].insert_all(items, batch_size=5000)
    db["processed"].insert_all(processed, batch_size=5000)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bertopic_seconds(texts: list[str], vectors: np.ndarray) -> str:
    """BERTopic's fit_transform time on precomputed embeddings (UMAP compile included), or why not."""
    try:
        from bertopic import BERTopic
    except ImportError:
        return "not installed (pip install -e '.[bench]')"
    t = time.perf_counter()
    topics, _ = BERTopic().fit_transform(texts, embeddings=vectors)
    seconds = time.perf_counter() - t
    return f"{seconds:.0f} s ({max(topics) + 1} topics, {np.mean(np.asarray(topics) < 0):.1%} outliers)"


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lines = [f"\n## Theme engine speed, {date.today()} ({os.cpu_count()} cores, 24 GiB, "
             f"Python {platform.python_version()}, shared machine)\n"]
    vectors, texts, _ = load("all")
    embedder = Embedder()
    tmp = Path(tempfile.mkdtemp())

    # 1. pipeline vs bare encode of the same texts: the cleaned segments the pipeline embeds
    sample = [str(t) for t in texts[:2000]]
    embedder.model.encode(sample[:64])  # warm up: the model loads once per process ...
    nlp.segment("Warm up. The text pipeline too.")  # ... and so does the spaCy pipeline (~1.5-3 s)
    embedded = list(dict.fromkeys(
        seg.clean for segs in nlp.segment_many(sample) for seg in segs if nlp.is_themable(seg.clean)))
    bares, pipes, cuts = [], [], []
    for attempt in range(2):  # alternate bare and pipeline twice; the best of each counts
        t = time.perf_counter()
        embedder.model.encode(embedded, batch_size=embedder.batch_size)
        bares.append(time.perf_counter() - t)
        db = open_warehouse(tmp / f"embed{attempt}.db")
        add(db, sample, "e")
        t = time.perf_counter()
        segment_new(db)
        cuts.append(time.perf_counter() - t)
        t = time.perf_counter()
        done = embed_pending(db, embedder)
        pipes.append(time.perf_counter() - t)
    bare, pipe, cut = min(bares), min(pipes), min(cuts)
    lines.append(f"- Embedding 2,000 comments ({done:,} distinct segments): bare `model.encode` of those "
                 f"segments {len(embedded) / bare:.0f}/s, the embedding stage (read segments, "
                 f"clean, skip stored, embed, store) {len(embedded) / pipe:.0f}/s: overhead "
                 f"{100 * (pipe - bare) / bare:+.0f} %; before it, cutting the comments into segments with "
                 f"their sentiment took {cut:.1f} s ({100 * cut / bare:.0f} % of the bare encode)")
    print(lines[-1], flush=True)
    if "--embedding-only" in sys.argv:
        return

    # 2. re-cluster 50k stored embeddings
    rng = np.random.default_rng(0)
    n_real = len(texts)
    extra = 50_000 - n_real
    picks = rng.integers(0, n_real, extra)
    jitter = vectors[picks] + rng.normal(0, 0.02, (extra, vectors.shape[1])).astype(np.float32)
    jitter /= np.linalg.norm(jitter, axis=1, keepdims=True)
    all_vecs = np.vstack([vectors, jitter])
    all_texts = texts + [f"{texts[p]} ({i})" for i, p in enumerate(picks)]
    db = open_warehouse(tmp / "big.db")
    add(db, all_texts, "b")
    segment_new(db)
    seg = db.execute("select id, text from theme_segments order by item_id").fetchall()
    # one segment per text here; store each text's vector under its segment's hash
    by_text = dict(zip(all_texts, range(len(all_texts)), strict=True))
    rows, seen = [], set()
    for _, text in seg:
        h = text_hash(nlp.clean_for_embedding(text))
        if h in seen or text not in by_text:
            continue
        seen.add(h)
        rows.append((h, embedder.name, embedder.version, 384, to_blob(all_vecs[by_text[text]]), now_iso()))
    with db.atomic():
        db.conn.executemany("insert or ignore into embeddings values (?, ?, ?, ?, ?, ?)", rows)
    embed_pending(db, embedder)  # the few segments cut differently from the raw text
    settings = ThemeSettings()
    t = time.perf_counter()
    stats = recluster(db, settings, embedder)
    seconds = time.perf_counter() - t
    lines.append(f"- Re-cluster {stats['segments_total']:,} stored segment embeddings: {seconds:.0f} s "
                 f"({stats['themes_total']} themes, {stats['parents_total']} parents, "
                 f"{stats['outlier_share']:.1%} outlier comments); target <= 180 s")
    print(lines[-1], flush=True)
    lines.append(f"- BERTopic with its defaults on the same {len(all_vecs):,} embeddings: {bertopic_seconds(all_texts, all_vecs)}")
    print(lines[-1], flush=True)

    # 3. nightly 5k new comments (texts not embedded before)
    fresh = [f"Honestly, {t[:1].lower()}{t[1:]}" for t in texts[2000:7000]]  # unseen sentences
    add(db, fresh, "n")
    t = time.perf_counter()
    stats = update_themes(db, settings, embedder)
    seconds = time.perf_counter() - t
    lines.append(f"- Nightly: 5,000 new comments ({stats['segments_new']} segments, {stats['embedded']} embedded) "
                 f"segmented, embedded, assigned, pool checked in {seconds:.0f} s "
                 f"({stats['themes_new']} new themes); target <= 60 s")
    print(lines[-1], flush=True)
    lines.append(f"- Peak memory (max RSS of the whole run): {peak_mb():.0f} MB")
    print(lines[-1], flush=True)
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
