"""The sentiment trainer's readers of public rated text: which class each text takes, what is left out."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import train_sentiment  # noqa: E402

EMOTIONS = "admiration\namusement\nanger\nconfusion\ngratitude\nsadness\nsurprise\nneutral"


def _goemotions(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "emotions.txt").write_text(EMOTIONS, encoding="utf-8")
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_goemotions_comments_take_the_side_of_their_emotions(tmp_path: Path) -> None:
    folder = _goemotions(tmp_path, [
        "Thanks, that sorted it!\t4\tid1",  # gratitude
        "This is the third time it broke.\t2,5\tid2",  # anger, sadness
        "The shop opens at nine.\t7\tid3",  # neutral alone
        "Wow, really?\t6\tid4",  # surprise: no side
        "Love the staff, hate the queue.\t0,2\tid5",  # both sides
        "Great, what a surprise.\t1,6\tid6",  # amusement beside surprise: positive
        "Not sure, maybe.\t3,7\tid7",  # confusion beside neutral: no side, not neutral alone
    ])
    assert train_sentiment.read_goemotions(folder) == [
        ("Thanks, that sorted it!", 2),
        ("This is the third time it broke.", 0),
        ("The shop opens at nine.", 1),
        ("Great, what a surprise.", 2),
    ]


def test_goemotions_training_texts_leave_the_held_out_fifth_out(tmp_path: Path) -> None:
    rows = [f"Comment number {i} was fine\t4\tid{i}" for i in range(40)]
    folder = _goemotions(tmp_path, rows)
    texts = train_sentiment.training_texts(None, None, None, None, goemotions=folder)
    kept = {t.text for t in texts}
    assert {t.source for t in texts} == {"goemotions"} and {t.label for t in texts} == {2}
    assert kept == {f"Comment number {i} was fine" for i in range(40)
                    if not train_sentiment.held_out(f"Comment number {i} was fine")}
    assert 0 < len(kept) < 40


@pytest.mark.parametrize("line", ["Broken emotion number\t99\tid", "No numbers at all\t\tid", "\t4\tid", "Words\tjoy\tid"])
def test_goemotions_broken_line_is_named(tmp_path: Path, line: str) -> None:
    folder = _goemotions(tmp_path, ["Fine comment\t4\tid0", line])
    with pytest.raises(ValueError, match=r"train\.tsv line 2: want text, emotion numbers below 8"):
        train_sentiment.read_goemotions(folder)


def test_missing_goemotions_files_are_named_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "emotions.txt").write_text(EMOTIONS, encoding="utf-8")  # train.tsv not copied
    assert train_sentiment.missing_files(None, None, tmp_path) == [tmp_path / "train.tsv"]
    with pytest.raises(SystemExit):
        train_sentiment.main(["--goemotions", str(tmp_path), "--no-clothing"])
    assert f"{tmp_path / 'train.tsv'} not found (how to get them" in capsys.readouterr().err


def _quality():  # type: ignore[no-untyped-def]
    """bench/sentiment_quality.py, imported when a test needs it (it loads the sentiment model's modules)."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    import sentiment_quality

    return sentiment_quality


def _tweeteval(tmp_path: Path, texts: list[str], labels: list[str]) -> Path:
    (tmp_path / "test_text.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (tmp_path / "test_labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return tmp_path


def test_tweeteval_tweets_take_their_class(tmp_path: Path) -> None:
    texts, classes = _quality().read_tweeteval(_tweeteval(
        tmp_path, ["@user worst flight ever ", "Match starts at 8", "Loved it!"], ["0", "1", "2"]))
    assert texts == ["@user worst flight ever", "Match starts at 8", "Loved it!"]
    assert classes.tolist() == [-1, 0, 1]


@pytest.mark.parametrize(("labels", "message"), [
    (["0", "1"], r"3 tweets in test_text\.txt against 2 labels"),  # a line lost: the pairs would shift
    (["0", "positive", "2"], r"test_labels\.txt: labels are 0, 1 or 2, not positive"),
])
def test_tweeteval_files_that_do_not_pair_up_are_named(tmp_path: Path, labels: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _quality().read_tweeteval(_tweeteval(tmp_path, ["a", "b", "c"], labels))


def _complaints(tmp_path: Path, rows: str) -> Path:
    (tmp_path / "complaints-data.csv").write_text(rows, encoding="utf-8")
    return tmp_path


def test_complaint_tweets_to_companies_take_their_label(tmp_path: Path) -> None:
    texts, labels = _quality().read_complaints(_complaints(tmp_path, (
        '1,"@shop Still waiting for my refund, three weeks now.",1,retail\n'
        "2,@airline Can I bring a pram on board?,0,transport\n"
        "3,What a sunset tonight,0,random_tweet\n"  # drawn from all of Twitter: not about a company
        '4," @bank thanks, all sorted ",0,services\n')))
    assert texts == ["@shop Still waiting for my refund, three weeks now.", "@airline Can I bring a pram on board?",
                     "@bank thanks, all sorted"]
    assert labels.tolist() == [1, 0, 0]


@pytest.mark.parametrize(("rows", "message"), [
    ("1,@shop late again,1,retail\n2,@shop fine,0\n", r"line 2: expected id, text, 0 or 1, domain; got 3 fields$"),
    ("1,@shop late again,complaint,retail\n", r"line 1: .* got 4 fields and label 'complaint'"),
])
def test_complaint_rows_that_are_not_whole_are_named(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _quality().read_complaints(_complaints(tmp_path, rows))


def test_a_complaint_counts_where_the_score_reads_negative() -> None:
    quality = _quality()
    truth = np.array([1, 1, 0, 0])
    assert quality.complaint_f1(truth, np.array([-0.5, -0.05, 0.0, 0.4])) == 1.0  # -0.05 is already negative
    assert quality.complaint_f1(truth, np.array([-0.5, -0.04, -0.3, 0.4])) == 0.5


def test_complaints_read_positive_are_a_share_of_the_complaints() -> None:
    truth = np.array([1, 1, 1, 1, 0])
    assert _quality().complaints_positive(truth, np.array([0.05, -0.5, 0.0, 0.049, 0.9])) == 0.25  # the 0.9 is no complaint


def test_the_complaint_tweets_read_by_hand_are_half_and_fixed() -> None:
    read = [_quality().read_by_hand(f"@shop tweet number {i}") for i in range(400)]
    assert 160 < sum(read) < 240  # about half
    assert _quality().read_by_hand("@shop tweet number 7") == read[7]  # the same tweet, the same half, every run


def test_a_missing_complaints_file_is_named_before_scoring(tmp_path: Path) -> None:
    reviews = tmp_path / "reviews.csv"  # the clothing reviews are checked first; any file passes that check
    reviews.write_text("", encoding="utf-8")
    missing = tmp_path / "complaints" / "complaints-data.csv"
    with pytest.raises(SystemExit, match=re.escape(f"{missing} not found (how to get them")):
        _quality().main(["--data", str(reviews), "--complaints", str(missing.parent)])


class _Flat:
    """Every text the same vector: the head then reads only its words (cues and n-grams)."""

    name, version = "flat", "1"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 384), 0.05, dtype=np.float32)


def test_complaint_figures_count_both_halves(tmp_path: Path) -> None:
    rows = ["1,@shop Still no response after a week.,1,retail", "2,@shop Do you open on Sundays?,0,retail",
            "3,@shop Thanks so much for sorting it!,0,retail", "4,What a view,0,random_tweet"]
    folder = _complaints(tmp_path, "\n".join(rows) + "\n")
    figures = _quality().complaint_figures(_Flat(), folder)
    texts = ["@shop Still no response after a week.", "@shop Do you open on Sundays?", "@shop Thanks so much for sorting it!"]
    assert (figures["tweets"], figures["unread"]) == (3, sum(not _quality().read_by_hand(t) for t in texts))
    assert figures["unread"] == 2
    # the lexicon reads the complaint negative ("still no response": a saying), the question 0 and the thanks positive
    assert figures["lexicon"] == {"f1": 1.0, "unread_f1": 1.0, "positive": 0.0}
    assert set(figures["head"]) == {"f1", "unread_f1", "positive"}  # its figures follow the shipped weights


def test_the_one_benchmark_says_how_to_get_missing_complaint_tweets(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_quality(), "COMPLAINTS", tmp_path / "complaints")
    import themes_quality

    [row] = themes_quality.complaint_rows()
    assert row.ours == f"not measured: {tmp_path / 'complaints' / 'complaints-data.csv'} missing " \
                       "(bench/sentiment_quality.py's docstring)"


def test_complaint_tweets_keep_their_domain_and_a_missing_file_is_named(tmp_path: Path) -> None:
    """bench/themes_reviews.py --tweets reads the texts with their domains, and says where the file should be."""
    folder = _complaints(tmp_path, "1,@shop My parcel never came,1,retail\n2,@rail Is the 8:05 on time?,0,transport\n"
                                   "3,just a tweet,0,random_tweet\n")
    assert _quality().complaint_rows(folder) == [("@shop My parcel never came", 1, "retail"),
                                                 ("@rail Is the 8:05 on time?", 0, "transport")]
    import themes_reviews

    assert themes_reviews.tweets(folder) == (["@shop My parcel never came", "@rail Is the 8:05 on time?"],
                                             ["retail", "transport"])
    with pytest.raises(SystemExit, match="complaints-data.csv not found"):
        themes_reviews.tweets(tmp_path / "absent")
