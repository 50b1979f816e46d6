"""What a command shows while it works: one line per stage with its name, libraries quiet.

By default a command prints, on stderr, one line per stage as it ends (``✓ ingest-nps  done``);
on a terminal a spinner names the running stage and the library's latest step. Prefect's own
console lines ("Finished in state Completed()", the tracebacks of a failed task: the command
ends with one line saying what failed) and the model's "Loading weights" bars are kept off the
console. ``feedback -v`` shows every log line instead, Prefect's included.

The stages of a flow are its task runs, followed through the records Prefect's task engine logs
when each ends (``prefect.task_runs``, with the run's name); a command without Prefect names its
stages itself (:meth:`Stages.stage`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

# Set before Hugging Face / transformers are imported: no "Loading weights" bars.
QUIET_ENV = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error"}
ENGINE_LOGGERS = ("prefect",)  # Prefect's engine, client and temporary server


def quiet_environment(verbose: bool) -> None:
    """Environment defaults for a quiet console (nothing changes with ``-v``); an operator's own
    setting wins. Must run before Hugging Face or Prefect is imported."""
    if verbose:
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


class QuietConsole(logging.Filter):
    """Keeps Prefect's records (they still reach Prefect's API) and everything below WARNING off
    a console handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING and not record.name.startswith(ENGINE_LOGGERS)


def configure_logging(verbose: bool) -> None:
    """After Prefect set up logging (on import): the library at INFO with ``-v``, else WARNING;
    without ``-v``, Prefect's records stay off the console."""
    logging.getLogger("feedback").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per Prefect API call, even with -v
    if verbose:
        return
    for handler in logging.getLogger().handlers:
        if _console(handler) and not any(isinstance(f, QuietConsole) for f in handler.filters):
            handler.addFilter(QuietConsole())


def _console(handler: logging.Handler) -> bool:
    """Prefect's console handler or a plain one writing to the terminal: not a handler someone
    else attached to the root logger to collect records (a test's capture, a log shipper)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    return isinstance(handler, PrefectConsoleHandler) or (
        type(handler) is logging.StreamHandler and handler.stream in (sys.stderr, sys.stdout))


class Stages(logging.Handler):
    """One line per stage on stderr; on a terminal, a spinner on the running one.

    As a logging handler on ``prefect.task_runs`` it turns each task run's end into a stage line;
    on ``feedback`` it shows the library's latest INFO message beside the spinner.
    """

    def __init__(self, title: str, verbose: bool = False) -> None:
        super().__init__(level=logging.INFO)
        self.title = title
        self.verbose = verbose
        self.failed: list[str] = []
        self.done: list[str] = []
        self._lock_stages = threading.Lock()
        self._status: Any = None
        self._console: Any = None
        self._running: list[str] = []
        self._detail = ""

    # --- lines and spinner ----------------------------------------------------------------

    def line(self, name: str, ok: bool, seconds: float | None, note: str = "") -> None:
        took = f"  {seconds:.1f} s" if seconds is not None else ""
        mark, word = ("✓", "done") if ok else ("✗", "failed")
        text = f"{mark} {name}  {word}{took}{'  ' + note if note else ''}"
        with self._lock_stages:
            (self.done if ok else self.failed).append(name)
            if self._console is not None:
                self._console.print(text, markup=False, highlight=False)
            else:
                click.echo(text, err=True)
        self._refresh()

    def _refresh(self) -> None:
        if self._status is None:
            return
        what = ", ".join(self._running) or self.title
        self._status.update(f"{what}…{'  ' + self._detail if self._detail else ''}")

    @contextmanager
    def shown(self) -> Iterator[Stages]:
        """Show the spinner (on a terminal, without ``-v``) and collect stage lines meanwhile."""
        if self.verbose or not sys.stderr.isatty():
            yield self
            return
        from rich.console import Console

        self._console = Console(stderr=True)
        with self._console.status(f"{self.title}…") as status:
            self._status = status
            try:
                yield self
            finally:
                self._status = None
        self._console = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """A stage the command runs itself: its line when it ends, ✓ or ✗."""
        started = time.perf_counter()
        self._running.append(name)
        self._refresh()
        try:
            yield
        except BaseException:
            self._running.remove(name)
            self.line(name, False, time.perf_counter() - started)
            raise
        self._running.remove(name)
        self.line(name, True, time.perf_counter() - started)

    @contextmanager
    def following(self, *loggers: str) -> Iterator[Stages]:
        """Listen to these loggers (``prefect.task_runs`` for task ends, ``feedback`` for steps)."""
        attached = [logging.getLogger(name) for name in loggers]
        levels = [logger.level for logger in attached]
        for logger in attached:
            logger.addHandler(self)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)
        try:
            with self.shown():
                yield self
        finally:
            for logger, level in zip(attached, levels, strict=True):
                logger.removeHandler(self)
                logger.setLevel(level)

    # --- logging.Handler --------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            task_run = getattr(record, "task_run_name", None)
            if task_run and message.startswith("Finished in state"):
                state = message.removeprefix("Finished in state").strip()
                self.line(str(task_run), state.startswith("Completed"), None)
            elif record.name.startswith("feedback") and record.levelno >= logging.INFO:
                self._detail = message if len(message) <= 80 else message[:79] + "…"
                self._refresh()
        except Exception:  # a display must never break the run
            self.handleError(record)
