"""What the command groups that edit the warehouse share (``feedback themes``, ``feedback actions``):
their configuration, an open warehouse, and the archive republished after a change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

import click

from feedback.errors import FeedbackError

if TYPE_CHECKING:
    import sqlite_utils

    from feedback.cli.progress import Stages
    from feedback.config import Config


def config_of(ctx: click.Context, own_key: str | None = None) -> Config:
    """The main command's loaded configuration, else the group's own ``--config`` (kept in
    ``ctx.obj[own_key]``), else data/config.yml."""
    from feedback.config import DEFAULT_CONFIG_PATH, load_config

    own = ctx.obj.get(own_key) if own_key and isinstance(ctx.obj, dict) else None
    if own is None and hasattr(ctx.obj, "config"):
        return ctx.obj.config  # type: ignore[no-any-return]
    return load_config(own or DEFAULT_CONFIG_PATH)


@contextmanager
def warehouse_session(ctx: click.Context, republish: bool, no_publish_key: str, own_key: str | None = None,
                      stages: Stages | None = None) -> Iterator[tuple[Config, sqlite_utils.Database]]:
    """The configuration and an open warehouse; after a change (``republish``) the archive is
    published again unless ``ctx.meta[no_publish_key]`` (a stage of its own when ``stages`` shows
    them). Errors are one line."""
    from feedback.warehouse import open_warehouse

    try:
        config = config_of(ctx, own_key)
        db = open_warehouse(config.warehouse)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield config, db
        if republish and not ctx.meta.get(no_publish_key):
            from feedback.pipeline import publish_archive

            with stages.stage("publish-archive") if stages else nullcontext():
                result = publish_archive(db, config)
            click.echo(f"republished {result.path.name} ({result.feedback} comments)", err=True)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
