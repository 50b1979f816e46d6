"""The CLI quiets the console, not other people's log handlers."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from feedback.cli.progress import QuietConsole, configure_logging


def test_quiet_console_filters_the_terminal_and_leaves_collecting_handlers_alone(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    root = logging.getLogger()
    terminal = logging.StreamHandler(sys.stderr)
    collected = io.StringIO()
    collector = logging.StreamHandler(collected)  # e.g. a log shipper, or a test's capture
    monkeypatch.setattr(root, "handlers", [*root.handlers, terminal, collector])
    monkeypatch.setattr(logging.getLogger("feedback"), "level", logging.NOTSET)
    configure_logging(verbose=False)
    try:
        assert any(isinstance(f, QuietConsole) for f in terminal.filters)
        assert not any(isinstance(f, QuietConsole) for f in collector.filters)
        assert not any(isinstance(f, QuietConsole) for f in caplog.handler.filters)
        with caplog.at_level(logging.INFO, logger="feedback.themes.engine"):
            logging.getLogger("feedback.themes.engine").info("outlier pool: 3 segments")
        assert "outlier pool: 3 segments" in caplog.text
    finally:
        for handler in (terminal, collector, caplog.handler):
            for f in [f for f in handler.filters if isinstance(f, QuietConsole)]:
                handler.removeFilter(f)
