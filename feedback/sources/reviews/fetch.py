"""Polite HTTP fetching for the reviews channel.

One :class:`Fetcher` per run. Every request goes through the same checks, in
order: robots.txt (fetched once per host, ``Crawl-delay`` honoured), the
per-host rate limit, then the request itself with a User-Agent naming the
company, a timeout for each network read and a deadline for the whole request
(:mod:`~feedback.sources.reviews.deadline`), conditional headers from the last
run, a size cap applied while streaming, redirects followed by hand (each hop checked against robots.txt,
loops detected) and retries with backoff on 429/5xx and timeouts, honouring
``Retry-After``. Waiting always goes through an injected :class:`Clock`, so
tests run at full speed and can assert how long the fetcher *would* have slept.

The outcome of a fetch is a :class:`FetchResult` or a :class:`FetchError`
subclass whose message says what happened; the caller decides what to record.
"""

from __future__ import annotations

import logging
import time
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from feedback.dates import mail_date
from feedback.sources.reviews.deadline import Deadline

log = logging.getLogger(__name__)

REDIRECT_CODES = {301, 302, 303, 307, 308}
RETRY_CODES = {429, 500, 502, 503, 504}


# --- the clock ---------------------------------------------------------------------------------


class Clock(Protocol):
    """Where time comes from and where waiting happens."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


# --- outcomes ----------------------------------------------------------------------------------


class FetchError(Exception):
    """A URL could not be fetched; ``str(error)`` is the reason to record."""

    transport = False  # True when the server could not be reached at all


class Disallowed(FetchError):
    """robots.txt forbids the URL for our User-Agent (``by_site``), or could not be read (a failure)."""

    by_site = False  # True: the site's own rules said no; False: no readable robots.txt


class TooLarge(FetchError):
    """The response is bigger than the configured cap."""


class DeadlineExceeded(FetchError):
    """The whole request took longer than its deadline (a server trickling its answer); not retried."""


class RedirectError(FetchError):
    """A redirect loop, too many redirects, or a redirect without a location."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (after retries, where retrying made sense)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class TransportError(FetchError):
    """Connection refused, reset, timed out or otherwise broken (after retries).

    ``transport`` is True only when no connection could be made at all.
    """


class _Retryable(Exception):
    """Internal: a 429/5xx or timeout worth another attempt."""

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.unreachable = unreachable


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch from one host."""

    user_agent: str
    timeout: float = 20.0  # each network read
    deadline: float = 60.0  # the whole request, download included
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    rate: float = 1.0  # requests per second per host
    attempts: int = 3
    backoff: float = 2.0  # first wait between attempts, doubled each time
    max_retry_after: float = 300.0  # a longer Retry-After gives up for this run


@dataclass(frozen=True)
class Validators:
    """Conditional-GET validators from the last successful fetch of a URL."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class FetchResult:
    url: str  # what was asked for
    final_url: str  # after redirects
    status: int  # 200 or 304
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


# --- pure helpers ------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = mail_date(value)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def host_of(url: str) -> str:
    """``scheme://host[:port]``: the unit of politeness (robots.txt, rate limit)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


# --- politeness --------------------------------------------------------------------------------


class HostThrottle:
    """At most one request per ``interval`` seconds per host, measured on the clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._next: dict[str, float] = {}

    def wait(self, host: str, interval: float) -> float:
        """Sleep until the host may be asked again; returns the seconds slept."""
        now = self.clock.monotonic()
        due = self._next.get(host, now)
        pause = max(0.0, due - now)
        if pause:
            self.clock.sleep(pause)
        self._next[host] = max(now, due) + interval
        return pause

    def push_back(self, host: str, seconds: float) -> None:
        """The host asked us to wait (Retry-After): nothing goes to it before then."""
        self._next[host] = max(self._next.get(host, 0.0), self.clock.monotonic() + seconds)


@dataclass
class RobotsRules:
    parser: urllib.robotparser.RobotFileParser | None  # None: everything allowed
    disallow_all: bool = False
    reason: str = ""
    unreachable: bool = False

    def allowed(self, url: str, agent: str) -> bool:
        if self.disallow_all:
            return False
        return True if self.parser is None else self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


def parse_robots(text: str) -> RobotsRules:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return RobotsRules(parser)


