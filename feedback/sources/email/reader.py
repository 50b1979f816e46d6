"""The email channel: IMAP folders, mbox files, maildir trees and folders of .eml files.

Every message is one commit point (one :class:`~feedback.warehouse.Batch`): its
raw bytes are landed, and it becomes exactly one of

- an **item**: a customer's message, reduced to the customer's own words
  (:mod:`.mail_clean`), the subject as title, the sender as a pseudonymous key;
- a **response**: a message from one of the company's own domains, recorded in
  ``email_messages`` with direction ``company`` (view ``email_responses``), so
  the archive can show which threads were answered and how fast;
- **skipped**, with the reason (bounce, receipt, auto-reply, spam,
  mailing-list, newsletter, no-text) in ``email_skipped``: automatic traffic is
  not broken, so it is not quarantined;
- **quarantined**, with the reason, when it is not a usable message at all.

Threads are linked by Message-ID / In-Reply-To / References when the archive is
built (:func:`archive_tables`), so a reply that arrives before or after its
parent, or from another folder, still lands in the right thread. A reply whose
client dropped those headers is linked by its subject ('Re: ...') to the same
customer's latest message with that subject in the last 30 days
(:func:`subject_links`); a company message counts for the customer it was sent to.

Watermarks (advanced with each message's batch): IMAP ``imap:<user>@<host>:<port>/<folder>``
-> UIDVALIDITY and last UID; mbox ``mbox:<file>`` -> bytes read, their hash and
the message count (a file that only grew is read from the first new message);
maildir and .eml: one key per message file -> its content hash.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.config import EmailSource, ImapAccount
from feedback.dates import envelope_date, utc_text
from feedback.errors import BadInput, ConfigError, FolderUnavailable, SourceUnavailable
from feedback.identity import customer_key
from feedback.items import Item, Quarantined, content_hash, stable_id
from feedback.sources import SourceContext
from feedback.sources.email.clean import customer_words
from feedback.sources.email.imap import ImapSettings, read_folder
from feedback.sources.email.parse import ParsedMessage, clean_subject, parse_message
from feedback.text.names import person_name
from feedback.warehouse import Batch, RawDocument
from feedback.workers import ordered_map

log = logging.getLogger(__name__)

MEDIA_TYPE = "message/rfc822"
MESSAGES_TABLE = "email_messages"
SKIPPED_TABLE = "email_skipped"
_MBOX_SEPARATOR = re.compile(rb"(?:\A|\n)From [^\n]*\n")
_MAILDIR_INFO = re.compile(r"[:;]2,.*$")

# A message as a reader frames it: raw bytes, location, watermark, date to fall back on.
Job = tuple[bytes, str, tuple[str, Any], datetime | None]


# --- one message -------------------------------------------------------------------------------


def is_company_address(address: str | None, domains: Iterable[str]) -> bool:
    """True for an address at one of the domains or their subdomains."""
    if not address or "@" not in address:
        return False
    domain = address.rsplit("@", 1)[1].lower().strip(".>")
    for company in domains:
        company = company.lower().lstrip("@").strip(".")
        if domain == company or domain.endswith("." + company):
            return True
    return False


@dataclass(frozen=True)
class Outcome:
    """What became of one message: exactly one of item, response, skipped, quarantined."""

    kind: str  # item | response | skipped | quarantined
    reason: str = ""
    item: Item | None = None


def _local_id(parsed: ParsedMessage, digest: str) -> str:
    return parsed.message_id or f"sha256:{digest[:32]}"


def _message_row(
    source: str, parsed: ParsedMessage, local_id: str, direction: str, sent_at: datetime | None,
    customer: str | None, digest: str, location: str, item_id: str | None,
    names: tuple[str, ...] = (), removed: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "id": stable_id(source, local_id),
        "source": source,
        "message_id": parsed.message_id or local_id,
        "in_reply_to": parsed.in_reply_to,
        "refs": json.dumps(list(parsed.references)),
        "direction": direction,
        "sent_at": _iso(sent_at),
        "customer": customer,
        "sender_name": person_name(parsed.from_name) if parsed.from_name else None,
        "signature_names": json.dumps(list(names)),
        "attachments": json.dumps(list(parsed.attachments), ensure_ascii=False),
        "subject": parsed.subject,
        "removed": json.dumps(list(removed)),
        "raw_hash": digest,
        "location": location,
        "item_id": item_id,
    }


def _iso(moment: datetime | None) -> str | None:
    return utc_text(moment) if moment else None


def quarantined_batch(
    source: str, raw: bytes, location: str, watermark: tuple[str, Any] | None, reason: str
) -> Batch:
    """A message set aside whole: its raw bytes landed, the reason and its first bytes recorded,
    its watermark advanced (it is not read again; the quarantine says why)."""
    digest = content_hash(raw)
    record = Quarantined(source, location, reason, raw[:300].decode("utf-8", "replace"), digest)
    return Batch(source=source, items=[], quarantined=[record],
                 raw=RawDocument(digest, source, location, raw, MEDIA_TYPE), watermark=watermark)


def message_batch(
    source: EmailSource,
    context: SourceContext,
    raw: bytes,
    location: str,
    watermark: tuple[str, Any] | None,
    fallback_date: datetime | None = None,
) -> tuple[Batch, Outcome]:
    """The batch for one message, and what became of it. Never raises for a bad message."""
    digest = content_hash(raw)
    document = RawDocument(digest, source.name, location, raw, MEDIA_TYPE)

    def batch(items: list[Item] | None = None, bad: list[Quarantined] | None = None,
              tables: dict[str, list[dict[str, Any]]] | None = None) -> Batch:
        return Batch(source=source.name, items=items or [], quarantined=bad or [], raw=document,
                     watermark=watermark, tables=tables or {})

    try:
        parsed = parse_message(raw)
    except BadInput as exc:
        record = Quarantined(source.name, location, exc.reason, exc.snippet, digest)
        return batch(bad=[record]), Outcome("quarantined", exc.reason)
    except Exception as exc:  # a parser bug must not stop the run: quarantine it with the error
        reason = f"unexpected parser error: {type(exc).__name__}: {exc}"
        log.exception("source %s: %s: %s", source.name, location, reason)
        return quarantined_batch(source.name, raw, location, watermark, reason), Outcome("quarantined", reason)

    local_id = _local_id(parsed, digest)
    sent_at = parsed.sent_at or fallback_date
    company = is_company_address(parsed.from_address, source.company_domains)

    def skipped(reason: str, detail: str = "") -> tuple[Batch, Outcome]:
        row = {
            "id": stable_id(source.name, local_id),
            "source": source.name,
            "location": location,
            "message_id": local_id,
            "reason": reason,
            "detail": detail,
            "subject": parsed.subject,
            "sent_at": _iso(sent_at),
            "from_company": int(company),
            "raw_hash": digest,
        }
        return batch(tables={SKIPPED_TABLE: [row]}), Outcome("skipped", reason)

    if parsed.skip:
        return skipped(parsed.skip)
    if company:
        to_customer = next(
            (a for a in parsed.to_addresses if not is_company_address(a, source.company_domains)), None
        )
        customer = customer_key(to_customer, context.customer_secret) if to_customer else None
        row = _message_row(source.name, parsed, local_id, "company", sent_at, customer, digest, location, None)
        return batch(tables={MESSAGES_TABLE: [row]}), Outcome("response")

    cleaned = customer_words(parsed.body)
    if not cleaned.text:
        detail = ", ".join(cleaned.removed) or parsed.body_kind
        return skipped("no-text", f"nothing written by the sender in this message ({detail})")
    customer = customer_key(parsed.from_address, context.customer_secret)
    item = Item(
        source=source.name,
        channel="email",
        local_id=local_id,
        text=cleaned.text,
        received_at=_iso(sent_at),
        title=clean_subject(parsed.subject) or None,
        customer=customer,
        location=location,
        raw_hash=digest,
        extra={"attachments": len(parsed.attachments), "body": parsed.body_kind} | (
            {"removed": list(cleaned.removed)} if cleaned.removed else {}
        ),
    )
    row = _message_row(source.name, parsed, local_id, "customer", sent_at, customer, digest, location,
                       item.id, cleaned.names, cleaned.removed)
    return batch(items=[item], tables={MESSAGES_TABLE: [row]}), Outcome("item", item=item)


# --- files -------------------------------------------------------------------------------------


def _label(path: Path, context: SourceContext) -> str:
    try:
        return str(path.resolve().relative_to(context.base_dir.resolve()))
    except ValueError:
        return str(path)


def _expand(patterns: list[str], context: SourceContext, want_dirs: bool) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in patterns:
        full = str(context.resolve(pattern))
        matches = sorted(Path(p) for p in glob.glob(full, recursive=True)) if glob.has_magic(full) else [Path(full)]
        matches = [m for m in matches if (m.is_dir() if want_dirs else m.exists())]
        if not matches:
            log.warning("nothing matches %s", pattern)
        found.update(dict.fromkeys(matches))
    return list(found)


def _file_date(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def split_mbox(content: bytes, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(start, end, message bytes with its 'From ' line) for each message from offset ``start``."""
    starts = [m.start() + (1 if content[m.start() : m.start() + 1] == b"\n" else 0)
              for m in _MBOX_SEPARATOR.finditer(content, start)]
    if not starts:
        if content[start:].strip():
            yield start, len(content), content[start:]
        return
    if content[start : starts[0]].strip():  # bytes before the first separator: not mbox framing
        yield start, starts[0], content[start : starts[0]]
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(content)
        yield begin, end, content[begin:end]


