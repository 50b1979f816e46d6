"""Finding and reading a source's input files, the same way for every channel that reads files
(survey exports, mbox files, maildir trees and .eml folders, review exports)."""

from __future__ import annotations

import glob
import logging
from pathlib import Path
from typing import Literal

from feedback.errors import SourceUnavailable
from feedback.sources.context import SourceContext

log = logging.getLogger(__name__)

Kind = Literal["file", "dir", "any"]


def matching(patterns: list[str], context: SourceContext, kind: Kind = "file") -> tuple[list[Path], list[str]]:
    """The paths the patterns name (globs, ``**`` included; relative ones against the
    configuration's folder), each once, sorted within a pattern and in the patterns' order; and
    the patterns that named nothing of that ``kind`` (a regular file, a folder, or either)."""
    found: dict[Path, None] = {}
    unmatched = []
    for pattern in patterns:
        full = str(context.resolve(pattern))
        paths = sorted(Path(p) for p in glob.glob(full, recursive=True)) if glob.has_magic(full) else [Path(full)]
        paths = [p for p in paths if _is(p, kind)]
        if not paths:
            unmatched.append(pattern)
        found.update(dict.fromkeys(paths))
    return list(found), unmatched


def _is(path: Path, kind: Kind) -> bool:
    if kind == "file":
        return path.is_file()
    if kind == "dir":
        return path.is_dir()
    return path.exists()


def label(path: Path, context: SourceContext) -> str:
    """How a file is named in watermarks, quarantine and logs: relative to the configuration's
    folder when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(context.base_dir.resolve()))
    except ValueError:
        return str(path)


def read_bytes(path: Path, name: str) -> bytes | None:
    """The file's bytes; None when it disappeared since it was listed (logged, nothing to read);
    :class:`SourceUnavailable` when it is there but cannot be read (the run retries the source)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        log.warning("%s disappeared before it was read", name)
        return None
    except OSError as exc:
        raise SourceUnavailable(f"{name}: cannot read: {exc}") from exc
