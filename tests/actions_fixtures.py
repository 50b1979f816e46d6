"""A warehouse built by hand with a known before and after, for the actions tests (no model needed).

Theme 1 "Late delivery" loses most of its comments from the action's day, 2026-03-02 (a
Monday): in the 8 weeks before it (2026-01-05 .. 2026-03-01) it has 20 of 100 comments, 12 of
them complaints; in the 8 weeks from it (2026-03-02 .. 2026-04-26), 5 of 100, 1 a complaint.
Theme 2 "Refund delays" carries 10 comments on each side. Theme 3 was merged into 1, theme 5
into 3 (a chain), theme 4 was retired. Theme 1's comments before the action come from
customers c_a (form, consenting), c_b (form, no consent), c_c (e-mail, answered), c_d
(e-mail, no answer) and c_e (survey); the rest have no customer.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from feedback.warehouse import open_warehouse

ACTION_DAY = "2026-03-02"
START = date(2026, 1, 5)  # 8 weeks before the action
THEME_LABELS = {1: "Late delivery", 2: "Refund delays", 3: "Slow courier", 4: "Old theme", 5: "Van late"}


def message(sender: str, subject: str, body: str, message_id: str, in_reply_to: str | None = None) -> bytes:
    reply = f"In-Reply-To: <{in_reply_to}>\n" if in_reply_to else ""
    return (f"From: {sender}\nTo: help@shop.example\nSubject: {subject}\nDate: Mon, 12 Jan 2026 10:00:00 +0000\n"
            f"Message-ID: <{message_id}>\n{reply}Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode()


def _day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def build(path: Path) -> sqlite_utils.Database:
    """The warehouse described above, at ``path``."""
    db = open_warehouse(path)
    items: list[dict[str, Any]] = []
    processed: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    vectors: list[dict[str, Any]] = []  # so that an analyst's merge can average its theme's vectors

    def add(item_id: str, day: str, theme: int | None, negative: bool, *, channel: str = "survey",
            source: str = "nps", customer: str | None = None, extra: dict[str, Any] | None = None,
            raw_hash: str | None = None, text: str | None = None) -> None:
        words = text or f"comment {item_id}"
        items.append({"id": item_id, "source": source, "channel": channel, "local_id": item_id,
                      "received_at": f"{day}T09:00:00Z", "customer": customer, "text": words,
                      "extra": json.dumps(extra or {}), "raw_hash": raw_hash})
        processed.append({"item_id": item_id, "text": words, "sentiment": -0.6 if negative else 0.4,
                          "language": "en", "version": "1"})
        if theme is not None:
            segments.append({"id": f"{item_id}:0", "item_id": item_id, "seq": 0, "text": words, "themable": 1,
                             "theme_id": theme, "score": 0.9, "text_hash": item_id})
            vectors.append({"text_hash": item_id, "model": "m", "model_version": "1", "dim": 4,
                            "vector": np.array([1, theme, 0, 0], dtype=np.float32).tobytes()})

    # before: 100 comments over 8 weeks; theme 1: 20 (12 complaints), theme 2: 10
    # form submissions: the address and consent live in form_contacts, as the form reader keeps them
    owners = {0: ("c_a", "form", "intake", {}, None),
              1: ("c_b", "form", "intake", {}, None),
              2: ("c_c", "email", "support", {}, "h-carol"),
              3: ("c_d", "email", "support", {}, "h-dave"),
              4: ("c_e", "survey", "nps", {}, None)}
    for i in range(100):
        day = _day(i * 56 // 100)
        if i < 20:
            customer, channel, source, extra, raw = owners.get(i, (None, "survey", "nps", {}, None))
            add(f"b{i:03d}", day, 1, i < 12, channel=channel, source=source, customer=customer, extra=extra,
                raw_hash=raw, text="my parcel was late again" if i == 0 else None)
        else:
            add(f"b{i:03d}", day, 2 if i < 30 else None, False)
    # after: 100 comments over 8 weeks from the action; theme 1: 5 (1 complaint), theme 2: 10
    for i in range(100):
        day = (date.fromisoformat(ACTION_DAY) + timedelta(days=i * 56 // 100)).isoformat()
        theme = 1 if i < 5 else 2 if i < 15 else None
        add(f"a{i:03d}", day, theme, i == 0, customer="c_a" if i == 1 else None)
    # outside the windows: an older comment on theme 1 from c_f (not counted by the test, but raised it)
    add("old", "2025-11-03", 1, True, customer="c_f")

    db.table("items").insert_all(items)
    db.table("processed").insert_all(processed)
    db.table("theme_segments").insert_all(segments)
    db.table("embeddings").insert_all(vectors)
    db.table("form_contacts").insert_all([
        {"item_id": "b000", "source": "intake", "submission_id": "1", "customer": "c_a",
         "email": "Ann@Example.com", "consent": 1, "received_at": items[0]["received_at"]},
        {"item_id": "b001", "source": "intake", "submission_id": "2", "customer": "c_b",
         "email": "bob@example.com", "consent": 0, "received_at": items[1]["received_at"]},
    ])
    db.table("raw_documents").insert_all([
        {"hash": "h-carol", "source": "support", "uri": "x", "size": 1, "media_type": "message/rfc822",
         "content": message("Carol <Carol@Mail.example>", "late parcel", "where is it", "m1@mail")},
        {"hash": "h-dave", "source": "support", "uri": "x", "size": 1, "media_type": "message/rfc822",
         "content": message("dave@mail.example", "late", "still waiting", "m2@mail")},
    ])
    db.table("email_messages").insert_all([
        {"id": "m1", "source": "support", "message_id": "m1@mail", "direction": "customer", "refs": "[]",
         "sent_at": items[2]["received_at"], "customer": "c_c", "item_id": "b002"},
        {"id": "r1", "source": "support", "message_id": "r1@shop", "in_reply_to": "m1@mail", "refs": "[]",
         "direction": "company", "sent_at": _day(20) + "T12:00:00Z", "customer": "c_c"},
        {"id": "m2", "source": "support", "message_id": "m2@mail", "direction": "customer", "refs": "[]",
         "sent_at": items[3]["received_at"], "customer": "c_d", "item_id": "b003"},
    ])
    for theme_id, label in THEME_LABELS.items():
        status = {3: "merged", 4: "retired", 5: "merged"}.get(theme_id, "active")
        merged_into = {3: 1, 5: 3}.get(theme_id)
        db.table("themes").insert({"id": theme_id, "label": label, "status": status, "merged_into": merged_into,
                                   "level": 0, "keywords": "[]", "representatives": "[]", "size": 0, "comments": 0,
                                   "model": "m", "model_version": "1"})
    return db
