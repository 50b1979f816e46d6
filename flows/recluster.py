"""On-demand theme re-clustering with an analyst's parameters.

Thin wiring: one task builds the run's embedder and calls
:func:`feedback.themes.run_recluster` (as ``feedback themes recluster`` does), which
records the run and matches the new themes to the current ones so ids, labels and
analyst edits carry over; then the archive is republished unless ``publish`` is False.
Every parameter left as None keeps the value from the configuration's ``themes:`` block.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from feedback.config import DEFAULT_CONFIG_PATH, Config, load_config
from feedback.embed import make_embedder
from feedback.themes import run_recluster
from feedback.themes.settings import ThemeSettings, with_overrides
from feedback.themes.store import theme_rows as store_theme_rows
from feedback.warehouse import open_warehouse
from flows.nightly import publish_archive
from flows.reports import dated_name, publish_report, recluster_summary, theme_rows


def theme_settings(config: Config, overrides: dict[str, Any]) -> ThemeSettings:
    """The configuration's theme settings with the given parameters (None = keep) applied."""
    return with_overrides(config.themes, config.base_dir, overrides)


@task(name="recluster-themes", task_run_name="recluster-themes", cache_policy=NO_CACHE)
def recluster_task(config: Config, settings: ThemeSettings) -> dict[str, Any]:
    db = open_warehouse(config.warehouse)
    try:
        stats = run_recluster(db, settings, make_embedder(settings.model_path, settings.batch_size, config.embed,
                                                          config.base_dir, db=db))
        stats["biggest"] = theme_rows(store_theme_rows(db, ("active",)))
        return stats
    finally:
        db.close()


# The analyst's parameters carry the bounds of ThemeSettings (tests/test_flows.py keeps them in step),
# so a deployment run with min_cluster_size=1 is refused before it starts.
MinClusterSize = Annotated[int | None, Field(ge=2)]
MinSamples = Annotated[int | None, Field(ge=1)]
Dims = Annotated[int | None, Field(ge=2, le=384)]
Share = Annotated[float | None, Field(ge=0.0, le=1.0)]
TopThemes = Annotated[int | None, Field(ge=2)]
ThemeCount = Annotated[int | None, Field(ge=2)]


@flow(name="recluster", flow_run_name=dated_name("recluster"), log_prints=False)
def recluster(
    config_path: str = str(DEFAULT_CONFIG_PATH),
    theme_count: ThemeCount = None,
    min_cluster_size: MinClusterSize = None,
    min_samples: MinSamples = None,
    cluster_selection_method: Literal["leaf", "eom"] | None = None,
    reduction: Literal["pca", "none"] | None = None,
    dims: Dims = None,
    seed: int | None = None,
    assign_threshold: Share = None,
    top_themes: TopThemes = None,
    publish: bool = True,
) -> dict[str, Any]:
    """Re-cluster every comment's segments with these parameters, keep theme ids, labels and
    edits, and republish the archive (unless publish is false).

    Every parameter left empty keeps the value of the configuration's `themes:` block.

    Args:
        config_path: The configuration file (YAML), on the machine that runs the flow.
        theme_count: About how many themes to draw (2 or more): more for finer themes, fewer for broader ones;
            empty = as many as the data shows (set by min_cluster_size and min_samples).
        min_cluster_size: Smallest theme, in segments (2 or more); empty = max(5, segments / 1000).
        min_samples: HDBSCAN density smoothing (1 or more); without theme_count, lower finds more themes.
        cluster_selection_method: leaf = fine, even themes (parents group them); eom = fewer, uneven themes.
        reduction: Reduction before clustering: pca (fast) or none.
        dims: PCA dimensions, 2 to 384.
        seed: Seed of the fit sample when there are more segments than the fit takes.
        assign_threshold: Cosine similarity (0 to 1) a segment needs to join a theme; below it, no theme.
        top_themes: How many top-level themes to show (2 or more); empty = chosen from the data, 8 to 1.2 x sqrt(themes), at most 25.
        publish: Rebuild the archive that Datasette serves afterwards (the default); false leaves
            that to the next publish or nightly run.
    """
    logger = get_run_logger()
    config = load_config(config_path)
    parameters = {
        "theme_count": theme_count, "min_cluster_size": min_cluster_size, "min_samples": min_samples,
        "cluster_selection_method": cluster_selection_method, "reduction": reduction, "dims": dims,
        "seed": seed, "assign_threshold": assign_threshold, "top_themes": top_themes,
    }
    settings = theme_settings(config, parameters)
    stats = recluster_task(config, settings)
    biggest = stats.pop("biggest")
    if publish:
        published = publish_archive(config)
        stats["published"] = published.feedback
    logger.info(
        "re-cluster: %d themes (%d new), %.1f %% of comments outliers",
        stats["themes_total"], stats["themes_new"], 100 * stats["outlier_share"],
    )
    publish_report("recluster", recluster_summary(parameters, stats, biggest), biggest,
                   "re-cluster: the biggest themes")
    return stats


if __name__ == "__main__":
    recluster()
