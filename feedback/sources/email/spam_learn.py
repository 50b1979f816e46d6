"""Training the Bayes filter of the spamd an email source asks: ``feedback spam learn``.

SpamAssassin's rules alone let too much spam through (bench/RESULTS.md "Spam filter": 16.8 %
published untrained, 4.4 % after Bayes learned 500 spam and 1,400 ham). The messages are told
to the source's own spamd with SpamAssassin's learning protocol (``spamc -L spam|ham``), so
they land in exactly the Bayes database that spamd reads when it checks mail, wherever it
runs, without knowing its path, user or file permissions. spamd must be started with
``--allow-tell`` (and Bayes on: ``use_bayes 1``, SpamAssassin's default). With per-user
configuration, spamd learns for the user spamc names: the account the pipeline runs as, the
same one its checks are made for.

Bayes does not vote until it has learned ``MIN_EACH`` (200) of each kind, so fewer is refused
before anything is sent; so is anything that is not mail (an unreadable file, a file without
mail headers, a message cut off inside its headers): training on it would teach the filter
noise. After learning, one learned spam is checked again: without a BAYES_ rule in spamd's
verdict, spamd does not use what it learned, and that is an error, not a success.

Messages come from mbox files, maildir trees, folders of message files (.eml), one message
file, or ``imap:FOLDER`` of the source's IMAP accounts (read-only, nothing marked as read).

Each training that reaches spamd is one row of the warehouse's ``runs`` (flow ``spam-learn``,
:func:`train`): when, the source, the kinds of place the mail came from, how many spam and ham
were told and how many spamd knew already, and the BAYES_ rule of the check after it, or why it
failed. Never a message's text, a path or an address: the archive publishes ``runs``, so staff
see when the filter was last trained (and ``feedback sources`` says so per source).
"""

from __future__ import annotations

import email.parser
import email.policy
import math
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.config import EmailSource, SpamCheck
from feedback.errors import ConfigError, FeedbackError, SourceUnavailable
from feedback.sources.email.files import eml_files, maildir_messages, split_mbox
from feedback.sources.email.spam import MAX_BYTES, spamd_report
from feedback.warehouse.runs import run_record

MIN_EACH = 200  # SpamAssassin's bayes_min_spam_num and bayes_min_ham_num: Bayes is silent below
IMAP_PREFIX = "imap:"
MAIL_HEADERS = ("from", "date", "subject", "message-id", "received", "return-path", "to")
SHOWN = 3  # problems named in an error; the count says the rest
TRAINING_FLOW = "spam-learn"  # the flow name of a training's row in the warehouse's runs

_LEARNED = b"Message successfully un/learned"
_KNOWN = b"Message was already un/learned"


@dataclass(frozen=True)
class Mail:
    """One message to learn from, and where it came from (for errors)."""

    where: str
    raw: bytes


@dataclass(frozen=True)
class Learned:
    """What one kind's training did: messages told, and how many spamd already knew."""

    kind: str  # spam | ham
    told: int
    known: int


class MailUnreadable(FeedbackError):
    """What was given to learn from is not (all) mail."""


def not_mail(raw: bytes) -> str | None:
    """Why ``raw`` is not one e-mail message (for a clear refusal), or None when it is one."""
    if not raw.strip():
        return "empty"
    if b"\x00" in raw[:8192]:
        return "binary content, not an e-mail message"
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i >= 0]
    head = raw[: min(ends) + 1] if ends else raw
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    if not {name.lower() for name in parsed} & set(MAIL_HEADERS):
        return "no mail headers (From:, Date:, Subject: ...)"
    if not ends:
        return "the headers never end (a message cut off?)"
    return None


