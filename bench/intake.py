"""Benchmark: the feedback intake over real HTTP on 127.0.0.1, and the nightly's read of its spool.

Not a test. Prints requests/s of the form and the signed endpoint against GET /healthz on the same
server (the floor: uvicorn and Starlette without any check or write), and the form channel's
ingest rows/s against a survey CSV of as many rows in the same process; appends to bench/RESULTS.md.

    .venv/bin/python bench/intake.py [--requests 400] [--rows 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import tempfile
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
import yaml

from feedback.config import load_config
from feedback.intake import spool
from feedback.intake.app import create_app
from feedback.intake.guards import sign
from feedback.intake.settings import FormSource
from feedback.pipeline import ingest_source
from feedback.samples import write_bench_csv
from feedback.samples.forms import draw_submissions
from feedback.warehouse import open_warehouse

RESULTS = Path(__file__).with_name("RESULTS.md")
SECRET = b"bench-secret"


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores (shared, loaded), {mem:.0f} GiB, Python {platform.python_version()}"


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def http_figures(folder: Path, requests: int) -> dict[str, float]:
    source = FormSource(name="web-form", channel="form", rate=1e9, burst=10**9)
    app = create_app(source, folder / "intake.db", secret=SECRET)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    figures = {}
    try:
        with httpx.Client(timeout=30) as client:
            start = time.perf_counter()
            for _ in range(requests):
                assert client.get(f"{base}/healthz").status_code == 200
            figures["healthz"] = per_second(requests, time.perf_counter() - start)
            token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"{base}/").text).group(1)  # type: ignore[union-attr]
            start = time.perf_counter()
            for n in range(requests):
                answer = client.post(f"{base}/", data={"csrf": token, "text": f"Late delivery number {n}.", "rating": "2",
                                                       "email": f"c{n}@example.com", "consent": "yes"})
                assert answer.status_code == 200
            figures["form"] = per_second(requests, time.perf_counter() - start)
            start = time.perf_counter()
            for n in range(requests):
                body = json.dumps({"id": f"b{n}", "text": f"Refund {n} still missing.", "rating": 1}).encode()
                ts = str(int(time.time()))
                answer = client.post(f"{base}/api/submissions", content=body, headers={
                    "Content-Type": "application/json", "X-Feedback-Timestamp": ts,
                    "X-Feedback-Signature": sign(SECRET, ts, body)})
                assert answer.status_code == 201
            figures["api"] = per_second(requests, time.perf_counter() - start)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    return figures


def ingest_figures(folder: Path, rows: int) -> dict[str, float]:
    samples = draw_submissions(1, 1000)
    with closing(spool.open_spool(folder / "spool.db")) as conn:
        conn.execute("begin")
        for n in range(rows):
            s = samples[n % len(samples)]
            spool.add(conn, spool.Submission(f"form:b{n}", s.via, s.received_at, s.text, s.rating, s.email, s.consent))
        conn.execute("commit")
    write_bench_csv(folder / "bench.csv", rows, 1)
    columns = {"received_at": "Timestamp", "customer": "Email Address",
               "rating": {"column": "How likely are you to recommend Brightmoor to a friend or colleague?", "scale": "nps"},
               "text": ["What is the main reason for your score?"]}
    (folder / "config.yml").write_text(yaml.safe_dump({"warehouse": "w.db", "archive": "a.db", "sources": [
        {"name": "form", "channel": "form", "spool": "spool.db"},
        {"name": "survey", "channel": "survey", "paths": "bench.csv", "columns": columns}]}), encoding="utf-8")
    config = load_config(folder / "config.yml")
    db = open_warehouse(config.warehouse)
    figures = {}
    for name in ("survey", "form"):
        start = time.perf_counter()
        result = ingest_source(db, config, name, b"bench-key")
        figures[name] = per_second(result.seen, time.perf_counter() - start)
        figures[f"{name}_items"] = result.seen
    start = time.perf_counter()
    again = ingest_source(db, config, "form", b"bench-key")
    figures["form_again_s"] = time.perf_counter() - start
    assert again.seen == 0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        http = http_figures(Path(tmp), args.requests)
        ingest = ingest_figures(Path(tmp), args.rows)
    lines = [
        f"HTTP, {args.requests} sequential requests each over one keep-alive connection: GET /healthz {http['healthz']:,.0f}/s;"
        f" form submissions {http['form']:,.0f}/s ({http['form'] / http['healthz']:.2f} x healthz);"
        f" signed JSON submissions {http['api']:,.0f}/s ({http['api'] / http['healthz']:.2f} x healthz)."
        " Every accepted submission is one committed, fsynced spool write (synchronous = FULL).",
        f"Ingest, {args.rows:,} rows: form spool {ingest['form']:,.0f} items/s ({ingest['form_items']:,.0f} items),"
        f" survey CSV {ingest['survey']:,.0f} items/s ({ingest['survey_items']:,.0f} items),"
        f" ratio {ingest['form'] / ingest['survey']:.2f}; reading the spool again: {ingest['form_again_s'] * 1000:.1f} ms, 0 items.",
    ]
    for line in lines:
        print(line)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(f"\n## bench/intake.py, {stamp} ({machine()})\n\n" + "\n".join(f"- {line}" for line in lines) + "\n")


if __name__ == "__main__":
    main()
