"""In headless Chromium: the drivers page's drill-down (each group's sub-themes, folded) is
styled as the themes page's folded sub-themes, and the "Sub-themes" count of a group's row opens
its section instead of jumping to a folded line; a weekly chart draws every week, those without
a comment too.

A small archive built here (no model), served by `datasette` on 127.0.0.1; Debian's chromium
driven by Playwright with ``executable_path`` (no browser download).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from .conftest import empty_archive, needs
from .test_browser import CHROMIUM, browser_page, served

pytestmark = [
    pytest.mark.slow,
    needs(CHROMIUM.exists(), f"Debian's chromium is not installed at {CHROMIUM} (scripts/system-deps.sh installs it)"),
]

GROUPS = {10: "Checkout problems", 20: "Delivery problems"}
SUBS = {1: (10, "Refund delays"), 2: (10, "Card declined"), 3: (20, "Late vans")}


def archive(folder: Path) -> Path:
    path = empty_archive(folder)
    db = sqlite_utils.Database(path)
    db["themes"].insert_all(
        [{"id": i, "label": label, "parent_id": None, "level": 1, "comments": 50, "size": 50} for i, label in GROUPS.items()]
        + [{"id": i, "label": label, "parent_id": p, "level": 0, "comments": 25, "size": 25} for i, (p, label) in SUBS.items()],
        alter=True)
    db["score_drivers"].insert_all([
        {"source": "nps", "score_name": "NPS", "level": 1 if theme in GROUPS else 0, "rank": rank, "theme_id": theme,
         "responses": 200, "theme_responses": n, "score": -10.0, "score_with_theme": -40.0, "score_without_theme": -5.0,
         "points": 2.0, "points_low": 1.0, "points_high": 3.0}
        for rank, (theme, n) in enumerate([(10, 50), (20, 40), (1, 30), (2, 5), (3, 25)], start=1)])
    # comments in the weeks of 6 and 27 July, none in the two weeks between
    db["theme_weeks"].insert_all([{"theme_id": 10, "week": w, "comments": 4, "negative": 1, "sentiment": -0.2}
                                  for w in ("2026-07-06", "2026-07-27")], alter=True)
    db["weekly_volume"].insert_all([{"week": w, "channel": "survey", "source": "nps", "comments": 4, "negative": 1}
                                    for w in ("2026-07-06", "2026-07-27")], alter=True)
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(archive(tmp_path_factory.mktemp("drill"))) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    with browser_page(server, 900) as page:
        yield page


def style(page: Any, selector: str, prop: str) -> str:
    return str(page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}"))


def test_a_groups_sub_themes_count_opens_its_styled_drill_down(page: Any, server: str) -> None:
    page.goto(f"{server}/-/feedback/drivers#sub-1-10")
    page.wait_for_load_state("load")
    section = page.locator("#sub-1-10")
    assert section.evaluate("e => e.open")  # the link's target is unfolded, not a folded line
    assert page.locator("#sub-1-20").evaluate("e => !e.open")
    # styled as the themes page's folds: a clickable summary, the group's name in bold, a rule beside it
    assert style(page, "#sub-1-20 > summary", "cursor") == "pointer"
    assert int(style(page, "#sub-1-20 .fb-group-name", "fontWeight")) >= 700
    assert style(page, "#sub-1-20", "borderLeftStyle") == "solid"
    assert style(page, "#sub-1-10", "backgroundColor") != style(page, "#sub-1-20", "backgroundColor")
    # the count in the groups' table opens the other group's section
    page.locator('#drivers-1 a[href="#sub-1-20"]').click()
    page.wait_for_function("document.getElementById('sub-1-20').open")
    assert "Late vans" in page.locator("#sub-1-20").inner_text()


WEEKS = ["2026-07-06", "2026-07-13", "2026-07-20", "2026-07-27"]


@pytest.mark.parametrize(("path", "chart"), [("/-/feedback/themes/10", "theme-weeks"), ("/-/feedback/themes/10", "theme-sentiment"),
                                             ("/-/feedback", "volume"), ("/-/feedback", "theme-multiple")])
def test_a_weekly_chart_draws_the_weeks_without_comments(page: Any, server: str, path: str, chart: str) -> None:
    """The weekly charts drew only the weeks with comments: two weeks with none vanished, and
    late July came right after early July."""
    page.goto(f"{server}{path}")
    page.wait_for_function("window.feedbackCharts && window.feedbackCharts.length > 0")
    drawn = page.evaluate(f"""() => window.feedbackCharts.filter(c => c.canvas.dataset.chart === "{chart}")
                                   .map(c => [c.data.labels, c.data.datasets[0].data])""")
    assert drawn, chart
    labels, values = drawn[0]
    assert labels == WEEKS
    gap = None if chart == "theme-sentiment" else 0  # no sentiment in a week without comments: a gap
    assert values[1:3] == [gap, gap]
