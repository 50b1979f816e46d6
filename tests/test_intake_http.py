"""The feedback intake over real HTTP on 127.0.0.1 (uvicorn): the form and the signed endpoint,
and every kind of broken or hostile request getting a clear answer without reaching the spool."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from feedback.intake.app import CSRF_COOKIE, RETRY_AFTER, create_app
from feedback.intake.guards import CsrfTokens, sign
from feedback.intake.settings import FormSource

from .conftest import REPO, need
from .intake_server import (
    SECRET,
    csrf_of,
    free_port,
    post_json,
    serving,
    signed,
    spooled,
    wait_for_port,
)

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
CSRF_KEY = b"test-csrf-key"
FEEDBACK = [sys.executable, "-c", "from feedback.cli import main; main()"]  # the `feedback` command, this checkout


def source(**settings: object) -> FormSource:
    return FormSource.model_validate({"name": "web-form", "channel": "form", **settings})


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "intake.db"


@pytest.fixture
def intake(spool_path: Path) -> Iterator[str]:
    app = create_app(source(max_body=4096, max_text=500, spool_timeout=0.2), spool_path, company="Brightmoor",
                     secret=SECRET, csrf_key=CSRF_KEY)
    with serving(app) as base:
        yield base


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as c:
        yield c


def send_form(client: httpx.Client, base: str, **fields: str) -> httpx.Response:
    token = csrf_of(client.get(f"{base}/").text)
    return client.post(f"{base}/", data={"csrf": token, "website": "", **fields})


# --- the form ------------------------------------------------------------------------------


def test_a_submission_through_the_form_is_spooled_and_thanked(client: httpx.Client, intake: str, spool_path: Path) -> None:
    page = client.get(f"{intake}/")
    assert page.status_code == 200
    assert "Tell Brightmoor what happened" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    answer = client.post(f"{intake}/", data={"csrf": csrf_of(page.text), "website": "",
                                             "text": "  The driver left my shopping in the rain.\r\nAgain.  ",
                                             "rating": "2", "email": " ann@example.com ", "consent": "yes"})
    assert answer.status_code == 200
    assert '<h1 id="thanks">Thank you</h1>' in answer.text
    assert "The driver left my shopping in the rain.\nAgain." in answer.text
    [row] = spooled(spool_path)
    assert row["via"] == "form" and row["submission_id"].startswith("form:")
    assert (row["text"], row["rating"], row["email"], row["consent"]) == (
        "The driver left my shopping in the rain.\nAgain.", 2, "ann@example.com", 1)
    assert row["received_at"].endswith("Z")


def test_the_stylesheet_and_health_check(client: httpx.Client, intake: str) -> None:
    css = client.get(f"{intake}/intake.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".hp" in css.text
    assert client.get(f"{intake}/healthz").text == "ok"


def test_consent_without_an_address_is_not_consent(client: httpx.Client, intake: str, spool_path: Path) -> None:
    assert send_form(client, intake, text="Fine.", consent="yes").status_code == 200
    assert [(r["email"], r["consent"], r["rating"]) for r in spooled(spool_path)] == [(None, 0, None)]


def test_a_script_in_every_field_is_shown_as_text(client: httpx.Client, intake: str, spool_path: Path) -> None:
    refused = send_form(client, intake, text=SCRIPT, email=SCRIPT, rating=SCRIPT, consent=SCRIPT)
    assert refused.status_code == 400
    assert "<script>" not in refused.text
    assert refused.text.count(ESCAPED) == 2  # the text box and the e-mail box keep what was typed
    assert "does not look like an e-mail address" in refused.text
    assert spooled(spool_path) == []
    thanked = send_form(client, intake, text=SCRIPT, email="a@example.com", rating="5")
    assert thanked.status_code == 200
    assert "<script>" not in thanked.text and f'<blockquote id="said">{ESCAPED}</blockquote>' in thanked.text
    assert [r["text"] for r in spooled(spool_path)] == [SCRIPT]  # data is kept as typed; pages escape it


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"text": "   "}, 400, "please tell us what happened"),
        ({"text": "x" * 501}, 400, "please keep it to 500 characters (this is 501)"),
        ({"text": "bell\x07"}, 400, "contains control characters"),
        ({"text": "ok", "rating": "6"}, 400, "from 1 to 5"),
        ({"text": "ok", "email": "not an address"}, 400, "does not look like an e-mail address"),
        ({"text": "ok", "consent": "maybe"}, 400, "must be true or false"),
    ],
    ids=["empty", "too-long", "control", "rating", "email", "consent"],
)
def test_fields_a_form_cannot_accept(client: httpx.Client, intake: str, spool_path: Path,
                                     fields: dict[str, str], status: int, message: str) -> None:
    answer = send_form(client, intake, **fields)
    assert answer.status_code == status
    assert message in answer.text
    assert spooled(spool_path) == []


def test_a_filled_honeypot_is_thanked_but_not_spooled(client: httpx.Client, intake: str, spool_path: Path) -> None:
    token = csrf_of(client.get(f"{intake}/").text)
    answer = client.post(f"{intake}/", data={"csrf": token, "website": "http://spam.example", "text": "Buy now"})
    assert answer.status_code == 200 and "Thank you" in answer.text
    assert spooled(spool_path) == []


def test_the_form_needs_its_csrf_token(client: httpx.Client, intake: str, spool_path: Path) -> None:
    client.get(f"{intake}/")  # the cookie alone is not enough
    missing = client.post(f"{intake}/", data={"text": "hello"})
    assert missing.status_code == 403 and "expired" in missing.text
    assert "hello</textarea>" in missing.text  # what was typed is kept, with a fresh token
    forged = client.post(f"{intake}/", data={"text": "hello", "csrf": "1.2.3"})
    assert forged.status_code == 403
    old = CsrfTokens(CSRF_KEY, 7200).issue(time.time() - 7300)
    client.cookies.set(CSRF_COOKIE, old)
    expired = client.post(f"{intake}/", data={"text": "hello", "csrf": old})
    assert expired.status_code == 403
    with httpx.Client() as stranger:  # a token from the page but no cookie: another site's post
        token = csrf_of(stranger.get(f"{intake}/").text)
        stranger.cookies.clear()
        assert stranger.post(f"{intake}/", data={"text": "hello", "csrf": token}).status_code == 403
    assert spooled(spool_path) == []


def test_an_oversized_form_is_refused(client: httpx.Client, intake: str, spool_path: Path) -> None:
    token = csrf_of(client.get(f"{intake}/").text)
    declared = client.post(f"{intake}/", data={"csrf": token, "text": "x" * 5000})
    assert declared.status_code == 413 and "larger than 4096 bytes" in declared.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield f"csrf={token}&text=".encode()
        for _ in range(10):
            yield b"y" * 1000

    streamed = client.post(f"{intake}/", content=chunks(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    assert spooled(spool_path) == []


@pytest.mark.parametrize("body", [b"text=caf%E9&csrf=x", b"text=caf\xe9&csrf=x"], ids=["percent-encoded", "raw"])
def test_a_form_that_is_not_utf8_is_refused(client: httpx.Client, intake: str, spool_path: Path, body: bytes) -> None:
    answer = client.post(f"{intake}/", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400 and "not valid UTF-8" in answer.text
    assert spooled(spool_path) == []


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded; charset=latin-1", None])
def test_a_form_post_of_another_type_is_refused(client: httpx.Client, intake: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post(f"{intake}/", content=b"text=hi", headers=headers)
    assert answer.status_code == 415 and "application/x-www-form-urlencoded" in answer.text


def test_too_many_fields_are_refused(client: httpx.Client, intake: str) -> None:
    body = "&".join(f"f{i}=1" for i in range(40)).encode()
    answer = client.post(f"{intake}/", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400 and "too many fields" in answer.text


# --- the signed JSON endpoint -------------------------------------------------------------


def test_a_signed_submission_is_stored_once(client: httpx.Client, intake: str, spool_path: Path) -> None:
    data = {"id": "crm-1001", "text": "Refund took three weeks.", "rating": 1, "email": "bo@example.org",
            "consent": True, "received_at": "2026-11-20T09:30:00+01:00"}
    first = post_json(client, intake, data)
    assert first.status_code == 201, first.text
    assert first.json() == {"id": "crm-1001", "status": "received", "received_at": "2026-11-20T08:30:00Z"}
    [row] = spooled(spool_path)
    assert (row["submission_id"], row["via"], row["rating"], row["consent"]) == ("api:crm-1001", "api", 1, 1)


def test_a_replayed_request_is_refused(client: httpx.Client, intake: str, spool_path: Path) -> None:
    body = json.dumps({"id": "crm-7", "text": "Late again."}).encode()
    headers = signed(body)
    assert client.post(f"{intake}/api/submissions", content=body, headers=headers).status_code == 201
    again = client.post(f"{intake}/api/submissions", content=body, headers=headers)
    assert again.status_code == 409 and "received before" in again.json()["error"]
    stale = post_json(client, intake, {"id": "crm-8", "text": "Late again."}, timestamp=int(time.time()) - 301)
    assert stale.status_code == 401 and "more than 300 s from now" in stale.json()["error"]
    future = post_json(client, intake, {"id": "crm-9", "text": "Late again."}, timestamp=int(time.time()) + 3600)
    assert future.status_code == 401
    assert [r["submission_id"] for r in spooled(spool_path)] == ["api:crm-7"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body, {**headers, "X-Feedback-Signature": sign(b"wrong-secret", headers["X-Feedback-Timestamp"], body)}),
        lambda body, headers: (body.replace(b"Late", b"Early"), headers),
        lambda body, headers: (body, {**headers, "X-Feedback-Timestamp": str(int(headers["X-Feedback-Timestamp"]) - 1)}),
        lambda body, headers: (body, {k: v for k, v in headers.items() if k != "X-Feedback-Signature"}),
        lambda body, headers: (body, {**headers, "X-Feedback-Timestamp": "soon"}),
        lambda body, headers: (body, {**headers, "X-Feedback-Signature": "sha256=" + "0" * 64}),
    ],
    ids=["wrong-secret", "body-changed", "timestamp-changed", "no-signature", "bad-timestamp", "zeros"],
)
def test_a_bad_signature_is_refused(client: httpx.Client, intake: str, spool_path: Path,
                                    tamper: Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]) -> None:
    body = json.dumps({"id": "crm-2", "text": "Late again."}).encode()
    sent, headers = tamper(body, signed(body))
    answer = client.post(f"{intake}/api/submissions", content=sent, headers=headers)
    assert answer.status_code == 401, answer.text
    assert spooled(spool_path) == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b'{"id": "a", "text": "caf\xe9"}', 400, "not valid UTF-8"),
        (b'{"id": "a", "text": ', 400, "not valid JSON"),
        (b'["a"]', 400, "expected a JSON object"),
        (b'{"id": "a", "text": "hi", "name": "Ann"}', 400, "unknown fields ['name']"),
        (b'{"text": "hi"}', 400, "id: is required"),
        (b'{"id": "<script>", "text": "hi"}', 400, "letters, digits"),
        (b'{"id": "a", "text": "hi", "rating": 4.5}', 400, "from 1 to 5"),
        (b'{"id": "a", "text": "hi", "rating": true}', 400, "from 1 to 5"),
        (b'{"id": "a", "text": "hi", "received_at": "yesterday"}', 400, "ISO 8601"),
        (b'{"id": "a", "text": "hi", "received_at": "2026-11-20T09:30:00"}', 400, "with its zone"),
        (b'{"id": "a", "text": ' + json.dumps("x" * 501).encode() + b"}", 400, "500 characters"),
    ],
    ids=["not-utf8", "not-json", "not-object", "unknown-field", "no-id", "bad-id", "half-star", "bool-rating",
         "bad-date", "naive-date", "too-long"],
)
def test_a_signed_body_the_endpoint_cannot_accept(client: httpx.Client, intake: str, spool_path: Path,
                                                  body: bytes, status: int, message: str) -> None:
    answer = client.post(f"{intake}/api/submissions", content=body, headers=signed(body))
    assert answer.status_code == status
    assert message in json.dumps(answer.json()), answer.text
    assert spooled(spool_path) == []


def test_the_endpoint_checks_type_and_size_before_the_signature(client: httpx.Client, intake: str) -> None:
    body = b'{"id": "a", "text": "hi"}'
    wrong_type = client.post(f"{intake}/api/submissions", content=body, headers={**signed(body), "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    big = json.dumps({"id": "a", "text": "x" * 5000}).encode()
    assert client.post(f"{intake}/api/submissions", content=big, headers=signed(big)).status_code == 413


def test_without_a_secret_the_endpoint_is_off(client: httpx.Client, spool_path: Path) -> None:
    with serving(create_app(source(), spool_path)) as base:
        answer = post_json(client, base, {"id": "a", "text": "hi"})
    assert answer.status_code == 404 and "endpoint is off" in answer.json()["error"]


# --- rate limit, proxies, a locked spool ---------------------------------------------------


def test_an_address_over_its_rate_gets_429(client: httpx.Client, spool_path: Path) -> None:
    app = create_app(source(rate=0.001, burst=2), spool_path, secret=SECRET)
    with serving(app, forwarded_allow_ips="10.255.255.1") as base:  # 127.0.0.1 is not a trusted proxy
        codes = [post_json(client, base, {"id": f"r{i}", "text": "hi"},).status_code for i in range(2)]
        limited = post_json(client, base, {"id": "r3", "text": "hi"})
        forged = client.post(f"{base}/", headers={"X-Forwarded-For": "198.51.100.7"}, data={"text": "hi"})
    assert codes == [201, 201]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert forged.status_code == 429  # a made-up X-Forwarded-For does not buy a fresh bucket
    assert len(spooled(spool_path)) == 2


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(client: httpx.Client, spool_path: Path) -> None:
    app = create_app(source(rate=0.001, burst=1), spool_path, secret=SECRET)
    with serving(app, forwarded_allow_ips="127.0.0.1") as base:
        def as_client(address: str, n: int) -> int:
            body = json.dumps({"id": f"{address}-{n}", "text": "hi"}).encode()
            return client.post(f"{base}/api/submissions", content=body,
                               headers={**signed(body), "X-Forwarded-For": address}).status_code

        assert [as_client("203.0.113.5", 1), as_client("203.0.113.5", 2), as_client("203.0.113.6", 1)] == [201, 429, 201]


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("begin immediate")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("rollback")
"""


