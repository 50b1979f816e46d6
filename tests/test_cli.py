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
