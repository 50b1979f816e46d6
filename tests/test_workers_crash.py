"""A worker that dies while more chunks are being handed out: the pool is already broken when
the next chunk is submitted (seen once on a loaded machine), and the map still recovers."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from feedback.workers import CRASH_REASON, _Ordered, _run_chunk, can_fork_workers

pytestmark = pytest.mark.skipif(not can_fork_workers(), reason="no fork server on this platform")


def _dies_on_13(x: int) -> int:
    if x == 13:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def _broken(ordered: _Ordered) -> None:
    """Break the map's pool for certain: a chunk that kills its worker, awaited."""
    with pytest.raises(BrokenProcessPool):
        ordered.pool.submit(_run_chunk, ordered.token, ordered.blob, [13]).result()


def test_a_pool_broken_before_a_chunk_is_submitted_is_replaced_and_the_items_run() -> None:
    crashed: list[tuple[int, str]] = []
    ordered = _Ordered(_dies_on_13, 2, lambda item, reason: crashed.append((item, reason)) or -1)
    _broken(ordered)
    assert list(ordered.run(range(20), chunk=4, ahead=2)) == [-1 if x == 13 else x for x in range(20)]
    assert crashed == [(13, CRASH_REASON)]


def test_without_a_crash_handler_a_pool_broken_before_submitting_is_an_error() -> None:
    ordered = _Ordered(_dies_on_13, 2, None)
    _broken(ordered)
    with pytest.raises(BrokenProcessPool):
        list(ordered.run(range(8), chunk=4, ahead=2))