def _envelope_date(message: bytes) -> datetime | None:
    line = message.split(b"\n", 1)[0].decode("ascii", "replace")
    match = re.search(r"(\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})", line)
    if not match:
        return None
    return envelope_date(match.group(1))


def read_mbox(source: EmailSource, context: SourceContext, path: Path) -> Iterator[Job]:
    label = _label(path, context)
    key = f"mbox:{label}"
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        log.warning("source %s: %s disappeared before it was read", source.name, label)
        return
    except OSError as exc:
        raise SourceUnavailable(f"{label}: cannot read: {exc}") from exc
    mark = context.watermarks.get(key) or {}
    offset, count = 0, 0
    if (
        mark.get("size")
        and len(content) >= mark["size"]
        and hashlib.sha256(content[: mark["size"]]).hexdigest() == mark.get("hash")
    ):
        offset, count = int(mark["size"]), int(mark.get("count", 0))
    if offset and offset == len(content):
        return
    hasher = hashlib.sha256(content[:offset])
    for begin, end, message in split_mbox(content, offset):
        hasher.update(content[begin:end])
        count += 1
        mark_value = {"size": end, "hash": hasher.copy().hexdigest(), "count": count}
        yield message, f"{label}#{count}", (key, mark_value), _envelope_date(message)


def maildir_messages(root: Path) -> Iterator[Path]:
    """Message files of a maildir tree: cur/ and new/ of the root and of every subfolder."""
    for folder in sorted({root, *(p for p in root.iterdir() if p.is_dir() and p.name.startswith("."))}):
        for sub in ("new", "cur"):
            directory = folder / sub
            if directory.is_dir():
                yield from sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def _maildir_date(path: Path) -> datetime | None:
    match = re.match(r"(\d{9,10})\.", path.name)
    if match:
        return datetime.fromtimestamp(int(match.group(1)), UTC)
    return _file_date(path)


