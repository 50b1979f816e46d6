"""The form channel: every submission the intake spooled since the last run becomes one item.

The watermark is the spool's row id. The reader notes the highest id when it starts and reads up
to it in batches, each committed with its watermark, so a submission is ingested exactly once and
one that arrives while the run reads is left for the next run. The spool is only read here; the
contact address and its consent go to the warehouse's ``form_contacts`` table, the item carries
the pseudonymous customer key.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

from feedback.errors import BadInput, SourceUnavailable
from feedback.identity import customer_key
from feedback.intake import spool
from feedback.intake.settings import FormSource
from feedback.items import Item, Quarantined, content_hash
from feedback.ratings import Scale
from feedback.sources import files
from feedback.sources.context import SourceContext
from feedback.warehouse import Batch, RawDocument

log = logging.getLogger(__name__)

WATERMARK = "spool"
BATCH = 500
QUESTION = "What happened?"  # the form's question (feedback/intake/templates/form.html)
CONTACTS_TABLE = "form_contacts"
STARS = Scale.named("stars")


def _rating(value: Any) -> tuple[float | None, str | None]:
    """The 1-5 stars of a row on 0-1, and the reason when the spool holds something else."""
    if value is None:
        return None, None
    if type(value) is int:
        try:
            return STARS.normalise(value), None
        except BadInput as exc:
            return None, exc.reason
    return None, f"rating {value!r} is not a whole number of stars"


def to_records(source: FormSource, context: SourceContext, label: str, rows: list[spool.Spooled],
               raw_hash: str) -> tuple[list[Item], list[Quarantined], list[dict[str, Any]]]:
    """Items, quarantined records and contact rows of a batch of spooled submissions."""
    items: list[Item] = []
    bad: list[Quarantined] = []
    contacts: list[dict[str, Any]] = []
    for row in rows:
        where = f"{label}#{row.id}"
        text = row.text.strip() if isinstance(row.text, str) else ""
        if not text:
            bad.append(Quarantined(source.name, where, "submission without text", "", raw_hash))
            continue
        rating, problem = _rating(row.rating)
        if problem:
            bad.append(Quarantined(source.name, where, f"{problem}; comment kept without a rating",
                                   str(row.rating)[:100], raw_hash))
        email = row.email.strip() if isinstance(row.email, str) and row.email.strip() else None
        customer = customer_key(email, context.customer_secret)
        item = Item(
            source=source.name, channel="form", local_id=row.submission_id, text=text,
            received_at=row.received_at, question=QUESTION if row.via == "form" else None,
            customer=customer, rating=rating, rating_raw=str(row.rating) if rating is not None else None,
            rating_scale="stars" if rating is not None else None, location=where, raw_hash=raw_hash,
            extra={"submission": row.id, "via": row.via},
        )
        items.append(item)
        if email is not None:
            contacts.append({"item_id": item.id, "source": source.name, "submission_id": row.submission_id,
                             "customer": customer, "email": email, "consent": int(row.consent),
                             "received_at": row.received_at})
    return items, bad, contacts


def _document(rows: list[spool.Spooled]) -> bytes:
    """The batch's rows as JSON lines: what the warehouse lands as the batch's raw document."""
    return b"".join(
        json.dumps({"id": r.id, "submission_id": r.submission_id, "via": r.via, "received_at": r.received_at,
                    "text": r.text, "rating": r.rating, "email": r.email, "consent": r.consent},
                   ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
        for r in rows
    )


def read_form(source: FormSource, context: SourceContext) -> Iterator[Batch]:
    """One batch per up to 500 submissions spooled since the last run."""
    path = context.resolve(source.spool)
    label = files.label(path, context)
    if not path.exists():
        log.info("source %s: no spool at %s yet (nothing submitted)", source.name, label)
        return
    last = int((context.watermarks.get(WATERMARK) or {}).get("id", 0))
    try:
        with closing(spool.open_spool(path, timeout=30, create=False)) as conn:
            gone = spool.prune(conn, last, source.keep_days)
            if gone:
                log.info("source %s: %d ingested submissions older than %d days deleted from the spool",
                         source.name, gone, source.keep_days)
            upto = spool.latest_id(conn)
            while last < upto:
                rows = spool.read_after(conn, last, upto, BATCH)
                if not rows:
                    break
                content = _document(rows)
                digest = content_hash(content)
                raw = RawDocument(digest, source.name, f"{label}#{rows[0].id}-{rows[-1].id}", content,
                                  "application/x-ndjson")
                items, bad, contacts = to_records(source, context, label, rows, digest)
                last = rows[-1].id
                log.info("source %s: spool rows %d-%d: %d comments, %d quarantined",
                         source.name, rows[0].id, last, len(items), len(bad))
                yield Batch(source=source.name, items=items, quarantined=bad, raw=raw,
                            watermark=(WATERMARK, {"id": last}), tables={CONTACTS_TABLE: contacts})
    except spool.SpoolBusy as exc:
        raise SourceUnavailable(f"source {source.name}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise SourceUnavailable(f"source {source.name}: cannot read the spool {label}: {exc}") from None
