"""The intake's decisions as pure functions (fields, rate limit, CSRF, signature), its configuration,
and the sample submissions."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from feedback import config as config_module
from feedback.config import load_config
from feedback.errors import ConfigError
from feedback.intake import settings
from feedback.intake.fields import (
    Invalid,
    clean_consent,
    clean_email,
    clean_id,
    clean_rating,
    clean_text,
)
from feedback.intake.guards import (
    CsrfTokens,
    Refused,
    TokenBucket,
    media_type,
    read_limited,
    require_type,
    sign,
    verify,
)
from feedback.samples.forms import SPOOL_FILE, draw_submissions, generate_forms

from .conftest import REPO
from .intake_server import spooled

# --- fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" hi \r\nthere ", "hi \nthere"), ("a\tb", "a\tb"), ("é" * 10, "é" * 10),
     ("", Invalid), (" \n ", Invalid), ("x\x00y", Invalid), ("x\x1by", Invalid), ("x" * 11, Invalid), (5, Invalid)],
)
def test_clean_text(value: Any, expected: Any) -> None:
    if expected is Invalid:
        with pytest.raises(Invalid):
            clean_text(value, 10)
    else:
        assert clean_text(value, 10) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("1", 1), (" 5 ", 5), (3, 3), ("0", Invalid), ("6", Invalid), (6, Invalid),
     (4.0, Invalid), (True, Invalid), ("three", Invalid), ("<b>", Invalid)],
)
def test_clean_rating(value: Any, expected: Any) -> None:
    if expected is Invalid:
        with pytest.raises(Invalid, match="from 1 to 5"):
            clean_rating(value)
    else:
        assert clean_rating(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("  ", None), (" ann@example.com ", "ann@example.com"), ("o'neil@example.com", Invalid),
     ("ann@example", Invalid), ("ann example@x.com", Invalid), ("a@b@c.com", Invalid), ('"><script>@x.com', Invalid),
     ("a@" + "b" * 250 + ".com", Invalid), (["a@b.com"], Invalid)],
)
def test_clean_email(value: Any, expected: Any) -> None:
    if expected is Invalid:
        with pytest.raises(Invalid):
            clean_email(value)
    else:
        assert clean_email(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("", False), (False, False), ("yes", True),
                                                 ("on", True), (True, True), ("no", Invalid), (1, Invalid)])
def test_clean_consent(value: Any, expected: Any) -> None:
    if expected is Invalid:
        with pytest.raises(Invalid):
            clean_consent(value)
    else:
        assert clean_consent(value) is expected


@pytest.mark.parametrize(("value", "ok"), [("crm-1", True), ("zendesk:123/4", True), ("a" * 100, True),
                                           ("a" * 101, False), ("", False), ("-x", False), ("a b", False), (7, False)])
def test_clean_id(value: Any, ok: bool) -> None:
    if ok:
        assert clean_id(value) == value
    else:
        with pytest.raises(Invalid):
            clean_id(value)


# --- guards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, ("", None)), ("application/json", ("application/json", None)),
     ("Application/JSON; Charset=\"UTF-8\"", ("application/json", "utf-8")),
     ("application/x-www-form-urlencoded;charset=latin-1", ("application/x-www-form-urlencoded", "latin-1"))],
)
def test_media_type(header: str | None, expected: tuple[str, str | None]) -> None:
    assert media_type(header) == expected


@pytest.mark.parametrize(("header", "ok"), [("application/json", True), ("application/json; charset=utf-8", True),
                                            ("application/json; charset=utf-16", False), ("text/json", False), (None, False)])
def test_require_type(header: str | None, ok: bool) -> None:
    if ok:
        require_type(header, "application/json")
    else:
        with pytest.raises(Refused) as refused:
            require_type(header, "application/json")
        assert refused.value.status == 415


def test_the_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=0.5, burst=2)
    assert [bucket.take("a", 100.0) for _ in range(3)] == [0.0, 0.0, 2.0]
    assert bucket.take("b", 100.0) == 0.0  # another address has its own bucket
    assert bucket.take("a", 101.0) == 1.0  # half a token refilled, half a token still to go
    assert bucket.take("a", 103.0) == 0.0
    with pytest.raises(Refused) as refused:
        bucket.check("a", 103.0)
    assert (refused.value.status, refused.value.headers) == (429, {"Retry-After": "1"})  # half a token left


def test_the_token_bucket_forgets_the_least_recent_addresses() -> None:
    bucket = TokenBucket(rate=0.001, burst=1, max_keys=2)
    bucket.take("a", 0.0)
    bucket.take("b", 0.0)
    bucket.take("c", 0.0)  # "a" is forgotten: a fresh bucket next time
    assert bucket.take("a", 0.0) == 0.0 and bucket.take("c", 0.0) > 0


def test_csrf_tokens() -> None:
    tokens = CsrfTokens(b"key", lifetime=60)
    token = tokens.issue(1000.0)
    tokens.check(token, token, 1059.0)
    other = CsrfTokens(b"other-key", lifetime=60).issue(1000.0)
    issued, nonce, signature = token.split(".")
    for cookie, field, now in [(token, token, 1061.0), (token, token, 999.0), (None, token, 1000.0),
                               (token, None, 1000.0), (token, tokens.issue(1000.0), 1000.0), (other, other, 1000.0),
                               (f"{issued}.{nonce}.", f"{issued}.{nonce}.", 1000.0),
                               (f"990.{nonce}.{signature}",) * 2 + (1000.0,)]:
        with pytest.raises(Refused) as refused:
            tokens.check(cookie, field, now)
        assert refused.value.status == 403


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1767225600.{\"id\":\"a\"}", hashlib.sha256).hexdigest()
    assert sign(b"s3cret", "1767225600", b'{"id":"a"}') == f"sha256={expected}"
    headers = {"x-feedback-timestamp": "1767225600", "x-feedback-signature": f"sha256={expected}"}
    verify(b"s3cret", headers, b'{"id":"a"}', 1767225600 + 300, 300)
    for now in (1767225600 + 301, 1767225600 - 301):
        with pytest.raises(Refused, match="more than 300 s"):
            verify(b"s3cret", headers, b'{"id":"a"}', now, 300)
    with pytest.raises(Refused, match="does not match"):
        verify(b"s3cret", {**headers, "x-feedback-signature": "sha256=é"}, b'{"id":"a"}', 1767225600, 300)


def test_read_limited() -> None:
    async def body(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    def run(declared: str | None, *parts: bytes) -> bytes:
        return asyncio.run(read_limited(body(*parts), declared, 10))

    assert run("10", b"12345", b"67890") == b"1234567890"
    assert run(None, b"123") == b"123"
    for declared, parts in [("11", (b"",)), (None, (b"123456", b"78901")), ("2", (b"123456789012",))]:
        with pytest.raises(Refused) as refused:
            run(declared, *parts)
        assert refused.value.status == 413
    with pytest.raises(Refused) as refused:
        run("ten", b"")
    assert refused.value.status == 400


# --- configuration -------------------------------------------------------------------------


def test_the_form_settings_repeat_the_configuration_patterns() -> None:
    assert settings.SOURCE_NAME == config_module.SOURCE_NAME
    assert config_module.SECRET_REF.pattern == settings.SECRET_REF


def test_a_form_source_loads_with_defaults(write_config: Callable[..., Path]) -> None:
    config = load_config(write_config([{"name": "web-form", "channel": "form", "secret": "env:INTAKE_KEY"}]))
    source = config.source("web-form")
    assert isinstance(source, settings.FormSource)
    assert (source.spool, source.secret, source.max_body, source.replay_window) == ("intake.db", "env:INTAKE_KEY", 64_000, 300)
    assert config.resolve(source.spool) == config.base_dir / "intake.db"


@pytest.mark.parametrize(
    ("entry", "message"),
    [({"secret": "hunter2"}, "source 'web-form', field 'secret': String should match pattern"),
     ({"max_body": 10}, "field 'max_body'"),
     ({"spooll": "x.db"}, "field 'spooll': unknown field"),
     ({"secret": "env:K", "csrf_secret": "env:K"}, "secret and csrf_secret must be different keys")],
)
def test_a_bad_form_source_is_named(write_config: Callable[..., Path], entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(write_config([{"name": "web-form", "channel": "form", **entry}]))


def test_the_shipped_configuration_has_the_sample_form() -> None:
    source = load_config(REPO / "data" / "config.yml").source("web-form")
    assert isinstance(source, settings.FormSource)
    assert source.spool == f"samples/{SPOOL_FILE}" and source.secret == "env:FEEDBACK_INTAKE_SECRET"


# --- samples -------------------------------------------------------------------------------


def test_sample_submissions_are_the_same_for_a_seed_and_written_once(tmp_path: Path) -> None:
    first, second = draw_submissions(7), draw_submissions(7)
    assert first == second and first != draw_submissions(8)
    assert len(first) == 150 and len({s.submission_id for s in first}) == 150
    assert {s.via for s in first} == {"form", "api"}
    assert any(s.email and s.consent for s in first) and any(s.email and not s.consent for s in first)
    assert any("<script>" in s.text for s in first)
    assert [s.received_at for s in first] == sorted(s.received_at for s in first)
    assert generate_forms(tmp_path, 7) == {SPOOL_FILE: 150}
    path = tmp_path / SPOOL_FILE
    rows = spooled(path)
    assert [(r["submission_id"], r["text"], r["email"]) for r in rows] == [(s.submission_id, s.text, s.email) for s in first]
    generate_forms(tmp_path, 7)  # again: nothing added, nothing replaced
    assert spooled(path) == rows
