"""The Census 1990 given names the name redactor takes as evidence of a person: shipped as
feedback/text/given_names.tsv, written by scripts/given_names.py from the Census Bureau's files,
and read without the unmaintained ``names`` package."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

from feedback.text import words

from .conftest import REPO


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("given_names_script", REPO / "scripts" / "given_names.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def census_files(folder: Path, female: str, male: str) -> Path:
    (folder / "dist.female.first").write_text(female, encoding="ascii")
    (folder / "dist.male.first").write_text(male, encoding="ascii")
    return folder


def test_the_script_keeps_each_names_larger_share_sorted(tmp_path: Path) -> None:
    given = script()
    folder = census_files(tmp_path, "MARY           2.629  2.629      1\nJAMES          0.415 31.000     64\n",
                          "JAMES          3.318  3.318      1\nAARON          0.240 50.000     80\n\n")
    shares = given.read_shares(folder)
    assert shares == {"mary": 2.629, "james": 3.318, "aaron": 0.240}
    text = given.render(shares, "digests")
    assert text.endswith("aaron\t0.240\njames\t3.318\nmary\t2.629\n")
    assert "Public domain" in text and "Input sha256: digests" in text


@pytest.mark.parametrize("line", ["MARY 2.629", "MARY  two  2.629  1", "O'NEIL  0.001  2.0  9", "<html>"])
def test_a_line_that_is_not_the_census_format_is_refused_with_where(tmp_path: Path, line: str) -> None:
    folder = census_files(tmp_path, "MARY           2.629  2.629      1\n" + line + "\n", "")
    with pytest.raises(ValueError, match=r"^dist\.female\.first:2: not a line of the Census file: "):
        script().read_shares(folder)


def test_the_shipped_list_is_whole_and_declared_as_package_data() -> None:
    text = files("feedback.text").joinpath(words.GIVEN_NAMES).read_text(encoding="ascii")
    header = [line for line in text.splitlines() if line.startswith("#")]
    rows = dict(line.split("\t") for line in text.splitlines() if not line.startswith("#"))
    assert "Public domain" in header[2] and "Written by scripts/given_names.py" in header[4]
    assert len(rows) == 5163  # 4,275 female and 1,219 male names, 331 of them in both lists
    assert (rows["mary"], rows["james"], rows["austin"], rows["denver"]) == ("2.629", "3.318", "0.044", "0.009")
    assert list(rows) == sorted(rows)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert words.GIVEN_NAMES in project["tool"]["setuptools"]["package-data"]["feedback.text"]
    assert not any(d.split(">")[0].split("=")[0].strip() == "names" for d in project["project"]["dependencies"])


def test_name_evidence_needs_no_names_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "names", None)  # importing it now raises ImportError
    given, things = words._name_evidence()
    assert {"mary", "james", "austin", "denver"} <= set(given) | set(things)
    assert "austin" in given and "austin" not in things  # 1 in 10,000 or more: a name (Austin, Dallas)
    assert "denver" in things and "denver" not in given  # rarer, in a place's cluster: a thing
