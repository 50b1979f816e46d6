"""Sending the morning summary through Apprise (Slack, Teams, e-mail, a generic webhook, ...).

Each URL is sent to on its own, so each configured reference has its own outcome. The URLs hold
their services' tokens: the caller passes them resolved, keyed by their reference, and only the
reference is ever reported. While sending, a filter on Apprise's logger blanks every part of the
URLs out of what Apprise and urllib3 log (Apprise names a URL it cannot parse in full; urllib3
logs the path it posts to at DEBUG), and the reason a sending failed is taken from Apprise's
(blanked) warnings.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import apprise
from apprise.logger import LOGGER_NAME

from feedback.notify.render import ZWSP

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    reference: str  # the secret reference of the URL, never the URL
    ok: bool
    error: str = ""


def secret_parts(url: str) -> list[str]:
    """What to blank out of a log line about ``url``: the URL and each of its parts but the scheme
    and the host name (a token can sit in the user, password, path, query or fragment)."""
    parts = urlsplit(url) if "://" in url else None
    keep = {parts.scheme, parts.hostname or ""} if parts else set()
    pieces = {p for p in re.split(r"[/:@?&=#,]+", url.split("://", 1)[-1]) if len(p) >= 3 and p not in keep}
    return sorted({url, *pieces}, key=lambda p: (-len(p), p))


class _Blank(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets
        self.seen: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, ()
        if record.levelno >= logging.WARNING and record.name == LOGGER_NAME:
            self.seen.append(message)
        return True


BLANKED = (LOGGER_NAME, "urllib3.connectionpool")  # Apprise; and urllib3 (under requests) logs the path at DEBUG


@contextmanager
def _blanked(url: str) -> Iterator[_Blank]:
    loggers = [logging.getLogger(name) for name in BLANKED]
    blank = _Blank(secret_parts(url))
    for logger in loggers:
        logger.addFilter(blank)
    try:
        yield blank
    finally:
        for logger in loggers:
            logger.removeFilter(blank)


def for_service(url: str, body: str) -> str:
    """``body`` as the service behind ``url`` displays it. Discord shows HTML entities as typed
    (``&lt;`` would read "&lt;"), so there they go back to characters; a ``<`` keeps a zero-width
    space after it, so ``<#123>`` or ``<t:…>`` stays text, as ``@`` already does."""
    if url.split("://", 1)[0].lower() != "discord" and "discord.com/api/webhooks" not in url.lower():
        return body
    return body.replace("&lt;", "<" + ZWSP).replace("&gt;", ">").replace("&amp;", "&")


def send_one(reference: str, url: str, title: str, body: str, alert: bool) -> Delivery:
    """Send ``body`` (markdown) to one Apprise URL; the outcome names only ``reference``."""
    body = for_service(url, body)
    with _blanked(url) as blank:
        notifier = apprise.Apprise()
        if not notifier.add(url):
            why = "; ".join(blank.seen) or "unknown scheme"
            return Delivery(reference, False, f"{reference}: not a URL Apprise can send to ({why})")
        try:
            sent = notifier.notify(
                body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN,
                notify_type=apprise.NotifyType.WARNING if alert else apprise.NotifyType.INFO,
            )
        except Exception as exc:  # a plugin's own bug must not cost the night's other notifications
            text = str(exc)
            for secret in blank.secrets:
                text = text.replace(secret, "***")
            return Delivery(reference, False, f"{reference}: {type(exc).__name__}: {text}")
    if sent:
        return Delivery(reference, True)
    return Delivery(reference, False, f"{reference}: " + ("; ".join(blank.seen) or "not sent"))


def send(urls: Mapping[str, str], title: str, body: str, alert: bool) -> list[Delivery]:
    """Send to every URL ({reference: URL}); one :class:`Delivery` each, in order."""
    out = [send_one(reference, url, title, body, alert) for reference, url in urls.items()]
    for d in out:
        if d.ok:
            log.info("morning summary sent to %s", d.reference)
        else:
            log.warning("morning summary not sent: %s", d.error)
    return out
