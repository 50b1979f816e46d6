"""From the bytes of one RFC 822 message to what the email channel needs to know about it.

Parsing uses the standard library's ``email`` package (the lenient ``compat32``
policy, with headers decoded explicitly: see ``_PARSER``).
Everything a real mailbox throws at a parser is handled here, without raising:
bogus or missing charsets (tried in a sane order, then detected, then decoded
with replacement), encoded headers that do not decode, address headers that do
not parse, HTML-only messages (converted to text with ``html-text``), and
attachments (ignored; their names recorded). A message that cannot be used at
all raises :class:`~feedback.errors.BadInput` with the reason, for quarantine.

Automatic traffic (bounces, auto-replies, read receipts, spam, mailing lists,
newsletters) is recognised from its headers and structure by :func:`skip_reason`:
such a message is skipped with that reason, never mistaken for a customer's words.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from feedback.dates import mail_date
from feedback.errors import BadInput

# compat32 keeps header values as the raw strings: the modern policy's header registry parses
# every header we touch. Measured again (2026-11-22, 2 shared cores, noisy) over the 3,010 files
# of shared/data/emails, parsing alone + reading 14 headers + decoding the text parts:
# policy.default 210 messages/s, compat32 1,440-3,500/s. The default policy alone is under the
# channel's 500 messages/s budget for parse + clean + redact, so compat32 stays.
# Headers are decoded explicitly by header_text (RFC 2047, bogus charsets included).
_PARSER = BytesParser(policy=policy.compat32)
_MSGID = re.compile(r"<([^<>\s]+)>")
_BARE_MSGID = re.compile(r"[^\s<>,;]+@[^\s<>,;]+")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)
_SPACE = re.compile(r"\s+")
_SURROGATES = re.compile("[\udc80-\udcff]")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|r|ref)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_LEADING_BLANK_LINES = re.compile(rb"\A(?:[ \t]*\r?\n)+")
_KNOWN_HEADERS = ("From", "Sender", "Date", "Subject", "Message-ID", "To", "Content-Type",
                  "MIME-Version", "Received", "Return-Path", "Newsgroups")
_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)

# Charset names seen in the wild that Python does not know, mapped to what the sender meant.
CHARSET_ALIASES = {
    "chinesebig5": "big5",
    "big5-hkscs": "big5hkscs",
    "x-gbk": "gbk",
    "gb2312_charset": "gb2312",
    "ks_c_5601-1987": "euc_kr",
    "ks_c_5601": "euc_kr",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-user-defined": "cp1252",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "ansi_x3.4-1968": "ascii",
}
# Names that say nothing about the encoding: decode by evidence instead.
UNKNOWN_CHARSETS = {"default", "default_charset", "unknown-8bit", "unknown", "x-unknown", "charset", "none", ""}


@dataclass(frozen=True)
class ParsedMessage:
    """The parts of a message the email channel uses. Addresses stay in the warehouse only."""

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_name: str
    from_address: str | None
    to_addresses: tuple[str, ...]
    sent_at: datetime | None
    body: str
    body_kind: str  # "plain", "html", "none", or "skipped" (automatic traffic: the body is not read)
    attachments: tuple[str, ...]
    skip: str | None  # why the message is not customer feedback, or None
    defects: tuple[str, ...] = field(default_factory=tuple)
    spam_header: str = ""  # an upstream spam filter's verdict ("X-Spam-Status: No, score=0.2 ..."), "" when none

    @property
    def thread_keys(self) -> tuple[str, ...]:
        """Message-IDs that tie this message to its thread (its own first)."""
        keys = [self.message_id] if self.message_id else []
        keys.extend(self.references)
        if self.in_reply_to:
            keys.append(self.in_reply_to)
        return tuple(dict.fromkeys(keys))


# --- decoding ----------------------------------------------------------------------------------


def normalise_charset(name: str | None) -> str | None:
    """A codec Python knows for a declared charset, or None when the declaration is useless."""
    if name is None:
        return None
    cleaned = name.strip().strip("\"'").lower()
    if cleaned in UNKNOWN_CHARSETS:
        return None
    cleaned = CHARSET_ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Text from bytes: the declared charset if it decodes, then UTF-8, then detection, then cp1252."""
    codec = normalise_charset(declared)
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) >= 32:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:20000]).best()
        if best is not None and best.encoding:
            try:
                return data.decode(best.encoding, errors="replace")
            except (LookupError, ValueError):
                pass
    if codec and codec not in ("utf-8", "ascii"):  # a multi-byte charset with a few bad bytes
        try:
            return data.decode(codec, errors="replace")
        except (LookupError, ValueError):
            pass
    return data.decode("cp1252", errors="replace")  # "UTF-8" that is not: usually Windows-1252


def header_text(msg: Message, name: str) -> str:
    """A header as text, whatever its encoding: never raises, '' when absent."""
    try:
        value = msg.get(name)
    except Exception:
        value = None
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    else:  # compat32 wraps a header with raw 8-bit bytes in a Header: take the raw value
        text = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    if _SURROGATES.search(text):  # undeclared 8-bit bytes: decode by evidence
        text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
    if "=?" in text:
        text = _decode_raw_header(text)
    return _SPACE.sub(" ", text.replace("\x00", "")).strip()


