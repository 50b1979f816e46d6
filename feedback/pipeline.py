"""The library functions the flows sequence: ingest a source, process new items.

Each function takes its inputs explicitly and can be called without Prefect.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import sqlite_utils

from .config import Config
from .sources import SourceContext, reader_for
from .warehouse import BatchResult, commit_batch, watermarks

log = logging.getLogger(__name__)


def ingest_source(
    db: sqlite_utils.Database,
    config: Config,
    source_name: str,
    customer_secret: bytes,
    run_id: int | None = None,
    secrets: Mapping[str, str] | None = None,
) -> BatchResult:
    """Read what is new in one source and commit it batch by batch.

    ``secrets`` maps the source's secret references (``source.secret_references()``, e.g.
    an IMAP password's ``env:NAME``) to their values, resolved by the caller at the edge.
    """
    source = config.source(source_name)
    context = SourceContext(
        customer_secret=customer_secret,
        timezone=getattr(source, "timezone", None) or config.timezone,
        base_dir=config.base_dir,
        watermarks=watermarks(db, source.name),
        secrets=dict(secrets or {}),
    )
    total = BatchResult()
    for batch in reader_for(source.channel)(source, context):
        total += commit_batch(db, batch, run_id)
    log.info(
        "source %s: %d seen, %d new, %d changed, %d quarantined",
        source.name, total.seen, total.new, total.changed, total.quarantined,
    )
    return total
