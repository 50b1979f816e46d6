"""``feedback spam``: train the Bayes filter of the spamd an email source checks its mail with, and
ask it about a message (a thin shell over feedback.sources.email.spam_learn)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from feedback.cli.session import config_of

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import sqlite_utils

    from feedback.config import Config, EmailSource, SourceConfig
    from feedback.sources.email.spam_learn import Mail


def checked_source(config: Config, name: str | None) -> EmailSource:
    """The email source named, else the only one that names a spamd; one-line errors otherwise."""
    from feedback.config import EmailSource
    from feedback.errors import ConfigError

    if name:
        source = config.source(name)
        if not isinstance(source, EmailSource):
            raise ConfigError(f"source {name!r} is not an email source (channel: {source.channel})")
        if not source.spam.host:
            raise ConfigError(f"source {name!r} names no spamd: set spam: {{host: ..., port: ...}} in its configuration")
        return source
    with_spamd = [s for s in config.sources if isinstance(s, EmailSource) and s.spam.host]
    if len(with_spamd) != 1:
        names = ", ".join(s.name for s in with_spamd) or "none configured"
        raise ConfigError(f"name the email source whose spamd to use with --source (sources with a spamd: {names})")
    return with_spamd[0]


@click.group()
def spam() -> None:
    """Train and ask the SpamAssassin spamd that an email source checks its mail with."""


PLACES = ("an mbox file, a maildir, a folder of message files (.eml), one message file, or imap:FOLDER "
          "(that folder of the source's IMAP accounts, read-only); repeatable")


@spam.command("learn")
@click.option("--spam", "spam_places", multiple=True, required=True, metavar="PATH", help=f"Spam: {PLACES}.")
@click.option("--ham", "ham_places", multiple=True, required=True, metavar="PATH",
              help=f"Customers' mail that is not spam: {PLACES}.")
@click.option("--source", "-s", "source_name", help="The email source whose spamd learns (default: the only one with a spamd).")
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True, help="Messages told to spamd at once.")
@click.pass_context
def learn_cmd(ctx: click.Context, spam_places: tuple[str, ...], ham_places: tuple[str, ...], source_name: str | None,
              jobs: int) -> None:
    """Teach the source's spamd (its Bayes filter) what spam and what ham look like.

    The messages are told to the very spamd the source asks (spamc -L, SpamAssassin's learning
    protocol), so spamd must run with --allow-tell. At least 200 of each are needed (below that
    SpamAssassin's Bayes filter does not vote); anything that is not mail is refused before
    anything is learned. Prints what was learned, and when; each training that reaches spamd is
    recorded in the warehouse's runs (flow spam-learn: counts and kinds of place, never mail).
    """
    import time
    from datetime import UTC, datetime

    from feedback.secret_refs import resolve_secret
    from feedback.sources.email.spam_learn import enough, gather, imap_messages, train
    from feedback.warehouse import open_warehouse

    config = config_of(ctx)
    source = checked_source(config, source_name)
    secrets = {account.password: resolve_secret(account.password) or "" for account in source.imap
               if any(p.startswith("imap:") for p in (*spam_places, *ham_places))}

    def read_imap(folder: str) -> Iterator[Mail]:
        return imap_messages(source, folder, {k: v for k, v in secrets.items() if v}, config.base_dir)

    spam_mail = gather("spam", list(spam_places), read_imap)
    ham_mail = gather("ham", list(ham_places), read_imap)
    enough(spam_mail, ham_mail)
    settings = source.spam
    where = f"spamd at {settings.host}:{settings.port}"
    click.echo(f"telling {where} {len(spam_mail)} spam and {len(ham_mail)} ham …", err=True)
    db = open_warehouse(config.warehouse)
    started, when = time.monotonic(), datetime.now(UTC)
    done = train(db, source, spam_mail, ham_mail, {"spam": list(spam_places), "ham": list(ham_places)}, jobs)
    told = " and ".join(f"{r.told} {r.kind} ({r.known} of them already known)" for r in done.learned)
    click.echo(f"{when:%Y-%m-%d %H:%M} UTC, source {source.name}: {where} learned {told} in "
               f"{time.monotonic() - started:.0f} s; its Bayes filter votes ({done.bayes} on a learned spam);"
               f" recorded as run {done.run_id}")


def training_lines(sources: Sequence[SourceConfig], db: sqlite_utils.Database | None) -> list[str]:
    """For ``feedback sources``: one line per email source with a spamd, when its Bayes filter was
    last trained (``feedback spam learn``'s runs) and whether a later training failed."""
    from feedback.config import EmailSource
    from feedback.sources.email.spam_learn import TRAINING_FLOW
    from feedback.warehouse.runs import last_by_source

    runs = last_by_source(db, TRAINING_FLOW) if db is not None else {}
    lines = []
    for source in sources:
        if not isinstance(source, EmailSource) or not source.spam.host:
            continue
        seen = runs.get(source.name, {})
        trained, latest = seen.get("completed"), seen.get("latest")
        if trained is None:
            line = f"{source.name}: spam filter never trained (feedback spam learn)"
        else:
            learned = ", ".join(f"{trained['details'].get(k, {}).get('told', 0)} {k}" for k in ("spam", "ham"))
            line = (f"{source.name}: spam filter last trained {str(trained['finished'])[:16].replace('T', ' ')}"
                    f" UTC ({learned}; Bayes votes: {trained['details'].get('bayes')})")
        if latest is not None and latest is not trained and latest["status"] != "running":
            line += (f"; the training of {str(latest['started'])[:16].replace('T', ' ')} UTC {latest['status']}:"
                     f" {latest['details'].get('error') or latest['details'].get('interrupted') or 'no reason recorded'}")
        lines.append(line)
    return lines


@spam.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--source", "-s", "source_name", help="The email source whose spamd to ask (default: the only one with a spamd).")
@click.pass_context
def check_cmd(ctx: click.Context, path: Path, source_name: str | None) -> None:
    """Ask the source's spamd about each message of PATH (a message file, an mbox, a maildir or a folder):
    one line each, spam or not and why."""
    from feedback.errors import FeedbackError
    from feedback.sources.email.spam import spamd_verdict
    from feedback.sources.email.spam_learn import messages_at, not_mail

    source = checked_source(config_of(ctx), source_name)
    seen = 0
    for mail in messages_at(path):
        seen += 1
        problem = not_mail(mail.raw)
        if problem:
            click.echo(f"{mail.where}: not mail: {problem}")
            continue
        verdict = spamd_verdict(mail.raw, source.spam)
        click.echo(f"{mail.where}: {'spam' if verdict.spam else 'not spam'}: {verdict.reason}")
    if not seen:
        raise FeedbackError(f"{path}: no messages in it")
