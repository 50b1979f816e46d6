"""The process stage: from an item's original text to what may be published about it.

For every item that is new, changed since it was processed, or processed by an
older version of this stage: redact personal data from title and text, detect
the language, score the sentiment. Results live in the warehouse's
``processed`` table, so a nightly run only touches what is new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import sqlite_utils

from feedback.items import content_hash
from feedback.text.language import detect_language
from feedback.text.lexicons import load_lexicons
from feedback.text.redact import Redactor
from feedback.text.sentiment import sentiment
from feedback.warehouse import now_iso, write_transaction
from feedback.warehouse.sql import chunks, marks
from feedback.workers import ordered_map

log = logging.getLogger(__name__)

# The pending probes read the items' and the processed rows' covering indexes (warehouse migration
# 0120), not their rows with the texts: SQLite would otherwise look a processed row up by its
# unique key and read the whole row (~5 s at 200k comments, for a night with nothing new).

# Fewer pending items than this are processed in this process: a nightly run's few dozen new
# comments take less time than starting the workers' fork server (~5 s, once per run).
PARALLEL_MIN_ITEMS = 500
# Bump when redaction, language or sentiment logic changes: everything is reprocessed once.
PROCESS_VERSION = "10"  # 10: short comments read word by word ("Trop cher" is French); 9: another language only on clear evidence (short English with typos stays English); 8: given names written in lower case; 7: names checked against evidence, English NER on English only, labelled numbers; 6: a long text's sentiment is the mean of its sentences'; 5: NER gating by letter case


def pending_items(db: sqlite_utils.Database, version: str = PROCESS_VERSION) -> list[tuple[str, str | None, str]]:
    """(id, title, text) of the items the process stage has not seen in their current form."""
    return db.execute(
        """
        select i.id, i.title, i.text from items i
        left join processed p indexed by idx_processed_probe on p.item_id = i.id
        where p.item_id is null or p.version != ? or p.processed_at < i.ingested_at
        order by i.id
        """,
        [version],
    ).fetchall()


def pending_ids(db: sqlite_utils.Database, version: str = PROCESS_VERSION) -> list[str]:
    """The ids of :func:`pending_items`, in the same order, without their texts (how a batch travels)."""
    return [row[0] for row in db.execute(
        """
        select i.id from items i
        left join processed p indexed by idx_processed_probe on p.item_id = i.id
        where p.item_id is null or p.version != ? or p.processed_at < i.ingested_at
        order by i.id
        """,
        [version],
    )]


def items_by_id(db: sqlite_utils.Database, ids: list[str]) -> list[tuple[str, str | None, str]]:
    """(id, title, text) of the items with these ids, in the ids' order (an id not there is left out)."""
    found: dict[str, tuple[str, str | None, str]] = {}
    for part in chunks(ids):
        for row in db.execute(f"select id, title, text from items where id in ({marks(len(part))})", part):
            found[row[0]] = (row[0], row[1], row[2])
    return [found[i] for i in ids if i in found]


def has_pending(db: sqlite_utils.Database, version: str = PROCESS_VERSION) -> bool:
    """Whether any item waits for the process stage (one indexed probe, not the list)."""
    row = db.execute(
        """
        select exists(select 1 from items i left join processed p indexed by idx_processed_probe on p.item_id = i.id
                      where p.item_id is null or p.version != ? or p.processed_at < i.ingested_at)
        """,
        [version],
    ).fetchone()
    return bool(row[0])


def process_items(
    db: sqlite_utils.Database,
    redactor: Callable[[str | None], str | None],
    languages: Iterable[str],
    batch_size: int = 2000,
    version: str = PROCESS_VERSION,
    workers: int = 1,
    parallel_min_items: int = PARALLEL_MIN_ITEMS,
) -> int:
    """Redact, detect language and score sentiment for pending items; returns how many.

    With ``workers`` > 1 (and at least ``parallel_min_items`` pending items) the items are processed
    by that many worker processes (see :mod:`feedback.workers`) in pieces sized to keep every core
    busy to the end (a few long e-mails can cost as much as hundreds of survey answers); the rows
    are written here, in this process, ``batch_size`` per transaction. A rerun after an interruption picks up what was not
    written (the pending items are those without a current ``processed`` row).
    """
    todo = pending_items(db, version)
    if not todo:
        return 0
    done = 0
    pending: list[dict[str, object]] = []
    for rows in processed_rows(todo, redactor, languages, version, workers, batch_size, parallel_min_items):
        pending.extend(rows)
        if len(pending) >= batch_size:
            done += write_processed(db, pending)
            pending = []
    done += write_processed(db, pending)
    log.info("processed %d items", done)
    return done


