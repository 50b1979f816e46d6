"""The email channel's reader: every message to one batch, IMAP folders and mailbox files alike.

Every message is one commit point (one :class:`~feedback.warehouse.Batch`): its
raw bytes are landed, and it becomes exactly one of

- an **item**: a customer's message, reduced to the customer's own words
  (:mod:`.clean`), the subject as title, the sender as a pseudonymous key;
- a **response**: a message from one of the company's own domains, recorded in
  ``email_messages`` with direction ``company`` (view ``email_responses``), so
  the archive can show which threads were answered and how fast
  (:mod:`.threads`);
- **skipped**, with the reason (bounce, receipt, auto-reply, spam,
  mailing-list, newsletter, no-text) in ``email_skipped``: automatic traffic is
  not broken, so it is not quarantined. Spam is told by an upstream filter's
  headers or by SpamAssassin's ``spamd`` (:mod:`.spam`, per source); the
  record's ``detail`` says why;
- **quarantined**, with the reason, when it is not a usable message at all.

Messages come from IMAP folders (here, over :mod:`.imap`) and from mbox files, maildir trees
and .eml folders (:mod:`.files`). IMAP watermarks (advanced with each message's batch):
``imap:<user>@<host>:<port>/<folder>`` -> UIDVALIDITY and last UID.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from feedback.config import EmailSource, ImapAccount
from feedback.dates import utc_text
from feedback.errors import BadInput, ConfigError, FolderUnavailable, SourceUnavailable
from feedback.identity import customer_key
from feedback.items import Item, Quarantined, content_hash, stable_id
from feedback.sources.context import SourceContext
from feedback.sources.email.clean import customer_words
from feedback.sources.email.files import Job, file_jobs
from feedback.sources.email.imap import ImapSettings, read_folder
from feedback.sources.email.parse import ParsedMessage, clean_subject, parse_message
from feedback.sources.email.spam import content_verdict, upstream_reason, uses_headers
from feedback.sources.email.threads import MESSAGES_TABLE
from feedback.text.names import person_name
from feedback.warehouse import Batch, RawDocument
from feedback.workers import ordered_map

log = logging.getLogger(__name__)

MEDIA_TYPE = "message/rfc822"
SKIPPED_TABLE = "email_skipped"


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
    detail: str = ""  # a skip's detail, e.g. why a message is spam


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
    """The batch for one message, and what became of it. Never raises for a bad message; raises
    SourceUnavailable when the source's spam check (spamd) cannot be asked about a message."""
    digest = content_hash(raw)
    document = RawDocument(digest, source.name, location, raw, MEDIA_TYPE)

    def batch(items: list[Item] | None = None, bad: list[Quarantined] | None = None,
              tables: dict[str, list[dict[str, Any]]] | None = None) -> Batch:
        return Batch(source=source.name, items=items or [], quarantined=bad or [], raw=document,
                     watermark=watermark, tables=tables or {})

    try:
        parsed = parse_message(raw, spam_headers=uses_headers(source.spam))
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
        return batch(tables={SKIPPED_TABLE: [row]}), Outcome("skipped", reason, detail=detail)

    if parsed.skip:
        return skipped(parsed.skip, upstream_reason(parsed.spam_header) if parsed.skip == "spam" else "")
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
    spam = content_verdict(source.spam, parsed.spam_header, raw)
    if spam is not None and spam.spam:
        return skipped("spam", spam.reason)
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

    IMAP and the mailbox files (:mod:`.files`) only fetch and frame messages (in order, with their
    watermarks); parsing, cleaning and keying each one (:func:`message_batch`, most of the
    channel's time) is spread over ``context.workers`` processes, and the batches come back in
    the order read. Fewer new messages than ``context.parallel_min_messages`` are parsed here:
    so few are parsed faster than workers start.
    """
    jobs = _jobs(source, context)
    workers = context.workers
    first: list[Job | Batch] = []
    failure: Exception | None = None
    least = context.parallel_min_messages
    if workers > 1:  # a handful of new messages is parsed here: not worth starting workers for
        try:
            for job in jobs:
                first.append(job)
                if len(first) >= least:
                    break
        except Exception as exc:  # noqa: BLE001 - raised below, once what was read is committed
            failure = exc
        if failure is not None or len(first) < least:
            workers = 1
    task = BuildBatch(source, replace(context, watermarks={}, secrets={}))
    yield from ordered_map(task, first if failure is not None else itertools.chain(first, jobs), workers,
                           on_crash=task.crashed)
    if failure is not None:
        raise failure


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
    """Every configured mailbox's new messages as jobs, IMAP first, then the files."""
    failures: list[SourceUnavailable] = []
    for account in source.imap:
        try:
            yield from read_imap(source, context, account)
        except SourceUnavailable as exc:
            log.error("source %s: %s", source.name, exc)
            failures.append(exc)
    yield from file_jobs(source, context)
    if failures:
        raise SourceUnavailable("; ".join(str(f) for f in failures))
