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
    monkeypatch.setattr("feedback.cli.os.execv", lambda _exe, args: commands.append(list(args)))

    result = CliRunner().invoke(cli, ["--config", str(path), "serve", "--port", "8123"])
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
