"""scripts/system-deps.sh: a package that cannot be installed stops `make test` as root or under CI.

apt, dpkg, id and sudo are stand-ins on PATH (real installs cannot run in a test): dpkg knows the
packages listed in a state file, apt-get logs its calls and installs into that file unless told
to fail.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

SCRIPT = REPO / "scripts" / "system-deps.sh"
PACKAGES = ["dovecot-imapd", "spamassassin", "spamd", "spamc", "chromium"]

SHIMS = {
    "dpkg": '[ "$1" = -s ] && grep -qx "$2" "$FAKE/installed"',
    "id": '[ "$1" = -u ] && echo "$FAKE_UID"',
    "sudo": '[ "$FAKE_SUDO" = yes ] && [ "$1" = -n ] && shift && FAKE_UID=0 exec "$@"\n'
            'echo "sudo: a password is required" >&2; exit 1',
    "apt-get": """
echo "$(id -u) $*" >> "$FAKE/calls"
case "$1" in
  --version) echo "apt 2.6.1" ;;
  update) echo "Reading package lists..." ;;
  install)
    shift
    for pkg in "$@"; do
      case "$pkg" in
        -*) ;;
        "$FAKE_BROKEN") echo "E: Unable to locate package $pkg"; exit 100 ;;
        *) echo "$pkg" >> "$FAKE/installed" ;;
      esac
    done ;;
esac
""",
}


def run(tmp_path: Path, installed: list[str], uid: int = 0, ci: str | None = None, sudo: bool = False,
        broken: str = "") -> tuple[subprocess.CompletedProcess[str], list[str], list[str]]:
    """Run the script; returns (the run, apt-get's calls as '<uid> <args>', the packages installed after)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in SHIMS.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "installed").write_text("".join(f"{p}\n" for p in installed))
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE": str(tmp_path), "FAKE_UID": str(uid),
           "FAKE_SUDO": "yes" if sudo else "no", "FAKE_BROKEN": broken}
    if ci is not None:
        env["CI"] = ci
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    return result, calls, (tmp_path / "installed").read_text().split()


INSTALL = ["0 --version", "0 update -qq", "0 install -y -qq dovecot-imapd spamassassin spamd spamc chromium"]


@pytest.mark.parametrize(
    ("setting", "code", "stderr", "calls"),
    [
        (dict(installed=PACKAGES), 0, "", []),
        (dict(installed=[]), 0, "system-deps: installed dovecot-imapd spamassassin spamd spamc chromium\n", INSTALL),
        (dict(installed=["dovecot-imapd", "spamassassin", "spamd", "spamc"], uid=1000), 0,
         "system-deps: not root; tests needing chromium will skip\n", []),
        (dict(installed=["dovecot-imapd", "spamassassin", "spamd", "spamc"], uid=1000, ci="true"), 1,
         "system-deps: FAILED: chromium not installed; CI=true but not root and no passwordless sudo"
         " to install them\n", []),
        (dict(installed=["dovecot-imapd", "spamassassin", "spamd", "spamc"], uid=1000, ci="true", sudo=True), 0,
         "system-deps: installed chromium\n", ["1000 --version", "0 update -qq", "0 install -y -qq chromium"]),
    ],
    ids=["all there", "root installs", "user warns", "CI user without sudo fails", "CI user with sudo installs"],
)
def test_system_deps(tmp_path: Path, setting: dict, code: int, stderr: str, calls: list[str]) -> None:
    result, called, _ = run(tmp_path, **setting)
    assert (result.returncode, result.stderr, result.stdout) == (code, stderr, "")
    assert called == calls


@pytest.mark.parametrize(("uid", "ci", "sudo"), [(0, None, False), (0, "true", False), (1000, "true", True)],
                         ids=["root", "root under CI", "CI user with sudo"])
def test_a_failed_install_stops_with_the_package_name_and_apts_words(tmp_path: Path, uid: int, ci: str | None,
                                                                    sudo: bool) -> None:
    result, called, installed = run(tmp_path, [], uid=uid, ci=ci, sudo=sudo, broken="chromium")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "system-deps: FAILED to install chromium (apt-get install exited with 100); apt said:")
    assert "  E: Unable to locate package chromium" in result.stderr.splitlines()
    assert called[-1].endswith("install -y -qq dovecot-imapd spamassassin spamd spamc chromium")
    assert installed == ["dovecot-imapd", "spamassassin", "spamd", "spamc"]
