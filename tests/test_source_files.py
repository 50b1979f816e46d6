"""Finding and reading input files, shared by the survey, e-mail and review channels."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from feedback.errors import SourceUnavailable
from feedback.sources.context import SourceContext
from feedback.sources.files import Kind, label, matching, read_bytes

TREE = ["exports/a.csv", "exports/b.csv", "exports/old/c.csv", "mail/inbox.mbox", "maildir/cur/1", "notes.txt"]


@pytest.fixture
def context(tmp_path: Path) -> SourceContext:
    for name in TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    return SourceContext(customer_secret=b"k", base_dir=tmp_path)


@pytest.mark.parametrize(
    ("patterns", "kind", "found", "unmatched"),
    [
        (["exports/*.csv"], "file", ["exports/a.csv", "exports/b.csv"], []),
        (["exports/**/*.csv"], "file", ["exports/a.csv", "exports/b.csv", "exports/old/c.csv"], []),
        (["exports/b.csv", "exports/*.csv"], "file", ["exports/b.csv", "exports/a.csv"], []),  # each once
        (["exports/missing.csv", "*.xlsx"], "file", [], ["exports/missing.csv", "*.xlsx"]),
        (["exports"], "file", [], ["exports"]),  # a folder is not a file
        (["maildir", "mail/inbox.mbox"], "dir", ["maildir"], ["mail/inbox.mbox"]),
        (["mail/inbox.mbox", "maildir"], "any", ["mail/inbox.mbox", "maildir"], []),
    ],
)
def test_matching(context: SourceContext, patterns: list[str], kind: Kind, found: list[str],
                  unmatched: list[str]) -> None:
    paths, missing = matching(patterns, context, kind)
    assert [str(p.relative_to(context.base_dir)) for p in paths] == found
    assert missing == unmatched


def test_absolute_patterns_and_labels(context: SourceContext, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "x.csv"
    outside.write_text("x")
    paths, _ = matching([str(outside), "notes.txt"], context)
    assert paths == [outside, context.base_dir / "notes.txt"]
    assert [label(p, context) for p in paths] == [str(outside), "notes.txt"]


def test_read_bytes(context: SourceContext, caplog: pytest.LogCaptureFixture) -> None:
    assert read_bytes(context.base_dir / "notes.txt", "notes.txt") == b"notes.txt"
    with caplog.at_level(logging.WARNING, logger="feedback.sources.files"):
        assert read_bytes(context.base_dir / "gone.csv", "gone.csv") is None  # listed, then moved away
    assert "gone.csv disappeared before it was read" in caplog.text
    with pytest.raises(SourceUnavailable, match="^exports: cannot read: "):
        read_bytes(context.base_dir / "exports", "exports")  # there, but not readable as a file
