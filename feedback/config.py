"""The configuration file: one YAML document naming the databases and the sources.

Relative paths in the file are resolved against the file's own folder, so a
configuration can be moved together with its data. Secrets never appear in the
file: a secret field holds a reference such as ``env:FEEDBACK_CUSTOMER_KEY`` and
the caller resolves it with :func:`resolve_secret`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError

DEFAULT_CONFIG_PATH = Path("data/config.yml")
SECRET_REF = re.compile(r"^(env|block):([A-Za-z_][A-Za-z0-9_-]*)$")
SOURCE_NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"


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
    text: list[str] = Field(min_length=1)

    @field_validator("text", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class SurveySource(_Model):
    """Survey exports (CSV, XLSX, JSON, JSONL) dropped into a folder."""

    name: Annotated[str, Field(pattern=SOURCE_NAME)]
    channel: Literal["survey"]
    paths: list[str] = Field(min_length=1, description="file paths or glob patterns")
    format: Literal["auto", "csv", "xlsx", "json", "jsonl"] = "auto"
    encoding: str = Field("auto", description="'auto' tries UTF-8 (with or without BOM), then cp1252")
    header_rows: int | Literal["auto"] = "auto"
    delimiter: str | None = None
    sheet: str | None = None
    records_path: str | None = Field(None, description="dotted path to the list of responses in a JSON export")
    dayfirst: bool = False
    date_format: str | None = None
    timezone: str | None = None
    columns: SurveyColumns

    @field_validator("paths", mode="before")
    @classmethod
    def _path_or_paths(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _check_timezone(value)

    @field_validator("header_rows")
    @classmethod
    def _header_rows(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 5:
            raise ValueError("header_rows must be between 1 and 5, or 'auto'")
        return value


SourceConfig = SurveySource


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


class Config(_Model):
    """A validated configuration. Paths are absolute once loaded."""

    company: str = "Our company"
    timezone: str = "UTC"
    warehouse: Path = Path("warehouse.db")
    archive: Path = Path("archive.db")
    datasette_metadata: Path | None = None
    secrets: Secrets = Secrets()
    processing: Processing = Processing()
    sources: list[SourceConfig] = Field(default_factory=list)
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


def _describe(error: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    loc = list(error.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        sources = raw.get("sources") or []
        entry = sources[loc[1]] if loc[1] < len(sources) else {}
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"source {name!r}" if name else f"source #{loc[1] + 1}"
        loc = loc[2:]
        if loc and loc[0] in ("survey", "email", "review"):
            loc = loc[1:]
    field = ".".join(str(part) for part in loc)
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif error.get("type") == "missing":
        message = "required field is missing"
    parts = [p for p in (where, f"field {field!r}" if field else "") if p]
    return f"{', '.join(parts)}: {message}" if parts else message


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
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
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
        }
    )


def resolve_secret(reference: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of a secret reference, or None when it is unset.

    ``env:NAME`` reads an environment variable; ``block:NAME`` loads a Prefect
    ``Secret`` block (Prefect is imported only then). Call this at the edges
    (CLI, flows), never from library code.
    """
    match = SECRET_REF.match(reference)
    if not match:
        raise ConfigError(f"not a secret reference: {reference!r} (expected 'env:NAME' or 'block:NAME')")
    kind, name = match.groups()
    if kind == "block":
        from prefect.blocks.system import Secret

        try:
            value = Secret.load(name).get()
        except ValueError as exc:
            raise ConfigError(f"cannot load the Prefect Secret block {name!r}: {exc}") from None
        return str(value) if value else None
    env = os.environ if environ is None else environ
    return env.get(name) or None
