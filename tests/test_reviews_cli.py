"""Pages a site's robots.txt forbids are shown by `feedback sources` and `feedback quarantine`,
not only kept in the warehouse's watermarks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from feedback.cli import cli
from feedback.config import load_config
from feedback.pipeline import ingest_source
from feedback.warehouse import open_warehouse
from tests.test_reviews_fetch import Site, page, review_page, site  # noqa: F401 - the site fixture

UA = "BrightmoorFeedbackBot/1.0 (+https://brightmoor.example/bot)"


def test_pages_skipped_for_robots_txt_are_listed(
    site: tuple[Site, str], tmp_path: Path, write_config: Callable[..., Path]  # noqa: F811
) -> None:
    state, base = site
    state.routes["/robots.txt"] = page("User-agent: *\nDisallow: /private/\n", "text/plain")
    state.routes["/private/staff-reviews.html"] = page(review_page("Internal only"))
    state.routes["/reviews.html"] = page(review_page("Kettle boils fast"))
    path = write_config([{"name": "web", "channel": "review", "base_url": base, "user_agent": UA, "rate": 50,
                          "urls": ["reviews.html", "private/staff-reviews.html"]}])
    config = load_config(path)
    ingest_source(open_warehouse(config.warehouse), config, "web", b"k")
    runner = CliRunner()

    sources = runner.invoke(cli, ["--config", str(path), "sources"])
    assert sources.exit_code == 0, sources.output
    header, row = sources.output.splitlines()
    assert header.split()[:5] == ["source", "channel", "items", "quarantined", "skipped"]
    assert row.split()[:5] == ["web", "review", "1", "0", "1"]

    listed = runner.invoke(cli, ["--config", str(path), "quarantine"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "nothing quarantined"
    assert lines[2] == "skipped, as the site's robots.txt asks (not quarantined):"
    assert lines[3].startswith("web  ~/private/staff-reviews.html  (checked 20")
    assert lines[4] == f"    disallowed by robots.txt for {UA!r}"
    assert len(lines) == 5

    # Once the site allows the page, it is fetched and no longer listed as skipped.
    state.routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", "text/plain")
    ingest_source(open_warehouse(config.warehouse), config, "web", b"k")
    again = runner.invoke(cli, ["--config", str(path), "quarantine", "--source", "web"])
    assert again.output == "nothing quarantined\n"
    assert runner.invoke(cli, ["--config", str(path), "sources"]).output.splitlines()[1].split()[:5] == [
        "web", "review", "2", "0", "0"]
