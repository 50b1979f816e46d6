"""End to end in headless Chromium: a member of staff searches by keyword and by meaning,
opens a theme and the promise gap, walks from the home page through a search, its second page
and its CSV export to a comment, its theme and its customer, against `datasette` serving a
real sample archive.

Debian's chromium (scripts/system-deps.sh) driven by Playwright with ``executable_path``:
no browser download. Screenshots go to the test session's temporary folder (pytest's basetemp,
``browser-screenshots*``), never into the checkout.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, build_sample_archive, need, needs

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    needs(CHROMIUM.exists(), f"Debian's chromium is not installed at {CHROMIUM} (scripts/system-deps.sh installs it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(archive: Path, *options: str) -> Iterator[str]:
    """``datasette serve`` of ``archive`` on a free 127.0.0.1 port (with ``options``): its base URL."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "--immutable", str(archive), "--host", "127.0.0.1",
         "--port", str(port), *options],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2) as response:
                assert response.status == 200
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"datasette did not start: {process.stderr.read().decode() if process.stderr else ''}") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def browser_page(server: str, height: int) -> Iterator[Any]:
    """A page of headless Debian chromium (Playwright, no download); no request may leave ``server``."""
    need(importlib.util.find_spec("playwright"), "playwright is not installed (it is in the test extras: pip install -e '.[test]')")
    from playwright import sync_api
    with sync_api.sync_playwright() as p:
        # Playwright gives the browser a fresh temporary profile itself (no --user-data-dir).
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": height})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
        page.set_default_timeout(60_000)
        yield page
        browser.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    archive = build_sample_archive(tmp_path_factory) / "archive.db"
    with served(archive, "--metadata", str(REPO / "data" / "datasette" / "metadata.yml")) as base:
        yield base


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-screenshots")


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    with browser_page(server, 1000) as page:
        yield page


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_search_by_keyword_in_the_feedback_table(page: Any, server: str, screenshots: Path) -> None:
    page.goto(f"{server}/archive/feedback")
    page.fill('input[name="_search"]', "refund")
    page.press('input[name="_search"]', "Enter")
    page.wait_for_url("**_search=refund**")
    texts = page.locator("table.rows-and-columns tbody tr").all_inner_texts()  # title or text
    assert texts and all("refund" in t.lower() for t in texts[:10])
    shot(page, screenshots, "1-keyword-search")


def test_search_by_meaning_finds_a_complaint_in_other_words(page: Any, server: str, screenshots: Path) -> None:
    page.goto(f"{server}/-/feedback/search")
    page.fill('input[name="q"]', "my money never came back")
    page.select_option('select[name="mode"]', "meaning")
    page.click('input[type="submit"]')
    page.wait_for_selector("#result-count")
    results = page.locator(".fb-result .fb-text").all_inner_texts()
    assert len(results) == 50
    assert sum("refund" in t.lower() for t in results[:5]) >= 4, results[:5]
    assert "meaning" in page.locator(".fb-result .fb-how").first.inner_text()
    shot(page, screenshots, "2-meaning-search")


def test_a_theme_page_with_its_charts(page: Any, server: str, screenshots: Path) -> None:
    page.goto(f"{server}/-/feedback/themes")
    link = page.locator("#themes tbody tr td:first-child a").first
    label = link.inner_text()
    link.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == f"Theme: {label}"
    page.wait_for_function("window.feedbackCharts && window.feedbackCharts.length === 2")
    assert page.locator(".fb-comment").count() >= 5
    assert page.locator("#by-source tbody tr").count() >= 1
    shot(page, screenshots, "3-theme")


def test_the_promise_gap_shows_what_is_broken_and_what_is_not_said(page: Any, server: str, screenshots: Path) -> None:
    page.goto(f"{server}/-/feedback/promises")
    page.wait_for_function("window.feedbackCharts && window.feedbackCharts.length === 1")
    rows = page.locator("#promises tbody tr")
    status = {rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i).locator("td.status").inner_text()
              for i in range(rows.count())}
    assert status["Refunds are paid back quickly"] == "broken"
    assert status["Every store has free, accessible parking"] == "silent"
    assert "Every store has free, accessible parking" in page.locator(".fb-silent").inner_text()
    shot(page, screenshots, "4-promise-gap")


