"""The published archive: its contract, search, redaction, atomic swap, and Datasette over it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import yaml

from feedback.config import load_config
from feedback.pipeline import ingest_source
from feedback.publish import FEEDBACK_COLUMNS, publish
from feedback.text.process import build_redactor, process_items
from feedback.text.redact import Redactor
from feedback.warehouse import open_warehouse

from .conftest import REPO, SECRET

HEADER = "Timestamp,Email Address,How likely are you to recommend us?,Why?\n"
ROWS = [
    ("9/14/2026 10:22:05", "ann.lee@example.com", "2", "Delivery was two days late. Ring me on 07700 900123 or mail ann.lee@example.com"),
    ("9/20/2026 08:01:00", "bob@example.org", "9", "Lovely driver, fresh bread, call +44 20 7946 0958 if you need a reference"),
    ("10/02/2026 12:00:00", "", "5", "Charged twice for one order, card 4111 1111 1111 1111, please refund to GB82 WEST 1234 5698 7654 32"),
    ("10/03/2026 12:00:00", "carol@example.net", "10", "Perfect, no complaints (my number is (212) 555-0188)"),
]
EMAILS = ["ann.lee@example.com", "bob@example.org", "carol@example.net"]
PHONES = ["07700 900123", "+44 20 7946 0958", "(212) 555-0188", "4111 1111 1111 1111", "GB82 WEST"]


@pytest.fixture
def archive(tmp_path: Path, write_config: Callable[..., Path]) -> Path:
    lines = [",".join([t, e, s, f'"{text}"']) for t, e, s, text in ROWS]
    (tmp_path / "nps.csv").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    columns = {"received_at": "Timestamp", "customer": "Email Address",
               "rating": {"column": "How likely are you to recommend us?", "scale": "nps"}, "text": "Why?"}
    config = load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv", "columns": columns}]))
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "nps", SECRET)
    process_items(db, build_redactor(["GB", "US"]), ["en"])
    publish(db, config.archive)
    return config.archive


def test_archive_follows_the_contract(archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    assert {"feedback", "themes", "feedback_themes", "runs", "sources", "feedback_fts"} <= set(db.table_names())
    assert set(FEEDBACK_COLUMNS) <= set(db["feedback"].columns_dict)
    assert db["feedback"].pks == ["id"]
    assert set(db["themes"].columns_dict) >= {"id", "label", "keywords", "parent_id", "size", "sentiment", "first_seen", "last_seen"}
    assert set(db["feedback_themes"].columns_dict) == {"feedback_id", "theme_id", "score"}
    assert set(db["runs"].columns_dict) >= {"flow", "parameters", "started", "finished", "status", "items_in", "items_new", "quarantined"}
    assert db["feedback"].detect_fts() == "feedback_fts"
    rows = list(db.query("select * from feedback order by received_at"))
    assert [r["rating_band"] for r in rows] == ["low", "high", "low", "high"]
    assert rows[0]["month"] == "2026-09" and rows[0]["channel"] == "survey" and rows[0]["language"] == "en"
    assert rows[0]["sentiment"] < 0 < rows[1]["sentiment"]
    assert all(r["customer"] is None or re.fullmatch(r"c_[0-9a-f]{16}", r["customer"]) for r in rows)
    assert "raw_documents" not in db.table_names() and "items" not in db.table_names()


def test_full_text_search_finds_comments_by_word_and_stem(archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    assert [r["text"][:15] for r in db["feedback"].search("deliveries")] == ["Delivery was tw"]
    assert len(list(db["feedback"].search("refund"))) == 1


def test_no_address_or_number_from_the_input_is_published(archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    published = "\n".join(
        str(value) for table in db.table_names() for row in db[table].rows for value in row.values()
        if not table.startswith("feedback_fts")
    )
    for secret in EMAILS + PHONES:
        assert secret not in published
    assert "@" not in published
    text = "\n".join(r["text"] for r in db["feedback"].rows)
    assert text.count("[EMAIL]") == 1 and text.count("[PHONE]") == 3
    assert "[CARD]" in text and "[IBAN]" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jo.bloggs+shop@mail.example.co.uk!", "mail me at [EMAIL]!"),
        ("Call 020 7946 0958 or 07700 900 123.", "Call [PHONE] or [PHONE]."),
        ("US: (212) 555-0188, intl +1 212 555 0188", "US: [PHONE], intl [PHONE]"),
        ("Card 5555-5555-5555-4444 declined", "Card [CARD] declined"),
        ("Order 4111111111111112 (not a card)", "Order 4111111111111112 (not a card)"),
        ("Waited 45 minutes on 12/03/2026 for £45.99", "Waited 45 minutes on 12/03/2026 for £45.99"),
        ("Order #12345678 was late", "Order #12345678 was late"),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [IBAN] please"),
        ("https://user:pw@example.com/x", "https://[CREDENTIALS]@example.com/x"),
        ("", ""),
    ],
)
def test_redaction(text: str, expected: str) -> None:
    assert Redactor(regions=("GB", "US"))(text) == expected


def test_redacting_many_at_once_is_the_same_as_one_by_one() -> None:
    from feedback.text.names import NameRedactor

    texts = ["Hi Sam, call 020 7946 0958.", None, "", "Mrs Okafor: jo@example.com", "All fine."]
    shout = str.upper  # a step without a batch method is called per text
    redactor = Redactor(regions=("GB",), extra=[NameRedactor(known=["Jo Bloggs"]), shout])
    expected = ["HI [NAME], CALL [PHONE].", None, "", "MRS [NAME]: [EMAIL]", "ALL FINE."]
    assert [redactor(t) for t in texts] == expected
    assert redactor.many(texts) == expected


def test_publish_swaps_atomically_and_keeps_the_old_archive_on_failure(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = archive.read_bytes()
    db = open_warehouse(archive.parent / "warehouse.db")

    def broken(_: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
        raise RuntimeError("extension failed")

    with pytest.raises(RuntimeError):
        publish(db, archive, extensions=[broken])
    assert archive.read_bytes() == before
    assert [p.name for p in archive.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_metadata_describes_every_published_table_and_column(archive: Path) -> None:
    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    tables = metadata["databases"]["archive"]["tables"]
    db = sqlite_utils.Database(archive)
    for name in db.table_names():
        if name.startswith(("feedback_fts", "sqlite_")):
            continue
        assert tables.get(name, {}).get("description"), f"table {name} has no description"
        missing = set(db[name].columns_dict) - set(tables[name].get("columns", {}))
        assert not missing, f"{name}: columns without a description: {sorted(missing)}"


async def test_datasette_serves_search_and_facets(archive: Path) -> None:
    from datasette.app import Datasette

    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    ds = Datasette([str(archive)], metadata=metadata, immutables=[])
    response = await ds.client.get("/archive/feedback.json?_search=late&_shape=objects&_extra=facet_results")
    assert response.status_code == 200
    data = response.json()
    assert [row["rating_raw"] for row in data["rows"]] == ["2"]
    facets = data["facet_results"]["results"] if "results" in data["facet_results"] else data["facet_results"]
    assert {"source", "channel", "rating_band", "month"} <= set(facets)
    page = await ds.client.get("/archive/feedback")
    assert page.status_code == 200 and "One row per customer comment" in page.text
    home = await ds.client.get("/")
    assert "What our customers say" in home.text
    ranked = await ds.client.get("/archive/search.json?q=charged&_shape=objects")
    assert ranked.status_code == 200 and "**Charged**" in ranked.json()["rows"][0]["passage"]
    nps = await ds.client.get("/archive/nps_by_month.json?_shape=objects")
    assert {(r["month"], r["nps"]) for r in nps.json()["rows"]} == {("2026-09", 0.0), ("2026-10", 0.0)}
    # Read-only: writes through SQL are refused.
    write = await ds.client.get("/archive.json?sql=delete+from+feedback")
    assert write.status_code in (400, 403)
