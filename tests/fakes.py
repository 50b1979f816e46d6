"""Test doubles for what cannot run at full speed in a test."""

from __future__ import annotations


class FakeClock:
    """A :class:`~feedback.sources.reviews.fetch.Clock` that only moves when slept on and records
    every wait, so Retry-After, Crawl-delay and backoff cost no time and can be asserted."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
