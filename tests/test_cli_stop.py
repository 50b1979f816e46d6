"""A command stopped with SIGTERM (a scheduler's time limit, ``systemctl stop``) cleans up as it ends: the temporary
Prefect API server a run starts stops with it (feedback.cli.stop_on_sigterm)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# The child starts Prefect's temporary API server as a run does, tells its pid, then is sent SIGTERM (by itself:
# no waiting on time, the signal arrives before the next line). The server stops only if exit handlers run.
CHILD = """
import os, signal, time
from feedback.cli import stop_on_sigterm
from prefect.server.api.server import SubprocessASGIServer
stop_on_sigterm()
server = SubprocessASGIServer()
server.start(timeout=600)  # a loaded machine may be slow to start it: not what this tests
print(server.server_process.pid, flush=True)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(600)
print("not reached", flush=True)
"""


@pytest.mark.slow
def test_sigterm_stops_the_temporary_prefect_server_too(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    out, err = tmp_path / "out", tmp_path / "err"  # files, not pipes: a server left behind would hold a pipe open
    with out.open("w") as stdout, err.open("w") as stderr:
        code = subprocess.run([sys.executable, "-c", CHILD], stdout=stdout, stderr=stderr, env=env,
                              timeout=300).returncode
    lines = out.read_text().split()
    assert len(lines) == 1 and lines[0].isdigit(), (lines, err.read_text()[-2000:])  # the server's pid, then nothing
    server = int(lines[0])
    try:
        assert code == 128 + signal.SIGTERM, err.read_text()[-2000:]
        with pytest.raises(ProcessLookupError):
            os.kill(server, 0)  # no such process: it stopped with the command
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server, signal.SIGTERM)  # a server left behind by a failure is stopped here


def test_sigterm_ends_the_command_as_an_error_does() -> None:
    code = ("import atexit, os, signal, time\n"
            "from feedback.cli import stop_on_sigterm\n"
            "stop_on_sigterm()\n"
            "atexit.register(lambda: print('cleaned up', flush=True))\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "time.sleep(600)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stdout) == (128 + signal.SIGTERM, "cleaned up\n")
