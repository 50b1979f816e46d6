"""The shipped configuration over the generated samples: everything lands, nothing personal is published."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import phonenumbers
import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.pipeline import ingest_source
from feedback.process import build_redactor, process_items
from feedback.publish import publish
from feedback.samples import generate
from feedback.samples.reviews import generate_reviews
from feedback.warehouse import open_warehouse

from .conftest import REPO, SECRET

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("samples-run")
    shutil.copy(REPO / "data" / "config.yml", root / "config.yml")
    shutil.copytree(REPO / "data" / "datasette", root / "datasette")
    generate(root / "samples")
    generate_reviews(root / "samples" / "reviews", 20261122)
    config = load_config(root / "config.yml")
    db = open_warehouse(config.warehouse)
    for source in config.sources:
        ingest_source(db, config, source.name, SECRET)
    process_items(db, build_redactor(config.processing.phone_regions), config.processing.languages)
    publish(db, config.archive)
    return root


def test_every_source_lands_and_only_robots_disallowed_pages_are_set_aside(sample_run: Path) -> None:
    config = load_config(sample_run / "config.yml")
    db = open_warehouse(config.warehouse)
    counts = dict(db.execute("select source, count(*) from items group by source").fetchall())
    assert set(counts) == {s.name for s in config.sources}
    assert all(n > 0 for n in counts.values())
    reasons = [r[0] for r in db.execute("select reason from quarantine")]
    assert all("disallowed by robots.txt" in reason for reason in reasons), reasons


def input_identifiers(folder: Path) -> set[str]:
    """Every e-mail address and phone number written anywhere in the sample inputs."""
    found: set[str] = set()
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix == ".xlsx":
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".csv" and "surveymonkey" in path.name:
            text = path.read_bytes().decode("cp1252", errors="replace")
        found.update(EMAIL.findall(text))
        for match in phonenumbers.PhoneNumberMatcher(text, "GB"):
            found.add(match.raw_string)
    return found


def test_no_address_or_phone_number_from_the_samples_is_published(sample_run: Path) -> None:
    identifiers = input_identifiers(sample_run / "samples")
    assert len(identifiers) > 50  # the samples do carry personal data to hide
    archive = sqlite_utils.Database(sample_run / "archive.db")
    published = "\n".join(
        str(value) for table in archive.table_names() if not table.startswith(("feedback_fts", "sqlite_"))
        for row in archive.table(table).rows for value in row.values()
    )
    leaked = sorted(i for i in identifiers if i in published)
    assert leaked == []
    assert not EMAIL.search(published)


def test_known_words_are_searchable(sample_run: Path) -> None:
    archive = sqlite_utils.Database(sample_run / "archive.db")
    for word in ("delivery", "refund", "crash", "driver"):
        assert len(list(archive.table("feedback").search(word, limit=5))) == 5, word
