"""On-demand theme re-clustering with an analyst's parameters.

Thin wiring: one task builds the run's embedder and calls
:func:`feedback.themes.run_recluster` (as ``feedback themes recluster`` does), which
records the run and matches the new themes to the current ones so ids, labels and
analyst edits carry over; then the archive is republished unless ``publish`` is False.
Every parameter left as None keeps the value from the configuration's ``themes:`` block.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from feedback.config import DEFAULT_CONFIG_PATH, Config, load_config
from feedback.themes import make_embedder, run_recluster
from feedback.themes.settings import ThemeSettings, with_overrides
from feedback.warehouse import open_warehouse
from flows.nightly import publish_archive


def theme_settings(config: Config, overrides: dict[str, Any]) -> ThemeSettings:
    """The configuration's theme settings with the given parameters (None = keep) applied."""
    return with_overrides(config.themes, config.base_dir, overrides)


@task(name="recluster-themes", cache_policy=NO_CACHE)
def recluster_task(config: Config, settings: ThemeSettings) -> dict[str, Any]:
    db = open_warehouse(config.warehouse)
    try:
        return run_recluster(db, settings, make_embedder(settings))
    finally:
        db.close()


@flow(name="recluster", log_prints=False)
def recluster(
    config_path: str = str(DEFAULT_CONFIG_PATH),
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    cluster_selection_method: Literal["leaf", "eom"] | None = None,
    reduction: Literal["pca", "none"] | None = None,
    dims: int | None = None,
    seed: int | None = None,
    assign_threshold: float | None = None,
    top_themes: int | None = None,
    publish: bool = True,
) -> dict[str, Any]:
    """Re-cluster every comment's segments with these parameters; keep theme ids and edits; publish."""
    logger = get_run_logger()
    config = load_config(config_path)
    settings = theme_settings(config, {
        "min_cluster_size": min_cluster_size, "min_samples": min_samples,
        "cluster_selection_method": cluster_selection_method, "reduction": reduction, "dims": dims,
        "seed": seed, "assign_threshold": assign_threshold, "top_themes": top_themes,
    })
    stats = recluster_task(config, settings)
    if publish:
        published = publish_archive(config)
        stats["published"] = published.feedback
    logger.info(
        "re-cluster: %d themes (%d new), %.1f %% of comments outliers",
        stats["themes_total"], stats["themes_new"], 100 * stats["outlier_share"],
    )
    return stats


if __name__ == "__main__":
    recluster()
