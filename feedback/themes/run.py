"""A theme run: the on-demand re-cluster as one recorded run.

The ``recluster`` Prefect flow and ``feedback themes recluster`` both call
:func:`run_recluster`, so a re-cluster leaves the same trace in the warehouse's run
log whichever way an analyst starts it. Publishing afterwards is the caller's step.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from feedback.embed import SupportsEmbed
from feedback.themes.engine import recluster
from feedback.themes.settings import ThemeSettings
from feedback.warehouse import run_record

RECLUSTER_FLOW = "recluster"  # the run log's ``flow`` for a re-cluster, as the deployment is named


def run_recluster(db: sqlite_utils.Database, settings: ThemeSettings, embedder: SupportsEmbed) -> dict[str, Any]:
    """Re-cluster every comment with ``settings`` and record it in the ``runs`` table.

    The run's parameters are the settings used; its details are the returned statistics
    (or the error, with status ``failed``, when the re-cluster raises).
    """
    with run_record(db, RECLUSTER_FLOW, settings.model_dump(mode="json")) as (_, _counts, details):
        stats = recluster(db, settings, embedder)
        details.update(stats)
    return stats
