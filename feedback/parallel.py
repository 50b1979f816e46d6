"""Work spread over the machine's cores, in order, by forked worker processes.

The slow steps of a run are pure Python or hold the GIL (e-mail parsing, reply
cleaning, name redaction), so threads do not help; processes do. Workers are
*forked*: they inherit what the parent has already loaded (the spaCy model, the
letter-case tables, the language detector) instead of loading it again, and the
function they run is looked up in a registry copied by the fork, so neither the
function nor its state (a redactor, a source's watermarks) is pickled. Only the
items and the results cross between processes.

Where ``fork`` is not available (Windows, macOS' default) or one worker is asked
for, everything runs in the calling process: same results, one core.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_TASKS: dict[int, Callable[[Any], Any]] = {}
_NEXT = itertools.count(1)


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _worker_start() -> None:
    """A worker's first step. Everything inherited from the parent moves to the garbage collector's
    permanent generation (``gc.freeze``, as the gc docs advise after fork), so the worker's own
    collections never walk, and so never copy, the parent's pages (the spaCy model, the word
    tables). One BLAS/OpenMP thread each, so N workers on N cores do not oversubscribe them."""
    gc.freeze()
    from threadpoolctl import threadpool_limits

    global _LIMITS
    _LIMITS = threadpool_limits(1)


_LIMITS: Any = None


def _run_chunk(token: int, chunk: list[Any]) -> list[Any]:
    task = _TASKS[token]
    return [task(item) for item in chunk]


def ordered_map(
    task: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    chunk: int = 16,
    ahead: int = 4,
) -> Iterator[R]:
    """``task(item)`` for every item, yielded in the items' order, computed by ``workers`` forked
    processes (inline when ``workers`` <= 1 or fork is unavailable).

    Items are read lazily, ``chunk`` at a time, with at most ``ahead`` chunks per worker in flight:
    enough that one slow chunk (a huge message) does not leave the other workers idle while its
    result is awaited, few enough that a long or endless source is never read far ahead. If reading the items raises (a server that
    goes away mid-fetch), the results of everything read before are yielded first and then the
    error is raised: the caller commits what it has, exactly as it would inline.
    """
    if workers <= 1 or not can_fork():
        for item in items:
            yield task(item)
        return
    token = next(_NEXT)
    _TASKS[token] = task  # registered before the pool forks: every worker inherits it
    source = iter(items)
    try:
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
        ) as pool:
            in_flight: deque[Future[list[R]]] = deque()
            done = False
            failure: BaseException | None = None
            while True:
                while not done and len(in_flight) < ahead * workers:
                    taken: list[T] = []
                    try:
                        while len(taken) < chunk:
                            taken.append(next(source))
                    except StopIteration:
                        done = True
                    except Exception as exc:  # noqa: BLE001 - raised below, after what was read
                        done, failure = True, exc
                    if taken:
                        in_flight.append(pool.submit(_run_chunk, token, taken))
                if not in_flight:
                    break
                yield from in_flight.popleft().result()
            if failure is not None:
                raise failure
    finally:
        _TASKS.pop(token, None)
