"""Prefect wiring: deployments match the flows, the nightly flow runs for real, retries only on I/O."""

from __future__ import annotations

import ast
import importlib
import sqlite3
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from prefect.states import Completed, Failed

from flows.nightly import retry_on_io

from .conftest import REPO

PREFECT_YAML = yaml.safe_load((REPO / "prefect.yaml").read_text())
# deployment name -> "module:flow", as the package registers them for the CLI
FLOWS = {ep.name: ep.value for ep in entry_points(group="feedback.flows")}


def flow_functions_in(path: Path) -> set[str]:
    """Names of module-level functions decorated with @flow."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if isinstance(target, ast.Name) and target.id == "flow":
                    found.add(node.name)
    return found


@pytest.mark.parametrize("deployment", PREFECT_YAML["deployments"], ids=lambda d: d["name"])
def test_every_entrypoint_imports_and_is_described(deployment: dict) -> None:
    path, name = deployment["entrypoint"].split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, name)
    assert flow.name == deployment["name"]  # Prefect names the deployment "<flow name>/<deployment name>"
    assert FLOWS[deployment["name"]] == f"{module.__name__}:{name}"  # the CLI finds the same flow
    assert len(deployment.get("description", "")) > 40
    assert deployment["work_pool"]["name"] == "feedback"
    params = set(deployment.get("parameters", {}))
    assert params <= set(flow.parameters.properties), f"unknown parameters {params}"


def test_every_flow_in_flows_is_deployed() -> None:
    deployed = {d["entrypoint"] for d in PREFECT_YAML["deployments"]}
    for path in sorted((REPO / "flows").glob("*.py")):
        for name in flow_functions_in(path):
            assert f"flows/{path.name}:{name}" in deployed, f"{path.name}:{name} has no deployment in prefect.yaml"
    assert {d["name"]: d["entrypoint"].replace("/", ".").replace(".py", "") for d in PREFECT_YAML["deployments"]} == FLOWS


def test_nightly_runs_at_two_in_the_configured_time_zone() -> None:
    [nightly] = [d for d in PREFECT_YAML["deployments"] if d["name"] == "nightly"]
    [schedule] = nightly["schedules"]
    assert schedule["cron"] == "0 2 * * *"
    config = yaml.safe_load((REPO / "data" / "config.yml").read_text())
    assert schedule["timezone"] == config["timezone"]


@pytest.mark.parametrize(
    ("error", "retry"),
    [(OSError("connection reset"), True), (sqlite3.OperationalError("database is locked"), True),
     (TimeoutError("slow"), True), (ValueError("bad mapping"), False), (KeyError("x"), False)],
)
def test_only_io_errors_are_retried(error: Exception, retry: bool) -> None:
    assert retry_on_io(None, None, Failed(data=error)) is retry  # type: ignore[arg-type]
    assert retry_on_io(None, None, Completed(data=1)) is False  # type: ignore[arg-type]


@pytest.mark.slow
def test_nightly_flow_ingests_processes_and_publishes(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.nightly import nightly

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late delivery again\n", encoding="utf-8")
    columns = {"received_at": "Timestamp", "text": "Why?"}
    config = write_config([
        {"name": "good", "channel": "survey", "paths": "a.csv", "columns": columns},
        {"name": "unreadable", "channel": "survey", "paths": "locked/b.csv", "columns": columns},
    ])
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.csv").write_text("Timestamp,Why?\n", encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_CUSTOMER_KEY", "k")

    result = nightly(config_path=str(config), sources=["good"])
    assert (result["new"], result["published"]) == (1, 1)
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert [r["text"] for r in archive["feedback"].search("deliveries")] == ["Late delivery again"]
    [run] = list(archive.query("select flow, status, items_in, items_new from runs"))
    assert run == {"flow": "nightly", "status": "completed", "items_in": 1, "items_new": 1}

    # A source that cannot be read fails after its retries; the others still land and publish.
    (tmp_path / "locked" / "b.csv").chmod(0o000)
    monkeypatch.setattr("flows.nightly.ingest.retry_delay_seconds", [0, 0])
    import os
    if os.geteuid() == 0:
        # root reads any file: make the read fail another way
        monkeypatch.setattr("feedback.sources.surveys.reader.Path.read_bytes", _fail_for("b.csv"))
    with pytest.raises(Exception, match="1 source\\(s\\) failed: unreadable"):
        nightly(config_path=str(config))
    runs = list(sqlite_utils.Database(tmp_path / "warehouse.db").query("select status from runs order by id"))
    assert [r["status"] for r in runs] == ["completed", "partial"]


def _fail_for(name: str) -> Callable[[Path], bytes]:
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    return read_bytes
