"""Reading the staff pages in tests: a page that must answer 200, and what its search shows."""

from __future__ import annotations

import re
from typing import Any


async def get(ds: Any, path: str) -> str:
    """The page at ``path`` (its status must be 200)."""
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


def result_count(page: str) -> str:
    """The search page's result-count sentence, without its timing."""
    found = re.search(r'<p class="fb-count" id="result-count">(.*?) \(\d+ ms\)', page, flags=re.S)
    assert found, page[-2000:]
    return found.group(1)


def listed(page: str) -> list[str]:
    """The ids of the comments a search page lists, in order."""
    return re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', page)
