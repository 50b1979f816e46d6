"""Whether a "next" link continues the same listing of reviews, or leads somewhere else.

Many pages carry ``rel=next`` links that are not pagination: a recipe blog's "next post", an
article series. The crawler follows a next link only when it stays on the same host and in the
same path family as the page it is on: the same path with another page number in the query
(``?page=2``, ``?start=20``), a page number in the path (``/reviews/page/2``,
``reviews-2.html``, ``page-3.html``), or a numbered page below the current one
(``/recipe/comment-page-2/``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

# Words that name a page in a path: /page/2, /seite/2 (de), /pagina/2 (es, it, pt), /strona/2 (pl).
_PAGE_WORDS = {"page", "pages", "pg", "p", "seite", "pagina", "página", "strona", "sida", "side"}
# Query keys of pagination; any key containing "page" (pageNumber, reviewPage) counts too.
# Not "p": WordPress names a post by ?p=123.
_PAGE_KEYS = {"pg", "paged", "start", "offset", "from", "skip", "cursor", "after", "before", "pn"}
# A page number ending a path segment, before any extension: page-2.html, reviews-2.html, p3, reviews_page2.
_NUMBER_IN_SEGMENT = re.compile(r"(?:^|[-_.])(?:(?:page|pg|p)[-_]?)?\d+(?=\.\w+$|$)", re.IGNORECASE)
_INDEX = re.compile(r"^(?:index|default)\.\w+$", re.IGNORECASE)


def _is_page_key(key: str) -> bool:
    key = key.lower()
    return key in _PAGE_KEYS or "page" in key


def listing_path(path: str) -> str:
    """A path without its page number: the path every page of one listing shares.

    ``/reviews/page/2/`` and ``/reviews/`` -> ``/reviews``; ``/reviews-2.html`` -> ``/reviews.html``;
    ``/app/page-2.html`` and ``/app/index.html`` -> ``/app``. A bare number (``/post/124``) is
    left alone: it is as often a post's id as a page's number.
    """
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[-1].isdigit() and segments[-2].lower() in _PAGE_WORDS:
        segments = segments[:-2]
    elif segments and _INDEX.match(segments[-1]):
        segments = segments[:-1]
    elif segments and not segments[-1].isdigit():
        last = _NUMBER_IN_SEGMENT.sub("", segments[-1], count=1)
        if last.startswith(".") or not last:
            segments = segments[:-1]  # page-2.html, p3: the whole segment is the page number
        else:
            segments[-1] = last
    return "/" + "/".join(segments)


def continues_listing(current: str, following: str) -> bool:
    """Whether ``following`` (a page's next link) is another page of the listing ``current`` is on."""
    here, there = urlsplit(current), urlsplit(following)
    if (here.scheme, here.netloc.lower()) != (there.scheme, there.netloc.lower()):
        return False
    here_query = sorted((k, v) for k, v in parse_qsl(here.query, keep_blank_values=True) if not _is_page_key(k))
    there_query = sorted((k, v) for k, v in parse_qsl(there.query, keep_blank_values=True) if not _is_page_key(k))
    if here_query != there_query:
        return False
    base, next_base = listing_path(here.path), listing_path(there.path)
    if next_base == base:
        return True
    # A numbered page below this one (/recipe/comment-page-2/, a post's /2/); never below the
    # site's root, where every page of the site is.
    below = there.path[len(here.path.rstrip("/")) :] if there.path.startswith(here.path.rstrip("/") + "/") else ""
    return base != "/" and bool(below) and any(c.isdigit() for c in below)
