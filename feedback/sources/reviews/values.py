"""Reading what review pages write: a page's bytes as text and as a tree (whatever its charset
claims), HTML bodies as plain text, schema.org values as text and numbers. Pure functions."""

from __future__ import annotations

import html
import re
from typing import Any

import charset_normalizer
import html_text
import lxml.html
from extruct.xmldom import XmlDomHTMLParser

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


# --- text ----------------------------------------------------------------------------------------


def html_to_text(value: str) -> str:
    """Plain text of a review body that may hold HTML, entities or both."""
    text = value
    for _ in range(2):  # bodies are often escaped twice (&amp;#39;)
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if "<" in text and ">" in text:
        text = html_text.extract_text(text, guess_layout=True)
    return tidy(text)


def tidy(text: str) -> str:
    lines = [_SPACE.sub(" ", line).strip() for line in text.replace("\xa0", " ").splitlines()]
    return _LINES.sub("\n\n", "\n".join(lines)).strip()


def decode_html(content: bytes, declared: str | None = None) -> tuple[str, str, str | None]:
    """(text, encoding used, note) for a page whose declared charset may be wrong.

    Valid UTF-8 is taken as UTF-8 whatever the declaration says (the usual lie is
    a stale ``iso-8859-1`` header); otherwise the header's and then the ``<meta>``
    charset are tried strictly, then charset-normaliser's guess.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "utf-8", None
    meta = _META_CHARSET.search(content[:4096])
    meta_charset = meta.group(1).decode("ascii", "ignore") if meta else None
    claimed = [c for c in (declared, meta_charset) if c]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        wrong = [c for c in claimed if c.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii", "ascii")]
        if wrong and not content.isascii():
            note = f"declared charset {wrong[0]!r} is wrong: the page is valid UTF-8"
        return text, "utf-8", note
    for charset in claimed:
        try:
            return content.decode(charset), charset.lower(), None
        except (UnicodeDecodeError, LookupError):
            continue
    if b"\x00" not in content:  # not UTF-16/32: the usual mislabel is Windows-1252
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            note = f"declared charset {claimed[0]!r} is wrong; decoded as cp1252" if claimed else None
            return text, "cp1252", note
    best = charset_normalizer.from_bytes(content).best()
    encoding = best.encoding if best is not None else "cp1252"
    note = f"declared charset {claimed[0]!r} is wrong; decoded as {encoding}" if claimed else None
    return content.decode(encoding, errors="replace"), encoding, note


def parse_html(text: str, rdfa: bool = False) -> lxml.html.HtmlElement:
    text = _XML_DECL.sub("", text, count=1) or "<html></html>"
    parser = XmlDomHTMLParser(encoding=None) if rdfa else lxml.html.HTMLParser(encoding=None)
    return lxml.html.fromstring(text, parser=parser)


# --- values --------------------------------------------------------------------------------------


def first_value(value: Any) -> Any:
    """The first non-empty value of a (nested) list, or the value itself."""
    while isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    return value


def text_of(value: Any) -> str | None:
    """Readable text of a schema.org value: a string, a number, a {"name": ...} node or a list of them."""
    value = first_value(value)
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("@value", "name", "text", "headline", "@id"):
            if key in value:
                return text_of(value[key])
        return None
    text = tidy(html.unescape(str(value)))
    return text or None


def parse_number(value: Any) -> float | None:
    value = first_value(value)
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.search(str(value))
    return float(match.group().replace(",", ".")) if match else None
