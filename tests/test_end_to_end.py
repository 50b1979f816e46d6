"""The shipped configuration over the generated samples: everything lands, nothing personal is published."""

from __future__ import annotations

import re
from pathlib import Path

import phonenumbers
import pytest
import sqlite_utils
import yaml

from feedback.config import load_config
from feedback.warehouse import open_warehouse

from .conftest import REPO, build_sample_archive

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped configuration over the generated samples (built once per test session)."""
    return build_sample_archive(tmp_path_factory)


def test_every_source_lands_and_nothing_is_quarantined(sample_run: Path) -> None:
    config = load_config(sample_run / "config.yml")
    db = open_warehouse(config.warehouse)
    counts = dict(db.execute("select source, count(*) from items group by source").fetchall())
    assert set(counts) == {s.name for s in config.sources}
    assert all(n > 0 for n in counts.values())
    assert [r[0] for r in db.execute("select reason from quarantine")] == []
    # the sample site's robots.txt forbids one page: skipped with the reason, not quarantined
    skipped = [r[0] for r in db.execute("select value from watermarks where key like 'skipped:%'")]
    assert len(skipped) == 1 and "disallowed by robots.txt" in skipped[0]


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


def test_metadata_describes_every_table_and_column_of_the_full_archive(sample_run: Path) -> None:
    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    described = metadata["databases"]["archive"]["tables"]
    archive = sqlite_utils.Database(sample_run / "archive.db")
    assert {"themes", "feedback_themes", "segments", "theme_history", "email_threads",
            "email_feedback"} <= set(archive.table_names())
    for name in archive.table_names():
        if name.startswith(("feedback_fts", "sqlite_")):
            continue
        assert described.get(name, {}).get("description"), f"table {name} has no description"
        missing = set(archive.table(name).columns_dict) - set(described[name].get("columns", {}))
        assert not missing, f"{name}: columns without a description: {sorted(missing)}"


def test_themes_are_published_with_their_comments(sample_run: Path) -> None:
    archive = sqlite_utils.Database(sample_run / "archive.db")
    themes = list(archive.query("select id, label, size from themes where level = 0"))
    assert len(themes) >= 10
    assert len({t["label"] for t in themes}) == len(themes)
    carried = archive.execute("select count(distinct feedback_id) from feedback_themes").fetchone()[0]
    assert carried >= 0.8 * archive.table("feedback").count
    orphans = archive.execute(
        "select count(*) from feedback_themes where feedback_id not in (select id from feedback)"
    ).fetchone()[0]
    assert orphans == 0


async def test_datasette_pages_over_the_sample_archive(sample_run: Path) -> None:
    from datasette.app import Datasette

    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    ds = Datasette([str(sample_run / "archive.db")], metadata=metadata)
    first_theme = sqlite_utils.Database(sample_run / "archive.db").execute("select min(id) from themes").fetchone()[0]
    for path in ("/", "/archive", "/archive/feedback", "/archive/themes", "/archive/segments",
                 "/archive/theme_history", "/archive/runs", "/archive/sources",
                 "/archive/feedback?_search=refund", "/archive/search?q=late+delivery",
                 "/archive/nps_by_month", f"/archive/themes/{first_theme}", "/archive/waiting_for_an_answer",
                 "/archive/email_threads"):
        response = await ds.client.get(path)
        assert response.status_code == 200, path
    found = (await ds.client.get("/archive/feedback.json?_search=refund&_shape=objects")).json()["rows"]
    assert found and all("refund" in (r["text"] + (r["title"] or "")).lower() for r in found)


def test_no_sender_name_from_the_sample_mailbox_is_published(sample_run: Path) -> None:
    import mailbox
    from email.utils import parseaddr

    names: set[str] = set()
    for message in mailbox.mbox(str(sample_run / "samples" / "email" / "support.mbox")):
        display, address = parseaddr(str(message.get("From", "")))
        if display and not address.endswith("@brightmoor.co.uk"):
            names.update(part for part in display.replace(",", " ").split() if len(part) > 2)
    # "Mail Delivery System", "Brightmoor Newsletter": ordinary words are not names
    from feedback.text.names import english_words

    names = {n for n in names if n.lower() not in english_words()}
    assert len(names) > 10
    archive = sqlite_utils.Database(sample_run / "archive.db")
    words = set(re.findall(r"[A-Za-z'’-]+", "\n".join(
        f"{r['title'] or ''} {r['text']}" for r in archive.query("select title, text from feedback")
    )))
    assert sorted(names & words) == []


def test_no_customer_or_staff_name_from_the_samples_is_published(sample_run: Path) -> None:
    from feedback.samples.company import AGENTS, DRIVERS, FIRST_NAMES, STORE_STAFF
    from feedback.text.names import english_words

    archive = sqlite_utils.Database(sample_run / "archive.db")
    text = "\n".join(f"{r['title'] or ''} {r['text']}" for r in archive.query("select title, text from feedback"))
    text += "\n".join(r["text"] for r in archive.query("select text from segments"))
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}  # "sandeep" and "Thanks, Kemi" were published
    names = {n.lower() for n in (*DRIVERS, *STORE_STAFF, *AGENTS, *FIRST_NAMES)} - english_words()  # not "grace"
    assert sorted(names & words) == []
    assert "[NAME]" in text
