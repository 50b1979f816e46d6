"""Benchmark: the staff pages over a 1M-comment archive (not a test).

Builds a synthetic warehouse (comment texts drawn from the sample archive's real comments
plus random words, ratings, customers, 200 themes under 25 groups, 1-2 segments per comment,
**random unit vectors** as embeddings: embedding 1M texts here would take hours, and the
point is query latency), publishes it with the real ``publish_archive`` (every extension),
serves it with ``datasette serve --immutable`` exactly as ``feedback serve`` does, and runs a
bounded loopback load (a fixed number of requests from a few client threads) against:

- the feedback table with a search term and its facets       (target p95 <= 300 ms), and the
  staff search page by exact words with the same facets, where the home page sends staff
- search by meaning / hybrid on /-/feedback/search             (target p95 <= 500 ms)
- the themes overview and theme pages                          (target p95 <= 300 ms)

Appends the numbers to bench/RESULTS.md.

    .venv/bin/python bench/archive_scale.py [--comments 1000000] [--keep DIR] [--reuse DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).with_name("RESULTS.md")
REPO = Path(__file__).resolve().parent.parent
SOURCES = [("checkout-nps", "survey", "nps"), ("support-csat", "survey", "csat"), ("app-feedback", "survey", "stars"),
           ("store-visit", "survey", "csat"), ("delivery-pulse", "survey", "stars"), ("support-email", "email", None),
           ("public-reviews", "review", "stars")]
WORDS = ["delivery", "refund", "driver", "app", "crash", "slot", "late", "substitution", "staff", "friendly", "fresh", "bread", "fruit", "cancel", "plus", "price", "voucher", "checkout", "parking", "bag", "packaging", "missing", "damaged", "order", "basket", "receipt", "queue", "store", "website", "password", "payment", "charged", "twice", "email", "reply", "answer", "week", "day", "quickly", "slow", "rude", "lovely"]


def seed_texts() -> list[str]:
    sample = REPO / "data" / "archive.db"
    for candidate in (sample, Path("/tmp/s6/archive.db")):
        if candidate.exists():
            rows = sqlite3.connect(candidate).execute("select text from feedback where length(text) > 20").fetchall()
            if rows:
                return [r[0] for r in rows]
    return ["The delivery was late and the driver was rude.", "Refund still not received after two weeks.",
            "Lovely staff, fresh bread, easy checkout.", "The app crashes when I open my basket."]


def build_warehouse(path: Path, n: int, rng: random.Random, first: int = 0, days: int | None = None) -> None:
    """``n`` synthetic comments (numbered from ``first``: a later night adds to the same warehouse),
    received over the 100 weeks (or, with ``days``, their last ``days`` days: a night's news)."""
    from feedback.embed import DEFAULT_BACKEND, Embedder
    from feedback.warehouse import open_warehouse

    open_warehouse(path).close()  # the schema, by the real migrations
    # name and version only (the model is not loaded), of the backend a new warehouse's nights use,
    # so that a night into this warehouse embeds only what is new
    embedder = Embedder(backend=DEFAULT_BACKEND)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    texts = seed_texts()
    start = datetime(2025, 1, 6, tzinfo=UTC)
    span = 100 * 7 * 24 * 3600
    now = datetime.now(UTC).isoformat()
    np_rng = np.random.default_rng(0)
    # 3 % of the points restate a promise (cosine ~0.86 to it), so the promise gap has mentions
    import yaml

    promise_texts = [p["text"] if isinstance(p, dict) else p
                     for p in yaml.safe_load((REPO / "data" / "config.yml").read_text())["promises"]]
    promise_vectors = embedder.encode(promise_texts)
    theme_ids = list(range(1, 201))
    parents = list(range(1001, 1026))
    for pid in parents if first == 0 else []:
        conn.execute("insert into themes (id, label, keywords, level, status, size, comments, sentiment, model,"
                     " model_version, created_at, updated_at, is_new, label_pinned) values"
                     " (?, ?, '[]', 1, 'parent', 0, 0, 0, ?, ?, ?, ?, 0, 0)",
                     (pid, f"group {pid - 1000}", embedder.name, embedder.version, now, now))
    centroids = np_rng.standard_normal((200, 384)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    for tid in theme_ids if first == 0 else []:
        conn.execute("insert into themes (id, label, keywords, parent_id, level, status, size, comments, sentiment,"
                     " first_seen, last_seen, model, model_version, created_at, updated_at, is_new, label_pinned,"
                     " representatives, centroid) values (?, ?, ?, ?, 0, 'active', 0, 0, 0, ?, ?, ?, ?, ?, ?, 0, 0, '[]', ?)",
                     (tid, f"theme {tid} {rng.choice(WORDS)}", json.dumps(rng.sample(WORDS, 5)),
                      parents[tid % 25], start.isoformat(), now, embedder.name, embedder.version, now, now,
                      centroids[tid - 1].tobytes()))
    cumulative = list(np.cumsum([1 / (i + 1) for i in range(200)]))  # Zipf-like theme sizes
    batch_items, batch_proc, batch_seg, batch_emb = [], [], [], []

    def flush() -> None:
        conn.executemany("insert into items (id, source, channel, local_id, received_at, customer, rating, rating_raw,"
                         " rating_scale, text, ingested_at) values (?,?,?,?,?,?,?,?,?,?,?)", batch_items)
        conn.executemany("insert into processed (item_id, text_hash, version, text, language, sentiment, processed_at)"
                         " values (?,?,?,?,?,?,?)", batch_proc)
        conn.executemany("insert into theme_segments (id, item_id, seq, source_hash, text, text_hash, themable,"
                         " language, sentiment, theme_id, score, created_at) values (?,?,?,?,?,?,?,?,?,?,?,?)", batch_seg)
        conn.executemany("insert into embeddings (text_hash, model, model_version, dim, vector, created_at)"
                         " values (?,?,?,?,?,?)", batch_emb)
        conn.commit()
        for b in (batch_items, batch_proc, batch_seg, batch_emb):
            b.clear()

    for i in range(first, first + n):
        source, channel, scale = SOURCES[i % len(SOURCES)]
        item_id = hashlib.sha1(f"{source}:{i}".encode()).hexdigest()[:20]
        text = f"{rng.choice(texts)} {' '.join(rng.choices(WORDS, k=3))}"
        offset = rng.randrange(span) if days is None else span - rng.randrange(days * 24 * 3600)
        received = (start + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
        customer = f"c_{rng.randrange(300_000):016x}"
        sentiment = round(rng.uniform(-1, 1), 4)
        rating = raw = None
        if scale == "nps":
            raw_score = rng.randrange(11)
            rating, raw = raw_score / 10, str(raw_score)
        elif scale:
            raw_score = rng.randrange(1, 6)
            rating, raw = (raw_score - 1) / 4, str(raw_score)
        batch_items.append((item_id, source, channel, str(i), received, customer, rating, raw, scale, text, now))
        batch_proc.append((item_id, hashlib.sha1(text.encode()).hexdigest(), "bench", text, "en", sentiment, now))
        for seq in range(1 if rng.random() < 0.8 else 2):
            seg_hash = hashlib.sha256(f"{item_id}:{seq}".encode()).hexdigest()
            theme = rng.choices(theme_ids, cum_weights=cumulative)[0] if rng.random() < 0.9 else None
            batch_seg.append((f"{item_id}:{seq}", item_id, seq, "h", text, seg_hash, 1, "en", sentiment, theme,
                              round(rng.uniform(0.45, 0.9), 4), now))
            vector = np_rng.standard_normal(384).astype(np.float32)
            if rng.random() < 0.03:
                vector = promise_vectors[rng.randrange(len(promise_vectors))] + vector * (0.6 / 384**0.5)
            vector /= np.linalg.norm(vector)
            batch_emb.append((seg_hash, embedder.name, embedder.version, 384, vector.tobytes(), now))
        if len(batch_items) >= 20_000:
            flush()
            print(f"  {i + 1:,} comments", end="\r", flush=True)
    flush()
    conn.execute("""update themes set size = (select count(*) from theme_segments s where s.theme_id = themes.id),
                    comments = (select count(distinct s.item_id) from theme_segments s where s.theme_id = themes.id)
                    where status = 'active'""")
    conn.execute("""update themes set comments = (select sum(c.comments) from themes c where c.parent_id = themes.id),
                    size = (select sum(c.size) from themes c where c.parent_id = themes.id) where status = 'parent'""")
    conn.commit()
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(base: str, paths: list[str], threads: int) -> list[float]:
    """Each path once, spread over ``threads`` clients; returns the latencies in ms."""
    times: list[float] = []
    lock = threading.Lock()
    queue = list(paths)

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            started = time.perf_counter()
            with urllib.request.urlopen(base + path, timeout=120) as response:
                response.read()
                assert response.status == 200, path
            with lock:
                times.append((time.perf_counter() - started) * 1000)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"n={len(times):3d}  p50 {statistics.median(ordered):7.0f} ms  p95 {p95:7.0f} ms  max {ordered[-1]:7.0f} ms"


BASES = {"previous": "the previous archive, in place", "copy": "a copy of the archive in place"}


def _publish_in_child(root: Path, full: bool, out: Any) -> None:
    from feedback.config import load_config
    from feedback.pipeline import publish_archive
    from feedback.warehouse import open_warehouse

    config = load_config(root / "config.yml")
    started = time.perf_counter()
    result = publish_archive(open_warehouse(root / "warehouse.db"), config, full=full)
    out.put((time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
             result.mode, result.changed, BASES.get(result.base, "-")))


def timed_publish(root: Path, full: bool) -> tuple[float, float, str, int, str]:
    """(seconds, peak RSS GiB, mode, comments changed, what an incremental one wrote into: the previous
    archive or a copy) of one publish, in a child process of its own."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_publish_in_child, args=(root, full, queue))
    child.start()
    figures = queue.get()
    child.join()
    return figures  # type: ignore[no-any-return]


def copy_promise_vectors(source: Path, target: Path) -> None:
    """The promises' stored vectors, as a warehouse that published before has them (embedding them
    is a one-time cost, and a forked child must not run the model its parent loaded)."""
    import yaml

    from feedback.embed import text_hash

    texts = [p["text"] if isinstance(p, dict) else p
             for p in yaml.safe_load((REPO / "data" / "config.yml").read_text())["promises"]]
    hashes = [text_hash(t) for t in texts]
    conn = sqlite3.connect(target)
    conn.execute("attach ? as source", [str(source)])
    conn.execute(f"insert or ignore into embeddings select * from source.embeddings where text_hash in"
                 f" ({', '.join('?' * len(hashes))})", hashes)
    conn.commit()
    conn.close()


def say(lines: list[str], line: str) -> None:
    """Keep a figure and print it now (a long run that is cut short still shows what it measured)."""
    lines.append(line)
    print(line, flush=True)


def incremental_nights(root: Path, existing: int, new: int, rng: random.Random, rebuild: bool = True,
                       first: tuple[float, float] | None = None, days: int | None = None) -> list[str]:
    """A night of ``new`` comments into an archive of ``existing``: incremental vs full publish
    (``rebuild``: also a full rebuild of the same archive), a night with nothing new, and the
    same night into an empty archive."""
    lines = []
    started = time.perf_counter()
    build_warehouse(root / "warehouse.db", new, rng, first=existing, days=days)
    say(lines, f"{new:,} new comments added to the warehouse in {time.perf_counter() - started:.1f} s"
               f" (received {'over all 100 weeks' if days is None else f'in the last {days} days'})")
    inc = timed_publish(root, full=False)
    assert inc[2] == "incremental", inc
    say(lines, f"incremental publish ({inc[3]:,} comments changed, on {inc[4]}): {inc[0]:.1f} s,"
               f" peak RSS {inc[1]:.2f} GiB")
    if rebuild:
        full = timed_publish(root, full=True)
        say(lines, f"full rebuild of the same archive ({existing + new:,} comments): {full[0]:.1f} s,"
                     f" peak RSS {full[1]:.2f} GiB")
        say(lines, f"incremental / full: time {inc[0] / full[0]:.2f}, peak RSS {inc[1] / full[1]:.2f}")
    elif first is not None:
        say(lines, f"incremental / the first (full) publish of {existing:,}: time {inc[0] / first[0]:.2f},"
                   f" peak RSS {inc[1] / first[1]:.2f}")
    quiet = timed_publish(root, full=False)
    # on the previous archive, the night before is applied again: the archive it updates is two nights old
    say(lines, f"a publish with nothing new ({quiet[3]:,} comments applied, on {quiet[4]}): {quiet[0]:.1f} s,"
               f" peak RSS {quiet[1]:.2f} GiB")
    empty = Path(tempfile.mkdtemp(prefix="archive-empty-", dir=root))  # the baseline: the same night, nothing before
    build_warehouse(empty / "warehouse.db", new, random.Random(7), days=days)
    copy_promise_vectors(root / "warehouse.db", empty / "warehouse.db")
    (empty / "config.yml").write_text((REPO / "data" / "config.yml").read_text())
    base = timed_publish(empty, full=False)
    say(lines, f"{new:,} new into an empty archive (its first publish): {base[0]:.1f} s, peak RSS {base[1]:.2f} GiB")
    say(lines, f"incremental into {existing:,} / into empty: time {inc[0] / base[0]:.2f} (target <= 2)")
    return lines


def first_publish(root: Path) -> tuple[list[str], tuple[float, float]]:
    """The first (full) publish of the warehouse in ``root``, in a child process of its own:
    its lines, and its (seconds, peak RSS GiB)."""
    (root / "config.yml").write_text((REPO / "data" / "config.yml").read_text())
    seconds, rss, mode, _, _ = timed_publish(root, full=True)
    import sqlite_utils

    tables = json.loads(sqlite_utils.Database(root / "archive.db").execute("select tables from archive_info").fetchone()[0])
    lines: list[str] = []
    say(lines, f"publish (every extension, FTS, indexes): {seconds:.0f} s,"
               f" archive {(root / 'archive.db').stat().st_size / 2**30:.2f} GiB; peak RSS {rss:.1f} GiB")
    say(lines, "  rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tables.items())))
    return lines, (seconds, rss)


def write_results(title: str, command: str, lines: list[str]) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"\n## {title}, {stamp} ({os.cpu_count()} cores, shared and loaded,"
             f" {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB,"
             f" Python {platform.python_version()})\n\n{command}\n\n```\n" + "\n".join(lines) + "\n```\n")
    print(block)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2, help="concurrent clients (bounded load)")
    parser.add_argument("--requests", type=int, default=60, help="requests per scenario")
    parser.add_argument("--reuse", type=Path, help="a folder with archive.db from an earlier run (or only a"
                        " warehouse.db of --comments comments: it is published first)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra datasette --setting (e.g. suggest_facets=off), repeatable")
    parser.add_argument("--incremental", type=int, metavar="NEW",
                        help="time a night of NEW comments published incrementally against a full rebuild, then stop")
    parser.add_argument("--night-days", type=int, metavar="DAYS",
                        help="with --incremental: the new comments were received in the last DAYS days"
                             " (default: over all 100 weeks, so every week's tables are touched)")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="with --incremental: no second full rebuild (the first publish is one; for 1M)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rng = random.Random(42)
    lines = []
    if args.reuse:
        root = args.reuse
    else:
        root = Path(tempfile.mkdtemp(prefix="archive-scale-", dir=REPO / "bench" / "out"
                                     if (REPO / "bench" / "out").exists() else None))
        started = time.perf_counter()
        build_warehouse(root / "warehouse.db", args.comments, rng)
        lines.append(f"synthetic warehouse: {args.comments:,} comments in {time.perf_counter() - started:.0f} s")
    first: tuple[float, float] | None = None
    if not (root / "archive.db").exists():  # a fresh warehouse, or a copy of one built earlier (--reuse)
        published, first = first_publish(root)
        lines += published
    if args.incremental:
        lines += incremental_nights(root, args.comments, args.incremental, rng, rebuild=not args.no_rebuild,
                                    first=first, days=args.night_days)
        write_results(f"Incremental publish, {args.incremental:,} new into {args.comments:,}",
                      f"bench/archive_scale.py --comments {args.comments} --incremental {args.incremental} (first"
                      " publish full; each publish in a child process of its own, peak RSS is that child's)", lines)
        return
    archive = root / "archive.db"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "--immutable", str(archive), "--host", "127.0.0.1",
         "--port", str(port), "--setting", "facet_time_limit_ms", "100", "--setting", "suggest_facets", "off",
         "--setting", "sql_time_limit_ms", "3000",  # as `feedback serve` runs it
         "--metadata", str(REPO / "data" / "datasette" / "metadata.yml"),
         *[part for setting in args.setting for part in ("--setting", *setting.split("=", 1))]],
        env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        started = time.perf_counter()
        load(base, ["/-/feedback/search?q=warmup&mode=meaning"], 1)
        lines.append(f"first search by meaning (model + {args.comments:,} vectors loaded): "
                     f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        load(base, ["/-/feedback/search?q=warmup&mode=keyword"], 1)
        lines.append(f"first search by exact words (facet arrays loaded): {time.perf_counter() - started:.1f} s")
        words = ["refund", "delivery", "driver", "app", "slot", "staff", "fresh", "cancel", "voucher", "parking"]
        phrases = ["my money never came back", "the driver left my shopping outside in the rain",
                   "the app keeps closing itself", "nobody answers my emails", "the bread was stale",
                   "I could not cancel my membership"]
        con = sqlite3.connect(archive)
        theme_ids = [r[0] for r in con.execute("select id from themes order by comments desc limit 40")]
        con.close()
        n = args.requests
        scenarios = {
            "feedback table, search term + facets": [
                f"/archive/feedback?_search={words[i % len(words)]}" for i in range(n)],
            "feedback table, search + facet filter": [
                f"/archive/feedback?_search={words[i % len(words)]}&channel=survey&_facet=source" for i in range(n)],
            "search by words + facets (/-/feedback/search, exact words)": [
                f"/-/feedback/search?mode=keyword&q={words[i % len(words)]}" for i in range(n)],
            "search by words + facet filter (exact words)": [
                f"/-/feedback/search?mode=keyword&q={words[i % len(words)]}&channel=survey" for i in range(n)],
            "search by meaning (/-/feedback/search, meaning)": [
                f"/-/feedback/search?mode=meaning&q={urllib.parse.quote(phrases[i % len(phrases)])}" for i in range(n)],
            "hybrid search (words + meaning)": [
                f"/-/feedback/search?q={urllib.parse.quote(phrases[i % len(phrases)])}" for i in range(n)],
            "hybrid search with a channel filter": [
                f"/-/feedback/search?channel=email&q={urllib.parse.quote(phrases[i % len(phrases)])}" for i in range(n)],
            "themes overview": ["/-/feedback/themes"] * n,
            "theme page": [f"/-/feedback/themes/{theme_ids[i % len(theme_ids)]}" for i in range(n)],
            "promise gap": ["/-/feedback/promises"] * (n // 3),
            "what changed": ["/-/feedback/trends"] * (n // 3),
            "overview with charts": ["/-/feedback"] * (n // 3),
            "customers": ["/-/feedback/customers"] * (n // 3),
        }
        for name, paths in scenarios.items():
            load(base, paths[:2], 1)  # warm
            lines.append(f"{name:48s} {summary(load(base, paths, args.threads))}")
            print(lines[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"\n## Staff pages at scale, {stamp} ({os.cpu_count()} cores, "
             f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {platform.python_version()})\n\n"
             f"bench/archive_scale.py --comments {args.comments} --threads {args.threads} (bounded loopback load:"
             f" {args.requests} requests per scenario from {args.threads} clients; random unit vectors as embeddings;"
             f" datasette settings as `feedback serve`: facet_time_limit_ms 100, suggest_facets off"
             f"{''.join(' + ' + x for x in args.setting)})\n\n"
             "```\n" + "\n".join(lines) + "\n```\n")
    print(block)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(block)
    print(f"archive kept in {root}")


if __name__ == "__main__":
    main()
