"""Work spread over forked processes: same results as one process, in order, failures kept."""

from __future__ import annotations

import os
import time

import pytest

from feedback.parallel import can_fork, ordered_map
from feedback.process import PROCESS_VERSION, balanced_pieces, processed_rows
from feedback.redact import Redactor
from feedback.sources.mail_names import NameRedactor

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork start method on this platform: runs inline")


def _square_and_pid(x: int) -> tuple[int, int]:
    time.sleep(0.002)  # long enough that the pool starts its second worker
    return x * x, os.getpid()


@needs_fork
def test_results_come_back_in_order_from_several_processes() -> None:
    results = list(ordered_map(_square_and_pid, range(200), workers=2, chunk=7))
    assert [r for r, _ in results] == [x * x for x in range(200)]
    assert os.getpid() not in {pid for _, pid in results}  # the work ran in the workers
    assert len({pid for _, pid in results}) == 2


def test_one_worker_runs_inline() -> None:
    results = list(ordered_map(_square_and_pid, range(5), workers=1))
    assert results == [(x * x, os.getpid()) for x in range(5)]


@needs_fork
def test_state_is_inherited_not_pickled() -> None:
    unpicklable = (lambda: None, open(os.devnull))  # noqa: SIM115 - a file and a lambda cannot be pickled

    def uses_it(x: int) -> int:
        return x + (unpicklable[1].closed is False)

    try:
        assert list(ordered_map(uses_it, range(40), workers=2, chunk=3)) == [x + 1 for x in range(40)]
    finally:
        unpicklable[1].close()


@needs_fork
def test_a_source_that_fails_midway_yields_everything_read_then_raises() -> None:
    def source():  # noqa: ANN202
        yield from range(50)
        raise ConnectionError("server went away")

    got: list[int] = []
    with pytest.raises(ConnectionError, match="server went away"):
        for value, _ in ordered_map(_square_and_pid, source(), workers=2, chunk=4):
            got.append(value)
    assert got == [x * x for x in range(50)]


@needs_fork
def test_a_task_error_reaches_the_caller() -> None:
    def fails_on_seven(x: int) -> int:
        if x == 7:
            raise ValueError("bad item 7")
        return x

    with pytest.raises(ValueError, match="bad item 7"):
        list(ordered_map(fails_on_seven, range(20), workers=2, chunk=2))


def test_balanced_pieces_cover_every_item_once_longest_first() -> None:
    todo = [(f"i{n}", None, "x" * (n * 37 % 500 + 1)) for n in range(300)]
    pieces = balanced_pieces(todo, workers=2)
    flat = [item for piece in pieces for item in piece]
    assert sorted(flat) == sorted(todo)
    assert len(pieces) >= 8  # enough pieces to even out the end
    lengths = [len(text) for _, _, text in flat]
    assert lengths == sorted(lengths, reverse=True)


TEXTS = [
    "Margaret Thornton at the Leeds store was rude to me, call 07700 900123.",
    "The van was late again and the eggs were broken.",
    "Thanks Priya, the refund arrived. Mail me at jo.bloggs@example.com",
    "Le livreur était très en retard et le pain était rassis.",
    ("Our parcel arrived late again and the driver, Kevin Marsh, said nothing. " * 12).strip(),
    "",
]


@needs_fork
def test_processing_in_two_processes_gives_the_same_rows_as_in_one() -> None:
    names = NameRedactor.load(known=["Priya Shah"])
    redactor = Redactor(regions=("GB",), extra=[names])
    todo = [(f"item-{n:03d}", f"Title {n}" if n % 3 else None, TEXTS[n % len(TEXTS)] + f" #{n}") for n in range(120)]

    def rows(workers: int) -> dict[str, dict[str, object]]:
        out = {}
        for piece in processed_rows(todo, redactor, ["en", "fr"], PROCESS_VERSION, workers=workers):
            for row in piece:
                row.pop("processed_at")
                out[str(row["item_id"])] = row
        return out

    one, two = rows(1), rows(2)
    assert set(one) == {item_id for item_id, _, _ in todo}
    assert two == one
    text = one["item-000"]["text"]
    assert "Thornton" not in str(text) and "07700" not in str(text)
    assert one["item-003"]["language"] == "fr" and one["item-003"]["sentiment"] is None


def test_a_long_texts_sentiment_is_the_mean_of_its_sentences() -> None:
    from feedback.text import sentiment

    complaint = "The driver was rude and the eggs were broken. " + "We ordered on a Monday. " * 30
    praise = "The driver was lovely and very helpful. " + "We ordered on a Monday. " * 30
    assert len(complaint) > 500
    assert sentiment(complaint) < -0.3 and sentiment(praise) > 0.3  # neutral sentences do not dilute it
    assert sentiment("We ordered on a Monday. " * 30) == 0.0
    # a line with no stops, thousands of words long, is scored in pieces and quickly
    assert sentiment(" ".join(["word"] * 20000) + " terrible") < 0


def test_workers_default_to_one_per_core() -> None:
    from feedback.config import Processing
    from feedback.parallel import cpu_count

    assert Processing().worker_count() == 1
    assert Processing(workers=1).worker_count() == 1
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Processing(workers=0)
