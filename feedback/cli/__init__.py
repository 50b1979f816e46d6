"""The ``feedback`` command: a thin shell over the library and the flows.

Domain errors become one clear line (click.ClickException) here and nowhere else. The flows
are found through the ``feedback.flows`` entry points (declared in ``pyproject.toml``), so the
library never imports its Prefect wiring.

Importing this module stays light (click, no configuration models, no numerical or ML
libraries), so ``feedback --help`` answers at once: each command imports what it uses.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feedback.errors import FeedbackError

if TYPE_CHECKING:
    from feedback.config import Config

# feedback.config.DEFAULT_CONFIG_PATH, repeated so that `feedback --help` need not build the
# configuration models (tests/test_cli.py checks that the two agree)
DEFAULT_CONFIG_PATH = Path("data/config.yml")
DATASETTE_HOST = "127.0.0.1"
DATASETTE_PORT = 8001

# Offline and private by default; an operator's own environment wins.
QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def set_quiet_defaults(config_dir: Path) -> None:
    """Environment defaults for Prefect and Hugging Face; must run before either is imported."""
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    # Without a Prefect server, the temporary local API keeps its state beside the data.
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_HOME", str(config_dir / "prefect"))


FLOW_ENTRY_POINTS = "feedback.flows"


def deployable_flows() -> dict[str, Any]:
    """The flows to deploy, by deployment name, from the ``feedback.flows`` entry points."""
    from importlib.metadata import entry_points

    found = {ep.name: ep.load() for ep in entry_points(group=FLOW_ENTRY_POINTS)}
    if not found:
        raise FeedbackError(f"no flows registered under the {FLOW_ENTRY_POINTS!r} entry points: reinstall the package")
    return found


def flow_named(name: str) -> Any:
    """One registered flow (``nightly``, ``recluster``)."""
    flows = deployable_flows()
    if name not in flows:
        raise FeedbackError(f"no flow {name!r} among {sorted(flows)}: reinstall the package")
    return flows[name]


class State:
    def __init__(self, config_path: Path, verbose: bool = False) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from feedback.config import load_config

            self._config = load_config(self.config_path)
        return self._config


class FriendlyGroup(click.Group):
    """Turns domain errors raised by any command into one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FeedbackError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


@click.group(cls=FriendlyGroup)
@click.option(
    "--config", "-c", "config_path", type=click.Path(path_type=Path), envvar="FEEDBACK_CONFIG",
    default=DEFAULT_CONFIG_PATH, show_default=True, help="The configuration file (YAML).",
)
@click.option("--verbose", "-v", is_flag=True, help="Log what each stage does.")
@click.version_option(package_name="feedback")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool) -> None:
    """Voice of the customer: ingest feedback, find themes, publish a searchable archive."""
    from feedback.cli.progress import quiet_environment

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    set_quiet_defaults(config_path.resolve().parent)
    quiet_environment(verbose)
    ctx.obj = State(config_path, verbose)


