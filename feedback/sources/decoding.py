"""Bytes of a text export to text: the configured encoding, or a guess that says what it guessed.

Shared by the readers of text exports (:mod:`feedback.sources.tabular`).
"""

from __future__ import annotations

import codecs

from feedback.errors import BadInput


def utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the sample reads as UTF-16 text without a byte-order
    mark, else None: text in Latin scripts written as UTF-16 has a NUL in (nearly) every other
    byte, the odd ones for little-endian, the even ones for big-endian; binary data has its NULs
    anywhere."""
    size = len(sample) - len(sample) % 2
    if size < 4:
        return None
    even, odd = sample[0:size:2], sample[1:size:2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd >= 0.7 and nul_even <= 0.05:
        return "utf-16-le"
    if nul_even >= 0.7 and nul_odd <= 0.05:
        return "utf-16-be"
    return None


def decode(content: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Bytes to text: a named encoding, or UTF-8 (BOM or not), UTF-16 (with a BOM, or without one
    when every other byte is NUL), then cp1252."""
    if encoding != "auto":
        try:
            return content.decode(encoding), encoding
        except LookupError:
            raise BadInput(f"unknown encoding {encoding!r} in the source's configuration") from None
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"not valid {encoding} at byte {exc.start}", snippet=repr(content[exc.start : exc.start + 40])
            ) from None
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise BadInput(f"starts with a UTF-8 byte-order mark but is not UTF-8 (byte {exc.start})") from None
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadInput("starts with a UTF-16 byte-order mark but is not UTF-16") from None
    if b"\x00" in content[:8192]:
        guess = utf16_without_bom(content[:8192])
        if guess is None:
            raise BadInput("binary content (NUL bytes): this is not a text export", snippet=repr(content[:60]))
        try:
            return content.decode(guess), guess
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"looks like {guess.upper()} without a byte-order mark but does not decode as it "
                f"(byte {exc.start}): set the source's encoding",
                snippet=repr(content[:60]),
            ) from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(content).best()
    if best is None:
        raise BadInput("cannot tell the text encoding of this file (not UTF-8, not cp1252)")
    return str(best), best.encoding
