"""The library functions the flows sequence: ingest a source, process new items.

Each function takes its inputs explicitly and can be called without Prefect.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlite_utils

from feedback.config import Config
from feedback.errors import ConfigError
from feedback.publish import ArchiveExtension, PublishResult, publish
from feedback.sources import SourceContext, reader_for
from feedback.sources.files import Kind
from feedback.text.process import build_redactor, has_pending, pending_ids, process_items
from feedback.text.redact import Redactor
from feedback.warehouse import BatchResult, commit_batch, watermarks
from feedback.workers import can_fork_workers

log = logging.getLogger(__name__)


def ingest_source(
    db: sqlite_utils.Database,
    config: Config,
    source_name: str,
    customer_secret: bytes,
    run_id: int | None = None,
    secrets: Mapping[str, str] | None = None,
) -> BatchResult:
    """Read what is new in one source and commit it batch by batch.

    ``secrets`` maps the source's secret references (``source.secret_references()``, e.g.
    an IMAP password's ``env:NAME``) to their values, resolved by the caller at the edge.
    """
    source = config.source(source_name)
    missing = missing_inputs(source, config.base_dir)
    if missing:  # an error for this source (the run reports it), not a quiet night with nothing new
        raise ConfigError(
            f"{', '.join(missing)}: no such file or folder (relative paths start at {config.base_dir})"
        )
    context = SourceContext(
        customer_secret=customer_secret,
        timezone=getattr(source, "timezone", None) or config.timezone,
        base_dir=config.base_dir,
        watermarks=watermarks(db, source.name),
        secrets=dict(secrets or {}),
        workers=config.processing.worker_count(),
        parallel_min_messages=config.processing.parallel_min_messages,
    )
    total = BatchResult()
    for batch in reader_for(source.channel)(source, context):
        total += commit_batch(db, batch, run_id)
    log.info(
        "source %s: %d seen, %d new, %d changed, %d quarantined",
        source.name, total.seen, total.new, total.changed, total.quarantined,
    )
    return total


def make_redactor(db: sqlite_utils.Database, config: Config, load_ner: bool = True) -> Redactor:
    """The redactor of this run: addresses, numbers, and the names of people.

    Built once per run, after ingestion, so the names of tonight's e-mail senders and
    signatures are known; spaCy NER (when its model is installed) finds the others.
    ``load_ner=False``: the NER model is named, not loaded, for a redactor that only travels
    to the worker processes (they take the model their fork server loaded); this process then
    redacts without NER.
    """
    from feedback.sources.email.threads import known_names
    from feedback.text.names import DEFAULT_MODEL, NameRedactor

    known = known_names(db) | set(config.processing.names)
    if config.processing.names_file is not None:
        try:
            lines = config.processing.names_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"processing.names_file: cannot read {config.processing.names_file}: {exc}") from None
        known |= {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    if load_ner:
        names = NameRedactor.load(known=known, keep=[config.company])
    else:
        names = NameRedactor(known=list(known), keep=[config.company], package=DEFAULT_MODEL)
    return build_redactor(config.processing.phone_regions, extra=[names])


def process(db: sqlite_utils.Database, config: Config) -> int:
    """The process stage over everything pending, with this run's redactor (built only when
    something is pending: names and spaCy NER take ~2 s to load, a night with nothing new
    should not pay them). When the workers redact, this process does not load the NER model
    they use (their fork server has it)."""
    if not has_pending(db):
        return 0
    workers, least = config.processing.worker_count(), config.processing.parallel_min_items
    in_workers = workers > 1 and can_fork_workers() and len(pending_ids(db)) >= least
    return process_items(
        db, make_redactor(db, config, not in_workers), config.processing.languages, workers=workers,
        parallel_min_items=least,
    )


def archive_extensions(config: Config | None = None) -> list[ArchiveExtension]:
    """What the archive holds besides feedback and runs: themes, e-mail threads, and (with a
    configuration) the staff pages' tables: search vectors, trends, drivers, promises, customers.

    With a configuration the insights extension publishes the e-mail threads itself (its
    customers table reads them), so they are computed once.
    """
    from feedback.insights.calibration_table import archive_tables as calibration_tables
    from feedback.insights.sentiment_check import archive_tables as sentiment_tables
    from feedback.themes.archive_delta import THEME_TABLES as theme_tables

    extensions: list[ArchiveExtension] = [theme_tables, sentiment_tables, calibration_tables]
    if config is None:
        from feedback.sources.email.threads import archive_tables as email_tables

        extensions.append(email_tables)
    else:
        from feedback.insights.incremental import insights_extension

        extensions.append(insights_extension(config))
    return extensions


def publish_archive(db: sqlite_utils.Database, config: Config, full: bool = False) -> PublishResult:
    """Publish the archive with every extension: what changed since the last publish, or
    (``full``, or when the archive in place cannot be the base) a full rebuild."""
    return publish(db, config.archive, extensions=archive_extensions(config), full=full)


def customer_key(config: Config, resolve: Callable[[str], str | None]) -> str:
    """The key that turns customers' addresses into pseudonyms, resolved by ``resolve`` (the
    caller's edge: environment or Prefect block); a clear ConfigError when it is not set.
    Checked before anything heavy starts (the CLI does so before Prefect)."""
    reference = config.secrets.customer_key
    value = resolve(reference)
    if not value:
        raise ConfigError(
            f"the customer key secret {reference!r} is not set "
            "(export FEEDBACK_CUSTOMER_KEY, or point secrets.customer_key at a Prefect Secret block)"
        )
    return value


def source_secrets(source: object, resolve: Callable[[str], str | None]) -> dict[str, str]:
    """The values of the secret references a source needs (IMAP passwords), resolved by ``resolve``."""
    refs = source.secret_references() if hasattr(source, "secret_references") else []
    return {ref: value for ref in refs if (value := resolve(ref))}


def local_inputs(source: object) -> list[tuple[str, Kind]]:
    """The files and folders on this machine a source reads: (pattern, what it must name)."""
    fields: tuple[tuple[str, Kind], ...] = (("paths", "file"), ("mbox", "any"), ("maildir", "dir"), ("eml", "any"))
    found: list[tuple[str, Kind]] = []
    for field, kind in fields:
        found.extend((str(pattern), kind) for pattern in getattr(source, field, None) or [])
    for export in getattr(source, "exports", None) or []:
        if not export.path.startswith(("http://", "https://", "~/")):  # "~/": a path on the review site
            found.append((export.path, "file"))
    return found


def missing_inputs(source: object, base_dir: Path) -> list[str]:
    """The source's input patterns that name nothing: a file or folder that is not there, or a
    glob whose folder is not there. A glob in a folder that exists may match nothing yet (the
    folder new exports are dropped into): that is not missing."""
    missing = []
    for pattern, kind in local_inputs(source):
        path = Path(pattern).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if glob.has_magic(str(path)):
            folder = Path(*_until_magic(path.parts))
            if not folder.is_dir():
                missing.append(pattern)
        elif not (path.is_file() if kind == "file" else path.is_dir() if kind == "dir" else path.exists()):
            missing.append(pattern)
    return missing


def _until_magic(parts: tuple[str, ...]) -> list[str]:
    kept = []
    for part in parts:
        if glob.has_magic(part):
            break
        kept.append(part)
    return kept
