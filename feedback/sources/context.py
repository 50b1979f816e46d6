"""What a reader is given: the :class:`SourceContext` and the ``Reader`` signature.

Kept apart from the channel registry (:func:`feedback.sources.reader_for`) so that the
readers can import it without importing the registry that imports them.
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
