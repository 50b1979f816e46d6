"""The sample generator: reproducible exports that the real reader ingests, with a truth that holds."""

from __future__ import annotations

import codecs
import csv
import io
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.pipeline import ingest_source
from feedback.samples import THEMES, compose_comment, generate, write_bench_csv
from feedback.samples.company import APP_RELEASE, Comment, pick_themes, polarity_of
from feedback.samples.exports import GOOGLE_FORMS_HEADER
from feedback.warehouse import open_warehouse

from .conftest import REPO

EXPORTS = {
    "checkout-nps": "surveys/checkout_nps_googleforms.csv",
    "support-csat": "surveys/support_csat_surveymonkey.csv",
    "app-feedback": "surveys/app_feedback_typeform.json",
    "store-visit": "surveys/store_visit_qualtrics.xlsx",
    "delivery-pulse": "surveys/delivery_pulse_2026.csv",
}
FILES = [*EXPORTS.values(), "surveys/truth.csv"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The default samples, laid out as in the repo (config.yml next to samples/), ingested once."""
    root = tmp_path_factory.mktemp("data")
    counts = generate(root / "samples")
    shutil.copy(REPO / "data" / "config.yml", root / "config.yml")
    config = load_config(root / "config.yml")
    db = open_warehouse(root / "warehouse.db")
    results = {name: ingest_source(db, config, name, customer_secret=b"test-key") for name in EXPORTS}
    with open(root / "samples" / "surveys" / "truth.csv", encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    return {"root": root, "counts": counts, "db": db, "results": results, "truth": truth}


def _items(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    rows = list(db.query("select source, question, text, rating, received_at, extra from items"))
    for row in rows:
        row["extra"] = json.loads(row["extra"])
    return rows


# --- reproducibility -----------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(sample: dict[str, Any], tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    generate(tmp_path / "other", seed=7)
    assert again == sample["counts"]
    for name in FILES:
        first = (sample["root"] / "samples" / name).read_bytes()
        assert (tmp_path / "again" / name).read_bytes() == first, name
        assert (tmp_path / "other" / name).read_bytes() != first, name


def test_generate_returns_the_five_exports_with_about_2000_comments(sample: dict[str, Any]) -> None:
    counts = sample["counts"]
    assert sorted(counts) == sorted(EXPORTS.values())
    assert 1500 <= sum(counts.values()) <= 2300
    assert sorted(p.name for p in (sample["root"] / "samples" / "surveys").iterdir()) == sorted(
        Path(f).name for f in FILES
    )


# --- formats are what the configuration says -----------------------------------------------------


def test_google_forms_is_utf8_without_bom_with_us_dates_and_nps(sample: dict[str, Any]) -> None:
    raw = (sample["root"] / "samples" / EXPORTS["checkout-nps"]).read_bytes()
    assert not raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == GOOGLE_FORMS_HEADER
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/2026 \d{1,2}:\d\d:\d\d", r[0]) for r in rows[1:])
    assert {int(r[2]) for r in rows[1:]} == set(range(11))
    assert len({tuple(r) for r in rows[1:]}) == len(rows) - 1, "rows must be unique: their id is their hash"


def test_surveymonkey_is_cp1252_with_two_header_rows_and_word_answers(sample: dict[str, Any]) -> None:
    raw = (sample["root"] / "samples" / EXPORTS["support-csat"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "\u2019" in text  # typographic apostrophes, as phones type them
    rows = list(csv.reader(io.StringIO(text, newline="")))
    question, labels = rows[0], rows[1]
    assert question[0] == "Respondent ID" and labels[0] == ""
    assert "Overall, how satisfied were you with the help you received?" in question
    assert question[question.index("How did you contact us?") + 1] == ""  # blank over a multi-column question
    assert labels[-1] == "Open-Ended Response" and "Response" in labels
    assert re.fullmatch(r"\d\d/\d\d/2026 \d\d:\d\d:\d\d [AP]M", rows[2][3])
    ratings = {r[9] for r in rows[2:]}
    assert {"Very satisfied", "Very dissatisfied"} <= ratings
    assert len(rows) - 2 > len({r[0] for r in rows[2:]}), "one respondent row is repeated"


def test_typeform_is_an_items_list_with_iso_z_dates(sample: dict[str, Any]) -> None:
    document = json.loads((sample["root"] / "samples" / EXPORTS["app-feedback"]).read_text("utf-8"))
    items = document["items"]
    assert len(items) == document["total_items"]
    assert all(re.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\dZ", i["submitted_at"]) for i in items)
    assert {i["answers"].get("rating") for i in items} <= {None, 1, 2, 3, 4, 5}
    assert all("email" in i["hidden"] for i in items)


def test_qualtrics_has_three_header_rows(sample: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(sample["root"] / "samples" / EXPORTS["store-visit"], read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    ids, questions, imports = rows[0], rows[1], rows[2]
    for column in ("ResponseId", "RecordedDate", "RecipientEmail", "Q1", "Q2", "Q3"):
        assert column in ids
    assert questions[ids.index("Q2")] == "What did you like about your visit?"
    assert imports[ids.index("Q1")] == '{"ImportId":"QID1"}'
    assert all(str(cell).startswith('{"ImportId"') for cell in imports)
    assert {r[ids.index("Q1")] for r in rows[3:]} <= {None, 1, 2, 3, 4, 5}


def test_delivery_pulse_has_a_bom_semicolons_day_first_dates_and_stars(sample: dict[str, Any]) -> None:
    raw = (sample["root"] / "samples" / EXPORTS["delivery-pulse"]).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=";"))
    assert rows[0] == ["Ref", "Date", "Customer email", "Order number", "Delivery slot", "Rating", "Comments"]
    assert all(len(r) == 7 for r in rows)
    assert all(re.fullmatch(r"\d\d/\d\d/2026 \d\d:\d\d", r[1]) for r in rows[1:])
    assert any(int(r[1][:2]) > 12 for r in rows[1:])  # unambiguously day first
    ratings = [r[5].strip() for r in rows[1:]]
    assert any(re.fullmatch("★+☆*", r) for r in ratings) and any(re.fullmatch(r"\d stars?", r) for r in ratings)


# --- the real reader and the truth -----------------------------------------------------------------


def test_every_export_ingests_without_quarantine(sample: dict[str, Any]) -> None:
    db = sample["db"]
    assert list(db.query("select source, location, reason from quarantine")) == []
    by_source = Counter(row["source"] for row in _items(db))
    for name, file in EXPORTS.items():
        assert by_source[name] == sample["counts"][file], name
        assert sample["results"][name].new == sample["counts"][file], name
    # A repeated row is read twice and stored once.
    for name, repeated in (("support-csat", 1), ("delivery-pulse", 2)):
        assert sample["results"][name].seen == sample["results"][name].new + repeated, name


def test_truth_joins_one_to_one_with_items(sample: dict[str, Any]) -> None:
    items: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for item in _items(sample["db"]):
        extra = item["extra"]
        items.setdefault((item["source"], extra["file"], extra["response_id"], item["question"]), []).append(item)
    truth = sample["truth"]
    assert len(truth) == sum(len(v) for v in items.values()) == sum(sample["counts"].values())
    for row in truth:
        # Warehouse file labels are relative to the config's folder; truth's to the samples folder.
        matches = items.get((row["source"], "samples/" + row["file"], row["response_id"], row["question"]), [])
        assert len(matches) == 1, row
        assert matches[0]["extra"]["row"] == int(row["row"]), row


def test_each_known_theme_has_at_least_40_comments(sample: dict[str, Any]) -> None:
    counts = Counter(key for row in sample["truth"] for key in row["theme_keys"].split(";") if key)
    assert set(counts) == set(THEMES)
    assert min(counts.values()) >= 40, counts


def test_ratings_agree_with_polarity(sample: dict[str, Any]) -> None:
    rating = {
        (i["source"], i["extra"]["file"], i["extra"]["response_id"], i["question"]): i["rating"]
        for i in _items(sample["db"])
    }
    means = {}
    for polarity in ("complaint", "praise", "mixed"):
        values = [
            rating[(r["source"], "samples/" + r["file"], r["response_id"], r["question"])]
            for r in sample["truth"]
            if r["polarity"] == polarity
        ]
        values = [v for v in values if v is not None]
        means[polarity] = sum(values) / len(values)
    assert means["complaint"] < 0.45, means
    assert means["praise"] > 0.7, means
    assert means["complaint"] < means["mixed"] < means["praise"], means


def test_dates_span_the_season_and_themes_trend(sample: dict[str, Any]) -> None:
    when = {
        (i["source"], i["extra"]["file"], i["extra"]["response_id"], i["question"]): i["received_at"]
        for i in _items(sample["db"])
    }
    assert min(when.values()) >= "2026-05-01" and max(when.values()) < "2026-11-16"
    release = APP_RELEASE.isoformat()
    before, after = Counter(), Counter()
    for row in sample["truth"]:
        moment = when[(row["source"], "samples/" + row["file"], row["response_id"], row["question"])]
        bucket = after if moment >= release else before
        bucket["all"] += 1
        bucket.update(row["theme_keys"].split(";"))
    share = {k: (before[k] / before["all"], after[k] / after["all"]) for k in ("app_crashes", "late_delivery")}
    assert share["app_crashes"][1] > 4 * share["app_crashes"][0], share  # grows after the app release
    assert share["late_delivery"][1] < share["late_delivery"][0] / 2, share  # fades after the partner change


def test_samples_are_messy_like_real_feedback(sample: dict[str, Any]) -> None:
    truth, items = sample["truth"], _items(sample["db"])
    texts = [i["text"] for i in items]
    assert sum(r["polarity"] == "mixed" for r in truth) >= 50  # comments making two points
    assert sum(len(r["theme_keys"].split(";")) > 1 for r in truth) >= 100
    assert {"fr", "es", "de"} <= {r["language"] for r in truth}
    assert sum(r["theme_keys"] == "" for r in truth) >= 20  # answers that say nothing in particular
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", t) for t in texts)
    assert any(re.search(r"07700 ?900 ?\d{3}|\+44 20 7946", t) for t in texts)
    assert any(re.search(r"@example\.|@mail\.example", t) for t in texts)
    assert any(len(t) < 15 for t in texts) and any(len(t) > 200 for t in texts)


# --- the reusable parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("themes", "polarity"),
    [
        (["late_delivery"], "complaint"),
        (["friendly_staff"], "praise"),
        (["late_delivery", "friendly_staff"], "mixed"),
        (["damaged_items", "missing_items"], "complaint"),
        ([], "neutral"),
    ],
)
def test_polarity_of(themes: list[str], polarity: str) -> None:
    assert polarity_of(themes) == polarity


@pytest.mark.parametrize("themes", [[], ["no_such_theme"], ["late_delivery", "late_delivery"]])
def test_compose_comment_rejects_bad_theme_lists(themes: list[str]) -> None:
    with pytest.raises(ValueError):
        compose_comment(random.Random(1), themes)


def test_compose_comment_is_reproducible_and_varied() -> None:
    def texts(seed: int) -> list[Comment]:
        rng = random.Random(seed)
        return [compose_comment(rng, [key]) for key in THEMES for _ in range(10)]

    assert texts(5) == texts(5)
    made = texts(5)
    assert all(c.theme_keys and c.polarity in ("complaint", "praise") for c in made)
    assert all("{" not in c.text and "|" not in c.text for c in made)  # slots filled, tags removed
    assert len({c.text for c in made}) > 0.8 * len(made)
    two = compose_comment(random.Random(3), ["late_delivery", "friendly_staff"], context="delivery")
    assert two.polarity == "mixed" and two.sentiment == 0.0


def test_every_theme_has_many_phrasings() -> None:
    assert len(THEMES) >= 14
    for theme in THEMES.values():
        assert len(theme.phrasings) >= 8, theme.key
        assert theme.clauses and theme.short, theme.key
        assert bool(theme.suggestions) == (theme.polarity == "complaint"), theme.key


def test_pick_themes_respects_polarity_and_exclusions() -> None:
    rng = random.Random(2)
    weights = {key: 1.0 for key in THEMES}
    for _ in range(50):
        picked = pick_themes(rng, weights, "praise", 2, exclude=["friendly_staff"])
        assert len(set(picked)) == 2 and "friendly_staff" not in picked
        assert all(THEMES[k].polarity == "praise" for k in picked)


def test_bench_csv_is_google_forms_shaped_unique_and_reproducible(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "big.csv"
    write_bench_csv(path, 20_000, seed=1)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == GOOGLE_FORMS_HEADER
    assert len(rows) == 20_001 and len({tuple(r) for r in rows[1:]}) == 20_000
    assert all(0 <= int(r[2]) <= 10 for r in rows[1:])
    write_bench_csv(tmp_path / "again.csv", 20_000, seed=1)
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()
