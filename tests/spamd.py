"""A throwaway SpamAssassin ``spamd`` on 127.0.0.1 and a free port, for the tests and bench/spam_filter.py.

Local tests only (``-L``: no DNS blocklists, no network), the rules Debian's spamassassin package
ships (no ``sa-update``), no per-user configuration, and no Bayes database (nothing trained
here; a production spamd's Bayes learns from its own mail). Ready when it answers PING.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SPAMD = shutil.which("spamd") or ("/usr/sbin/spamd" if os.path.exists("/usr/sbin/spamd") else None)
SPAMC = shutil.which("spamc")
NO_SPAMD = "spamd or spamc is not installed (scripts/system-deps.sh installs Debian's spamassassin, spamd, spamc)"
STARTUP = 180.0  # seconds: it compiles ~1,000 rules first (5-10 s alone, longer on a loaded machine)


@dataclass(frozen=True)
class Spamd:
    host: str
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_ping(host: str, port: int) -> bool:
    """spamd answers PING (``spamc -K``)."""
    done = subprocess.run(["spamc", "-d", host, "-p", str(port), "-K", "-x", "-t", "5", "--connect-retries=1"],
                          capture_output=True, timeout=30)
    return done.returncode == 0 and done.stdout.startswith(b"SPAMD/")


@contextmanager
def running_spamd(children: int = 2, config: list[str] | None = None, allow_tell: bool = False) -> Iterator[Spamd]:
    """Start spamd, wait until it answers PING, yield where it listens; stop it on exit.
    ``config``: lines of SpamAssassin configuration instead of the default (no Bayes);
    ``allow_tell``: spamd learns what ``spamc -L`` tells it (``--allow-tell``)."""
    if SPAMD is None or SPAMC is None:
        raise RuntimeError(NO_SPAMD)
    root = Path(tempfile.mkdtemp(prefix="feedback-spamd-"))
    port = free_port()
    log = root / "spamd.log"
    command = [
        SPAMD, "-L", "-x", f"--listen=127.0.0.1:{port}", f"--max-children={children}",
        f"--min-children={children}", "-s", str(log), "-r", str(root / "spamd.pid"),
        *(f"--cf={line}" for line in (config or ["use_bayes 0", "bayes_auto_learn 0"])),
        *(["--allow-tell"] if allow_tell else []),
    ]
    if os.geteuid() == 0:  # spamd will not check mail as root
        command += ["-u", "nobody"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP
        while not answers_ping("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"spamd did not start (exit {process.poll()}): {text}")
            time.sleep(0.2)
        yield Spamd("127.0.0.1", port, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
