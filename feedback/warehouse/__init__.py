"""The internal warehouse: raw landing, items, quarantine, watermarks and the run log.

- :mod:`.migrations`, :mod:`.migrations_analysis`: the schema, as named migrations applied when the
  warehouse is opened.
- :mod:`.batches`: raw documents, items, quarantined records and watermarks, one batch per
  transaction, so a run killed at any point leaves the warehouse as it was before a batch
  or after it, never in between.
- :mod:`.runs`: the run log (one row per flow run) and the per-source summary.
- :mod:`.sql`: the write transaction, the timestamp format, chunked ``IN (...)`` queries.
"""

from feedback.warehouse import migrations_analysis  # noqa: F401  (registers 0160 on; it imports .migrations first)
from feedback.warehouse.batches import (
    Batch,
    BatchResult,
    RawDocument,
    commit_batch,
    get_watermark,
    land,
    watermarks,
)
from feedback.warehouse.migrations import migrate, migration, open_warehouse
from feedback.warehouse.runs import finish_run, run_record, source_summary, start_run
from feedback.warehouse.sql import now_iso, write_transaction

__all__ = [
    "Batch",
    "BatchResult",
    "RawDocument",
    "commit_batch",
    "finish_run",
    "get_watermark",
    "land",
    "migrate",
    "migration",
    "now_iso",
    "open_warehouse",
    "run_record",
    "source_summary",
    "start_run",
    "watermarks",
    "write_transaction",
]
