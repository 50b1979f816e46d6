"""The intake's defences, each a small piece with one answer: body size (413), content type (415),
UTF-8 (400), a per-address rate limit (429), the form's CSRF token (403) and the endpoint's
HMAC-SHA256 signature with a timestamp window (401).

The signature scheme (README: "The feedback intake"): the caller sends

    X-Feedback-Timestamp: <Unix time in seconds>
    X-Feedback-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>

and a request whose timestamp is further than the window from now is refused, so a captured
request cannot be replayed later; within the window the body's ``id`` is refused twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping


class Refused(Exception):
    """A request turned away, with its HTTP status, a message for the sender and extra headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


TIMESTAMP_HEADER = "x-feedback-timestamp"
SIGNATURE_HEADER = "x-feedback-signature"


# --- the request ---------------------------------------------------------------------------


def media_type(content_type: str | None) -> tuple[str, str | None]:
    """``(type, charset)`` of a Content-Type header, lower-cased; ('', None) when absent."""
    if not content_type:
        return "", None
    kind, *params = (part.strip() for part in content_type.split(";"))
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind.lower(), charset


def require_type(content_type: str | None, expected: str) -> None:
    """415 unless the body is ``expected`` in UTF-8 (a charset other than UTF-8 is refused too)."""
    kind, charset = media_type(content_type)
    if kind != expected or charset not in (None, "utf-8", "utf8"):
        got = content_type or "none"
        raise Refused(415, f"expected Content-Type {expected} (UTF-8), got {got}")


async def read_limited(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is (or says it will be) longer than ``limit`` bytes."""
    too_big = Refused(413, f"the request is larger than {limit} bytes")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise Refused(400, "the Content-Length header is not a number") from None
        if length > limit:
            raise too_big
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise too_big
    return bytes(body)


def decode_utf8(body: bytes) -> str:
    """The body as text; 400 when it is not valid UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, f"the request is not valid UTF-8 (byte {exc.start})") from None


# --- rate limit ------------------------------------------------------------------------------


class TokenBucket:
    """Per key (a client address): ``burst`` requests at once, then ``rate`` a second.

    In memory, one process: behind several workers each keeps its own buckets. At most
    ``max_keys`` addresses are remembered; the least recently seen are forgotten first.
    """

    def __init__(self, rate: float, burst: int, max_keys: int = 50_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when)

    def take(self, key: str, now: float) -> float:
        """0 when ``key`` may go ahead (a token is spent), else the seconds until it may."""
        tokens, when = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - when) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait

    def check(self, key: str, now: float) -> None:
        """429 with a Retry-After when ``key`` has no token left."""
        wait = self.take(key, now)
        if wait:
            seconds = max(1, int(wait + 0.999))
            raise Refused(429, f"too many submissions from your address; try again in {seconds} s",
                          {"Retry-After": str(seconds)})


# --- CSRF: a signed double-submit token -----------------------------------------------------


class CsrfTokens:
    """Tokens ``<issued>.<nonce>.<signature>``: the form carries one in a hidden field and the
    browser the same one in a SameSite=Strict cookie. A post is accepted when both are present,
    equal, signed with this key and younger than ``lifetime`` seconds."""

    def __init__(self, key: bytes, lifetime: int) -> None:
        self.key = key
        self.lifetime = lifetime

    def _sign(self, issued: str, nonce: str) -> str:
        return hmac.new(self.key, f"csrf.{issued}.{nonce}".encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float) -> str:
        issued, nonce = str(int(now)), secrets.token_hex(16)
        return f"{issued}.{nonce}.{self._sign(issued, nonce)}"

    def check(self, cookie: str | None, field: str | None, now: float) -> None:
        expired = Refused(403, "this form has expired or your browser did not keep its cookie: "
                               "please send it again from this page")
        if not cookie or not field or not hmac.compare_digest(cookie.encode(), field.encode()):
            raise expired
        issued, _, rest = field.partition(".")
        nonce, _, signature = rest.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(self._sign(issued, nonce).encode(), signature.encode()):
            raise expired
        if not 0 <= now - int(issued) <= self.lifetime:
            raise expired


# --- the endpoint's signature ----------------------------------------------------------------


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Feedback-Signature`` value of a body sent at ``timestamp`` (Unix seconds, as text)."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: bytes, headers: Mapping[str, str], body: bytes, now: float, window: int) -> None:
    """401 unless the headers carry a fresh timestamp and the body's valid signature."""
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    given = headers.get(SIGNATURE_HEADER, "").strip()
    if not timestamp or not given:
        raise Refused(401, "the X-Feedback-Timestamp and X-Feedback-Signature headers are required")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise Refused(401, "X-Feedback-Timestamp must be Unix time in whole seconds")
    if abs(now - int(timestamp)) > window:
        raise Refused(401, f"X-Feedback-Timestamp is more than {window} s from now: "
                           "a replayed request, or the sender's clock is wrong")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), given.encode("utf-8", "replace")):
        raise Refused(401, "the signature does not match the body (sha256=HMAC-SHA256(secret, timestamp.body))")
