"""`feedback --help` answers at once: the CLI imports no numerical, ML, Prefect or Datasette library
until a command needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import REPO

# Each takes from a quarter of a second (numpy) to several seconds (torch, spaCy) to import.
HEAVY = ("numpy", "scipy", "sklearn", "torch", "sentence_transformers", "spacy", "prefect", "datasette",
         "sqlite_utils", "hdbscan", "pandas")

PROBE = f"""
import json, sys
sys.argv = ["feedback", *sys.argv[1:]]
from feedback.cli import main
code = None
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({{"code": code, "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


@pytest.mark.parametrize("args", [["--help"], ["themes", "--help"], ["run", "--help"],
                                  ["themes", "recluster", "--help"], ["serve", "--help"]], ids=" ".join)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    *help_text, last = done.stdout.splitlines()
    assert help_text[0].startswith("Usage: feedback")
    assert json.loads(last) == {"code": 0, "heavy": []}


def test_the_configuration_imports_no_heavy_library() -> None:
    """``feedback.config`` needs only the theme settings, not the theme engine."""
    probe = f"import sys, feedback.config; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"