def read_files(
    source: EmailSource, context: SourceContext, files: Iterable[Path], kind: str, root: Path
) -> Iterator[Job]:
    """A job per message file that is new or changed (maildir and .eml folders)."""
    base = Path(_label(root, context))  # resolved once: resolving every file's path cost more than parsing it
    for path in files:
        name = _MAILDIR_INFO.sub("", path.name) if kind == "maildir" else path.name
        label = str(base if path == root else base / path.parent.relative_to(root) / name)
        key = f"{kind}:{label}"
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # moved by a mail client between listing and reading
            continue
        except OSError as exc:
            raise SourceUnavailable(f"{label}: cannot read: {exc}") from exc
        digest = content_hash(content)
        if (context.watermarks.get(key) or {}).get("hash") == digest:
            continue
        fallback = _maildir_date(path) if kind == "maildir" else _file_date(path)
        yield content, label, (key, {"hash": digest}), fallback


def eml_files(root: Path) -> Iterator[Path]:
    """Files of an .eml folder (recursively; hidden files skipped), or the file itself."""
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if not filename.startswith("."):
                yield Path(dirpath) / filename


# --- IMAP --------------------------------------------------------------------------------------


def imap_settings(account: ImapAccount, context: SourceContext) -> ImapSettings:
    password = context.secrets.get(account.password)
    if not password:
        raise ConfigError(
            f"IMAP {account.username}@{account.host}: the password secret {account.password} is not set"
        )
    port = account.port or (993 if account.security == "ssl" else 143)
    return ImapSettings(
        host=account.host, port=port, security=account.security, username=account.username,
        password=password, read_only=account.read_only,
        ca_file=str(context.resolve(account.ca_file)) if account.ca_file else None,
        timeout=account.timeout, batch_size=account.batch_size, retries=account.retries,
        retry_delay=account.retry_delay,
    )


