"""The configuration file: one YAML document naming the databases and the sources.

Relative paths in the file are resolved against the file's own folder, so a
configuration can be moved together with its data. Secrets never appear in the
file: a secret field holds a reference such as ``env:FEEDBACK_CUSTOMER_KEY`` and
the caller resolves it with :func:`feedback.secret_refs.resolve_secret`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from feedback.embed_settings import EmbedSettings
from feedback.errors import ConfigError
from feedback.intake.settings import FormSource
from feedback.notify.settings import NotifySettings
from feedback.scale.settings import ScaleSettings
from feedback.secret_refs import SECRET_REF
from feedback.themes.settings import ThemeSettings

DEFAULT_CONFIG_PATH = Path("data/config.yml")
SOURCE_NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"


# --- shared by the models below --------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (expected an IANA name such as 'Europe/London')") from exc
    return value


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# A list of strings that may be written as one string in the YAML ("paths: a.csv").
OneOrMany = Annotated[list[str], BeforeValidator(_listify)]
# An IANA time zone name, checked on load; None keeps the configuration's own.
TimeZone = Annotated[str | None, AfterValidator(_check_timezone)]


# --- sources: surveys ------------------------------------------------------------------------


class RatingColumn(_Model):
    """Where a source keeps its score, and on which scale."""

    column: str
    scale: Literal["nps", "csat", "stars", "likert5", "custom"] = "nps"
    min: float | None = None
    max: float | None = None
    labels: dict[str, float] = Field(
        default_factory=dict,
        description="answer text -> number, for scales exported as words ('Very satisfied': 5)",
    )

    @model_validator(mode="after")
    def _custom_needs_bounds(self) -> RatingColumn:
        if self.scale == "custom" and (self.min is None or self.max is None or self.max <= self.min):
            raise ValueError("a custom scale needs min and max, with max > min")
        return self


class SurveyColumns(_Model):
    """Which export columns mean what. Names match a header cell (case and spacing ignored)."""

    id: str | None = None
    received_at: str | None = None
    customer: str | None = None
    rating: RatingColumn | None = None
    title: str | None = None
    text: OneOrMany = Field(min_length=1)


class SurveySource(_Model):
    """Survey exports (CSV, XLSX, JSON, JSONL) dropped into a folder."""

    name: Annotated[str, Field(pattern=SOURCE_NAME)]
    channel: Literal["survey"]
    paths: OneOrMany = Field(min_length=1, description="file paths or glob patterns")
    format: Literal["auto", "csv", "xlsx", "json", "jsonl"] = "auto"
    encoding: str = Field("auto", description="'auto' tries UTF-8 (with or without BOM), then cp1252")
    header_rows: int | Literal["auto"] = "auto"
    delimiter: str | None = None
    sheet: str | None = None
    records_path: str | None = Field(None, description="dotted path to the list of responses in a JSON export")
    dayfirst: bool = False
    date_format: str | None = None
    timezone: TimeZone = None
    columns: SurveyColumns

    @field_validator("header_rows")
    @classmethod
    def _header_rows(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 5:
            raise ValueError("header_rows must be between 1 and 5, or 'auto'")
        return value


# --- sources: e-mail -------------------------------------------------------------------------


class ImapAccount(_Model):
    """One IMAP mailbox. The password is a secret reference, resolved by the caller."""

    host: str = Field(min_length=1)
    port: int | None = Field(None, ge=1, le=65535, description="default 993 for ssl, 143 otherwise")
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    username: str = Field(min_length=1)
    password: str = Field(description="a secret reference such as 'env:SUPPORT_IMAP_PASSWORD'")
    folders: OneOrMany = Field(default_factory=lambda: ["INBOX"], min_length=1)
    read_only: bool = Field(True, description="false lets the fetch mark messages as read (\\Seen)")
    ca_file: str | None = Field(None, description="CA bundle for a server with a private certificate")
    timeout: float = Field(60.0, gt=0)
    batch_size: int = Field(100, ge=1, le=5000, description="messages per UID FETCH")
    retries: int = Field(2, ge=0, le=10, description="reconnects after a dropped connection")
    retry_delay: float = Field(2.0, ge=0)

    @field_validator("password")
    @classmethod
    def _reference_only(cls, value: str) -> str:
        if not SECRET_REF.match(value):
            raise ValueError("the password must be a secret reference like 'env:VARIABLE_NAME', never the password")
        return value


class SpamCheck(_Model):
    """How an email source tells spam from customers' mail (README: "Spam")."""

    check: Literal["auto", "headers", "spamd", "off"] = Field("auto", description="auto: an upstream filter's X-Spam-Status/X-Spam-Flag verdict, else spamd when host is set; headers: only that; spamd: always spamd")
    host: str | None = Field(None, description="where spamd listens (a host name or IP)")
    port: int = Field(783, ge=1, le=65535)
    threshold: float | None = Field(None, description="spam from this score on; None: spamd's required_score")
    timeout: float = Field(30.0, gt=0, description="seconds for one message's check")