@cli.command()
@click.option("--source", "-s", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--no-publish", is_flag=True, help="Ingest and process, but do not rebuild the archive.")
@click.pass_obj
def run(state: State, sources: tuple[str, ...], no_publish: bool) -> None:
    """Run the nightly flow once, now (through Prefect): one line per stage as it ends."""
    from feedback.cli.progress import Stages, configure_logging
    from feedback.pipeline import customer_key
    from feedback.secret_refs import resolve_secret

    config = state.config  # validate before starting Prefect
    for name in sources:
        config.source(name)
    customer_key(config, resolve_secret)  # a missing secret is one line now, not after Prefect started
    nightly = flow_named("nightly")  # imports Prefect, which sets up logging
    configure_logging(state.verbose)
    with Stages("nightly run", state.verbose).following("prefect.task_runs", "feedback"):
        result = nightly(config_path=str(state.config_path), sources=list(sources) or None, publish=not no_publish)
    click.echo(
        f"run {result['run_id']}: {result['seen']} comments read, {result['new']} new, "
        f"{result['quarantined']} quarantined"
    )
    if result["archive"]:
        click.echo(f"published {result['published']} comments to {result['archive']}")


@cli.command()
@click.option("--full", is_flag=True, help="Rebuild the whole archive instead of applying what changed since the last publish.")
@click.pass_obj
def publish(state: State, full: bool) -> None:
    """Publish the archive: what changed since the last publish, or (--full) a full rebuild."""
    from feedback.pipeline import publish_archive
    from feedback.warehouse import open_warehouse

    config = state.config
    db = open_warehouse(config.warehouse)
    result = publish_archive(db, config, full=full)
    how = f"{result.changed} changed" if result.mode == "incremental" else f"full: {result.reason}"
    click.echo(f"published {result.feedback} comments to {result.path} in {result.seconds:.1f} s ({how})")


@cli.command()
@click.option("--host", default=DATASETTE_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=DATASETTE_PORT, show_default=True, type=int, help="Port to listen on.")
@click.option("--allow-sql", is_flag=True,
              help="Let everyone who may view the archive run their own SQL (off: only the pages, tables and "
                   "canned queries, or the actors of an `allow_sql:` block in the Datasette metadata).")
@click.option("--check", is_flag=True, help="Only check that the port is free (as `make run` does first), then exit.")
@click.pass_obj
def serve(state: State, host: str, port: int, allow_sql: bool, check: bool) -> None:
    """Serve the published archive with Datasette, read-only.

    The address is announced once Datasette answers and, with the warm_up option (the default),
    once a first search by meaning has loaded the model and the indexes, so the first real search
    is quick.
    """
    if not 1 <= port <= 65535:
        raise click.ClickException(f"--port {port} is not a port number (1 to 65535)")
    if check:
        check_port_free(host, port)
        click.echo(f"port {port} is free on {host}")
        return
    config = state.config
    if not config.archive.exists():
        raise click.ClickException(f"no archive at {config.archive}: run `feedback run` or `feedback publish` first")
    check_port_free(host, port)
    metadata = served_metadata(config)
    path = served_metadata_path(config)
    write_atomically(path, json.dumps(metadata, indent=2, ensure_ascii=False, default=str))
    warm = metadata["plugins"]["feedback"].get("warm_up") is True
    url = f"http://{host}:{port}/"
    click.echo(f"Starting Datasette at {url}{' and warming up search by meaning' if warm else ''}…", err=True)
    code = run_until_stopped(datasette_command(config.archive, path, host, port, allow_sql), probe_url(host, port, warm),
                             f"Serving {config.archive.name} at {url} (Ctrl+C to stop)")
    if code not in (0, -signal.SIGINT, -signal.SIGTERM):
        raise click.ClickException(f"Datasette stopped with exit code {code}")


def check_port_free(host: str, port: int) -> None:
    """One line, before anything starts, when the port is taken (a bind test, as uvicorn binds:
    with SO_REUSEADDR, so a port in TIME_WAIT counts as free)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise click.ClickException(f"cannot listen on {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"port {port} is in use on {host}: stop what listens there, or choose another port "
                    "(--port, or PORT= with make run)") from None
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def probe_url(host: str, port: int, warm: bool) -> str:
    """What ``serve`` asks before announcing the address: with warm-up, a search by meaning (it
    returns once the model and the indexes are loaded); else the home page."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    path = "-/feedback/search?q=warm+up&mode=meaning" if warm else ""
    return f"http://{target}:{port}/{path}"


def run_until_stopped(command: list[str], probe: str, announce: str) -> int:
    """Start ``command``, print ``announce`` once ``probe`` answers, then wait for it to end
    (Ctrl+C or SIGTERM stop it); its exit code."""
    import subprocess
    import time
    import urllib.error
    import urllib.request

    process = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        while process.poll() is None:
            try:
                with urllib.request.urlopen(probe, timeout=600):
                    pass
            except urllib.error.HTTPError:
                pass  # it answered (an archive without the staff pages' tables says 404)
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
                continue
            click.echo(announce)
            break
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)  # when only this process was interrupted
        return process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            process.terminate()
            process.wait()


