"""The feedback form in headless Chromium (Debian's, driven by Playwright as in tests/test_browser.py):
a customer fills it in and sees the thank-you page; markup typed into every field comes back as
text, and nothing it contains runs."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedback.intake.app import create_app
from feedback.intake.settings import FormSource

from .conftest import need, needs
from .intake_server import serving, spooled
from .test_browser import CHROMIUM, FLAGS

pytestmark = needs(CHROMIUM.exists(), f"Debian's chromium is not installed at {CHROMIUM} (scripts/system-deps.sh installs it)")

SCRIPT = '<script>alert("text")</script>'
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "intake.db"


@pytest.fixture
def base(spool_path: Path) -> Iterator[str]:
    source = FormSource(name="web-form", channel="form")
    with serving(create_app(source, spool_path, company="Brightmoor")) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    need(importlib.util.find_spec("playwright"), "playwright is not installed (it is in the test extras: pip install -e '.[test]')")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def open_page(browser: Any, base: str, **options: Any) -> tuple[Any, list[str], list[str]]:
    """A page with every dialog (an alert that ran) and every request off 127.0.0.1 recorded."""
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(30_000)
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    return page, dialogs, outside


def test_a_customer_sends_feedback_and_is_thanked(browser: Any, base: str, spool_path: Path, tmp_path: Path) -> None:
    page, dialogs, outside = open_page(browser, base, java_script_enabled=False)  # the form needs no script
    page.goto(f"{base}/")
    assert page.locator("h1").inner_text() == "Tell Brightmoor what happened"
    trap = page.locator('input[name="website"]').bounding_box()
    assert trap is not None and trap["x"] + trap["width"] <= 0  # the honeypot is out of sight, off the page
    page.fill("#text", f"My order came without the eggs. {SCRIPT}")
    page.check('input[name="rating"][value="2"]')
    page.fill("#email", "ann@example.com")
    page.check('input[name="consent"]')
    page.screenshot(path=str(tmp_path / "intake-form.png"), full_page=True)
    page.click('button[type="submit"]')
    page.wait_for_selector("#thanks")
    assert page.locator("#said").inner_text() == f"My order came without the eggs. {SCRIPT}"
    assert page.locator("#rating").inner_text() == "Your rating: 2 of 5 stars."
    assert "may get in touch" in page.locator(".lead").inner_text()
    page.screenshot(path=str(tmp_path / "intake-thanks.png"), full_page=True)
    assert (dialogs, outside) == ([], [])
    [row] = spooled(spool_path)
    assert (row["text"], row["rating"], row["email"], row["consent"]) == (
        f"My order came without the eggs. {SCRIPT}", 2, "ann@example.com", 1)


def test_markup_in_every_field_is_shown_as_text(browser: Any, base: str, spool_path: Path, tmp_path: Path) -> None:
    page, dialogs, outside = open_page(browser, base)
    page.goto(f"{base}/")
    # What a hostile page or a tampered browser could send: past the browser's own checks,
    # markup in the text, the address, the rating and the consent box.
    tamper = f"""() => {{
        const form = document.getElementById('feedback-form');
        form.noValidate = true;
        const star = form.querySelector('input[name="rating"][value="3"]');
        star.value = {IMG!r}; star.checked = true;
        form.querySelector('input[name="consent"]').value = {IMG!r};
    }}"""
    page.evaluate(tamper)
    page.fill("#text", SCRIPT + IMG)
    page.fill("#email", IMG + "@example.com")
    page.check('input[name="consent"]')
    page.click('button[type="submit"]')
    page.wait_for_selector("#error")
    assert "does not look like an e-mail address" in page.locator("#error").inner_text()
    assert page.locator("#text").input_value() == SCRIPT + IMG
    assert page.locator("#email").input_value() == IMG + "@example.com"
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    page.fill("#email", "")
    page.evaluate(tamper)
    page.click('button[type="submit"]')
    page.wait_for_selector("#error")
    assert "stars from 1 to 5" in page.locator("#error").inner_text()
    page.check('input[name="rating"][value=""]')
    page.click('button[type="submit"]')
    page.wait_for_selector("#thanks")
    assert page.locator("#said").inner_text() == SCRIPT + IMG
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    page.screenshot(path=str(tmp_path / "intake-markup.png"), full_page=True)
    assert (dialogs, outside) == ([], [])
    assert [(r["text"], r["email"], r["rating"]) for r in spooled(spool_path)] == [(SCRIPT + IMG, None, None)]
