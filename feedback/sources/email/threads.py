"""E-mail threads, from the warehouse's ``email_messages`` to the archive.

Threads are linked by Message-ID / In-Reply-To / References when the archive is
built (:func:`archive_tables`), so a reply that arrives before or after its
parent, or from another folder, still lands in the right thread. A reply whose
client dropped those headers is linked by its subject ('Re: ...') to the same
customer's latest message with that subject in the last 30 days
(:func:`subject_links`); a company message counts for the customer it was sent to.
The names of senders and signatures are read back for the redactor (:func:`known_names`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from feedback.sources.email.parse import clean_subject

MESSAGES_TABLE = "email_messages"  # written by the reader, one row per customer or company message


def known_names(db: sqlite_utils.Database) -> set[str]:
    """Names of the people in the email warehouse (senders and signatures), for the name redactor."""
    if MESSAGES_TABLE not in db.table_names():
        return set()
    names: set[str] = set()
    for sender, signature in db.execute(f"select sender_name, signature_names from {MESSAGES_TABLE}"):
        if sender:
            names.add(sender)
        for name in json.loads(signature or "[]"):
            names.add(name)
    return names


class _Threads:
    """Union-find over Message-IDs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


SUBJECT_THREAD_WINDOW = timedelta(days=30)
_SPACES = re.compile(r"\s+")


def subject_key(subject: str | None) -> tuple[str, bool]:
    """(the subject for threading, whether it had a reply/forward prefix): 'RE:  Late  Parcel' ->
    ('late parcel', True). Prefixes are the ones :func:`clean_subject` strips (Re, Fwd, AW, SV, ...)."""
    raw = (subject or "").strip()
    cleaned = clean_subject(raw)
    return _SPACES.sub(" ", cleaned).casefold(), cleaned != raw


@dataclass(frozen=True)
class ThreadMessage:
    """What the subject fallback needs of one message (warehouse only: never published)."""

    message_id: str
    sent_at: str | None  # ISO 8601 UTC, 'YYYY-MM-DDTHH:MM:SSZ'
    customer: str | None  # the sender's key, or for a company message the key of the customer it went to
    subject: str | None
    has_thread_headers: bool  # In-Reply-To or References present


def subject_links(
    messages: Iterable[ThreadMessage], window: timedelta = SUBJECT_THREAD_WINDOW
) -> list[tuple[str, str]]:
    """(reply, earlier message) pairs for replies that lost their In-Reply-To/References.

    A message without thread headers whose subject has a reply or forward prefix ('Re: Late
    parcel') joins the latest earlier message with the same subject (prefixes stripped, case and
    spacing ignored) about the same customer (written by them, or by the company to them) at
    most ``window`` before it. Nothing is linked across customers, without a date, or on an
    empty subject; a subject without a prefix starts a thread of its own.
    """
    groups: dict[tuple[str, str], list[tuple[datetime, str, bool]]] = {}
    for message in messages:
        if not message.customer or not message.sent_at:
            continue
        key, prefixed = subject_key(message.subject)
        if not key:
            continue
        moment = datetime.fromisoformat(message.sent_at.replace("Z", "+00:00"))
        wants_parent = prefixed and not message.has_thread_headers
        groups.setdefault((message.customer, key), []).append((moment, message.message_id, wants_parent))
    links = []
    for members in groups.values():
        members.sort()
        for index, (moment, message_id, wants_parent) in enumerate(members):
            if not wants_parent or index == 0:
                continue
            earlier, parent, _ = members[index - 1]
            if moment - earlier <= window:
                links.append((message_id, parent))
    return links


def _hours(start: str, end: str) -> float:
    delta = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    return round(delta.total_seconds() / 3600, 2)


def archive_tables(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    """Extra archive tables: ``email_threads`` and ``email_feedback`` (feedback id -> thread).

    Only pseudonymous keys, hashed thread ids, times and counts: never an address,
    a name, a Message-ID or any text.
    """
    if MESSAGES_TABLE not in db.table_names():
        return {"email_threads": [], "email_feedback": []}
    published = "processed" in db.table_names()
    rows = db.execute(
        f"""
        select m.message_id, m.in_reply_to, m.refs, m.direction, m.sent_at, m.customer, m.item_id,
               {"(select 1 from processed p where p.item_id = m.item_id)" if published else "1"} as shown,
               m.subject
        from {MESSAGES_TABLE} m
        """
    ).fetchall()
    threads = _Threads()
    fallback = []
    for message_id, in_reply_to, refs, _direction, sent_at, customer, _item, _shown, subject in rows:
        threads.find(message_id)
        others = [o for o in [*json.loads(refs or "[]"), in_reply_to] if o]
        for other in others:
            threads.union(message_id, other)
        fallback.append(ThreadMessage(message_id, sent_at, customer, subject, bool(others)))
    for reply, parent in subject_links(fallback):
        threads.union(reply, parent)
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        groups.setdefault(threads.find(row[0]), []).append(row)
    thread_rows, feedback_rows = [], []
    for root, members in groups.items():
        customer_msgs = sorted((m for m in members if m[3] == "customer" and m[6]), key=lambda m: m[4] or "")
        if not customer_msgs:
            continue
        responses = sorted(m[4] for m in members if m[3] == "company" and m[4])
        thread_id = "t_" + hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        first = customer_msgs[0][4]
        first_response = next((r for r in responses if first is None or r >= first), None)
        thread_rows.append({
            "thread_id": thread_id,
            "customer": customer_msgs[0][5],
            "customer_messages": len(customer_msgs),
            "responses": len(responses),
            "first_customer_message_at": first,
            "last_message_at": max((m[4] for m in members if m[4]), default=None),
            "first_response_at": first_response,
            "hours_to_first_response": _hours(first, first_response) if first and first_response else None,
            "answered": int(first_response is not None),
        })
        for message in customer_msgs:
            if not message[7]:
                continue
            sent = message[4]
            answer = next((r for r in responses if sent is None or r >= sent), None)
            feedback_rows.append({
                "feedback_id": message[6],
                "thread_id": thread_id,
                "answered": int(answer is not None),
                "answered_at": answer,
                "hours_to_answer": _hours(sent, answer) if sent and answer else None,
            })
    thread_rows.sort(key=lambda r: (r["first_customer_message_at"] or "", r["thread_id"]))
    feedback_rows.sort(key=lambda r: r["feedback_id"])
    return {"email_threads": thread_rows, "email_feedback": feedback_rows}
