"""The nightly run: pull what is new from every source, process it, republish the archive.

Thin wiring only: every task calls one library function. Only I/O tasks retry,
and only on I/O errors; a source that still fails is recorded and the other
sources go on.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from pydantic import SecretStr

from feedback.config import DEFAULT_CONFIG_PATH, Config, load_config
from feedback.embed import make_embedder
from feedback.errors import FeedbackError, NotifyError
from feedback.pipeline import customer_key, ingest_source, process, source_secrets
from feedback.pipeline import publish_archive as build_archive
from feedback.publish import PublishResult
from feedback.secret_refs import resolve_secret
from feedback.themes import update_themes
from feedback.themes.settings import with_overrides
from feedback.warehouse import BatchResult, open_warehouse, run_record
from feedback.warehouse.runs import publish_record
from flows.reports import dated_name, morning_summary, nightly_summary, publish_report, source_rows


def retry_on_io(task: Any, task_run: TaskRun, state: State) -> bool:
    """Retry a task only when it failed on I/O (a source down, a locked database)."""
    try:
        state.result()
    except (OSError, sqlite3.OperationalError):
        return True
    except BaseException:
        return False
    return False


def customer_secret(config: Config) -> SecretStr:
    return SecretStr(customer_key(config, resolve_secret))


def source_secrets_of(config: Config, name: str) -> dict[str, SecretStr]:
    """A source's secrets (IMAP passwords), resolved here at the edge and kept out of logs."""
    values = source_secrets(config.source(name), resolve_secret)
    return {ref: SecretStr(value) for ref, value in values.items()}


@task(
    name="ingest-source",
    task_run_name="ingest-{source_name}",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=retry_on_io,
    cache_policy=NO_CACHE,
)
def ingest(
    config: Config, source_name: str, secret: SecretStr, run_id: int, secrets: dict[str, SecretStr]
) -> BatchResult:
    db = open_warehouse(config.warehouse)
    try:
        plain = {ref: value.get_secret_value() for ref, value in secrets.items()}
        return ingest_source(db, config, source_name, secret.get_secret_value().encode(), run_id, plain)
    finally:
        db.close()


@task(name="process-new-items", task_run_name="process-new-items", cache_policy=NO_CACHE)
def process_new_items(config: Config) -> int:
    db = open_warehouse(config.warehouse)
    try:
        return process(db, config)
    finally:
        db.close()


@task(name="assign-themes", task_run_name="assign-themes", cache_policy=NO_CACHE)
def assign_themes(config: Config, prepared: dict[str, int] | None = None) -> dict[str, Any]:
    """Embed what is new and assign it to the existing themes (a full fit the first time).

    ``prepared``: the counts of the segmenting and embedding a Dask cluster did before (scale_out)."""
    settings = with_overrides(config.themes, config.base_dir, {})
    db = open_warehouse(config.warehouse)
    try:
        embedder = make_embedder(settings.model_path, settings.batch_size, config.embed, config.base_dir,
                                 db=db)  # loads once
        return {**update_themes(db, settings, embedder), **(prepared or {})}
    finally:
        db.close()


@task(name="publish-archive", task_run_name="publish-archive", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)
def publish_archive(config: Config) -> PublishResult:
    db = open_warehouse(config.warehouse)
    try:
        return build_archive(db, config)
    finally:
        db.close()


@flow(name="nightly", flow_run_name=dated_name("nightly"), log_prints=False)
def nightly(
    config_path: str = str(DEFAULT_CONFIG_PATH),
    sources: list[str] | None = None,
    publish: bool = True,
) -> dict[str, Any]:
    """Ingest every configured source (or the ones named), process what is new, assign themes, publish.

    A source that fails (unreachable, unreadable, or a configured file or folder that is not there)
    is reported and the others go on; the run then fails at its end, naming it. When no source
    could be read the archive is not rebuilt, so it keeps what it served.

    Args:
        config_path: The configuration file (YAML), on the machine that runs the flow; relative
            paths in it start at its folder.
        sources: Only these sources, by their `name:` in the configuration; empty = every source.
        publish: Rebuild the archive that Datasette serves at the end (false: ingest and process only).
    """
    logger = get_run_logger()
    config = load_config(config_path)
    names = sources or [s.name for s in config.sources]
    for name in names:
        config.source(name)  # unknown names fail before anything is written
    secret = customer_secret(config)
    db = open_warehouse(config.warehouse)
    failed: dict[str, str] = {}
    per_source: dict[str, dict[str, int]] = {}
    try:
        parameters = {"config": config_path, "sources": names}
        with run_record(db, "nightly", parameters, publish_follows=publish) as (run_id, counts, details):
            futures = {
                name: ingest.submit(config, name, secret, run_id, source_secrets_of(config, name))
                for name in names
            }
            for name, future in futures.items():
                try:
                    result = future.result()
                except FeedbackError as exc:
                    failed[name] = str(exc)
                    logger.error("source %s failed: %s", name, exc)
                    continue
                except (OSError, sqlite3.Error) as exc:
                    failed[name] = f"{type(exc).__name__}: {exc}"
                    logger.error("source %s failed after retries: %s", name, exc)
                    continue
                counts += result
                per_source[name] = asdict(result)
            details["sources"] = per_source
            details["failed"] = failed
            if config.scale.runner == "dask":  # the heavy per-item work over batches on a Dask cluster
                from flows.scale import (
                    scale_out,  # prefect-dask and distributed load only for this route
                )

                processed, prepared = scale_out(config)
            else:
                processed, prepared = process_new_items(config), None
            details["processed"] = processed
            details["themes"] = themes = assign_themes(config, prepared)
            logger.info(
                "themes: %d segments new, %d themes (%d new), %.1f %% of comments outliers",
                themes.get("segments_new", 0), themes.get("themes_total", 0),
                themes.get("themes_new", 0), 100 * themes.get("outlier_share", 0.0),
            )
        logger.info(
            "run %d: %d seen, %d new, %d quarantined, %d failed sources",
            run_id, counts.seen, counts.new, counts.quarantined, len(failed),
        )
        nothing_read = bool(names) and len(failed) == len(names)
        published = None
        if publish and not nothing_read:  # a run killed while publishing is closed as interrupted by the next one
            with publish_record(db, run_id) as done:
                published = publish_archive(config)
                done["published"] = published.feedback
    finally:
        db.close()
    rows = source_rows(per_source, failed)
    note = "no source could be read, the archive keeps what it served" if nothing_read and publish else (
        "publish: false" if not publish else "")
    morning = morning_summary(config, run_id, rows)  # alerts and notifications; a failed one is recorded
    publish_report(
        "nightly",
        nightly_summary(run_id, rows, processed, themes,
                        (published.feedback, str(published.path)) if published else None, note)
        + "\n\n" + morning.markdown,
        rows, "nightly run: what each source read, or why it failed",
    )
    if failed:
        raise FeedbackError(f"{len(failed)} source(s) failed: " + "; ".join(f"{k}: {v}" for k, v in failed.items())
                            + (f"; {morning.error}" if morning.error else ""))
    if morning.error:
        raise NotifyError(f"the night's data work is done and recorded; {morning.error}")
    return {
        "run_id": run_id,
        "seen": counts.seen,
        "new": counts.new,
        "quarantined": counts.quarantined,
        "sources": per_source,
        "archive": str(published.path) if published else None,
        "published": published.feedback if published else None,
    }


if __name__ == "__main__":
    nightly(config_path=str(Path(DEFAULT_CONFIG_PATH)))