class EmailSource(_Model):
    """Emails to support and sales: IMAP folders, mbox files, maildir trees, folders of .eml files."""

    name: Annotated[str, Field(pattern=SOURCE_NAME)]
    channel: Literal["email"]
    imap: list[ImapAccount] = Field(default_factory=list)
    mbox: OneOrMany = Field(default_factory=list, description="mbox files or glob patterns")
    maildir: OneOrMany = Field(default_factory=list, description="maildir roots (with cur/ and new/)")
    eml: OneOrMany = Field(default_factory=list, description="folders of message files (.eml), or globs")
    company_domains: OneOrMany = Field(
        default_factory=list,
        description="mail from these domains (and subdomains) is a response to the thread, not feedback",
    )
    contact_consent: bool = Field(
        False, description="the senders agreed to be contacted: `feedback actions contacts` may list their addresses",
    )
    timezone: TimeZone = None
    spam: SpamCheck = SpamCheck()

    @model_validator(mode="after")
    def _readable_and_checkable(self) -> EmailSource:
        if not (self.imap or self.mbox or self.maildir or self.eml):
            raise ValueError("an email source needs at least one of imap, mbox, maildir or eml")
        if self.spam.check == "spamd" and not self.spam.host:
            raise ValueError("spam: check: spamd needs the host (and port) of a running spamd")
        return self

    def secret_references(self) -> list[str]:
        """The secret references this source needs resolved (IMAP passwords)."""
        return sorted({account.password for account in self.imap})


# --- sources: public reviews -----------------------------------------------------------------


class ReviewSelectors(_Model):
    """CSS selectors for review pages without schema.org markup."""

    review: str = Field(description="one element per review, e.g. 'div.review'")
    body: str = Field(description="inside a review: its text")
    title: str | None = None
    rating: str | None = None
    rating_attribute: str | None = Field(None, description="read the rating from this attribute (e.g. 'content', 'data-stars') instead of the text")
    author: str | None = None
    date: str | None = None
    date_attribute: str | None = "datetime"
    best: float = 5
    worst: float = 1


class ReviewSite(_Model):
    """Options for one host, overriding the source's defaults (keys of ``sites`` are host names)."""

    rate: float | None = Field(None, gt=0, description="requests per second to this host")
    selectors: ReviewSelectors | None = None
    next_selector: str | None = None
    max_pages: int | None = Field(None, ge=1)
    user_agent: str | None = None
    timeout: float | None = Field(None, gt=0)
    deadline: float | None = Field(None, gt=0)
    max_bytes: int | None = Field(None, ge=1024)


class ReviewExport(_Model):
    """An app-store style export of reviews (CSV, JSON or JSONL): a local path or glob, or an http(s) URL."""

    path: str
    format: Literal["auto", "csv", "json", "jsonl"] = "auto"
    records_path: str | None = Field(None, description="dotted path to the list of reviews in a JSON export")
    id: str | None = None
    text: str | None = Field(None, description="column of the review text; guessed from common names when unset")
    title: str | None = None
    rating: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    best: float = 5
    worst: float = 1


