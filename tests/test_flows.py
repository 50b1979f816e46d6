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


# --- what a run shows in Prefect: typed, described, validated parameters; a dated name; artifacts ---


def flows_by_name() -> dict[str, object]:
    return {ep.name: ep.load() for ep in entry_points(group="feedback.flows")}


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_parameter_has_a_type_and_a_description(name: str) -> None:
    from prefect.utilities.callables import parameter_schema_from_entrypoint

    [deployment] = [d for d in PREFECT_YAML["deployments"] if d["name"] == name]
    # what `prefect deploy` sends the server (read from the source file) and what the flow object holds
    for schema in (parameter_schema_from_entrypoint(str(REPO / deployment["entrypoint"])),
                   flows_by_name()[name].parameters):  # type: ignore[attr-defined]
        for param, prop in schema.properties.items():
            assert len(prop.get("description") or "") > 15, f"{name}.{param} has no description"
            assert "type" in prop or "anyOf" in prop, f"{name}.{param} has no type"


def test_the_recluster_parameters_have_the_theme_settings_bounds() -> None:
    from feedback.themes.settings import ThemeSettings
    from flows.recluster import recluster

    settings = ThemeSettings.model_json_schema()["properties"]
    params = recluster.parameters.properties
    shared = [p for p in params if p in settings]
    assert set(shared) == {"theme_count", "min_cluster_size", "min_samples", "cluster_selection_method", "reduction", "dims",
                           "seed", "assign_threshold", "top_themes"}

    def bounds(prop: dict) -> list[tuple[str, object]]:
        found = [prop, *prop.get("anyOf", [])]
        return sorted((k, v) for p in found for k, v in p.items() if k in ("minimum", "maximum", "enum"))

    for name in shared:
        assert bounds(params[name]) == bounds(settings[name]), name


def test_the_recluster_description_says_it_publishes_by_default() -> None:
    from flows.recluster import recluster

    [deployment] = [d for d in PREFECT_YAML["deployments"] if d["name"] == "recluster"]
    assert recluster.parameters.properties["publish"]["default"] is True
    assert "republished" in deployment["description"] and "publish: false" in deployment["description"]
    assert "republish the archive (unless publish is false)" in " ".join((recluster.description or "").split())


def test_run_names_carry_the_date() -> None:
    from datetime import UTC, datetime

    from flows.reports import run_name

    assert run_name("nightly", datetime(2026, 11, 22, 1, 30, tzinfo=UTC).astimezone()) == "nightly-2026-11-22"


async def flow_run_and_artifacts(flow_run_id: object) -> tuple[object, dict[str, object]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        run = await client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))  # type: ignore[list-item]
    return run, {a.key: a for a in artifacts if a.key}  # (Prefect adds unkeyed ones, e.g. a failed result)


@pytest.mark.slow
def test_a_nightly_run_is_named_by_its_date_and_leaves_a_summary_and_a_table(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import json
    from datetime import date

    from flows.nightly import nightly

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late delivery again\n", encoding="utf-8")
    columns = {"received_at": "Timestamp", "text": "Why?"}
    config = write_config([
        {"name": "good", "channel": "survey", "paths": "a.csv", "columns": columns},
        {"name": "gone", "channel": "survey", "paths": "exports/missing.csv", "columns": columns},
    ])
    monkeypatch.setenv("FEEDBACK_CUSTOMER_KEY", "k")

    # A configured file that is not there fails its source, loudly; the other source still lands.
    state = nightly(config_path=str(config), return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match=r"1 source\(s\) failed: gone: exports/missing.csv: no such file or folder"):
        state.result()
    run, artifacts = asyncio.run(flow_run_and_artifacts(state.state_details.flow_run_id))
    assert run.name == f"nightly-{date.today().isoformat()}"  # type: ignore[attr-defined]
    assert set(artifacts) == {"nightly-summary", "nightly-sources"}
    summary = artifacts["nightly-summary"]
    assert summary.type == "markdown"  # type: ignore[attr-defined]
    assert "**1** comments read from 1 of 2 sources: **1** new" in summary.data  # type: ignore[attr-defined]
    assert "- `gone`: exports/missing.csv: no such file or folder" in summary.data  # type: ignore[attr-defined]
    table = json.loads(artifacts["nightly-sources"].data)  # type: ignore[attr-defined]
    assert [(r["source"], r["status"], r["new"]) for r in table] == [("good", "ok", 1), ("gone", "failed", 0)]
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert [r["text"] for r in archive["feedback"].rows] == ["Late delivery again"]

    # Only the missing source: nothing could be read, so the archive keeps what it served.
    before = (tmp_path / "archive.db").stat().st_mtime_ns
    with pytest.raises(Exception, match="gone: exports/missing.csv: no such file or folder"):
        nightly(config_path=str(config), sources=["gone"])
    assert (tmp_path / "archive.db").stat().st_mtime_ns == before


@pytest.mark.slow
def test_bad_recluster_parameters_are_refused_before_the_run(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ParameterTypeError

    from flows.recluster import recluster

    config = write_config([])
    with pytest.raises(ParameterTypeError, match="min_cluster_size: Input should be greater than or equal to 2"):
        recluster(config_path=str(config), min_cluster_size=1)
    assert not (tmp_path / "warehouse.db").exists()  # the flow's body never ran

    # Through a deployment, the API refuses to create the run at all.
    recluster.to_deployment(name="bounds").apply()
    with pytest.raises(Exception, match="min_cluster_size") as refused:
        run_deployment("recluster/bounds", parameters={"config_path": str(config), "min_cluster_size": 1}, timeout=0)
    assert "minimum of 2" in str(refused.value) or "greater than or equal to 2" in str(refused.value)
