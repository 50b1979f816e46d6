"""Work spread over the machine's cores, in order, by worker processes.

The slow steps of a run are pure Python or hold the GIL (e-mail parsing, reply
cleaning, name redaction), so threads do not help; processes do.

Workers come from a **fork server** (``multiprocessing``'s ``forkserver`` start
method): a clean, single-threaded process started once per run that imports the
pipeline and loads its models and word tables (:mod:`feedback.workers.preload`),
and forks a worker whenever a pool needs one. Forking the run itself would be
unsafe: the nightly flow runs sources in threads, and a child forked while another
thread held a module's import lock waited for it forever (seen in the Prefect
nightly). Workers forked from the server start with everything loaded, in
milliseconds.

A task travels pickled (a few hundred bytes to a few kB) with each chunk of items,
and is unpickled once per worker (cached by a token): it must be a module-level
function or a picklable object, and carries its state (a redactor pickles as the
recipe to build it, its model coming from the worker's cache).

A worker that dies breaks its pool; see ``on_crash`` in :func:`ordered_map` for how
the unfinished items are run again and the one that killed it is set aside.

Where ``forkserver`` is not available (Windows), or one worker is asked for,
everything runs in the calling process: same results, one core.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PRELOAD = ["feedback.workers.preload"]

_TASKS: dict[int, Callable[[Any], Any]] = {}  # in a worker: the tasks it has unpickled, by token
_NEXT = itertools.count(1)
_LIMITS: Any = None


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def can_fork_workers() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _worker_start() -> None:
    """A worker's first step. What it inherited from the fork server moves to the garbage
    collector's permanent generation (``gc.freeze``, as the gc docs advise after fork): its own
    collections never walk, and so never copy, the shared pages of the models and tables. One
    BLAS/OpenMP thread each, so N workers on N cores do not oversubscribe them."""
    gc.freeze()
    from threadpoolctl import threadpool_limits

    global _LIMITS
    _LIMITS = threadpool_limits(1)


def _run_chunk(token: int, blob: bytes, chunk: list[Any]) -> list[Any]:
    task = _TASKS.get(token)
    if task is None:
        if len(_TASKS) >= 8:  # a long-lived pool serving many maps: forget the old tasks
            _TASKS.clear()
        task = _TASKS[token] = pickle.loads(blob)
    return [task(item) for item in chunk]


def ordered_map(
    task: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    chunk: int = 16,
    ahead: int = 4,
    on_crash: Callable[[T, str], R] | None = None,
) -> Iterator[R]:
    """``task(item)`` for every item, yielded in the items' order, computed by ``workers``
    processes (inline when ``workers`` <= 1 or there is no fork server on this platform).

    ``task`` must pickle (see the module's docstring). Items are read lazily, ``chunk`` at a
    time, with at most ``ahead`` chunks per worker in flight: enough that one slow chunk (a huge
    message) does not leave the other workers idle while its result is awaited, few enough that
    a long or endless source is never read far ahead. If reading the items raises (a server that
    goes away mid-fetch), the results of everything read before are yielded first and then the
    error is raised: the caller commits what it has, exactly as it would inline.

    A worker that dies (killed for memory, a crash inside a C library) breaks the pool. With
    ``on_crash``, the unfinished items are run again in a new pool, those of a chunk that breaks
    it again one by one, and an item that kills its worker on its own gets
    ``on_crash(item, reason)`` as its result (the e-mail reader quarantines the message), so one
    poisonous input cannot stop every run after it. Without ``on_crash`` the error is raised.
    """
    if workers <= 1 or not can_fork_workers():
        for item in items:
            yield task(item)
        return
    yield from _Ordered(task, workers, on_crash).run(items, chunk, ahead)


CRASH_REASON = (
    "the worker process handling it died (killed for memory, or a crash inside a C library); "
    "set aside so that the rest can be read"
)


class _Ordered:
    def __init__(self, task: Callable[[Any], Any], workers: int, on_crash: Callable[[Any, str], Any] | None) -> None:
        self.token, self.blob = next(_NEXT), pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
        self.workers, self.on_crash = workers, on_crash
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_worker_start)

    def _replace_pool(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()

    def _submit(self, taken: list[Any]) -> Future[list[Any]]:
        """The chunk's future; when the pool broke before it could be submitted (a worker died
        while earlier chunks were in flight), a future that fails as the broken pool's do."""
        try:
            return self.pool.submit(_run_chunk, self.token, self.blob, taken)
        except BrokenProcessPool as exc:
            failed: Future[list[Any]] = Future()
            failed.set_exception(exc)
            return failed

    def _again(self, taken: list[Any]) -> list[Any]:
        """A chunk whose worker died, or that was in flight when one did: run again, and item by
        item if it breaks the new pool too."""
        assert self.on_crash is not None
        try:
            return self._submit(taken).result()
        except BrokenProcessPool:
            self._replace_pool()
        results = []
        for item in taken:
            try:
                results.extend(self._submit([item]).result())
            except BrokenProcessPool:
                self._replace_pool()
                results.append(self.on_crash(item, CRASH_REASON))
        return results

    def run(self, items: Iterable[Any], chunk: int, ahead: int) -> Iterator[Any]:
        source = iter(items)
        in_flight: deque[tuple[list[Any], Future[list[Any]]]] = deque()
        done = False
        failure: BaseException | None = None
        try:
            while True:
                while not done and len(in_flight) < ahead * self.workers:
                    taken: list[Any] = []
                    try:
                        while len(taken) < chunk:
                            taken.append(next(source))
                    except StopIteration:
                        done = True
                    except Exception as exc:  # noqa: BLE001 - raised below, after what was read
                        done, failure = True, exc
                    if taken:
                        in_flight.append((taken, self._submit(taken)))
                if not in_flight:
                    break
                taken, future = in_flight.popleft()
                try:
                    results = future.result()
                except BrokenProcessPool:
                    if self.on_crash is None:
                        raise
                    lost = [taken] + [t for t, _ in in_flight]
                    in_flight.clear()
                    self._replace_pool()
                    for group in lost:
                        yield from self._again(group)
                    continue
                yield from results
            if failure is not None:
                raise failure
        finally:
            for _, future in in_flight:  # the caller stopped early: drop what it will not read
                future.cancel()
            self.pool.shutdown(wait=True)