class ReviewSource(_Model):
    """Public reviews: web pages with schema.org markup, sitemaps, RSS/Atom feeds and review exports."""

    name: Annotated[str, Field(pattern=SOURCE_NAME)]
    channel: Literal["review"]
    base_url: str | None = Field(None, description="relative urls, sitemaps and feeds are joined to this")
    serve_local: str | None = Field(
        None,
        description="a folder served on 127.0.0.1 for the length of the run and used as base_url "
        "(the bundled sample site; local testing)",
    )
    urls: OneOrMany = Field(default_factory=list, description="review pages; pagination is followed from each")
    sitemaps: OneOrMany = Field(default_factory=list)
    sitemap_include: OneOrMany = Field(default_factory=list, description="regexes; only sitemap URLs matching one are read")
    feeds: OneOrMany = Field(default_factory=list, description="RSS or Atom feeds, one review per entry")
    exports: list[ReviewExport] = Field(default_factory=list)
    user_agent: str = Field(
        "feedback-review-collector/0.1 (+set user_agent to name your company and a contact URL)",
        min_length=3,
    )
    rate: float = Field(1.0, gt=0, description="requests per second per host (robots.txt Crawl-delay wins when slower)")
    timeout: float = Field(20.0, gt=0, description="seconds to wait for a response")
    deadline: float = Field(60.0, gt=0, description="seconds one request may take in all, download included")
    max_bytes: int = Field(5_000_000, ge=1024, description="larger responses are abandoned")
    max_redirects: int = Field(5, ge=0, le=20)
    max_pages: int = Field(10, ge=1, description="pages followed from one start URL")
    max_sitemap_urls: int = Field(500, ge=1)
    attempts: int = Field(3, ge=1, le=10, description="tries per request on 429, 5xx and timeouts")
    max_retry_after: float = Field(300.0, ge=0, description="a longer Retry-After gives up until the next run")
    selectors: ReviewSelectors | None = None
    next_selector: str | None = Field(None, description="CSS selector of the next-page link when there is no rel=next")
    sites: dict[str, ReviewSite] = Field(default_factory=dict)
    timezone: TimeZone = None

    @field_validator("sitemap_include")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"sitemap_include {pattern!r} is not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> ReviewSource:
        if not (self.urls or self.sitemaps or self.feeds or self.exports):
            raise ValueError("a review source needs at least one of urls, sitemaps, feeds or exports")
        return self


# One entry of ``sources``: its ``channel`` picks the model.
SourceConfig = Annotated[SurveySource | ReviewSource | EmailSource | FormSource, Field(discriminator="channel")]
CHANNELS = "survey, email, review, form"  # the values of ``channel:``, as error messages name them


# --- processing ------------------------------------------------------------------------------


class Processing(_Model):
    """How comments are prepared for publishing: languages to tell apart, where phone numbers come from."""

    languages: list[str] = Field(
        default_factory=lambda: ["en", "fr", "de", "es", "it", "pt", "nl"],
        description="ISO 639-1 codes the language detector chooses between",
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: ["GB", "US"],
        description="ISO 3166 regions for phone numbers written without a +country prefix",
    )
    names: list[str] = Field(
        default_factory=list,
        description="names always redacted, e.g. the staff roster: customers name the people who served them",
    )
    names_file: Path | None = Field(None, description="a text file of such names, one per line")
    workers: int | None = Field(
        None, ge=1,
        description="processes that parse e-mail and redact, detect and score comments; None = one per core",
    )
    parallel_min_items: int = Field(
        500, ge=1,
        description="pending comments from which the process stage uses the workers; fewer are processed"
        " in one process (quicker than starting the workers, ~5 s)",
    )
    parallel_min_messages: int = Field(
        200, ge=1, description="new e-mail messages from which the e-mail reader parses them in the workers")

    def worker_count(self) -> int:
        from feedback.workers import cpu_count

        return self.workers or cpu_count()


# --- secrets ---------------------------------------------------------------------------------


