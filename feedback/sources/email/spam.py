"""Is a customer's message spam? An upstream filter's verdict, or SpamAssassin's by content.

Each email source says how (``spam:`` in its configuration, :class:`~feedback.config.SpamCheck`):

- ``auto`` (the default): a verdict an upstream filter wrote into the headers (``X-Spam-Status``,
  ``X-Spam-Flag``) is taken as it stands; a message without one is sent to ``spamd`` when the
  source names its host, and is not checked when it does not;
- ``headers``: only the upstream verdict; ``spamd``: always spamd (for mailboxes whose senders
  could write those headers themselves); ``off``: no check at all.

SpamAssassin's ``spamd`` is asked with ``aiospamc`` (the SPAMD protocol's ``SYMBOLS`` command:
the verdict, score, required score and the names of the rules that hit). The reason a message is
skipped says why: ``SpamAssassin score 9.3 ≥ 5.0 (HTML_MESSAGE, MISSING_DATE, ...)``.

When spamd cannot be asked (down, refusing, timing out), the message cannot be decided and is not
published unchecked: :class:`~feedback.errors.SourceUnavailable` is raised, the reader stops the
source there, what was decided before is kept, and the next run starts again from that message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from feedback.config import SpamCheck
from feedback.errors import SourceUnavailable

# What spamd is sent of one message: spamc's own default limit (larger mail goes unchecked there).
# SpamAssassin reads the headers and the first text parts, which come first; attachments follow.
MAX_BYTES = 512 * 1024
MAX_RULES = 12  # rules named in a reason; the score is the whole story, these are the why


@dataclass(frozen=True)
class Verdict:
    """One message's spam verdict and why, in words for the skip record."""

    spam: bool
    reason: str


def uses_headers(settings: SpamCheck) -> bool:
    """True when an upstream filter's verdict in the headers decides (``auto`` and ``headers``)."""
    return settings.check in ("auto", "headers")


def asks_spamd(settings: SpamCheck, upstream: str) -> bool:
    """True when this message goes to spamd: always with ``spamd``; with ``auto`` when spamd is
    configured and no upstream filter gave its verdict (``upstream`` is that header, or '')."""
    if settings.check == "spamd":
        return True
    return settings.check == "auto" and bool(settings.host) and not upstream


def upstream_reason(header: str) -> str:
    """The skip reason for a message an upstream filter marked as spam."""
    return f"upstream filter: {header[:200]}"


def score_reason(score: float, threshold: float, rules: list[str]) -> str:
    """'SpamAssassin score 9.3 ≥ 5.0 (A, B, ...)' (or '<' for a message under the threshold)."""
    sign = "≥" if score >= threshold else "<"
    named = ", ".join(rules[:MAX_RULES]) + (f", +{len(rules) - MAX_RULES} more" if len(rules) > MAX_RULES else "")
    return f"SpamAssassin score {score:.1f} {sign} {threshold:.1f}" + (f" ({named})" if named else "")


def rule_names(body: bytes) -> list[str]:
    """The rule names of a SYMBOLS answer ('RULE_A,RULE_B'), in spamd's order."""
    text = body.decode("ascii", "replace")
    return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]


def spamd_verdict(raw: bytes, settings: SpamCheck) -> Verdict:
    """spamd's verdict on a message: spam when its score reaches ``settings.threshold`` (spamd's
    own ``required_score`` when None). Raises SourceUnavailable when spamd cannot be asked."""
    import aiospamc
    from aiospamc.exceptions import ClientException, ParseError, TimeoutException
    from aiospamc.responses import ResponseException

    host, port = settings.host or "localhost", settings.port
    where = f"spamd at {host}:{port}"
    try:
        response = _run(aiospamc.symbols(
            raw[:MAX_BYTES], host=host, port=port, timeout=aiospamc.Timeout(total=settings.timeout)
        ))
    except (ClientException, ResponseException, TimeoutException, ParseError, TimeoutError, OSError) as exc:
        cause = exc.__cause__ or exc
        detail = str(cause) or type(cause).__name__
        raise SourceUnavailable(f"spam check: {where} did not answer ({type(exc).__name__}: {detail})") from exc
    header = response.headers.spam
    if header is None:
        raise SourceUnavailable(f"spam check: {where} answered without a Spam header")
    threshold = header.threshold if settings.threshold is None else settings.threshold
    spam = header.score >= threshold
    return Verdict(spam, score_reason(header.score, threshold, rule_names(response.body)))


def content_verdict(settings: SpamCheck, upstream: str, raw: bytes) -> Verdict | None:
    """The content check for a message the headers did not already skip; None when unchecked
    (``upstream`` is its upstream filter's verdict header, or '')."""
    if not asks_spamd(settings, upstream):
        return None
    return spamd_verdict(raw, settings)


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run aiospamc's coroutine to its end from synchronous code, in a thread of its own when this
    thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
