"""Tell them: the contact addresses of the customers who raised an action's theme before it
and agreed to be contacted, for a CSV the team writes to (``feedback actions contacts``).

Reads the warehouse only (the archive holds no address). A customer counts when one of
their comments on the theme (or on one of its sub-themes), received before the action's
day, carries an address they gave with their consent:

- a feedback-form submission whose address and consent the form reader kept in the
  warehouse's ``form_contacts`` table (or any item whose ``extra`` has ``contact_email`` and
  ``consent``); consent is JSON ``true``, 1 or one of the words in :data:`CONSENT_WORDS`;
- an e-mail, only from a source whose configuration says its senders agreed to be contacted
  (``contact_consent: true``): the sender's address, read again from the stored message.

One row per address (lower-cased), with the customer's latest comment on the theme before
the action (redacted, as published) and the number of such comments. Each export is logged
in ``action_contact_exports`` (who asked, when, how many rows, where it was written).
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import sqlite_utils

from feedback.actions.record import Action, get_action
from feedback.errors import BadInput
from feedback.spreadsheet import neutralise
from feedback.warehouse.sql import chunks, marks, now_iso

log = logging.getLogger(__name__)

CONSENT_WORDS = ("true", "1", "yes", "on")  # JSON true reads as 1; "on" is an HTML checkbox's value
_ADDRESS = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+")
CSV_COLUMNS = ("email", "customer", "theme", "comment_received_at", "channel", "source", "comment",
               "comments_on_theme", "action_date", "action")


@dataclass(frozen=True)
class Contact:
    email: str
    customer: str | None
    received_at: str
    channel: str
    source: str
    comment: str
    comments: int  # this customer's comments on the theme before the action


def theme_and_children(db: sqlite_utils.Database, theme_id: int) -> list[int]:
    """The theme and, for a group (parent), its current sub-themes: whose comments count for it."""
    children = [r[0] for r in db.execute(
        "select id from themes where parent_id = ? and status = 'active' order by id", [theme_id])]
    return [theme_id, *children]


def consented(value: object) -> bool:
    return value is not None and str(value).strip().lower() in CONSENT_WORDS


def usable_address(value: object) -> str | None:
    """An e-mail address as given (trimmed, lower-cased), or None when it does not look like one."""
    text = str(value or "").strip().lower()
    return text if len(text) <= 254 and _ADDRESS.fullmatch(text) else None


def sender_address(raw: bytes | None) -> str | None:
    """The From (else Sender) address of a stored message, read with the e-mail reader's own rules."""
    from feedback.sources.email.parse import parse_message

    if not raw:
        return None
    try:
        return usable_address(parse_message(raw).from_address)
    except BadInput:
        return None


def contacts(db: sqlite_utils.Database, action: Action, email_sources: Iterable[str] = ()) -> list[Contact]:
    """The consenting contacts of the customers who raised ``action``'s theme before it (see the module)."""
    if "theme_segments" not in db.table_names():
        return []
    themes = theme_and_children(db, action.theme_id)
    mail = set(email_sources)
    found: dict[str, list[Contact]] = {}
    rows = db.execute(
        f"""select i.id, i.source, i.channel, i.received_at, i.customer, i.raw_hash, p.text,
                   coalesce(fc.email, case when json_valid(i.extra) then json_extract(i.extra, '$.contact_email') end),
                   coalesce(fc.consent, case when json_valid(i.extra) then json_extract(i.extra, '$.consent') end)
            from items i join processed p on p.item_id = i.id
                 left join form_contacts fc on fc.item_id = i.id
            where i.id in (select s.item_id from theme_segments s where s.theme_id in ({marks(len(themes))}))
              and i.received_at < ?
            order by i.received_at desc, i.id""",
        [*themes, action.date],
    ).fetchall()
    raw_wanted = {r[5] for r in rows if r[2] == "email" and r[1] in mail and r[5] and not r[7]}
    senders: dict[str, str | None] = {}
    for part in chunks(sorted(raw_wanted)):
        for digest, content in db.execute(
                f"select hash, content from raw_documents where hash in ({marks(len(part))})", part):
            senders[digest] = sender_address(content)
    for _item, source, channel, received_at, customer, raw_hash, text, given, consent in rows:
        address = None
        if given:
            address = usable_address(given) if consented(consent) else None
        elif channel == "email" and source in mail:
            address = senders.get(raw_hash)
        if address:
            found.setdefault(address, []).append(
                Contact(address, customer, received_at, channel, source, text, 0))
    out = [replace(mine[0], comments=len(mine)) for mine in found.values()]
    return sorted(out, key=lambda c: (c.received_at, c.email), reverse=True)


def write_csv(path: Path, action: Action, found: list[Contact]) -> None:
    """The contacts as CSV (UTF-8 with a byte-order mark, so spreadsheets read accents), every
    cell quoted and formula-safe; written beside ``path`` and moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(CSV_COLUMNS)
            for c in found:
                writer.writerow([neutralise(v) for v in (
                    c.email, c.customer, f"{action.theme_id} {action.theme_label or ''}".strip(), c.received_at,
                    c.channel, c.source, c.comment, c.comments, action.date, action.text)])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Export:
    action: Action
    rows: int
    path: Path
    log_id: int


def export_contacts(db: sqlite_utils.Database, action_id: int, out: Path, *, asked_by: str,
                    email_sources: Iterable[str] = ()) -> Export:
    """Write ``action_id``'s consenting contacts to ``out`` (CSV) and log who asked, when and how many."""
    action = get_action(db, action_id)
    found = contacts(db, action, email_sources)
    write_csv(out, action, found)
    with db.atomic():
        log_id = db.table("action_contact_exports").insert(
            {"action_id": action.id, "asked_by": asked_by, "asked_at": now_iso(), "rows": len(found),
             "path": str(out)}).last_rowid
    log.info("%s exported %d contacts of action %d to %s", asked_by, len(found), action.id, out)
    return Export(action, len(found), out, int(log_id or 0))