class Secrets(_Model):
    customer_key: str = Field(
        "env:FEEDBACK_CUSTOMER_KEY",
        description="key of the keyed hash that turns a customer's address into a pseudonym",
    )

    @field_validator("*")
    @classmethod
    def _reference_only(cls, value: str) -> str:
        if not SECRET_REF.match(value):
            raise ValueError(
                "a secret must be a reference like 'env:VARIABLE_NAME' or 'block:prefect-secret-block-name',"
                " never the secret itself"
            )
        return value


# --- promises: what the company promises, matched to feedback by meaning ---------------------


class Promise(_Model):
    """A brand promise or service standard, e.g. "delivered within 2 days"."""

    text: str = Field(min_length=3, description="the promise in the company's own words")
    area: str | None = Field(None, description="the product or service area it belongs to (e.g. delivery)")
    threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="cosine a comment's point needs to count as a mention; None = default"
    )


def _promise(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


# --- the configuration -----------------------------------------------------------------------


class Config(_Model):
    """A validated configuration. Paths are absolute once loaded."""

    company: str = "Our company"
    timezone: str = "UTC"
    warehouse: Path = Path("warehouse.db")
    archive: Path = Path("archive.db")
    datasette_metadata: Path | None = None
    secrets: Secrets = Secrets()
    processing: Processing = Processing()
    themes: ThemeSettings = ThemeSettings()
    scale: ScaleSettings = ScaleSettings()
    embed: EmbedSettings = EmbedSettings()  # the embedding backend (feedback.embed_settings)
    promises: list[Annotated[Promise, BeforeValidator(_promise)]] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    notify: NotifySettings = NotifySettings()  # alerts and the morning summary (feedback.notify)
    base_dir: Path = Path(".")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        _check_timezone(value)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        if unknown := sorted(set(self.themes.read_whole) - seen):  # a typo would read that source by sentences
            raise ValueError(f"themes.read_whole names no configured source: {', '.join(unknown)}")
        return self

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} (configured: {known})")

    def resolve(self, path: str | Path) -> Path:
        """A path from the file, made absolute against the file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)


# --- loading ---------------------------------------------------------------------------------


def _describe(error: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    loc = list(error.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        sources = raw.get("sources") or []
        entry = sources[loc[1]] if loc[1] < len(sources) else {}
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"source {name!r}" if name else f"source #{loc[1] + 1}"
        loc = loc[2:]
        if loc and loc[0] in ("survey", "email", "review", "form"):
            loc = loc[1:]
    field = ".".join(str(part) for part in loc)
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif kind == "missing":
        message = "required field is missing"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):  # the source's `channel:`
        field = ".".join([*(str(part) for part in loc), str(ctx.get("discriminator", "'channel'")).strip("'")])
        message = f"{ctx.get('tag')!r} is not one of {CHANNELS}" if kind == "union_tag_invalid" else (
            f"required field is missing (one of {CHANNELS})")
    parts = [p for p in (where, f"field {field!r}" if field else "") if p]
    return f"{', '.join(parts)}: {message}" if parts else message


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what a YAML syntax error is, on one line (PyYAML's own text spans five)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or ""
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    text = ": ".join(" ".join(str(part).split()) for part in (getattr(exc, "context", None), problem) if part)
    return f"{where}: {text}" if text else where


def load_config(path: str | Path) -> Config:
    """Read and validate a configuration file; raise ConfigError naming file, source and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML{_yaml_problem(exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    data = dict(raw)
    data["base_dir"] = path.resolve().parent
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key usually explains the "missing" error next to it: show it first.
        first = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ConfigError(f"{path}: {_describe(first, raw)}{suffix}") from None
    return config.model_copy(
        update={
            "warehouse": config.resolve(config.warehouse),
            "archive": config.resolve(config.archive),
            "datasette_metadata": config.resolve(config.datasette_metadata)
            if config.datasette_metadata
            else None,
            "processing": config.processing.model_copy(
                update={"names_file": config.resolve(config.processing.names_file)}
            ) if config.processing.names_file else config.processing,
        }
    )
