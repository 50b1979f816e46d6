"""The published ``actions`` table and the pages that show it ("You said, we did", a theme's page),
in a real in-process Datasette over an archive published from tests/actions_fixtures.py."""

from __future__ import annotations

import html
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.actions import add_action

from .actions_fixtures import ACTION_DAY, build

SCRIPT = "<script>alert('x')</script> & two more vans"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; two more vans"  # as Jinja escapes it


def publish_archive(warehouse: sqlite_utils.Database, path: Path) -> Path:
    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish

    publish(warehouse, path, extensions=archive_extensions(Config()))
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    db = build(tmp_path / "warehouse.db")
    add_action(db, 3, SCRIPT, ACTION_DAY, today=date(2026, 4, 28))  # theme 3 was merged into 1
    add_action(db, 2, "Refunds within 3 days", "2026-04-27", today=date(2026, 4, 28))
    return publish_archive(db, tmp_path / "archive.db")


def datasette(archive: Path, **kwargs: Any) -> Any:
    from datasette.app import Datasette

    return Datasette([str(archive)], **kwargs)


def test_the_archive_holds_each_action_and_whether_it_worked(archive: Path) -> None:
    rows = {r["id"]: r for r in sqlite_utils.Database(archive).query("select * from actions")}
    assert set(rows) == {1, 2}
    first = rows[1]
    assert (first["theme_id"], first["recorded_theme_id"], first["text"], first["customers_before"]) == (1, 1, SCRIPT, 6)
    assert (first["theme_before"], first["comments_before"], first["theme_after"], first["comments_after"]) == (20, 100, 5, 100)
    assert first["share_words"] == "fell from 20 % to 5 % of comments \u2014 unlikely to be chance (p = 0.004)"
    assert first["complaint_words"] == ("complaints fell from 60 % to 20 % of the theme's comments"
                                        " \u2014 could be chance (p = 0.486)")
    assert rows[2]["weeks"] == 0  # a day before the newest comment: too early to tell
    assert rows[2]["share_words"] == "too early to tell: not a full week of comments on each side of the action yet"


def test_an_archive_without_actions_has_empty_actions_tables(tmp_path: Path) -> None:
    path = publish_archive(build(tmp_path / "warehouse.db"), tmp_path / "archive.db")
    table = sqlite_utils.Database(path).table("actions")
    assert table.exists() and table.count == 0
    assert {"theme_id", "date", "text", "share_words", "complaint_words"} <= set(table.columns_dict)
    customers = sqlite_utils.Database(path).table("action_customers")
    assert customers.exists() and customers.count == 0 and customers.pks == ["action_id", "customer"]


def action_section(page: str, action_id: int) -> str:
    match = re.search(rf'<section class="fb-action" id="action-{action_id}">(.*?)</section>', page, flags=re.S)
    assert match, f"no action {action_id} on the page"
    return match.group(1)


def raised(section: str) -> list[tuple[str, str, str]]:
    """(customer, its link, answered?) of each row of an action's customer table."""
    return [(c, link, html.unescape(answer)) for link, c, answer in re.findall(
        r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td class="num">\d+</td><td>[^<]*</td><td>([^<]*)</td></tr>',
        section)]


async def test_the_you_said_we_did_page(archive: Path) -> None:
    ds = datasette(archive)
    response = await ds.client.get("/-/feedback/actions")
    assert response.status_code == 200
    page = response.text
    first = action_section(page, 1)
    assert ESCAPED in first and SCRIPT not in page  # the analyst's text, escaped
    assert "fell from 20 % to 5 % of comments \u2014 unlikely to be chance (p = 0.004): 20 of 100 comments in the 8 weeks" in first
    assert "Complaints fell from 60 % to 20 % of the theme&#39;s comments" in first
    assert raised(first) == [  # the latest to raise it first
        ("c_e", "/-/feedback/customers/c_e", "not by e-mail"),
        ("c_d", "/-/feedback/customers/c_d", "not answered"),
        ("c_c", "/-/feedback/customers/c_c", "answered (last on 2026-01-25)"),
        ("c_b", "/-/feedback/customers/c_b", "not by e-mail"),
        ("c_a", "/-/feedback/customers/c_a", "not by e-mail"),  # its comment after the action is not counted
        ("c_f", "/-/feedback/customers/c_f", "not by e-mail"),
    ]
    assert "6 customers raised it before the action" in first
    assert "too early to tell" in action_section(page, 2)
    assert page.index('id="action-2"') < page.index('id="action-1"')  # newest first
    assert '<a href="/-/feedback/actions" class="active">You said, we did</a>' in page


async def test_a_themes_page_shows_its_actions_only(archive: Path) -> None:
    ds = datasette(archive)
    page = (await ds.client.get("/-/feedback/themes/1")).text
    assert '<h2 id="actions">You said, we did</h2>' in page
    assert ESCAPED in action_section(page, 1) and 'id="action-2"' not in page
    other = (await ds.client.get("/-/feedback/themes/2")).text
    assert 'id="action-2"' in other and 'id="action-1"' not in other


async def test_the_pages_obey_table_permissions(archive: Path) -> None:
    metadata = {"databases": {"archive": {"tables": {"action_customers": {"allow": {"id": "admin"}}}}}}
    ds = datasette(archive, metadata=metadata)
    assert (await ds.client.get("/-/feedback/actions")).status_code == 403
    theme = await ds.client.get("/-/feedback/themes/1")  # the theme is shown, without its actions
    assert theme.status_code == 200 and 'id="actions"' not in theme.text and "Late delivery" in theme.text
    admin = {"ds_actor": ds.sign({"a": {"id": "admin"}}, "actor")}
    assert (await ds.client.get("/-/feedback/actions", cookies=admin)).status_code == 200
    assert 'id="actions"' in (await ds.client.get("/-/feedback/themes/1", cookies=admin)).text


async def test_no_actions_and_an_archive_from_before_actions(tmp_path: Path) -> None:
    path = publish_archive(build(tmp_path / "warehouse.db"), tmp_path / "archive.db")
    page = (await datasette(path).client.get("/-/feedback/actions")).text
    assert '<p id="no-actions">No action has been recorded yet.</p>' in page
    conn = sqlite3.connect(path)
    conn.execute("drop table actions")
    conn.execute("drop table action_customers")
    conn.commit()
    conn.close()
    ds = datasette(path)
    response = await ds.client.get("/-/feedback/actions")
    assert response.status_code == 200 and 'id="no-actions"' in response.text
    theme = await ds.client.get("/-/feedback/themes/1")
    assert theme.status_code == 200 and 'id="actions"' not in theme.text


@pytest.mark.parametrize("query", ["?theme=1", "?x=%00", "?weeks=inf", "?" + "a" * 5000])
async def test_the_page_takes_no_parameters_and_ignores_others(archive: Path, query: str) -> None:
    response = await datasette(archive).client.get(f"/-/feedback/actions{query}")
    assert response.status_code == 200 and 'id="action-1"' in response.text