# --- the fetcher -------------------------------------------------------------------------------


class Fetcher:
    """Fetches URLs politely. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        options_for: Callable[[str], FetchOptions],
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        robots_seed: Callable[[str], Mapping[str, str] | None] | None = None,
    ) -> None:
        self.options_for = options_for  # host -> options
        # host -> {"etag", "last_modified", "text"} of robots.txt from the last run: fetched conditionally
        self.robots_seed = robots_seed or (lambda host: None)
        self.robots_fetched: dict[str, dict[str, str]] = {}  # host -> the same, for robots.txt that changed
        self.clock = clock or SystemClock()
        self.throttle = HostThrottle(self.clock)
        self.client = httpx.Client(follow_redirects=False, transport=transport, trust_env=False)
        self.robots: dict[str, RobotsRules] = {}
        self.requests = 0  # every request sent, robots.txt and retries included
        # host -> the network stream of its last response: the connection a next request to the
        # host most likely reuses, watched by that request's deadline from the start
        self.streams: dict[str, Any] = {}
        self.conditional_requests = 0

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # robots.txt ---------------------------------------------------------------------------

    def rules(self, url: str) -> RobotsRules:
        host = host_of(url)
        if host not in self.robots:
            self.robots[host] = self._load_robots(host)
        return self.robots[host]

    def _load_robots(self, host: str) -> RobotsRules:
        opts = self.options_for(host)
        robots_url = host + "/robots.txt"
        seed = self.robots_seed(host)
        validators = Validators(seed.get("etag"), seed.get("last_modified")) if seed else Validators()
        try:
            result = self._get_following(robots_url, opts, validators, check_robots=False)
        except HTTPStatusError as exc:
            if 400 <= exc.status < 500:
                return RobotsRules(None)  # no robots.txt: everything is allowed
            return RobotsRules(None, disallow_all=True, reason=f"robots.txt unavailable ({exc})")
        except FetchError as exc:
            return RobotsRules(
                None, disallow_all=True, reason=f"robots.txt unreadable: {exc}", unreachable=exc.transport
            )
        if result.not_modified and seed is not None:
            text = seed.get("text", "")
        else:
            text = result.content.decode("utf-8", errors="replace")
            if result.etag or result.last_modified:
                self.robots_fetched[host] = {
                    "etag": result.etag or "", "last_modified": result.last_modified or "", "text": text
                }
        rules = parse_robots(text)
        log.debug("robots.txt of %s: crawl-delay %s", host, rules.crawl_delay(opts.user_agent))
        return rules

    # requests -----------------------------------------------------------------------------

    def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        """GET a URL (conditionally when validators are given); raise a FetchError on failure."""
        url = without_fragment(url)
        opts = self.options_for(host_of(url))
        return self._get_following(url, opts, validators or Validators(), check_robots=True)

    def _check_robots(self, url: str, opts: FetchOptions) -> float:
        rules = self.rules(url)
        if not rules.allowed(url, opts.user_agent):
            error = Disallowed(rules.reason or f"disallowed by robots.txt for {opts.user_agent!r}")
            error.by_site = not rules.disallow_all
            error.transport = rules.unreachable
            raise error
        return rules.crawl_delay(opts.user_agent) or 0.0

    def _get_following(
        self, url: str, opts: FetchOptions, validators: Validators, check_robots: bool
    ) -> FetchResult:
        seen = [url]
        current = url
        attempts = 0
        for _hop in range(opts.max_redirects + 1):
            delay = self._check_robots(current, opts) if check_robots else 0.0
            interval = max(1.0 / opts.rate if opts.rate > 0 else 0.0, delay)
            status, headers, content, tries = self._get_with_retries(
                current, opts, validators if current == url else Validators(), interval
            )
            attempts += tries
            if status in REDIRECT_CODES:
                location = headers.get("location")
                if not location:
                    raise RedirectError(f"HTTP {status} redirect without a Location header")
                target = without_fragment(urljoin(current, location))
                if target in seen:
                    chain = " -> ".join([*seen, target])
                    raise RedirectError(f"redirect loop: {chain}")
                seen.append(target)
                current = target
                continue
            return FetchResult(
                url=url,
                final_url=current,
                status=status,
                content=content,
                headers=headers,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                attempts=attempts,
            )
        raise RedirectError(f"more than {opts.max_redirects} redirects: {' -> '.join(seen)}")

    def _get_with_retries(
        self, url: str, opts: FetchOptions, validators: Validators, interval: float
    ) -> tuple[int, dict[str, str], bytes, int]:
        host = host_of(url)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Retryable) and exc.retry_after is not None:
                return 0.0  # the throttle already holds the host back for Retry-After
            return float(wait_exponential_jitter(multiplier=opts.backoff, max=60.0, jitter=opts.backoff / 2)(state))

        retrying = Retrying(
            stop=stop_after_attempt(max(1, opts.attempts)),
            wait=wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self.clock.sleep,
            reraise=True,
        )
        tries = 0
        try:
            for attempt in retrying:
                with attempt:
                    tries += 1
                    self.throttle.wait(host, interval)
                    status, headers, content = self._get_once(url, opts, validators)
            return status, headers, content, tries
        except _Retryable as exc:
            if exc.status is None:
                error = TransportError(f"{exc} (gave up after {tries} attempts)")
                error.transport = exc.unreachable
                raise error from None
            raise HTTPStatusError(f"{exc} (gave up after {tries} attempts)", exc.status) from None

    def _get_once(
        self, url: str, opts: FetchOptions, validators: Validators
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"User-Agent": opts.user_agent, "Accept-Encoding": "gzip, deflate", **validators.headers()}
        self.requests += 1
        if validators.headers():
            self.conditional_requests += 1
        deadline = Deadline(opts.deadline)
        deadline.watch(self.streams.get(host_of(url)))
        size = 0

        def late() -> DeadlineExceeded:
            return DeadlineExceeded(f"not finished within the {opts.deadline:g}s deadline ({size:,} bytes received)")

        try:
            with deadline, self.client.stream(
                "GET", url, headers=headers, timeout=opts.timeout, extensions={"trace": deadline.trace}
            ) as response:
                stream = self.streams[host_of(url)] = response.extensions.get("network_stream")
                deadline.watch(stream)
                status = response.status_code
                head = {k.lower(): v for k, v in response.headers.items()}
                if status in RETRY_CODES:
                    retry_after = parse_retry_after(head.get("retry-after"))
                    if retry_after is not None:
                        if retry_after > opts.max_retry_after:
                            raise HTTPStatusError(
                                f"HTTP {status}; Retry-After {retry_after:.0f}s is longer than the "
                                f"{opts.max_retry_after:.0f}s we wait in one run",
                                status,
                            )
                        self.throttle.push_back(host_of(url), retry_after)
                    raise _Retryable(f"HTTP {status}", retry_after=retry_after, status=status)
                if status == 304 or status in REDIRECT_CODES:
                    return status, head, b""
                if status >= 400:
                    raise HTTPStatusError(f"HTTP {status}", status)
                if not 200 <= status < 300:
                    raise HTTPStatusError(f"unexpected HTTP {status}", status)
                declared = head.get("content-length", "")
                if declared.isdigit() and int(declared) > opts.max_bytes:
                    raise TooLarge(
                        f"response of {int(declared):,} bytes is over the {opts.max_bytes:,}-byte cap (not downloaded)"
                    )
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > opts.max_bytes:
                        raise TooLarge(
                            f"response is over the {opts.max_bytes:,}-byte cap (download stopped)"
                        )
                    chunks.append(chunk)
                    if deadline.expired:
                        raise late()
                return status, head, b"".join(chunks)
        except httpx.TimeoutException as exc:
            if deadline.expired:
                raise late() from None
            connect = isinstance(exc, httpx.ConnectTimeout)
            raise _Retryable(f"timed out after {opts.timeout:g}s ({type(exc).__name__})", unreachable=connect) from None
        except httpx.DecodingError as exc:
            if deadline.expired:
                raise late() from None
            raise HTTPStatusError(f"cannot decode the response body: {exc}", 200) from None
        except httpx.TransportError as exc:
            if deadline.expired:
                raise late() from None
            connect = isinstance(exc, httpx.ConnectError)
            raise _Retryable(f"cannot reach {host_of(url)}: {type(exc).__name__}: {exc}", unreachable=connect) from None
