"""Benchmark: what Prefect's temporary server costs a flow run started without a server (not a test).

A flow run started where ``PREFECT_API_URL`` is not set (``feedback run`` on a laptop, a
cron job) makes Prefect start a temporary API server in a subprocess, wait for it, and stop it
when the run ends. A deployment served by a worker, or any run with ``PREFECT_API_URL`` pointing
at a running server (``prefect server start``), does not. This times the same one-task flow,
each run in a fresh interpreter, both ways: the difference is what a nightly run pays for the
temporary server. Appends to bench/RESULTS.md.

    .venv/bin/python bench/prefect_server.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_scale import write_results  # noqa: E402 - bench/ is not a package

FLOW = """
from prefect import flow, task

@task
def one() -> int:
    return 1

@flow
def tiny() -> int:
    return one()

assert tiny() == 1
"""
QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
         "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}


def timed(env: dict[str, str], code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (the median is reported)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    home = Path(tempfile.mkdtemp(prefix="prefect-bench-"))
    base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | QUIET
    temporary = base | {"PREFECT_HOME": str(home / "temporary")}
    imports = [timed(temporary, "import prefect") for _ in range(args.runs)]
    alone = [timed(temporary, FLOW) for _ in range(args.runs)]
    port = free_port()
    server_env = base | {"PREFECT_HOME": str(home / "server")}
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=server_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/api"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{api}/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            sys.exit("the Prefect server did not answer within 5 minutes")
        served = [timed(server_env | {"PREFECT_API_URL": api}, FLOW) for _ in range(args.runs)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    median = {name: statistics.median(times) for name, times in
              (("import", imports), ("temporary", alone), ("server", served))}
    lines = [
        f"import prefect alone:                               {median['import']:5.1f} s",
        f"one-task flow, no PREFECT_API_URL (temporary server): {median['temporary']:5.1f} s"
        f"  (runs: {', '.join(f'{t:.1f}' for t in alone)})",
        f"one-task flow, PREFECT_API_URL -> running server:     {median['server']:5.1f} s"
        f"  (runs: {', '.join(f'{t:.1f}' for t in served)})",
        f"the temporary server costs each run:                  {median['temporary'] - median['server']:5.1f} s",
        f"machine load (5 min) at the end:                      {os.getloadavg()[1]:5.1f}",
    ]
    print("\n".join(lines))
    write_results("Prefect's temporary server", f"bench/prefect_server.py --runs {args.runs} (each run a fresh"
                  " interpreter, wall time from start to exit; median)", lines)


if __name__ == "__main__":
    main()
