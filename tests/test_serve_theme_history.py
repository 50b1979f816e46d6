"""A theme's page tells what happened to it (made, renamed by an analyst, merged, split, moved), and
an old link to a theme merged away leads to the theme that holds its comments now.

A small archive built here (no model) served by a real in-process Datasette.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import sqlite_utils

from .conftest import empty_archive

TARGET, MERGED, TWICE, RETIRED, MOVED = 5, 21, 168, 230, 7


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("history"))
    db = sqlite_utils.Database(path)
    db["themes"].insert({"id": TARGET, "label": "Refund <delays>", "parent_id": None, "level": 0, "is_new": 0,
                         "comments": 3, "size": 3, "sentiment": -0.5}, alter=True)
    db["themes"].insert({"id": MOVED, "label": "Parking", "parent_id": None, "level": 0, "is_new": 0,
                         "comments": 2, "size": 2, "sentiment": 0.0})
    move = {"kind": "move", "theme": MOVED, "from": 2, "to": None}

    def event(theme: int, at: str, name: str, label: str, size: int | None, **details: Any) -> dict[str, Any]:
        return {"theme_id": theme, "at": at, "event": name, "label": label, "size": size, "details": json.dumps(details)}

    db["theme_history"].insert_all([
        event(TARGET, "2026-11-01T10:00:00Z", "created", "Faster refunds", 3, by="fit"),
        event(MERGED, "2026-11-01T10:00:00Z", "created", "Refund <problems>", 2, by="fit"),
        event(TWICE, "2026-11-01T10:00:00Z", "created", "Money back", 1, by="fit"),
        event(TWICE, "2026-11-05T10:00:00Z", "merged", "Money back", 1, into=MERGED),  # merged, then merged again
        event(MERGED, "2026-11-06T10:00:00Z", "merged", "Refund <problems>", 3, into=TARGET),
        event(TARGET, "2026-11-06T10:00:00Z", "merge-target", "Faster refunds", 6, merged=[MERGED]),
        event(TARGET, "2026-11-07T10:00:00Z", "nightly", "Faster refunds", 6),
        event(TARGET, "2026-11-08T10:00:00Z", "renamed", "Refund <delays>", 6, previous="Faster refunds"),
        event(RETIRED, "2026-11-09T10:00:00Z", "retired", "Old group", None, kind="parent", by="recluster"),
        event(MOVED, "2026-11-10T10:00:00Z", "moved", "Parking", 2, by="analyst", **{"from": 2, "to": None}),
        event(MOVED, "2026-11-11T10:00:00Z", "undone", "Parking", 2, edit=4, undid=move),
        event(MOVED, "2026-11-12T10:00:00Z", "redone", "Parking", 2, edit=4, redid=move),
    ])
    db.close()
    return Datasette([str(path)])


async def test_a_theme_page_tells_its_history_latest_first_without_the_nightly_snapshots(ds: Any) -> None:
    response = await ds.client.get(f"/-/feedback/themes/{TARGET}")
    assert response.status_code == 200
    listed = re.search(r'<ul class="fb-history" id="theme-history">(.*?)</ul>', response.text, flags=re.S)
    assert listed
    assert re.findall(r"<li>(.*?)</li>", listed.group(1)) == [
        "2026-11-08: renamed from &#39;Faster refunds&#39; to &#39;Refund &lt;delays&gt;&#39; (pinned) (6 segments)",
        "2026-11-06: took in #21 (6 segments)",
        "2026-11-01: made as &#39;Faster refunds&#39; by the first fit (3 segments)",
    ]
    assert 'id="merged-from"' not in response.text


async def test_a_theme_page_tells_an_undo_and_a_redo(ds: Any) -> None:
    response = await ds.client.get(f"/-/feedback/themes/{MOVED}")
    listed = re.search(r'<ul class="fb-history" id="theme-history">(.*?)</ul>', response.text, flags=re.S)
    assert listed and re.findall(r"<li>(.*?)</li>", listed.group(1)) == [
        "2026-11-12: redid edit #4: moved #7 from group #2 to the top level (2 segments)",
        "2026-11-11: undid edit #4: moved #7 from group #2 to the top level (2 segments)",
        "2026-11-10: moved from group #2 to the top level (2 segments)",
    ]


@pytest.mark.parametrize("old", [MERGED, TWICE])
async def test_a_link_to_a_theme_merged_away_leads_to_the_theme_that_holds_its_comments(ds: Any, old: int) -> None:
    response = await ds.client.get(f"/-/feedback/themes/{old}")
    assert (response.status_code, response.headers["location"]) == (302, f"/-/feedback/themes/{TARGET}?merged={old}")
    page = await ds.client.get(response.headers["location"])
    note = re.search(r'<p class="fb-method" id="merged-from">(.*?)</p>', page.text)
    label = {MERGED: "Refund &lt;problems&gt;", TWICE: "Money back"}[old]
    assert note and note.group(1) == f"Theme #{old} “{label}” was merged into this one: its comments are here now."


async def test_no_theme_no_redirect_and_no_note_from_a_made_up_query(ds: Any) -> None:
    for missing in (RETIRED, 999):  # a retired group and an unknown id: not found, as before
        assert (await ds.client.get(f"/-/feedback/themes/{missing}")).status_code == 404
    page = await ds.client.get(f"/-/feedback/themes/{TARGET}?merged={RETIRED}")  # not merged into this one
    assert page.status_code == 200 and 'id="merged-from"' not in page.text
    assert (await ds.client.get(f"/-/feedback/themes/{TARGET}?merged=x")).status_code == 400
