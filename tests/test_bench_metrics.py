"""The figures bench/themes_quality.py reports, on tiny inputs with known answers (no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from themes_metrics import (  # noqa: E402
    agreement,
    binary_macro_f1,
    common_ari,
    label_checks,
    label_problem,
    label_scores,
    split_nights,
)

STOPS = {"the", "of", "and", "my", "to", "a", "other", "last"}
NAMES = {"aaron", "bob", "sal"}


def test_identical_partitions_agree_fully_whatever_the_ids() -> None:
    found = agreement(["a", "a", "b", "b", -1], [7, 7, 3, 3, -1])
    assert (found.one_to_one, found.majority, found.unmatched_nightly) == (1.0, 1.0, 0)


def test_a_night_that_splits_a_theme_loses_the_smaller_part_one_to_one_only() -> None:
    # nightly made "x" (3 comments) and "y" (1) out of what the re-cluster calls theme 1
    found = agreement(["x", "x", "x", "y", "z", "z"], [1, 1, 1, 1, 2, 2])
    assert found.one_to_one == pytest.approx(5 / 6)
    assert found.majority == 1.0
    assert (found.nightly_themes, found.recluster_themes, found.unmatched_nightly) == (3, 2, 1)


def test_outliers_map_only_to_outliers() -> None:
    # the outlier comment the re-cluster put in theme 1 disagrees; an outlier kept as one agrees
    found = agreement([-1, -1, "a", "a"], [-1, 1, 1, 1])
    assert found.one_to_one == pytest.approx(3 / 4)
    assert found.majority == pytest.approx(3 / 4)
    assert found.unmatched_nightly == 0


def test_agreement_refuses_mismatched_or_empty_input() -> None:
    with pytest.raises(ValueError, match="one entry per item"):
        agreement([1, 2], [1])
    with pytest.raises(ValueError, match="no items"):
        agreement([], [])


def test_scores_count_outliers_as_one_cluster() -> None:
    perfect = label_scores(["p", "p", "q", "q"], [5, 5, -1, -1])
    assert perfect == {"NMI": pytest.approx(1.0), "ARI": pytest.approx(1.0), "outliers": 0.5}
    with pytest.raises(ValueError, match="one entry per item"):
        label_scores(["p"], [1, 2])


def test_common_ari_uses_only_the_items_both_fits_hold() -> None:
    ari, common = common_ari({"a": 1, "b": 1, "c": 2, "d": 2}, {"a": 9, "b": 9, "c": 8, "e": 9})
    assert (ari, common) == (pytest.approx(1.0), 3)
    with pytest.raises(ValueError, match="share no item"):
        common_ari({"a": 1}, {"b": 1})


def test_nights_cover_every_item_once_with_the_first_night_share() -> None:
    nights = split_nights(10, 0.5, 3, seed=1)
    assert [len(n) for n in nights] == [5, 2, 3]
    assert sorted(i for n in nights for i in n) == list(range(10))
    assert [list(n) for n in nights] == [list(n) for n in split_nights(10, 0.5, 3, seed=1)]
    with pytest.raises(ValueError, match="at least two nights"):
        split_nights(10, 0.5, 1, seed=1)


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("Refund delays", None),
        ("Rude store staff", None),
        ("Speed of delivery", None),
        ("Can't log in app", None),
        ("Double-charged card payments", None),
        ("Refund", "one word"),
        ("The refund", "stop word at an edge"),
        ("Refund of my", "saying"),  # a pronoun: cut from something said
        ("Other comments", "stop word at an edge"),
        ("More staff", None),
        ("No reply", None),
        ("Too small", None),
        ("Very flattering", None),
        ("No", "one word"),
        ("More of the", "stop word at an edge"),
        ("Last longer", None),  # "last" a verb with a comparative (phrase_tokens.verb_with), not "last week"
        ("Last week", "stop word at an edge"),
        ("Refund after 11 days", "number"),
        ("W2 forms", None),  # names written with a digit or two
        ("Transfer 401k", None),
        ("PS5 controller", None),
        ("Flight dl123", "number"),  # a code
        ("Phone call", None),  # nouns in spaCy's stop list that name things (phrase_tokens.STOP_NOUNS)
        ("Name questions", None),
        ("Call the", "stop word at an edge"),
        ("Delivery after 5pm", "number"),
        ("card [PHONE] number", "fragment"),
        ("n't work", "fragment"),
        ("Offer save ...", "fragment"),
        ("Waited far too long on hold", "too long"),
        ("", "empty"),
        ("I topped up", "saying"),
        ("App does not recognize me", "saying"),
        ("Both times it was declined", "saying"),
        ("What can I do", "saying"),
        ("Bob and sal", "name"),
        ("Aaron", "one word"),
        ("Spelling names", None),
    ],
)
def test_label_problem(label: str, problem: str | None) -> None:
    assert label_problem(label, STOPS, NAMES) == problem


def test_label_problem_knows_people_by_the_shipped_name_tables() -> None:
    assert [label_problem(lab, STOPS) for lab in ["Busy denny", "John at bardenay", "Olive oil", "Grace period"]] \
        == ["name", "name", None, None]


def test_a_phrasal_verbs_particle_may_end_a_label() -> None:
    found = [label_problem(lab) for lab in ["Delivery not turning up", "Signed up", "Delivery turn up", "Refund up"]]
    assert found == [None, None, "stop word at an edge", "stop word at an edge"]


def test_label_checks_count_phrases_one_words_and_sibling_duplicates() -> None:
    checks = label_checks({1: ["Refund delays", "refund  delays", "Refund"], 2: ["Refund delays", "The app"]}, STOPS,
                          NAMES)
    assert checks.labels == 5
    assert checks.phrase_share == pytest.approx(3 / 5)
    assert checks.one_word_share == pytest.approx(1 / 5)
    assert checks.duplicate_siblings == 1  # the same label under another parent is no duplicate
    assert checks.problems == {"one word": 1, "stop word at an edge": 1}
    with pytest.raises(ValueError, match="no labels"):
        label_checks({1: []}, STOPS, NAMES)


def test_binary_macro_f1_leaves_three_stars_out() -> None:
    f1, n = binary_macro_f1([0.5, -0.5, 0.9, 0.0], [5, 1, 3, 2])
    assert (f1, n) == (1.0, 3)  # a score of 0 reads negative
    f1, _ = binary_macro_f1([0.5, 0.5], [5, 1])  # one right of each class: F1 2/3 and 0
    assert f1 == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no 1-2 or 4-5 star"):
        binary_macro_f1([0.1], [3])


def test_held_out_reviews_skip_rows_without_text_or_stars(tmp_path: Path) -> None:
    from themes_sentiment import held_out

    path = tmp_path / "reviews.csv"
    path.write_text('Review Text,Rating\nGreat fit,5\n,4\nBad seams,\nMeh,three\n"Awful, tore",1\nFine,3\n',
                    encoding="utf-8")
    assert held_out(path, share=1.0) == [("Great fit", 5), ("Awful, tore", 1), ("Fine", 3)]
    part = held_out(path, share=0.5, seed=3)
    assert len(part) == 2 and part == held_out(path, share=0.5, seed=3)
    assert set(part) <= {("Great fit", 5), ("Awful, tore", 1), ("Fine", 3)}


def test_unknown_labelled_set_is_refused() -> None:
    from themes_data import labelled

    with pytest.raises(ValueError, match="unknown labelled set"):
        labelled("banking78")


def test_a_comment_counts_by_its_best_segment_and_its_theme_parent(tmp_path: Path) -> None:
    from themes_warehouse import BenchWarehouse

    from feedback.items import stable_id
    from feedback.themes.settings import ThemeSettings

    wh = BenchWarehouse(tmp_path, ThemeSettings(), embedder=None)  # type: ignore[arg-type]  # no fit here
    wh.add(["a", "b", "c", "d"], ["one. two.", "three. four.", "ok", ""], "2026-01-01")
    wh.db["themes"].insert_all([
        {"id": 10, "label": "Card problems", "status": "parent"},
        {"id": 1, "label": "Card delivery", "status": "active", "parent_id": 10},
        {"id": 2, "label": "Exchange rates", "status": "active"},
        {"id": 3, "label": "Old theme", "status": "retired"},
    ])
    segments = [("a", 0, 1, 0.5), ("a", 1, 2, 0.7), ("b", 0, 1, 0.6), ("b", 1, 2, 0.6), ("c", 0, None, None)]
    wh.db["theme_segments"].insert_all(
        {"id": f"{stable_id('bench', local)}:{seq}", "item_id": stable_id("bench", local), "seq": seq,
         "themable": 1, "theme_id": theme, "score": score} for local, seq, theme, score in segments)
    snap = wh.snapshot()
    wh.close()
    assert snap.theme == {"a": 2, "b": 1, "c": -1, "d": -1}  # b: a tie goes to the first segment
    assert snap.top == {"a": 2, "b": 10, "c": -1, "d": -1}
    assert snap.top_level == 2
    assert snap.leaf_siblings() == {10: ["Card delivery"], None: ["Exchange rates"]}
    assert snap.top_labels() == {None: ["Card problems", "Exchange rates"]}


@pytest.mark.parametrize("args", [["--draws", "0"], ["--draws", "-2"], ["--draws", "3", "--parts", "nightly"]])
def test_themes_quality_refuses_a_count_of_draws_it_cannot_use(args: list[str]) -> None:
    import subprocess

    script = Path(__file__).resolve().parent.parent / "bench" / "themes_quality.py"
    done = subprocess.run([sys.executable, str(script), *args, "--no-append"], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert f"error: --draws {args[1]}: a count of 1 or more, and only with 'stability' in --parts" in done.stderr
