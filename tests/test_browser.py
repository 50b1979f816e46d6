"""End to end in headless Chromium: a member of staff searches by keyword and by meaning,
opens a theme and the promise gap, against `datasette` serving a real sample archive.

Debian's chromium (scripts/system-deps.sh) driven by Playwright with ``executable_path``:
no browser download. Screenshots go to the test session's temporary folder (pytest's basetemp,
``browser-screenshots*``), never into the checkout.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    archive = build_sample_archive(tmp_path_factory) / "archive.db"
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "--immutable", str(archive), "--host", "127.0.0.1",
         "--port", str(port), "--metadata", str(REPO / "data" / "datasette" / "metadata.yml")],
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


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-screenshots")


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    need(importlib.util.find_spec("playwright"), "playwright is not installed (it is in the test extras: pip install -e '.[test]')")
    from playwright import sync_api
    with sync_api.sync_playwright() as p:
        # Playwright gives the browser a fresh temporary profile itself (no --user-data-dir).
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
        page.set_default_timeout(60_000)
        yield page
        browser.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"


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


def test_the_overview_draws_its_four_charts(page: Any, server: str, screenshots: Path) -> None:
    page.goto(f"{server}/-/feedback")
    page.wait_for_function("window.feedbackCharts && window.feedbackCharts.length === 4")
    shot(page, screenshots, "5-overview")
