from __future__ import annotations

from pathlib import Path

import pytest

from feedback.config import load_config
from feedback.errors import ConfigError
from feedback.secret_refs import resolve_secret

GOOD_SOURCE = """
  - name: nps
    channel: survey
    paths: exports/*.csv
    columns:
      received_at: Timestamp
      rating: {column: Score, scale: nps}
      text: ["Why?"]
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(body, encoding="utf-8")
    return path


def test_valid_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "warehouse: wh.db\nsources:" + GOOD_SOURCE))
    assert config.warehouse == tmp_path / "wh.db"
    assert config.archive == tmp_path / "archive.db"
    assert config.source("nps").columns.text == ["Why?"]
    assert config.source("nps").paths == ["exports/*.csv"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("sources:" + GOOD_SOURCE.replace("paths:", "pathz:"),
         "source 'nps', field 'pathz': unknown field (check the spelling)"),
        ("sources:" + GOOD_SOURCE.replace('      text: ["Why?"]\n', ''),
         "source 'nps', field 'columns.text': required field is missing"),
        ("sources:" + GOOD_SOURCE.replace("scale: nps", "scale: tenpoint"),
         "source 'nps', field 'columns.rating.scale': Input should be 'nps', 'csat', 'stars', 'likert5' or 'custom'"),
        ("sources:" + GOOD_SOURCE.replace("name: nps", "name: Bad Name"),
         "source 'Bad Name', field 'name': String should match pattern"),
        ("timezone: Mars/Olympus\nsources: []", "field 'timezone': unknown time zone 'Mars/Olympus'"),
        ("secrets: {customer_key: hunter2}\n", "field 'secrets.customer_key': a secret must be a reference"),
        ("sources:" + GOOD_SOURCE + GOOD_SOURCE, "two sources are named 'nps'"),
        ("themes: {read_whole: [npss]}\nsources:" + GOOD_SOURCE, "themes.read_whole names no configured source: npss"),
        ("themes: {read_whole: 5}\nsources:" + GOOD_SOURCE, "field 'themes.read_whole': a list of source names is needed"),
        ("themes: {theme_count: many}\nsources:" + GOOD_SOURCE,
         "field 'themes.theme_count': Input should be a valid integer"),
        ("themes: {theme_count: 40, partition: hdbscan}\nsources:" + GOOD_SOURCE,
         "field 'themes': theme_count needs partition: ward"),
        ("sources:\n  - name: x\n    channel: fax\n", "source 'x'"),
        ("- just\n- a list\n", "expected a mapping of settings at the top level"),
        ("sources: [\n", "not valid YAML"),
    ],
)
def test_errors_name_the_file_the_source_and_the_field(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_one_source_read_whole_may_be_named_without_a_list(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "themes: {read_whole: nps}\nsources:" + GOOD_SOURCE)).themes.read_whole == ("nps",)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yml")


def test_unknown_source_name_lists_the_known_ones(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "sources:" + GOOD_SOURCE))
    with pytest.raises(ConfigError, match=r"no source named 'other' \(configured: nps\)"):
        config.source("other")


def test_secrets_come_from_the_environment_only() -> None:
    assert resolve_secret("env:FEEDBACK_TEST_KEY", {"FEEDBACK_TEST_KEY": "s3"}) == "s3"
    assert resolve_secret("env:FEEDBACK_TEST_KEY", {}) is None
    with pytest.raises(ConfigError):
        resolve_secret("s3")


def test_the_shipped_default_config_is_valid() -> None:
    config = load_config(Path(__file__).parent.parent / "data" / "config.yml")
    assert {s.name for s in config.sources} >= {"checkout-nps", "support-csat", "app-feedback", "store-visit", "delivery-pulse"}
    assert config.datasette_metadata is not None and config.datasette_metadata.exists()


def test_the_parallel_thresholds_default_to_the_stages_own_and_can_be_set(tmp_path: Path) -> None:
    from feedback.sources import SourceContext
    from feedback.text.process import PARALLEL_MIN_ITEMS

    config = load_config(write(tmp_path, "sources: []\n"))
    assert config.processing.parallel_min_items == PARALLEL_MIN_ITEMS == 500
    assert config.processing.parallel_min_messages == SourceContext(b"k").parallel_min_messages == 200
    config = load_config(write(tmp_path, "processing: {parallel_min_items: 10, parallel_min_messages: 5}\n"))
    assert (config.processing.parallel_min_items, config.processing.parallel_min_messages) == (10, 5)
    with pytest.raises(ConfigError, match="field 'processing.parallel_min_items': Input should be greater than or equal to 1"):
        load_config(write(tmp_path, "processing: {parallel_min_items: 0}\n"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("sources: [\n  - a: b\n",
         "not valid YAML at line 2, column 3: while parsing a flow node: expected the node content, but found '-'"),
        ("a: b: c\n", "not valid YAML at line 1, column 5: mapping values are not allowed here"),
        ("sources:" + GOOD_SOURCE.replace("channel: survey", "channel: surveyy"),
         "source 'nps', field 'channel': 'surveyy' is not one of survey, email, review, form"),
        ("sources:" + GOOD_SOURCE.replace("channel: survey", "chanel: survey"),
         "source 'nps', field 'channel': required field is missing (one of survey, email, review, form)"),
    ],
    ids=["yaml flow", "yaml mapping", "misspelt channel", "misspelt channel key"],
)
def test_syntax_and_channel_errors_are_one_line(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {expected}"
    assert "\n" not in str(caught.value)


def test_the_channels_named_in_errors_are_the_channels_there_are() -> None:
    from typing import get_args

    from feedback.config import CHANNELS, SourceConfig

    models = get_args(get_args(SourceConfig)[0])  # Annotated[A | B | ..., Field(discriminator=...)]
    kinds = {get_args(model.model_fields["channel"].annotation)[0] for model in models}
    assert set(CHANNELS.split(", ")) == kinds