def processed_rows(
    todo: list[tuple[str, str | None, str]],
    redactor: Callable[[str | None], str | None],
    languages: Iterable[str],
    version: str = PROCESS_VERSION,
    workers: int = 1,
    batch_size: int = 2000,
    parallel_min_items: int = PARALLEL_MIN_ITEMS,
) -> Iterator[list[dict[str, object]]]:
    """The ``processed`` rows of (id, title, text) items, piece by piece (in the items' order with
    one worker; with more, longest texts first, so that no worker is left with a long tail).

    Fewer than ``parallel_min_items`` items are processed here, without workers (see
    :data:`PARALLEL_MIN_ITEMS`)."""
    if workers > 1 and len(todo) >= parallel_min_items:
        pieces = balanced_pieces(todo, workers)
    else:
        workers = 1
        pieces = [todo[start : start + batch_size] for start in range(0, len(todo), batch_size)]
    task = ProcessPiece(redactor, tuple(languages), version, workers)
    if workers > 1:
        load_lexicons()  # built once here, not in every worker
    yield from ordered_map(task, pieces, workers, chunk=1, on_crash=task.crashed)


@dataclass(frozen=True)
class ProcessPiece:
    """The process stage for one piece of items, as a worker runs it (it pickles: see
    :mod:`feedback.workers`)."""

    redactor: Callable[[str | None], str | None]
    languages: tuple[str, ...]
    version: str
    workers: int = 1

    def __call__(self, chunk: list[tuple[str, str | None, str]]) -> list[dict[str, object]]:
        return _processed_rows(chunk, self.redactor, self.languages, self.version)

    def crashed(self, chunk: list[tuple[str, str | None, str]], reason: str) -> list[dict[str, object]]:
        """A piece whose worker died: its items one by one in new workers; an item that kills its
        worker on its own gets no row (nothing of it is published), is logged, and stays pending,
        so the next run tries it again while the rest of the stage goes on."""
        if len(chunk) > 1:
            singles = [[item] for item in chunk]
            return [row for rows in ordered_map(self, singles, self.workers, chunk=1, on_crash=self.crashed)
                    for row in rows]
        log.error("item %s left unprocessed (not published) until a later run: %s", chunk[0][0], reason)
        return []


def balanced_pieces(todo: list[tuple[str, str | None, str]], workers: int) -> list[list[tuple[str, str | None, str]]]:
    """Pieces for ``workers`` processes, longest texts first and shrinking, ~8 per worker: a piece's
    cost follows its characters (NER, VADER, regexes), and handing out the big ones first leaves
    only small ones to even out the end (longest-processing-time-first scheduling)."""
    ordered = sorted(todo, key=lambda item: len(item[2]) + len(item[1] or ""), reverse=True)
    budget = sum(len(text) + len(title or "") for _, title, text in ordered) / (8 * workers) + 1
    pieces: list[list[tuple[str, str | None, str]]] = [[]]
    size = 0.0
    for item in ordered:
        if pieces[-1] and (size >= budget or len(pieces[-1]) >= 2000):
            pieces.append([])
            size = 0.0
        pieces[-1].append(item)
        size += len(item[2]) + len(item[1] or "")
    return pieces


def write_processed(db: sqlite_utils.Database, rows: list[dict[str, object]]) -> int:
    """Upsert ``processed`` rows in one transaction; returns how many."""
    if rows:
        with write_transaction(db):
            db.table("processed").upsert_all(rows, pk="item_id")
    return len(rows)


def _processed_rows(
    chunk: list[tuple[str, str | None, str]],
    redactor: Callable[[str | None], str | None],
    languages: tuple[str, ...],
    version: str,
) -> list[dict[str, object]]:
    stamp = now_iso()
    # the language first: the redactor's English NER reads only English texts (a title in the text's)
    found = [detect_language(text, languages) for _, _, text in chunk]
    # texts and titles of the whole chunk at once when the redactor can (its NER runs in batches)
    many = getattr(redactor, "many", None)
    redacted = (
        many([t for _, title, text in chunk for t in (text, title)], languages=[x for x in found for _ in (0, 1)])
        if many else None
    )
    rows: list[dict[str, object]] = []
    for index, (item_id, title, text) in enumerate(chunk):
        if redacted is not None:
            clean_text, clean_title = redacted[2 * index] or "", redacted[2 * index + 1]
        else:
            clean_text, clean_title = redactor(text) or "", redactor(title)
        language = found[index]
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
    return rows


_WARM_UP = "Thanks Anna Jones, the Parcel from Leeds came late again. Merci, très bien."


def warm_up(redactor: Callable[[str | None], str | None], languages: tuple[str, ...]) -> None:
    """Run every step once on a made-up text so lazily loaded models and tables are in memory
    (benchmarks call it before the clock starts)."""
    many = getattr(redactor, "many", None)
    text = many([_WARM_UP])[0] if many else redactor(_WARM_UP)
    sentiment(" ".join([text or ""] * 12), detect_language(_WARM_UP, languages))  # the long-text path too


def build_redactor(phone_regions: Iterable[str], extra: Iterable[Callable[[str], str]] = ()) -> Redactor:
    return Redactor(regions=tuple(phone_regions), extra=list(extra))