def test_the_overview_draws_its_charts_with_whole_labels(page: Any, server: str, screenshots: Path) -> None:
    page.goto(f"{server}/-/feedback")
    charts = page.locator("canvas[data-chart]").count()
    assert charts >= 4
    page.wait_for_function(f"window.feedbackCharts && window.feedbackCharts.length === {charts}")
    # every label of the promise gap is drawn inside its canvas (none cut off on the left)
    left, right, widest = page.evaluate("""() => {
        const c = window.feedbackCharts.find(c => c.canvas.dataset.chart === "promise-gap"), y = c.scales.y;
        c.ctx.font = Chart.helpers.toFont(y.options.ticks.font).string;
        return [y.left, y.right, Math.max(...c.data.labels.flat().map(l => c.ctx.measureText(l).width))]; }""")
    assert left >= 0 and widest <= right, (left, right, widest)
    colours = page.evaluate("""() => { const c = window.feedbackCharts.find(c => c.canvas.dataset.chart === "sentiment-by-theme");
        return c.data.datasets[0].data.map((v, i) => [v, c.data.datasets[0].backgroundColor[i]]); }""")
    for value, colour in colours:  # no score (Non-English comments: no sentiment) is grey, no bar
        assert colour == ("#9e9e9e" if value is None else "#2e7d32" if value >= 0.05 else "#c62828" if value <= -0.05
                          else "#9e9e9e"), (value, colour)
    page.locator("#figures-volume summary").click()
    assert page.locator("#figures-volume table tbody tr").count() >= 10
    shot(page, screenshots, "5-overview")


def test_the_feedback_table_gives_the_text_room_and_folds_its_column_notes(page: Any, server: str) -> None:
    page.goto(f"{server}/archive/feedback")
    width = page.locator("table.rows-and-columns th.col-text").evaluate("th => th.getBoundingClientRect().width")
    assert width >= 300
    notes = page.locator("details.fb-columns")
    assert notes.count() == 1 and not notes.evaluate("d => d.open")
    assert not page.locator("dl.column-descriptions").is_visible()
    assert page.locator("th.col-text").get_attribute("title") == page.locator("th.col-text").get_attribute(
        "data-column-description")


def test_a_walk_from_home_through_search_to_a_comment_its_theme_and_its_customer(
        page: Any, server: str, screenshots: Path, tmp_path: Path) -> None:
    """home -> search -> page 2 -> export CSV -> a comment -> its theme -> back -> its customer -> back."""
    page.goto(f"{server}/")
    page.fill('input[name="q"]', "refund")
    page.select_option('select[name="mode"]', "keyword")
    page.press('input[name="q"]', "Enter")
    page.wait_for_selector("#result-count")
    first = page.locator(".fb-result .fb-open").all_inner_texts()
    page.click("#next-page")
    page.wait_for_url("**page=2**")
    assert "51–" in page.locator("#result-count").inner_text()
    second = page.locator(".fb-result .fb-open").all_inner_texts()
    assert len(first) == 50 and second and max(second) <= min(first)  # newest first, on to older ones
    with page.expect_download() as download:
        page.click("#export-csv")
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    with saved.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    count = int(page.locator("#result-count").inner_text().split()[0])
    assert len(rows) == count and all("refund" in (r["title"] + r["text"]).lower() for r in rows)
    shot(page, screenshots, "6-search-page-2")
    result = page.locator(".fb-result").filter(has=page.locator(".fb-customer")).filter(
        has=page.locator(".fb-theme")).first
    text = result.locator(".fb-text").inner_text()
    customer = result.locator(".fb-customer").inner_text()
    result.locator(".fb-open").click()
    page.wait_for_url("**/-/feedback/comments/**")
    assert page.locator("#comment-text").inner_text() in text
    comment_url = page.url
    shot(page, screenshots, "7-comment")
    theme = page.locator("#comment-themes a").first
    label = theme.inner_text()
    theme.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == f"Theme: {label}"
    page.go_back()
    page.wait_for_url(comment_url)
    page.click("#customer-link")
    page.wait_for_url(f"**/-/feedback/customers/{customer}")
    assert page.locator("h1").inner_text() == f"Customer {customer}"
    assert page.locator(f'.fb-comment a[href="{comment_url.removeprefix(server)}"]').count() == 1
    shot(page, screenshots, "8-customer")
    page.go_back()
    page.wait_for_url(comment_url)
    page.go_back()
    page.wait_for_url("**page=2**")