def read_imap(source: EmailSource, context: SourceContext, account: ImapAccount) -> Iterator[Job | Batch]:
    """Every configured folder of one account. A folder that cannot be opened (missing, no
    permission) is quarantined with the server's answer, its watermark untouched, and the
    account's other folders are still read."""
    settings = imap_settings(account, context)
    for folder in account.folders:
        key = f"imap:{settings.username}@{settings.host}:{settings.port}/{folder}"
        try:
            for uidvalidity, message in read_folder(settings, folder, context.watermarks.get(key)):
                location = f"{settings.label}/{folder};UIDVALIDITY={uidvalidity}/;UID={message.uid}"
                mark = (key, {"uidvalidity": uidvalidity, "uid": message.uid})
                yield message.raw, location, mark, message.internal_date
        except FolderUnavailable as exc:
            log.error("source %s: %s", source.name, exc)
            reason = f"IMAP folder {folder!r} of {settings.username}@{settings.host} cannot be opened"
            record = Quarantined(source.name, f"{settings.label}/{folder}", reason, str(exc))
            yield Batch(source=source.name, items=[], quarantined=[record])


# --- the reader --------------------------------------------------------------------------------


def read_email(source: EmailSource, context: SourceContext) -> Iterator[Batch]:
    """Batches of every configured mailbox; an unreachable IMAP server does not stop the files.

    The readers below only fetch and frame messages (in order, with their watermarks); parsing,
    cleaning and keying each one (:func:`message_batch`, most of the channel's time) is spread
    over ``context.workers`` processes, and the batches come back in the order read.
    """

    jobs = _jobs(source, context)
    workers = context.workers
    first: list[Job | Batch] = []
    failure: Exception | None = None
    if workers > 1:  # a handful of new messages is parsed here: not worth starting workers for
        try:
            for job in jobs:
                first.append(job)
                if len(first) >= PARALLEL_MIN_MESSAGES:
                    break
        except Exception as exc:  # noqa: BLE001 - raised below, once what was read is committed
            failure = exc
        if failure is not None or len(first) < PARALLEL_MIN_MESSAGES:
            workers = 1
    task = BuildBatch(source, replace(context, watermarks={}, secrets={}))
    yield from ordered_map(task, first if failure is not None else itertools.chain(first, jobs), workers,
                           on_crash=task.crashed)
    if failure is not None:
        raise failure


PARALLEL_MIN_MESSAGES = 200


@dataclass(frozen=True)
class BuildBatch:
    """A framed message to its batch (:func:`message_batch`), as a worker runs it. It pickles:
    the source's configuration and the customer key's secret travel, not the watermarks or the
    IMAP passwords."""

    source: EmailSource
    context: SourceContext

    def __call__(self, job: Job | Batch) -> Batch:
        if isinstance(job, Batch):  # a folder that could not be opened, already a batch
            return job
        raw, location, mark, fallback = job
        return message_batch(self.source, self.context, raw, location, mark, fallback)[0]

    def crashed(self, job: Job | Batch, reason: str) -> Batch:
        """The batch for a message whose worker died reading it: quarantined with its raw bytes
        and its watermark, so the next run does not stumble on it again."""
        if isinstance(job, Batch):
            return job
        raw, location, mark, _ = job
        return quarantined_batch(self.source.name, raw, location, mark, reason)


def _jobs(source: EmailSource, context: SourceContext) -> Iterator[Job | Batch]:
    """Every configured mailbox's new messages as jobs, IMAP first."""
    failures: list[SourceUnavailable] = []
    for account in source.imap:
        try:
            yield from read_imap(source, context, account)
        except SourceUnavailable as exc:
            log.error("source %s: %s", source.name, exc)
            failures.append(exc)
    for path in _expand(source.mbox, context, want_dirs=False):
        if path.is_file():
            yield from read_mbox(source, context, path)
    for root in _expand(source.maildir, context, want_dirs=True):
        yield from read_files(source, context, maildir_messages(root), "maildir", root)
    for root in _expand(source.eml, context, want_dirs=False):
        yield from read_files(source, context, eml_files(root), "eml", root)
    if failures:
        raise SourceUnavailable("; ".join(str(f) for f in failures))


# --- the archive -------------------------------------------------------------------------------


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
