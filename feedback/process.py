"""The process stage: from an item's original text to what may be published about it.

For every item that is new, changed since it was processed, or processed by an
older version of this stage: redact personal data from title and text, detect
the language, score the sentiment. Results live in the warehouse's
``processed`` table, so a nightly run only touches what is new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import sqlite_utils

from .items import content_hash
from .redact import Redactor
from .text import detect_language, sentiment
from .warehouse import now_iso, write_transaction

log = logging.getLogger(__name__)

# Bump when redaction, language or sentiment logic changes: everything is reprocessed once.
PROCESS_VERSION = "5"  # 5: NER gating by letter-case evidence (names found changed a little)


def pending_items(db: sqlite_utils.Database, version: str = PROCESS_VERSION) -> list[tuple[str, str | None, str]]:
    """(id, title, text) of the items the process stage has not seen in their current form."""
    return db.execute(
        """
        select i.id, i.title, i.text from items i
        left join processed p on p.item_id = i.id
        where p.item_id is null or p.version != ? or p.processed_at < i.ingested_at
        order by i.id
        """,
        [version],
    ).fetchall()


def process_items(
    db: sqlite_utils.Database,
    redactor: Callable[[str | None], str | None],
    languages: Iterable[str],
    batch_size: int = 2000,
    version: str = PROCESS_VERSION,
) -> int:
    """Redact, detect language and score sentiment for pending items; returns how many."""
    todo = pending_items(db, version)
    langs = tuple(languages)
    done = 0
    for start in range(0, len(todo), batch_size):
        rows = []
        stamp = now_iso()
        chunk = todo[start : start + batch_size]
        # texts and titles of the whole chunk at once when the redactor can (its NER runs in batches)
        many = getattr(redactor, "many", None)
        redacted = many([t for _, title, text in chunk for t in (text, title)]) if many else None
        for index, (item_id, title, text) in enumerate(chunk):
            if redacted is not None:
                clean_text, clean_title = redacted[2 * index] or "", redacted[2 * index + 1]
            else:
                clean_text, clean_title = redactor(text) or "", redactor(title)
            language = detect_language(text, langs)
            rows.append(
                {
                    "item_id": item_id,
                    "text_hash": content_hash(f"{title or ''}\x1f{text}"),
                    "version": version,
                    "title": clean_title,
                    "text": clean_text,
                    "language": language,
                    "sentiment": sentiment(clean_text, language),
                    "processed_at": stamp,
                }
            )
        with write_transaction(db):
            db.table("processed").upsert_all(rows, pk="item_id")
        done += len(rows)
    if done:
        log.info("processed %d items", done)
    return done


def build_redactor(phone_regions: Iterable[str], extra: Iterable[Callable[[str], str]] = ()) -> Redactor:
    return Redactor(regions=tuple(phone_regions), extra=list(extra))