def _decode_raw_header(raw: object) -> str:
    text = raw if isinstance(raw, str) else str(raw)
    try:
        return str(make_header(decode_header(text)))
    except Exception:
        pass
    pieces = []
    try:
        for chunk, charset in decode_header(text):
            pieces.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
        return "".join(pieces)
    except Exception:
        return text.encode("ascii", "replace").decode("ascii")


def message_ids(value: str) -> list[str]:
    """Message-IDs in a header value, without angle brackets, in order."""
    found = _MSGID.findall(value)
    if not found:
        found = _BARE_MSGID.findall(value)
    return [f.strip() for f in found if f.strip()]


def parse_date(value: str, now: datetime | None = None) -> datetime | None:
    """A Date header as an aware UTC datetime; None when missing, unreadable or implausible."""
    moment = mail_date(value)
    if moment is None:
        return None
    latest = (now or datetime.now(UTC)) + timedelta(days=2)
    if not _EARLIEST <= moment <= latest:
        return None
    return moment


def clean_subject(subject: str) -> str:
    """The subject without reply/forward prefixes: 'Re: Fwd: Late parcel' -> 'Late parcel'."""
    return _REPLY_PREFIX.sub("", subject).strip()


def _address(msg: Message, name: str) -> tuple[str, str | None]:
    text = header_text(msg, name)
    if not text:
        return "", None
    display, addr = parseaddr(text)
    addr = addr.strip().lower()
    if "@" not in addr:
        return display.strip().strip('"'), None
    return display.strip().strip('"'), addr


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    text = header_text(msg, name)
    if not text:
        return ()
    try:
        pairs = getaddresses([text])
    except Exception:
        return ()
    return tuple(a.lower() for _, a in pairs if "@" in a)


# --- body --------------------------------------------------------------------------------------


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        return None
    name = _decode_raw_header(name) if "=?" in name else name
    return name.strip() or None


def _part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw
        return ""
    if not isinstance(payload, bytes):
        return str(payload)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(payload, charset)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (html-text: lxml-based, keeps paragraph breaks)."""
    if not html.strip():
        return ""
    import html_text

    try:
        return str(html_text.extract_text(html, guess_layout=True))
    except Exception:  # lxml refuses some documents (e.g. an encoding declaration in a str)
        stripped = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
        stripped = re.sub(r"(?s)<[^>]+>", " ", stripped)
        import html as html_lib

        return html_lib.unescape(stripped)


def extract_body(msg: Message) -> tuple[str, str, tuple[str, ...]]:
    """(text, kind, attachment names): the first text/plain part, else the first HTML part as text."""
    plain: str | None = None
    html: str | None = None
    attachments: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if part.is_multipart():
            continue
        filename = _filename(part)
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        if ctype == "message/rfc822" or filename or disposition == "attachment":
            attachments.append(filename or ctype)
            continue
        if ctype == "text/plain" and plain is None:
            plain = _part_text(part)
        elif ctype == "text/html" and html is None:
            html = _part_text(part)
        elif not ctype.startswith(("text/", "multipart/")) and ctype not in (
            "message/delivery-status", "message/disposition-notification"
        ):
            attachments.append(ctype)
    if plain is not None and plain.strip():
        return plain, "plain", tuple(attachments)
    if html is not None:
        return html_to_text(html), "html", tuple(attachments)
    if plain is not None:
        return plain, "plain", tuple(attachments)
    return "", "none", tuple(attachments)


# --- automatic traffic ---------------------------------------------------------------------------

_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|bounces?)[@+]", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"(?:undeliver(?:ed|able)|delivery (?:status notification|failure|has failed)|"
    r"returned mail|mail delivery (?:failed|failure|subsystem)|failure notice|"
    r"nondeliverable|non-delivery)",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|abwesenheits|"
    r"r[ée]ponse automatique|absence|vacation|away from (?:the )?office|autoreply|auto:)",
    re.IGNORECASE,
)
_RECEIPT_SUBJECT = re.compile(r"^(?:read|delivered|gelesen|lu)\s*:", re.IGNORECASE)
_NOREPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|newsletter|news|marketing|mailer)[@.+-]", re.IGNORECASE)


def spam_header(msg: Message) -> str:
    """An upstream spam filter's verdict as 'Name: value' (X-Spam-Status first), '' when none."""
    for name in ("X-Spam-Status", "X-Spam-Flag"):
        value = header_text(msg, name)
        if value:
            return f"{name}: {value}"
    return ""


