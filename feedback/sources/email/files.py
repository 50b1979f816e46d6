"""Mailbox files: mbox files, maildir trees and folders of .eml files, framed into messages.

Nothing here parses a message: the files configured for a source are found (globs
allowed), read, cut into messages and given their watermarks, in order, and the
reader (:mod:`feedback.sources.email.reader`) turns each into its batch.

Watermarks: mbox ``mbox:<file>`` -> bytes read, their hash and the message count (a file
that only grew is read from the first new message); maildir and .eml: one key per message
file -> its content hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedback.config import EmailSource
from feedback.dates import envelope_date
from feedback.errors import SourceUnavailable
from feedback.items import content_hash
from feedback.sources import files as input_files
from feedback.sources.context import SourceContext

log = logging.getLogger(__name__)

_MBOX_SEPARATOR = re.compile(rb"(?:\A|\n)From [^\n]*\n")
_MAILDIR_INFO = re.compile(r"[:;]2,.*$")

# A message as a reader frames it: raw bytes, location, watermark, date to fall back on.
Job = tuple[bytes, str, tuple[str, Any], datetime | None]


def file_jobs(source: EmailSource, context: SourceContext) -> Iterator[Job]:
    """The new messages of every configured mbox file, maildir tree and .eml folder, in that order."""
    for path in _expand(source.mbox, context, "any"):
        if path.is_file():
            yield from read_mbox(source, context, path)
    for root in _expand(source.maildir, context, "dir"):
        yield from read_files(source, context, maildir_messages(root), "maildir", root)
    for root in _expand(source.eml, context, "any"):
        yield from read_files(source, context, eml_files(root), "eml", root)


def _expand(patterns: list[str], context: SourceContext, kind: input_files.Kind) -> list[Path]:
    paths, unmatched = input_files.matching(patterns, context, kind)
    for pattern in unmatched:
        log.warning("nothing matches %s", pattern)
    return paths


def _file_date(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


# --- mbox --------------------------------------------------------------------------------------


def split_mbox(content: bytes, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(start, end, message bytes with its 'From ' line) for each message from offset ``start``."""
    starts = [m.start() + (1 if content[m.start() : m.start() + 1] == b"\n" else 0)
              for m in _MBOX_SEPARATOR.finditer(content, start)]
    if not starts:
        if content[start:].strip():
            yield start, len(content), content[start:]
        return
    if content[start : starts[0]].strip():  # bytes before the first separator: not mbox framing
        yield start, starts[0], content[start : starts[0]]
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(content)
        yield begin, end, content[begin:end]


def _envelope_date(message: bytes) -> datetime | None:
    line = message.split(b"\n", 1)[0].decode("ascii", "replace")
    match = re.search(r"(\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})", line)
    if not match:
        return None
    return envelope_date(match.group(1))


def read_mbox(source: EmailSource, context: SourceContext, path: Path) -> Iterator[Job]:
    label = input_files.label(path, context)
    key = f"mbox:{label}"
    content = input_files.read_bytes(path, label)
    if content is None:
        return
    mark = context.watermarks.get(key) or {}
    offset, count = 0, 0
    if (
        mark.get("size")
        and len(content) >= mark["size"]
        and hashlib.sha256(content[: mark["size"]]).hexdigest() == mark.get("hash")
    ):
        offset, count = int(mark["size"]), int(mark.get("count", 0))
    if offset and offset == len(content):
        return
    hasher = hashlib.sha256(content[:offset])
    for begin, end, message in split_mbox(content, offset):
        hasher.update(content[begin:end])
        count += 1
        mark_value = {"size": end, "hash": hasher.copy().hexdigest(), "count": count}
        yield message, f"{label}#{count}", (key, mark_value), _envelope_date(message)


# --- maildir and .eml folders --------------------------------------------------------------------


def maildir_messages(root: Path) -> Iterator[Path]:
    """Message files of a maildir tree: cur/ and new/ of the root and of every subfolder."""
    for folder in sorted({root, *(p for p in root.iterdir() if p.is_dir() and p.name.startswith("."))}):
        for sub in ("new", "cur"):
            directory = folder / sub
            if directory.is_dir():
                yield from sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def _maildir_date(path: Path) -> datetime | None:
    match = re.match(r"(\d{9,10})\.", path.name)
    if match:
        return datetime.fromtimestamp(int(match.group(1)), UTC)
    return _file_date(path)


def read_files(
    source: EmailSource, context: SourceContext, files: Iterable[Path], kind: str, root: Path
) -> Iterator[Job]:
    """A job per message file that is new or changed (maildir and .eml folders)."""
    base = Path(input_files.label(root, context))  # resolved once: resolving every file's path cost more than parsing it
    for path in files:
        name = _MAILDIR_INFO.sub("", path.name) if kind == "maildir" else path.name
        label = str(base if path == root else base / path.parent.relative_to(root) / name)
        key = f"{kind}:{label}"
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # moved by a mail client between listing and reading
            continue
        except OSError as exc:
            raise SourceUnavailable(f"{label}: cannot read: {exc}") from exc
        digest = content_hash(content)
        if (context.watermarks.get(key) or {}).get("hash") == digest:
            continue
        fallback = _maildir_date(path) if kind == "maildir" else _file_date(path)
        yield content, label, (key, {"hash": digest}), fallback


def eml_files(root: Path) -> Iterator[Path]:
    """Files of an .eml folder (recursively; hidden files skipped), or the file itself."""
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if not filename.startswith("."):
                yield Path(dirpath) / filename
