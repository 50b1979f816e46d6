"""The one call a flow makes once the night's data work is done: summarise, send, record.

:func:`morning` reads the summary (:mod:`feedback.notify.summary`), renders it
(:mod:`feedback.notify.render`), sends it when the settings say so (:mod:`feedback.notify.send`)
and records the outcome in the run's ``details`` in the warehouse. A notification that fails is
recorded there, never raised: the caller decides how the run ends (:attr:`Morning.error`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.errors import ConfigError
from feedback.notify.render import render, title
from feedback.notify.send import Delivery, send
from feedback.notify.settings import NotifySettings
from feedback.notify.summary import MorningSummary, morning_summary, previous_keys, record_morning


@dataclass(frozen=True)
class Morning:
    summary: MorningSummary
    markdown: str  # the artifact's section (without the per-source lines the artifact has already)
    deliveries: list[Delivery]

    @property
    def error(self) -> str | None:
        """One line naming every notification that was not sent and why; None when all went."""
        failed = [d.error for d in self.deliveries if not d.ok]
        return f"morning summary not sent: {'; '.join(failed)}" if failed else None


def resolve_urls(settings: NotifySettings, resolve: Callable[[str], str | None]) -> tuple[dict[str, str], list[Delivery]]:
    """({reference: URL} of the references that resolve, a failed :class:`Delivery` for each that
    does not: unset, or a Prefect block that cannot be loaded)."""
    urls: dict[str, str] = {}
    missing: list[Delivery] = []
    for reference in settings.urls:
        try:
            value = resolve(reference)
        except ConfigError as exc:
            missing.append(Delivery(reference, False, f"{reference}: {exc}"))
            continue
        if value:
            urls[reference] = value.strip()
        else:
            missing.append(Delivery(reference, False, f"{reference}: not set (the secret holding the URL is empty"
                                                       " or missing)"))
    return urls, missing


def morning(db: sqlite_utils.Database, run_id: int, rows: Iterable[Mapping[str, Any]], archive: Path | None,
            settings: NotifySettings, urls: Mapping[str, str], unresolved: Iterable[Delivery] = (),
            now: datetime | None = None) -> Morning:
    """Summarise nightly run ``run_id`` (its per-source ``rows`` and the published ``archive``),
    send it to ``urls`` ({reference: Apprise URL}) when ``settings.when`` says so, record it."""
    summary = morning_summary(run_id, rows, archive, previous_keys(db, run_id),
                              now or datetime.now().astimezone(), settings.customers, settings.quote)
    deliveries = list(unresolved)  # reported every night, so a missing secret is found before an alert is lost
    if urls and (settings.when == "always" or summary.alerts):
        body = render(summary, sources=True, quote=settings.quote)
        deliveries += send(urls, title(summary), body, alert=bool(summary.alerts))
    record_morning(db, run_id, summary, deliveries)
    return Morning(summary, render(summary, sources=False, quote=settings.quote), deliveries)
