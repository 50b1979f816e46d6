"""The customer's own words out of an email body: no quoted reply, forward, signature or disclaimer.

The splitting into replies and the removal of signatures and disclaimers is done
by ``mail-parser-reply`` (a maintained, multi-language successor of GitHub's
email_reply_parser: it knows the "On ... wrote:" and Outlook "From:/Sent:" header
lines of a dozen languages). Around it sit a few rules it does not cover, each
with a table-driven test: quoted lines (``>``) interleaved with the answer,
forward markers, more sign-offs ("Cheers", "Many thanks", "Yours sincerely"),
and legal disclaimers ("If you are not the intended recipient ...").

The names written under a sign-off are returned, so that the name redactor
can remove them wherever they appear again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply.parser import EmailMessage as _ReplyMessage

LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_NBSP = re.compile("[\u00a0\u202f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
# "> text", and Supercite's "NS> text" (initials before the marker)
_QUOTED_LINE = re.compile(r"^[ \t]*(?:[A-Za-z]{1,4})?>.*$\n?", re.MULTILINE)
_FORWARD_MARKER = re.compile(
    r"^[ \t]*(?:-{2,}[ \t]*(?:Forwarded message|Original Message|Ursprüngliche Nachricht|"
    r"Message transféré|Mensaje reenviado|Doorgestuurd bericht|Messaggio inoltrato|"
    r"Weitergeleitete Nachricht)[ \t]*-{2,}|Begin forwarded message:|Anfang der weitergeleiteten Nachricht:|"
    r"_{20,}[ \t]*$(?=\s*(?:From|Von|De|Van|Da):))",
    re.IGNORECASE | re.MULTILINE,
)
# "On Tue, 3 Mar 2025, Sam <sam@x> wrote:" when the client wrapped it over two lines.
_WROTE_WRAPPED = re.compile(
    r"^[ \t]*On [^\n]{0,200}(?:\n[^\n]{0,200})?\b(?:wrote|said|writes):[ \t]*$", re.MULTILINE
)
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:cheers|many thanks|thanks(?: again| so much| in advance)?|thank you(?: very much)?|"
    r"thx|ta|best(?: wishes| regards)?|kind(?:est)? regards|warm(?:est)? regards|regards|"
    r"yours(?: truly| sincerely| faithfully)?|sincerely|respectfully|all the best|take care|"
    r"mit freundlichen grüßen|viele grüße|cordialement|bien à vous|saludos|un saludo|"
    r"met vriendelijke groet(?:en)?|cordiali saluti)"
    r"[ \t]*[,.!]*[ \t]*(?:\n|$)",
    re.IGNORECASE | re.MULTILINE,
)
_SIG_DASHES = re.compile(r"^-- ?$", re.MULTILINE)
_DISCLAIMER = re.compile(
    r"^[^\n]*(?:this (?:e-?mail|message|communication)(?: and any (?:files|attachments)[^\n]*?)? "
    r"(?:is|are|may be) (?:confidential|intended|privileged)|if you (?:are not|have received this)[^\n]{0,40}"
    r"(?:intended recipient|in error)|intended (?:solely|only) for the (?:use of the )?(?:addressee|"
    r"individual|person|named)|diese e-?mail (?:enthält|ist) vertrauliche|ce message (?:et toutes les pièces|"
    r"est confidentiel))",
    re.IGNORECASE | re.MULTILINE,
)
_MOBILE_FOOTER = re.compile(
    r"^[ \t]*(?:sent from my [\w ]{2,30}|sent from (?:outlook|mail) for \w+|get outlook for \w+|"
    r"sent from yahoo mail[\w ]*|envoyé de mon \w+|von meinem \w+ gesendet)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_GREETING_LINE = re.compile(
    r"\A[ \t]*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|to whom it may concern)\b[^\n]{0,40}"
    r"[,!:]?[ \t]*\n+",
    re.IGNORECASE,
)
_NAME_LINE = re.compile(r"^[ \t]*((?:[A-Z][\w'’.-]*[ \t]+){0,3}[A-Z][\w'’.-]*)[ \t]*$")
_NAME_WORD = re.compile(r"^[A-Z][a-zA-Z'’-]+$")


@dataclass(frozen=True)
class Cleaned:
    """What is left of a body, and what was taken off it."""

    text: str
    signature: str
    names: tuple[str, ...]  # person names found in the signature block
    removed: tuple[str, ...]  # which kinds of text were removed: quote, forward, signature, disclaimer


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NBSP.sub(" ", _INVISIBLE.sub("", text))
    return _TRAILING_SPACE.sub("\n", text)


def _cut(text: str, pattern: re.Pattern[str]) -> tuple[str, str]:
    match = pattern.search(text)
    if not match:
        return text, ""
    return text[: match.start()], text[match.start() :]


def signature_names(block: str) -> list[str]:
    """Person names in a signature block: short lines of capitalised words right after the sign-off."""
    names: list[str] = []
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    for index, line in enumerate(lines[:4]):
        if index == 0 and _SIGN_OFF.match(line + "\n"):
            continue
        match = _NAME_LINE.match(line)
        if not match:
            if index > 1:
                break
            continue
        words = [w.strip(".") for w in match.group(1).split()]
        if all(_NAME_WORD.match(w) or re.fullmatch(r"[A-Z]", w) for w in words) and 1 <= len(words) <= 4:
            names.append(" ".join(words))
            break
    return names


def customer_words(body: str) -> Cleaned:
    """The part of a body the sender wrote in this message."""
    text = _normalise(body)
    removed: list[str] = []

    # A forward marker ends the sender's words: what follows was written by someone else.
    text, rest = _cut(text, _FORWARD_MARKER)
    if rest:
        removed.append("forward")
    text, rest = _cut(text, _WROTE_WRAPPED)
    if rest:
        removed.append("quote")

    parsed = _ReplyMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    first = parsed.replies[0] if parsed.replies else None
    signature = ""
    if first is None or first.headers:
        # the message opens with a reply header: nothing of the sender's own above it
        words = ""
        removed.append("quote")
    else:
        words = first.body
        signature = first.signatures
        if len(parsed.replies) > 1:
            removed.append("quote")
        if first.signatures:
            removed.append("signature")
        if first.disclaimers:
            removed.append("disclaimer")

    if _QUOTED_LINE.search(words):
        words = _QUOTED_LINE.sub("", words)
        removed.append("quote")
    words, disclaimer = _cut(words, _DISCLAIMER)
    if disclaimer:
        removed.append("disclaimer")
    words, footer = _cut(words, _MOBILE_FOOTER)
    if footer:
        removed.append("signature")
    words, dashes = _cut(words, _SIG_DASHES)
    if dashes:
        signature = dashes + ("\n" + signature if signature else "")
        removed.append("signature")
    # A sign-off not at the very start, followed by a short block, ends the message.
    for match in _SIGN_OFF.finditer(words):
        if match.start() == 0:
            continue
        tail = words[match.start() :]
        if tail.count("\n") <= 7 and len(tail) <= 400:
            words = words[: match.start()]
            signature = tail + ("\n" + signature if signature else "")
            removed.append("signature")
            break

    words = _GREETING_LINE.sub("", words.lstrip())
    words = _BLANK_RUNS.sub("\n\n", words).strip()
    names = signature_names(signature) if signature else []
    return Cleaned(
        text=words,
        signature=signature.strip(),
        names=tuple(names),
        removed=tuple(dict.fromkeys(removed)),
    )