def messages_at(path: Path) -> Iterator[Mail]:
    """The messages of an mbox file, a maildir tree (with cur/ or new/), a folder of message
    files (recursively, hidden files skipped) or one message file. FeedbackError when the path
    does not exist or cannot be read."""
    try:
        if path.is_dir():
            files = maildir_messages(path) if (path / "cur").is_dir() or (path / "new").is_dir() else eml_files(path)
            for file in files:
                yield Mail(str(file), file.read_bytes())
            return
        content = path.read_bytes()
    except FileNotFoundError:
        raise MailUnreadable(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise MailUnreadable(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not content.startswith(b"From "):
        yield Mail(str(path), content)
        return
    for number, (_, _, message) in enumerate(split_mbox(content), start=1):
        yield Mail(f"{path}#{number}", message)


def imap_messages(source: EmailSource, folder: str, secrets: dict[str, str], base: Path) -> Iterator[Mail]:
    """Every message of ``folder`` in each IMAP account of ``source``, read-only (EXAMINE, BODY.PEEK)."""
    from dataclasses import replace

    from feedback.sources.context import SourceContext
    from feedback.sources.email.imap import read_folder
    from feedback.sources.email.reader import imap_settings

    if not source.imap:
        raise ConfigError(f"source {source.name!r} has no IMAP account to read {IMAP_PREFIX}{folder} from")
    context = SourceContext(customer_secret=b"", base_dir=base, secrets=secrets)
    for account in source.imap:
        settings = replace(imap_settings(account, context), read_only=True)
        for _, message in read_folder(settings, folder, None):
            yield Mail(f"{settings.label}/{folder}#{message.uid}", message.raw)


def gather(kind: str, places: list[str], read_imap: Callable[[str], Iterator[Mail]]) -> list[Mail]:
    """All messages of one kind from its places (paths, or ``imap:FOLDER``); MailUnreadable, naming
    the places and the messages, when a place holds no mail or anything that is not mail."""
    label = f"--{kind}"
    found: list[Mail] = []
    bad: list[str] = []
    for place in places:
        mails = list(read_imap(place.removeprefix(IMAP_PREFIX)) if place.startswith(IMAP_PREFIX)
                     else messages_at(Path(place)))
        if not mails:
            raise MailUnreadable(f"{label} {place}: no messages in it (an mbox file, a maildir, a folder of "
                                 "message files, or imap:FOLDER)")
        for mail in mails:
            problem = not_mail(mail.raw)
            if problem:
                bad.append(f"{mail.where}: {problem}")
        found += mails
    if bad:
        more = f" (and {len(bad) - SHOWN} more)" if len(bad) > SHOWN else ""
        raise MailUnreadable(f"{label}: {len(bad)} of {len(found)} messages are not mail, so nothing was learned: "
                             f"{'; '.join(bad[:SHOWN])}{more}")
    return found


def enough(spam: list[Mail], ham: list[Mail]) -> None:
    """FeedbackError unless both kinds hold MIN_EACH messages: below that Bayes does not vote."""
    short = [f"{len(mails)} {kind}" for kind, mails in (("spam", spam), ("ham", ham)) if len(mails) < MIN_EACH]
    if short:
        raise FeedbackError(f"only {' and '.join(short)} given: SpamAssassin's Bayes filter needs at least "
                            f"{MIN_EACH} spam and {MIN_EACH} ham before it votes; nothing was learned")


def _spamc(settings: SpamCheck) -> list[str]:
    spamc = shutil.which("spamc")
    if spamc is None:
        raise ConfigError("spam check: the spamc command is not installed (Debian: apt-get install spamc)")
    seconds = max(1, math.ceil(settings.timeout))
    return [spamc, "-d", settings.host or "localhost", "-p", str(settings.port), "-x", "-t", str(seconds),
            "-n", str(seconds), "-s", str(MAX_BYTES + 1)]


def answers(settings: SpamCheck) -> bool:
    """spamd answers PING (so a refused TELL is a refusal, not an outage)."""
    done = subprocess.run([*_spamc(settings), "-K"], capture_output=True, timeout=2 * settings.timeout + 5)
    return done.returncode == 0 and done.stdout.startswith(b"SPAMD/")


def tell(mail: Mail, kind: str, settings: SpamCheck) -> bool:
    """Tell spamd that ``mail`` is ``kind`` (spam or ham); True when it learned it now, False when
    it had learned it before. SourceUnavailable when spamd does not take it."""
    where = f"spamd at {settings.host or 'localhost'}:{settings.port}"
    try:
        done = subprocess.run([*_spamc(settings), "-L", kind], input=mail.raw[:MAX_BYTES], capture_output=True,
                              timeout=2 * settings.timeout + 5)
    except subprocess.TimeoutExpired:
        raise SourceUnavailable(f"{where} did not answer in time while learning {mail.where}") from None
    if done.returncode == 0 and done.stdout.startswith(_LEARNED):
        return True
    if done.returncode == 0 and done.stdout.startswith(_KNOWN):
        return False
    said = done.stderr.decode("utf-8", "replace").strip().splitlines()
    detail = said[0].removeprefix("spamc: ")[:200] if said else "no answer"
    if answers(settings):
        raise SourceUnavailable(f"{where} refused to learn (spamc exit {done.returncode}: {detail}): start spamd "
                                "with --allow-tell (Debian: OPTIONS in /etc/default/spamd)")
    raise SourceUnavailable(f"{where} did not answer (spamc exit {done.returncode}: {detail})")


def learn(kind: str, mails: list[Mail], settings: SpamCheck, jobs: int = 2) -> Learned:
    """Tell spamd every message of one kind, ``jobs`` at a time (spamd serialises its writes)."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        new = list(pool.map(lambda mail: tell(mail, kind, settings), mails))
    return Learned(kind, len(mails), new.count(False))


def bayes_votes(spam: list[Mail], settings: SpamCheck) -> str:
    """The BAYES_ rule spamd's verdict on a learned spam names; FeedbackError when none does:
    spamd checks mail without the Bayes database it learned into."""
    report = spamd_report(spam[0].raw, settings)
    bayes = [rule for rule in report[2] if rule.startswith("BAYES_")]
    if not bayes:
        raise FeedbackError(
            f"spamd at {settings.host or 'localhost'}:{settings.port} learned the messages, but its verdict on a "
            f"learned spam ({spam[0].where}) names no BAYES_ rule: it does not use that Bayes database "
            "(use_bayes 0? bayes_min_spam_num/bayes_min_ham_num above what it holds?)")
    return bayes[0]


# --- the record of a training --------------------------------------------------------------------


@dataclass(frozen=True)
class Training:
    """A training that worked: its row in the warehouse's runs, what each kind did, Bayes's vote."""

    run_id: int
    learned: list[Learned]
    bayes: str  # the BAYES_ rule of spamd's verdict on a learned spam


def place_kind(place: str) -> str:
    """What kind of place messages came from, as a training's record names it (never the path)."""
    if place.startswith(IMAP_PREFIX):
        return "imap"
    path = Path(place)
    if path.is_dir():
        return "maildir" if (path / "cur").is_dir() or (path / "new").is_dir() else "folder"
    try:
        with path.open("rb") as file:
            return "mbox" if file.read(5) == b"From " else "message file"
    except OSError:
        return "file"


_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;]+@[^\s<>()\[\]\"',;]+")


def scrubbed(text: str, mails: list[Mail]) -> str:
    """``text`` (an error) without where a message came from (a path, or an IMAP account, which
    can be an address) and without anything that looks like an address."""
    for where in sorted({m.where for m in mails}, key=len, reverse=True):
        text = text.replace(where, "a message")
    return _ADDRESS.sub("[address]", text)


def train(db: sqlite_utils.Database, source: EmailSource, spam: list[Mail], ham: list[Mail],
          places: dict[str, list[str]], jobs: int = 2) -> Training:
    """Tell the source's spamd the spam and the ham, check that its Bayes filter votes, and record
    it as one run in the warehouse (flow ``spam-learn``; failed, with why, when anything raises).
    ``places`` ({"spam": [...], "ham": [...]}, as given) are recorded by kind only."""
    parameters: dict[str, Any] = {"source": source.name, "jobs": jobs}
    parameters.update({f"{kind}_from": sorted({place_kind(p) for p in found}) for kind, found in places.items()})
    learned: list[Learned] = []
    with run_record(db, TRAINING_FLOW, parameters) as (run_id, counts, details):
        try:
            for kind, mails in (("spam", spam), ("ham", ham)):
                learned.append(done := learn(kind, mails, source.spam, jobs))
                details[kind] = {"told": done.told, "known": done.known}
                counts.seen += done.told
                counts.new += done.told - done.known
            details["bayes"] = rule = bayes_votes(spam, source.spam)
        except BaseException as exc:
            details["error"] = scrubbed(f"{type(exc).__name__}: {exc}", [*spam, *ham])
            raise
    return Training(run_id, learned, rule)
