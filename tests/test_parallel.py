"""Work spread over forked processes: same results as one process, in order, failures kept."""

from __future__ import annotations

import functools
import importlib
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from feedback.text.names import NameRedactor
from feedback.text.process import PROCESS_VERSION, balanced_pieces, processed_rows
from feedback.text.redact import Redactor
from feedback.workers import can_fork_workers, ordered_map

from .conftest import NO_NER_MODEL, need

needs_fork = pytest.mark.skipif(not can_fork_workers(), reason="no forkserver start method on this platform: runs inline")


WAIT = 120.0  # seconds; only a real deadlock comes near it, however loaded the machine


def wait_for(condition: Callable[[], object], what: str) -> None:
    """Poll ``condition`` until it holds; fail (a deadlock, not slowness) after :data:`WAIT`."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT:.0f} s for {what}"
        time.sleep(0.01)


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@dataclass(frozen=True)
class _SquareOnceTwoWorkersStarted:
    """``(x * x, pid)``, once two worker processes have each taken an item.

    Each item leaves the file ``<pid>-<item>`` in ``folder``, created exclusively (an item computed
    twice raises), and then waits until files from two processes exist. No chunk can finish before
    a second worker has started, so the pool must start one: a pool that ran everything in one
    process deadlocks here and fails after :data:`WAIT`, whatever the scheduling.
    """

    folder: str

    def __call__(self, x: int) -> tuple[int, int]:
        with open(os.path.join(self.folder, f"{os.getpid()}-{x}"), "x"):
            pass
        wait_for(lambda: len({name.split("-")[0] for name in os.listdir(self.folder)}) >= 2, "a second worker")
        return x * x, os.getpid()


@needs_fork
def test_results_come_back_in_order_from_several_processes(tmp_path: Path) -> None:
    results = list(ordered_map(_SquareOnceTwoWorkersStarted(str(tmp_path)), range(200), workers=2, chunk=7))
    assert [r for r, _ in results] == [x * x for x in range(200)]  # in the items' order
    done = [name.split("-") for name in os.listdir(tmp_path)]
    assert sorted(int(x) for _, x in done) == list(range(200))  # every item computed exactly once
    pids = {int(pid) for pid, _ in done}
    assert {pid for _, pid in results} == pids  # each result came from the process that computed it
    assert len(pids) == 2 and os.getpid() not in pids  # by both workers, none in this process


def test_one_worker_runs_inline() -> None:
    results = list(ordered_map(_square_and_pid, range(5), workers=1))
    assert results == [(x * x, os.getpid()) for x in range(5)]


def _import_from(folder: str, name: str, _item: int) -> str:
    Path(folder, f"worker-{os.getpid()}").touch()  # this worker is running, the import still held
    sys.path.insert(0, folder)
    return importlib.import_module(name).VALUE


@needs_fork
def test_workers_do_not_inherit_a_lock_another_thread_holds(tmp_path: Path) -> None:
    # The nightly flow ingests sources in threads. A worker forked from the run while another
    # thread was importing a module inherited that module's lock, held by a thread that does not
    # exist in the child, and waited forever. Workers come from a clean fork server instead.
    importing, flag = tmp_path / "importing", tmp_path / "go"
    (tmp_path / "slow_module_x.py").write_text(
        "import os, time\n"
        f"open({str(importing)!r}, 'a').close()\n"
        f"while not os.path.exists({str(flag)!r}):\n    time.sleep(0.01)\n"
        "VALUE = 'imported'\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        importer = threading.Thread(target=importlib.import_module, args=("slow_module_x",), daemon=True)
        importer.start()  # holds slow_module_x's import lock until the flag appears
        wait_for(importing.exists, "the import to start")
        results: list[str] = []
        task = functools.partial(_import_from, str(tmp_path), "slow_module_x")
        mapper = threading.Thread(target=lambda: results.extend(ordered_map(task, range(40), 2, chunk=5)), daemon=True)
        mapper.start()
        wait_for(lambda: any(tmp_path.glob("worker-*")), "a worker to start")  # made while the lock was held
        flag.write_text("")
        mapper.join(timeout=WAIT)
        assert not mapper.is_alive(), "the workers hung"
        assert results == ["imported"] * 40
    finally:
        sys.path.remove(str(tmp_path))


def test_a_name_redactor_crosses_to_a_worker_as_its_recipe() -> None:
    names = NameRedactor.load(known=["Sam Jones"], keep=["Brightmoor"])
    need(names.nlp is not None, NO_NER_MODEL)
    copy = pickle.loads(pickle.dumps(names))
    assert copy.nlp is names.nlp  # the worker's loaded model, not a pickled copy of it
    text = "Thanks Sam Jones, Margaret Thornton at Brightmoor was rude."
    assert copy(text) == names(text)
    with pytest.raises(TypeError, match="NameRedactor.load"):
        pickle.dumps(NameRedactor(nlp=names.nlp))  # a model it could not rebuild in the worker


def _failing_source() -> Iterator[int]:
    yield from range(50)
    raise ConnectionError("server went away")


@needs_fork
def test_a_source_that_fails_midway_yields_everything_read_then_raises() -> None:
    got: list[int] = []
    with pytest.raises(ConnectionError, match="server went away"):
        for value, _ in ordered_map(_square_and_pid, _failing_source(), workers=2, chunk=4):
            got.append(value)
    assert got == [x * x for x in range(50)]


def _fails_on_seven(x: int) -> int:
    if x == 7:
        raise ValueError("bad item 7")
    return x


@needs_fork
def test_a_task_error_reaches_the_caller() -> None:
    with pytest.raises(ValueError, match="bad item 7"):
        list(ordered_map(_fails_on_seven, range(20), workers=2, chunk=2))


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
        for piece in processed_rows(todo, redactor, ["en", "fr"], PROCESS_VERSION, workers=workers, parallel_min_items=10):
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
    from feedback.text.sentiment import sentiment

    complaint = "The driver was rude and the eggs were broken. " + "We ordered on a Monday. " * 30
    praise = "The driver was lovely and very helpful. " + "We ordered on a Monday. " * 30
    assert len(complaint) > 500
    assert sentiment(complaint) < -0.3 and sentiment(praise) > 0.3  # neutral sentences do not dilute it
    assert sentiment("We ordered on a Monday. " * 30) == 0.0
    # a line with no stops, thousands of words long, is scored in pieces and quickly
    assert sentiment(" ".join(["word"] * 20000) + " terrible") < 0


def test_workers_default_to_one_per_core() -> None:
    from feedback.config import Processing
    from feedback.workers import cpu_count

    assert Processing().worker_count() == cpu_count()
    assert Processing(workers=1).worker_count() == 1
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Processing(workers=0)


def _dies_on_13(x: int) -> int:
    if x == 13:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer or a segfault would
    return x


@needs_fork
def test_an_item_that_kills_its_worker_is_set_aside_and_the_rest_computed() -> None:
    crashed: list[tuple[int, str]] = []

    def set_aside(item: int, reason: str) -> int:
        crashed.append((item, reason))
        return -1

    results = list(ordered_map(_dies_on_13, range(60), workers=2, chunk=4, on_crash=set_aside))
    assert results == [-1 if x == 13 else x for x in range(60)]
    assert [item for item, _ in crashed] == [13] and "worker process handling it died" in crashed[0][1]


@needs_fork
def test_without_a_crash_handler_a_dead_worker_is_an_error() -> None:
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        list(ordered_map(_dies_on_13, range(30), workers=2, chunk=4))


def test_a_message_whose_worker_died_is_quarantined_with_its_watermark(tmp_path: Path) -> None:
    from feedback.config import EmailSource
    from feedback.sources import SourceContext
    from feedback.sources.email.reader import BuildBatch
    from feedback.warehouse import commit_batch, open_warehouse, watermarks

    source = EmailSource(name="mail", channel="email", eml=["x"])
    task = BuildBatch(source, SourceContext(customer_secret=b"k"))
    raw = b"From: a@example.com\nSubject: boom\n\n<html>" + b"<div>" * 50
    batch = task.crashed((raw, "x/boom.eml", ("eml:x/boom.eml", {"hash": "h"}), None), "the worker died")
    db = open_warehouse(tmp_path / "w.db")
    result = commit_batch(db, batch)
    assert result.quarantined == 1 and result.new == 0
    row = db.execute("select location, reason from quarantine").fetchone()
    assert row == ("x/boom.eml", "the worker died")
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == 1  # nothing lost
    assert watermarks(db, "mail") == {"eml:x/boom.eml": {"hash": "h"}}  # not read again next run


@dataclass(frozen=True)
class _PoisonedRedactor:
    """A redactor whose worker dies on one text, as a crash inside a C library would."""

    def __call__(self, text: str | None) -> str | None:
        if text and "poison" in text:
            os.kill(os.getpid(), signal.SIGKILL)
        return text


@needs_fork
def test_an_item_that_kills_its_worker_stays_pending_and_the_rest_is_processed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    todo = [(f"item-{n:02d}", None, "poison pill" if n == 17 else f"fine comment {n}") for n in range(40)]
    rows = [row for piece in processed_rows(todo, _PoisonedRedactor(), ["en"], PROCESS_VERSION, workers=2,
                                            parallel_min_items=10)
            for row in piece]
    assert sorted(str(r["item_id"]) for r in rows) == [f"item-{n:02d}" for n in range(40) if n != 17]
    assert "item-17 left unprocessed" in caplog.text
