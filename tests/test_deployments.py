"""The production route for real: a Prefect API, a process work pool, `prefect deploy --all`
from prefect.yaml, and a worker that runs the nightly deployment in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

from .conftest import REPO

pytestmark = pytest.mark.slow
PREFECT = str(Path(sys.executable).with_name("prefect"))


def prefect(args: list[str], env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([PREFECT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_deploy_all_then_a_worker_runs_the_nightly_deployment(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    from prefect.settings import PREFECT_API_URL

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,The van came a day late\n", encoding="utf-8")
    config = write_config([{"name": "pulse", "channel": "survey", "paths": "a.csv",
                            "columns": {"received_at": "Timestamp", "text": "Why?"}}])
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PWD": str(REPO),
           "FEEDBACK_CUSTOMER_KEY": "k", "PREFECT_LOGGING_LEVEL": "WARNING"}

    prefect(["work-pool", "create", "feedback", "--type", "process"], env)
    prefect(["--no-prompt", "deploy", "--all"], env)
    listed = prefect(["deployment", "ls"], env).stdout
    assert "nightly/nightly" in listed and "recluster/recluster" in listed

    from prefect.client.orchestration import get_client

    async def schedule_of_nightly() -> tuple[str, str | None]:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("nightly/nightly")
            [schedule] = deployment.schedules
            return schedule.schedule.cron, schedule.schedule.timezone  # type: ignore[union-attr]

    import asyncio

    assert asyncio.run(schedule_of_nightly()) == ("0 2 * * *", "Europe/London")

    prefect(["deployment", "run", "nightly/nightly", "--param", f"config_path={config}",
             "--param", "publish=true"], env)
    worker = subprocess.run(
        [PREFECT, "worker", "start", "--pool", "feedback", "--run-once"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert [r["text"] for r in archive.table("feedback").rows] == ["The van came a day late"]
    assert [r["status"] for r in archive.table("runs").rows] == ["completed"]

    # An analyst's re-cluster, with parameters, through the same pool.
    prefect(["deployment", "run", "recluster/recluster", "--param", f"config_path={config}",
             "--param", "min_cluster_size=3", "--param", "cluster_selection_method=eom"], env)
    worker = subprocess.run(
        [PREFECT, "worker", "start", "--pool", "feedback", "--run-once"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    runs = list(sqlite_utils.Database(tmp_path / "archive.db").query("select flow, status, parameters from runs order by id"))
    assert [(r["flow"], r["status"]) for r in runs] == [("nightly", "completed"), ("recluster", "completed")]
    assert '"min_cluster_size": 3' in runs[1]["parameters"]