def served_metadata(config: Config) -> dict[str, Any]:
    """The Datasette metadata ``feedback serve`` runs with: the configured file's, plus the plugin
    options ``warm_up`` (load the search model and indexes in the background at start and after each
    publish) and ``sql_memory_mb`` (cap SQLite's memory, so no query can exhaust the server's)
    unless that file sets them."""
    import yaml

    metadata: dict[str, Any] = {}
    if config.datasette_metadata and config.datasette_metadata.exists():
        try:
            metadata = yaml.safe_load(config.datasette_metadata.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise FeedbackError(f"{config.datasette_metadata}: not valid YAML or JSON: {exc}") from None
        if not isinstance(metadata, dict):
            raise FeedbackError(f"{config.datasette_metadata}: Datasette metadata must be a mapping")
    plugins = metadata.setdefault("plugins", {})
    plugins.setdefault("feedback", {}).setdefault("warm_up", True)
    plugins["feedback"].setdefault("sql_memory_mb", SQL_MEMORY_MB)
    if config.embed.cache is not None:  # where the nightly run keeps the ONNX export, for query vectors
        cache = config.embed.cache
        plugins["feedback"].setdefault("embed_cache", str(cache if cache.is_absolute() else config.base_dir / cache))
    return metadata


SQL_MEMORY_MB = 512  # SQLite's heap under `feedback serve`: pages need a few MB, an index load ~100 MB at 1M comments


def served_metadata_path(config: Config) -> Path:
    """Where ``feedback serve`` writes the metadata it hands Datasette: beside the archive
    (``archive.db-metadata.json``), rewritten at every start."""
    return config.archive.with_name(f"{config.archive.name}-metadata.json")


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def datasette_command(archive: Path, metadata: Path, host: str, port: int, allow_sql: bool = False) -> list[str]:
    """The ``datasette serve`` command line for the archive, immutable and read-only; arbitrary
    SQL only with ``allow_sql`` (or for the actors of the metadata's ``allow_sql`` block)."""
    return [sys.executable, "-m", "datasette", "serve", "--immutable", str(archive),
            "--host", host, "--port", str(port), "--setting", "facet_time_limit_ms", "100",
            "--setting", "suggest_facets", "off", "--setting", "default_allow_sql", "on" if allow_sql else "off",
            "--setting", "sql_time_limit_ms", "3000", "--metadata", str(metadata)]


@cli.command()
@click.option("--cron", default="0 2 * * *", show_default=True, help="When the nightly run starts.")
@click.pass_obj
def schedule(state: State, cron: str) -> None:
    """Serve the deployments from this process: nightly on a cron schedule, others on demand.

    The no-work-pool production route; the time zone comes from the configuration.
    Needs a Prefect server (PREFECT_API_URL) to trigger and watch runs.
    """
    from prefect import serve as prefect_serve
    from prefect.schedules import Cron

    config = state.config
    params = {"config_path": str(state.config_path.resolve())}
    deployments = []
    for name, flow_obj in deployable_flows().items():
        kwargs: dict[str, Any] = {"name": name, "parameters": params}
        if name == "nightly":
            kwargs["schedule"] = Cron(cron, timezone=config.timezone)
        deployments.append(flow_obj.to_deployment(**kwargs))
    click.echo(f"serving {', '.join(deployments_names(deployments))}; nightly at {cron!r} {config.timezone}")
    prefect_serve(*deployments)


def deployments_names(deployments: list[Any]) -> list[str]:
    return [d.name for d in deployments]


@cli.command()
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None, help="Show at most this many sources.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects instead of the table.")
@click.pass_obj
def sources(state: State, limit: int | None, as_json: bool) -> None:
    """Per source: channel, items, quarantined records, pages skipped for robots.txt, last run, how it is read (by
    points, or whole: themes.read_whole); and when each email source's spam filter (with a spamd) was last trained."""
    from feedback.cli.spam import training_lines
    from feedback.warehouse import open_warehouse, source_summary

    config = state.config
    stats, db = {}, None
    if config.warehouse.exists():
        db = open_warehouse(config.warehouse)
        stats = {row["source"]: row for row in source_summary(db)}
    listed = config.sources[:limit]

    def read_as(name: str) -> str:
        return "whole" if name in config.themes.read_whole else "points"

    if as_json:
        click.echo(json.dumps([{
            "source": source.name, "channel": source.channel,
            **{key: stats.get(source.name, {}).get(key, 0) for key in ("items", "quarantined", "skipped")},
            **{key: stats.get(source.name, {}).get(key) for key in ("last_item", "last_checked")},
            "read": read_as(source.name),
        } for source in listed], indent=2, ensure_ascii=False))
        return
    rows = [("source", "channel", "items", "quarantined", "skipped", "last new item", "last checked", "read")]
    for source in listed:
        s = stats.get(source.name, {})
        rows.append((
            source.name, source.channel, str(s.get("items", 0)), str(s.get("quarantined", 0)),
            str(s.get("skipped", 0)), (s.get("last_item") or "never")[:19], (s.get("last_checked") or "never")[:19],
            read_as(source.name)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for line in training_lines(listed, db):
        click.echo(line)


@cli.command()
@click.option("--source", "-s", help="Only this source.")
@click.option("--limit", "-n", default=20, show_default=True, help="How many records to show.")
@click.pass_obj
def quarantine(state: State, source: str | None, limit: int) -> None:
    """List quarantined records (where, why, and a snippet) and the pages skipped for robots.txt."""
    from feedback.warehouse import open_warehouse
    from feedback.warehouse.runs import skipped_pages

    if source:
        state.config.source(source)  # "no source named 'x' (configured: …)", not "nothing quarantined"
    db = open_warehouse(state.config.warehouse)
    where, params = ("where source = ?", [source]) if source else ("", [])
    rows = db.execute(
        f"select source, location, reason, snippet, times_seen from quarantine {where} "
        "order by last_seen desc limit ?", [*params, limit],
    ).fetchall()
    if not rows:
        click.echo("nothing quarantined")
    for src, location, reason, snippet, seen in rows:
        click.echo(f"{src}  {location}  (seen {seen}x)\n    {reason}")
        if snippet:
            click.echo(f"    > {snippet[:160]}")
    skipped = skipped_pages(db, source, limit)
    if skipped:
        click.echo("\nskipped, as the site's robots.txt asks (not quarantined):")
    for page in skipped:
        click.echo(f"{page['source']}  {page['url']}  (checked {str(page['checked'])[:19]})\n    {page['reason']}")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder to write into (default: samples/ beside the configuration).")
@click.option("--seed", default=20261122, show_default=True, help="Random seed: the same seed writes the same files.")
@click.pass_obj
def samples(state: State, out: Path | None, seed: int) -> None:
    """Write the sample exports of the fictional company Brightmoor."""
    from feedback.samples import generate
    from feedback.samples.emails import generate_emails
    from feedback.samples.forms import generate_forms
    from feedback.samples.reviews import generate_reviews

    target = out or state.config_path.resolve().parent / "samples"
    written = generate(target, seed=seed)
    for name, count in written.items():
        click.echo(f"{count:6d}  comments in {name}")
    for kind, count in generate_reviews(target / "reviews", seed).items():
        click.echo(f"{count:6d}  reviews ({kind}) in reviews/")
    for name, count in generate_emails(target, seed).items():
        click.echo(f"{count:6d}  messages in {name}")
    for name, count in generate_forms(target, seed).items():
        click.echo(f"{count:6d}  form submissions in {name}")
    click.echo(f"wrote the samples under {target}")


@cli.command()
@click.option("--source", "-s", "source_name", help="The form source to serve (default: the only one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=8002, show_default=True, type=int, help="Port to listen on.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated, '*' for any).")
@click.pass_obj
def intake(state: State, source_name: str | None, host: str, port: int, forwarded_allow_ips: str) -> None:
    """Serve the public feedback form and signed JSON endpoint of a form source (writes only its spool)."""
    from feedback.intake.app import create_app
    from feedback.intake.settings import FormSource
    from feedback.secret_refs import resolve_secret

    config = state.config
    forms = [s for s in config.sources if isinstance(s, FormSource)]
    chosen = config.source(source_name) if source_name else forms[0] if len(forms) == 1 else None
    if not isinstance(chosen, FormSource):
        names = ", ".join(s.name for s in forms) or "none configured"
        raise click.ClickException(f"name a form source to serve with --source (form sources: {names})")
    source = chosen
    keys: dict[str, bytes | None] = {}
    for field, ref in (("secret", source.secret), ("csrf_secret", source.csrf_secret)):
        value = resolve_secret(ref) if ref else None
        if ref and value is None:
            raise click.ClickException(f"source {source.name}: {field} {ref!r} is not set")
        keys[field] = value.encode() if value else None
    import uvicorn

    app = create_app(source, config.resolve(source.spool), company=config.company, secret=keys["secret"],
                     csrf_key=keys["csrf_secret"])
    endpoint = "and the JSON endpoint /api/submissions" if keys["secret"] else "(JSON endpoint off: no secret)"
    click.echo(f"Serving the {source.name} form at http://{host}:{port}/ {endpoint}; spool {config.resolve(source.spool)}")
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                server_header=False, log_level="info")


def _register_groups() -> None:
    from feedback.cli.themes import themes

    cli.add_command(themes)
    cli.add_command(__import__("feedback.cli.actions", fromlist=["actions"]).actions)  # feedback actions ...
    cli.add_command(__import__("feedback.cli.spam", fromlist=["spam"]).spam)  # feedback spam learn|check


_register_groups()


def stop_on_sigterm() -> None:
    """A stop asked for with SIGTERM (a scheduler's time limit, ``systemctl stop``, ``kill``) ends the command as an
    error does: ``finally`` blocks and exit handlers run, so the temporary Prefect API server a run starts stops with
    it. Ended outright, the process left that server running (about 200 MB each)."""
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    stop_on_sigterm()
    cli(prog_name="feedback")


if __name__ == "__main__":
    main()