def test_a_spool_locked_by_another_process_answers_503_and_loses_nothing(
    client: httpx.Client, intake: str, spool_path: Path
) -> None:
    token = csrf_of(client.get(f"{intake}/").text)
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(spool_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        busy = client.post(f"{intake}/", data={"csrf": token, "text": "My order never came."})
        assert busy.status_code == 503 and busy.headers["Retry-After"] == str(RETRY_AFTER)
        assert "Nothing was lost" in busy.text and "My order never came.</textarea>" in busy.text
        api = post_json(client, intake, {"id": "crm-busy", "text": "Still waiting."})
        assert api.status_code == 503 and api.headers["Retry-After"] == str(RETRY_AFTER)
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.close()
        locker.wait(timeout=30)
    assert spooled(spool_path) == []
    again = client.post(f"{intake}/", data={"csrf": csrf_of(busy.text), "text": "My order never came."})
    assert again.status_code == 200
    assert post_json(client, intake, {"id": "crm-busy", "text": "Still waiting."}).status_code == 201
    assert [r["text"] for r in spooled(spool_path)] == ["My order never came.", "Still waiting."]


# --- the command ---------------------------------------------------------------------------


def test_feedback_intake_serves_the_configured_form(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    config = write_config([{"name": "web-form", "channel": "form", "spool": "spool/intake.db",
                            "secret": "env:TEST_INTAKE_SECRET"}], company="Brightmoor")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TEST_INTAKE_SECRET": SECRET.decode()}
    process = subprocess.Popen([*FEEDBACK, "--config", str(config), "intake",
                                "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, lambda: process.poll() is None)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=30) as client:
            assert "Tell Brightmoor what happened" in client.get(f"{base}/").text
            assert post_json(client, base, {"id": "cli-1", "text": "Works."}).status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert [r["text"] for r in spooled(tmp_path / "spool" / "intake.db")] == ["Works."]


def test_feedback_intake_refuses_an_unset_secret(write_config: Callable[..., Path]) -> None:
    config = write_config([{"name": "web-form", "channel": "form", "secret": "env:TEST_INTAKE_UNSET_SECRET"}])
    env = {k: v for k, v in os.environ.items() if k != "TEST_INTAKE_UNSET_SECRET"}
    done = subprocess.run([*FEEDBACK, "--config", str(config), "intake"],
                          env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "secret 'env:TEST_INTAKE_UNSET_SECRET' is not set" in done.stderr


# --- the README's examples -----------------------------------------------------------------


def readme_block(language: str, containing: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The feedback intake"):text.index("## Bad input")]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    [block] = [b for b in blocks if containing in b]
    return block


@pytest.mark.parametrize(("language", "command"), [("bash", ["bash", "-eu", "-c"]), ("python", [sys.executable, "-c"])])
def test_the_readme_signing_examples_are_accepted(intake: str, spool_path: Path, language: str, command: list[str]) -> None:
    if language == "bash":
        need(shutil.which("openssl") and shutil.which("curl"), "openssl and curl are needed for the README's shell example")
    script = readme_block(language, "X-Feedback-Signature").replace("http://127.0.0.1:8002", intake)
    done = subprocess.run([*command, script], env={**os.environ, "FEEDBACK_INTAKE_SECRET": SECRET.decode()},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert '"status":"received"' in done.stdout
    assert [r["submission_id"] for r in spooled(spool_path)] == ["api:crm-1234"]
