"""Sources turn what a channel offers into batches of items.

A reader is a function ``read(source_config, context) -> Iterator[Batch]``. Each
batch it yields is one commit point (a file, a mailbox folder, a page): the
pipeline writes it atomically, watermark included, before asking for the next.
A reader raises :class:`~feedback.errors.SourceUnavailable` when the source
cannot be reached (the flow retries), and reports unusable records as
``Quarantined`` entries in its batches instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback.warehouse import Batch


@dataclass(frozen=True)
class SourceContext:
    """What a reader may know beyond its own configuration."""

    customer_secret: bytes
    timezone: str = "UTC"
    base_dir: Path = Path(".")
    watermarks: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # secret reference -> value (IMAP passwords)
    workers: int = 1  # processes a reader may spread its parsing over (see feedback.workers)
    parallel_min_messages: int = 200  # the e-mail reader parses fewer new messages than this itself

    def resolve(self, path: str | Path) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p


Reader = Callable[[Any, SourceContext], Iterator[Batch]]


def reader_for(channel: str) -> Reader:
    """The reader function of a channel, imported on demand."""
    if channel == "survey":
        from feedback.sources.surveys.reader import read_surveys

        return read_surveys
    if channel == "review":
        from feedback.sources.reviews.crawl import read_reviews

        return read_reviews
    if channel == "email":
        from feedback.sources.email.reader import read_email

        return read_email
    raise ValueError(f"no reader for channel {channel!r}")