def skip_reason(msg: Message, from_address: str | None, subject: str, spam_headers: bool = True) -> str | None:
    """Why a message is automatic traffic rather than a person writing, or None.

    One of: bounce, receipt, auto-reply, spam (an upstream filter's verdict in the headers, read
    only with ``spam_headers``), mailing-list, newsletter.
    """
    present = {name.lower() for name in msg}  # the header names

    def header(name: str) -> str:  # most of the headers asked about are absent: no scan for those
        return header_text(msg, name) if name.lower() in present else ""

    ctype = msg.get_content_type()
    report = str(msg.get_param("report-type", "") or "").lower() if ctype == "multipart/report" else ""
    part_types = {p.get_content_type() for p in msg.walk()} if msg.is_multipart() else {ctype}
    if (
        report == "delivery-status"
        or "message/delivery-status" in part_types
        or header("X-Failed-Recipients")
        or (from_address and _BOUNCE_SENDER.match(from_address))
        or (not header("From") and _BOUNCE_SUBJECT.search(subject))
        or (_BOUNCE_SUBJECT.search(subject) and (not from_address or "daemon" in from_address))
    ):
        return "bounce"
    if report == "disposition-notification" or "message/disposition-notification" in part_types:
        return "receipt"
    auto = header("Auto-Submitted").lower()
    precedence = header("Precedence").lower()
    if (
        (auto and auto != "no")
        or header("X-Autoreply")
        or header("X-Autorespond")
        or header("X-Auto-Reply")
        or precedence == "auto_reply"
        or _AUTO_SUBJECT.match(subject)
        or _RECEIPT_SUBJECT.match(subject) and header("X-Auto-Response-Suppress")
    ):
        return "auto-reply"
    spam_flag = header("X-Spam-Flag").lower()
    spam_status = header("X-Spam-Status").lower()
    if spam_headers and (spam_flag.startswith("yes") or spam_status.startswith("yes")):
        return "spam"
    if (
        header("List-Id")
        or header("List-Post")
        or header("Mailing-List")
        or header("X-Mailing-List")
        or header("X-BeenThere")
        or precedence == "list"
    ):
        return "mailing-list"
    if (
        header("List-Unsubscribe")
        or precedence in ("bulk", "junk")
        or header("X-Campaign")
        or header("X-Mailchimp-Campaign")
        or header("Feedback-ID")
        or (from_address and _NOREPLY.match(from_address))
    ):
        return "newsletter"
    return None


# --- the whole message ---------------------------------------------------------------------------


def strip_envelope(raw: bytes) -> bytes:
    """Drop an mbox 'From ' separator line if a single-message file starts with one."""
    if raw.startswith(b"From "):
        end = raw.find(b"\n")
        return raw[end + 1 :] if end >= 0 else b""
    return raw


def parse_message(raw: bytes, spam_headers: bool = True) -> ParsedMessage:
    """Parse one message; raises BadInput (with a reason) when it is not a usable email.

    ``spam_headers``: an upstream filter's "spam" verdict (X-Spam-Flag / X-Spam-Status) skips the
    message; without it the verdict is only recorded (``spam_header``).
    """
    data = _LEADING_BLANK_LINES.sub(b"", strip_envelope(raw))
    if not data.strip():
        raise BadInput("empty message")
    if b"\x00" in data[:2048] and data.count(b"\x00") > 16:
        raise BadInput("binary data, not an email message", snippet=repr(data[:120]))
    if not _HEADER_LINE.match(data[:1000]):
        raise BadInput("no header block: not an RFC 822 message", snippet=data[:200].decode("utf-8", "replace"))
    try:
        msg = _PARSER.parsebytes(data)
    except Exception as exc:  # the parser is lenient; this is rare
        raise BadInput(f"the email parser failed: {type(exc).__name__}: {exc}") from exc
    if not any(header_text(msg, h) for h in _KNOWN_HEADERS):
        raise BadInput("none of the headers of an email message (From, Date, Subject, Content-Type, ...)",
                       snippet=data[:200].decode("utf-8", "replace"))
    subject = header_text(msg, "Subject")
    from_name, from_address = _address(msg, "From")
    if from_address is None:
        sender_name, sender_address = _address(msg, "Sender")
        from_name, from_address = from_name or sender_name, sender_address
    ids = message_ids(header_text(msg, "Message-ID"))
    reply_ids = message_ids(header_text(msg, "In-Reply-To"))
    skip = skip_reason(msg, from_address, subject, spam_headers)
    attachments: tuple[str, ...]
    if skip:  # automatic traffic is recorded as skipped, never read: its body is not decoded
        body, kind, attachments = "", "skipped", ()
    else:
        try:
            body, kind, attachments = extract_body(msg)
        except Exception as exc:
            raise BadInput(f"cannot read the message body: {type(exc).__name__}: {exc}") from exc
    return ParsedMessage(
        message_id=ids[0] if ids else None,
        in_reply_to=reply_ids[0] if reply_ids else None,
        references=tuple(message_ids(header_text(msg, "References"))),
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        to_addresses=_addresses(msg, "To") + _addresses(msg, "Cc"),
        sent_at=parse_date(header_text(msg, "Date")),
        body=body.replace("\r\n", "\n").replace("\x00", ""),
        body_kind=kind,
        attachments=attachments,
        skip=skip,
        defects=tuple(type(d).__name__ for d in getattr(msg, "defects", [])),
        spam_header=spam_header(msg),
    )
