"""The command line: help everywhere, errors as one clear line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from feedback.cli import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", all_commands(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help and len(command.help.strip()) > 15, f"{' '.join(path)} needs a help text"


def test_the_readme_documents_every_top_level_command() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in cli.commands:
        assert f"feedback {name}" in readme, f"README does not mention `feedback {name}`"


def test_a_bad_config_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.yml"
    bad.write_text("sources:\n  - name: x\n    channel: survey\n    paths: a.csv\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(bad), "sources"])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: source 'x', field 'columns': required field is missing\n"
    missing = CliRunner().invoke(cli, ["--config", str(tmp_path / "none.yml"), "publish"])
    assert missing.output == f"Error: {tmp_path / 'none.yml'}: configuration file not found\n"


def test_sources_publish_and_quarantine(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    from feedback.config import load_config
    from feedback.pipeline import ingest_source
    from feedback.text.process import build_redactor, process_items
    from feedback.warehouse import open_warehouse

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late again\nnot a date,Cold food\n", encoding="utf-8")
    path = write_config([{"name": "pulse", "channel": "survey", "paths": "a.csv",
                          "columns": {"received_at": "Timestamp", "text": "Why?"}}])
    config = load_config(path)
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "pulse", b"k")
    process_items(db, build_redactor(["GB"]), ["en"])
    runner = CliRunner()
    sources = runner.invoke(cli, ["--config", str(path), "sources"])
    assert sources.exit_code == 0
    header, row = sources.output.splitlines()
    assert header.split() [:4] == ["source", "channel", "items", "quarantined"]
    assert row.split()[:4] == ["pulse", "survey", "1", "1"]
    published = runner.invoke(cli, ["--config", str(path), "publish"])
    assert published.exit_code == 0 and published.output.startswith("published 1 comments to ")
    quarantined = runner.invoke(cli, ["--config", str(path), "quarantine"])
    assert "cannot read the date 'not a date' in column 'Timestamp'" in quarantined.output


def test_serve_without_an_archive_says_what_to_do(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    path = write_config([])
    result = CliRunner().invoke(cli, ["--config", str(path), "serve"])
    assert result.exit_code == 1
    assert "no archive at" in result.output and "run `feedback run`" in result.output


def test_the_default_configuration_is_the_librarys() -> None:
    from feedback import cli as cli_module
    from feedback.config import DEFAULT_CONFIG_PATH

    assert cli_module.DEFAULT_CONFIG_PATH == DEFAULT_CONFIG_PATH


@pytest.mark.parametrize(
    ("metadata", "expected_plugin"),
    [
        (None, {"warm_up": True, "sql_memory_mb": 512}),
        ("title: Ours\nplugins:\n  feedback:\n    answer_days: 3\n", {"answer_days": 3, "warm_up": True, "sql_memory_mb": 512}),
        ("title: Ours\nplugins:\n  feedback:\n    warm_up: false\n    sql_memory_mb: 2048\n",
         {"warm_up": False, "sql_memory_mb": 2048}),  # the operator's word wins
    ],
    ids=["no metadata", "configured metadata", "warm-up switched off"],
)
def test_serve_runs_datasette_with_the_metadata_and_the_warm_up_option(
    tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
    metadata: str | None, expected_plugin: dict[str, object],
) -> None:
    import json
    import sqlite3
    import subprocess
    import sys

    settings = {}
    if metadata is not None:
        (tmp_path / "metadata.yml").write_text(metadata, encoding="utf-8")
        settings["datasette_metadata"] = "metadata.yml"
    path = write_config([], **settings)
    sqlite3.connect(tmp_path / "archive.db").close()
    commands: list[list[str]] = []

    def started(command: list[str], probe: str, announce: str) -> int:
        commands.append(command)
        return 0

    monkeypatch.setattr("feedback.cli.run_until_stopped", started)
    result = CliRunner().invoke(cli, ["--config", str(path), "serve", "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    [command] = commands
    assert command[command.index("--metadata") + 1] == str(tmp_path / "archive.db-metadata.json")
    # What Datasette itself makes of that command line (--get answers one request, no server).
    served = subprocess.run([*command, "--get", "/-/metadata.json"], capture_output=True, text=True, check=True)
    answer = json.loads(served.stdout)
    assert answer["plugins"] == {"feedback": expected_plugin}
    assert answer.get("title") == (None if metadata is None else "Ours")
    assert command[0] == sys.executable


@pytest.mark.slow
def test_themes_recluster_is_recorded_as_a_recluster_run(tmp_path: Path) -> None:
    import json

    import sqlite_utils

    from tests.themes_fixtures import add_comments, new_warehouse, sample_comments

    db = new_warehouse(tmp_path / "warehouse.db")
    add_comments(db, [text for text, _ in sample_comments(seed=5, per_theme=10)], "a")
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["--config", str(config), "themes", "--no-publish", "recluster",
                                      "--min-cluster-size", "4"])
    assert result.exit_code == 0, result.output
    [run] = sqlite_utils.Database(tmp_path / "warehouse.db").query(
        "select flow, status, parameters, details from runs")
    assert (run["flow"], run["status"]) == ("recluster", "completed")
    assert json.loads(run["parameters"])["min_cluster_size"] == 4
    details = json.loads(run["details"])
    assert details["mode"] == "recluster"
    assert result.stdout.startswith(f"{details['themes_total']} themes ({details['themes_new']} new, ")
    assert result.stderr == "✓ recluster-themes  done\n" or result.stderr.startswith("✓ recluster-themes  done  ")


# --- every error is one line and a non-zero exit -----------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_line_error(result: object, expected: str) -> None:
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert result.output == f"Error: {expected}\n"  # type: ignore[attr-defined]


SURVEY = {"name": "pulse", "channel": "survey", "paths": "a.csv", "columns": {"received_at": "Timestamp", "text": "Why?"}}


def test_a_missing_customer_key_is_one_line_before_prefect_starts(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    import json
    import os
    import subprocess
    import sys

    from .conftest import REPO

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n", encoding="utf-8")
    path = write_config([SURVEY])
    probe = ("import json, sys\nsys.argv = ['feedback', *sys.argv[1:]]\nfrom feedback.cli import main\n"
             "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
             "print(json.dumps({'code': code, 'prefect': 'prefect' in sys.modules}))\n")
    env = {k: v for k, v in os.environ.items() if k != "FEEDBACK_CUSTOMER_KEY"}
    done = subprocess.run([sys.executable, "-c", probe, "--config", str(path), "run"], capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(REPO)}, cwd=tmp_path, check=False)
    assert done.stderr == ("Error: the customer key secret 'env:FEEDBACK_CUSTOMER_KEY' is not set (export "
                           "FEEDBACK_CUSTOMER_KEY, or point secrets.customer_key at a Prefect Secret block)\n")
    assert json.loads(done.stdout) == {"code": 1, "prefect": False}
    assert not (tmp_path / "warehouse.db").exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("sources: [\n  - a: b\n", "not valid YAML at line 2, column 3: while parsing a flow node: expected the node "
                                   "content, but found '-'"),
        ("sources:\n  - name: x\n    channel: surveyy\n", "source 'x', field 'channel': 'surveyy' is not one of "
                                                         "survey, email, review, form"),
    ],
    ids=["yaml syntax", "misspelt channel"],
)
def test_configuration_errors_are_one_line(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "config.yml"
    path.write_text(body, encoding="utf-8")
    one_line_error(CliRunner().invoke(cli, ["--config", str(path), "sources"]), f"{path}: {expected}")


@pytest.mark.parametrize("port", [99999, 0, -1])
def test_serve_refuses_a_port_that_is_not_one(tmp_path: Path, write_config: Callable[..., Path], port: int) -> None:
    path = write_config([])
    one_line_error(CliRunner().invoke(cli, ["--config", str(path), "serve", "--port", str(port)]),
                   f"--port {port} is not a port number (1 to 65535)")


@pytest.mark.parametrize("check", [False, True], ids=["serve", "serve --check"])
def test_serve_says_a_port_in_use_in_one_line_before_starting(
    tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, check: bool
) -> None:
    import socket
    import sqlite3

    path = write_config([])
    sqlite3.connect(tmp_path / "archive.db").close()
    started: list[object] = []
    monkeypatch.setattr("feedback.cli.run_until_stopped", lambda *args: started.append(args) or 0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--config", str(path), "serve", "--port", str(port), *(["--check"] * check)])
    one_line_error(result, f"port {port} is in use on 127.0.0.1: stop what listens there, or choose another "
                           "port (--port, or PORT= with make run)")
    assert started == []
    free = free_port()
    result = CliRunner().invoke(cli, ["--config", str(path), "serve", "--port", str(free), "--check"])
    assert (result.exit_code, result.output) == (0, f"port {free} is free on 127.0.0.1\n")


def test_quarantine_of_an_unknown_source_says_so(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    path = write_config([SURVEY])
    one_line_error(CliRunner().invoke(cli, ["--config", str(path), "quarantine", "--source", "nope"]),
                   "no source named 'nope' (configured: pulse)")


def test_sources_take_limit_and_json(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    import json

    from feedback.config import load_config
    from feedback.pipeline import ingest_source
    from feedback.warehouse import open_warehouse

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late again\nnot a date,Cold\n", encoding="utf-8")
    path = write_config([SURVEY, {**SURVEY, "name": "other"}, {**SURVEY, "name": "third"}],
                        themes={"read_whole": ["other"]})
    config = load_config(path)
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "pulse", b"k")
    db.close()
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["--config", str(path), "sources", "--json"]).output)
    assert [(s["source"], s["channel"], s["items"], s["quarantined"], s["read"]) for s in listed] == [
        ("pulse", "survey", 1, 1, "points"), ("other", "survey", 0, 0, "whole"), ("third", "survey", 0, 0, "points")]
    table = runner.invoke(cli, ["--config", str(path), "sources"]).output.splitlines()
    assert [line.split()[-1] for line in table] == ["read", "points", "whole", "points"]
    assert listed[0]["last_item"] and listed[1]["last_checked"] is None
    limited = runner.invoke(cli, ["--config", str(path), "sources", "--limit", "2"])
    assert [line.split()[0] for line in limited.output.splitlines()] == ["source", "pulse", "other"]
    assert len(json.loads(runner.invoke(cli, ["--config", str(path), "sources", "-n", "1", "--json"]).output)) == 1
    refused = runner.invoke(cli, ["--config", str(path), "sources", "--limit", "0"])
    assert refused.exit_code == 2


def test_themes_list_takes_limit_and_json(tmp_path: Path) -> None:
    import json

    import sqlite_utils

    from tests.themes_fixtures import new_warehouse

    db = new_warehouse(tmp_path / "warehouse.db")
    for tid, (label, size) in enumerate([("late vans", 30), ("refunds", 20), ("rude staff", 10)], start=1):
        db["themes"].insert({"id": tid, "label": label, "size": size, "status": "active", "is_new": tid == 3,
                             "label_pinned": 0}, alter=True)
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\n", encoding="utf-8")
    runner = CliRunner()
    found = json.loads(runner.invoke(cli, ["--config", str(config), "themes", "list", "--json"]).output)
    assert [(t["id"], t["label"], t["size"], t["is_new"]) for t in found] == [
        (1, "late vans", 30, False), (2, "refunds", 20, False), (3, "rude staff", 10, True)]
    limited = runner.invoke(cli, ["--config", str(config), "themes", "list", "--limit", "2"]).output.splitlines()
    assert [line.split()[-1] for line in limited] == ["label", "vans", "refunds"]
    assert sqlite_utils.Database(tmp_path / "warehouse.db")["themes"].count == 3


# --- what a run shows: one line per stage, no engine chatter (real processes, real Prefect API) ----


@pytest.mark.slow
def test_feedback_run_shows_one_line_per_stage_and_logs_only_with_v(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    import os
    import re
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    from .conftest import REPO

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,The van came a day late\n", encoding="utf-8")
    path = write_config([SURVEY, {**SURVEY, "name": "gone", "paths": "exports/missing.csv"}])
    env = {**os.environ, "PYTHONPATH": str(REPO), "FEEDBACK_CUSTOMER_KEY": "k",
           "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    command = [sys.executable, "-c", "import sys; sys.argv[0] = 'feedback'; from feedback.cli import main; main()"]

    done = subprocess.run([*command, "--config", str(path), "run"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600, check=False)
    assert done.returncode == 1
    *stages, error = done.stderr.splitlines()
    # the two sources are ingested concurrently: either may finish first
    assert sorted(stages[:2]) == ["✓ ingest-pulse  done", "✗ ingest-gone  failed"]
    assert stages[2:] == ["✓ process-new-items  done", "✓ assign-themes  done", "✓ publish-archive  done",
                          "✓ morning-summary  done"]
    assert re.fullmatch(r"Error: 1 source\(s\) failed: gone: exports/missing.csv: no such file or folder .*", error)
    assert done.stdout == ""

    verbose = subprocess.run([*command, "-v", "--config", str(path), "run", "--source", "pulse"], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=600, check=False)
    assert verbose.returncode == 0, verbose.stderr[-2000:]
    assert "Finished in state Completed()" in verbose.stderr
    assert "INFO feedback.pipeline: source pulse: 0 seen, 0 new, 0 changed, 0 quarantined\n" in verbose.stderr
    assert "HTTP Request:" not in verbose.stderr
    assert verbose.stdout.startswith("run 2: 0 comments read, 0 new, 0 quarantined\n")
    for quiet in ("Finished in state", "Loading weights", "Traceback", "INFO"):
        assert quiet not in done.stderr, quiet


@pytest.mark.slow
def test_serve_announces_the_address_once_it_answers(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    import sqlite_utils

    from .conftest import REPO

    path = write_config([])
    sqlite_utils.Database(tmp_path / "archive.db")["feedback"].insert({"id": 1, "text": "late van"}, pk="id")
    port = free_port()
    command = [sys.executable, "-c", "import sys; sys.argv[0] = 'feedback'; from feedback.cli import main; main()",
               "--config", str(path), "serve", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert server.stdout is not None
        announced = next(line for line in server.stdout if line.startswith("Serving"))
        assert announced == f"Serving archive.db at http://127.0.0.1:{port}/ (Ctrl+C to stop)\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/archive/feedback.json?_shape=array") as answer:
            assert b"late van" in answer.read()  # answering the moment it says so
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0


def test_the_warm_up_probe_is_a_search_by_meaning() -> None:
    from feedback.cli import probe_url

    assert probe_url("127.0.0.1", 8001, True) == "http://127.0.0.1:8001/-/feedback/search?q=warm+up&mode=meaning"
    assert probe_url("0.0.0.0", 8001, False) == "http://127.0.0.1:8001/"
