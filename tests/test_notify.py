"""Alerts and the morning summary (feedback.notify): what fires and why, the escaped markdown, and
Apprise's generic JSON webhook received by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.errors import ConfigError
from feedback.insights.stats import weeks_back
from feedback.insights.tables import trend_rows
from feedback.notify.morning import morning, resolve_urls
from feedback.notify.render import escape, render
from feedback.notify.send import secret_parts
from feedback.notify.settings import SECRET_REF as SETTINGS_REF
from feedback.notify.settings import NotifySettings
from feedback.notify.summary import morning_summary
from feedback.secret_refs import SECRET_REF
from feedback.warehouse import open_warehouse
from feedback.warehouse.runs import start_run

LATEST = "2026-11-16"  # a Monday: the last week of the archive
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
ROWS = [
    {"source": "survey", "status": "ok", "seen": 120, "new": 30, "changed": 0, "quarantined": 2, "error": ""},
    {"source": "mailbox", "status": "ok", "seen": 8, "new": 8, "changed": 0, "quarantined": 0, "error": ""},
]


# --- a real receiver on 127.0.0.1 --------------------------------------------------------------


class Receiver:
    """Records each JSON POST; answers ``status`` with ``reply`` (Slack's webhook answers ``ok``);
    over TLS with ``certificate`` (certificate, key) given."""

    def __init__(self, reply: bytes = b"", certificate: tuple[Path, Path] | None = None) -> None:
        self.status = 200
        self.posts: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                receiver.posts.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                       "body": json.loads(self.rfile.read(length))})
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if certificate:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks/morning-Tok3nSecret") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


# --- an archive whose theme_trends come from the trends page's own test ------------------------


def build_archive(path: Path, spike: int = 30, label: str = "Late delivery", quote: str = "Parcel came a week late",
                  broken: bool = True) -> Path:
    """Weeks of 100 comments. Theme 1 has 2 a week for 12 weeks, then ``spike`` in the last week;
    theme 2 wobbles: 5 a week, then 8. theme_trends is computed by feedback.insights.tables.trend_rows."""
    weeks = [weeks_back(LATEST, n) for n in range(15, -1, -1)]
    per_week = Counter({w: 100 for w in weeks})
    week_rows = [{"theme_id": 1, "week": w, "comments": spike if w == LATEST else 2} for w in weeks]
    week_rows += [{"theme_id": 2, "week": w, "comments": 8 if w == LATEST else 5} for w in weeks]
    info = {1: {"status": "theme"}, 2: {"status": "theme"}}
    db = sqlite_utils.Database(path)
    db["theme_trends"].insert_all(trend_rows(per_week, week_rows, info))
    db["themes"].insert_all([{"id": 1, "label": label}, {"id": 2, "label": "Friendly staff"}], pk="id")
    db["feedback"].insert_all([
        {"id": "a", "text": quote, "received_at": f"{LATEST}T09:00:00Z"},
        {"id": "b", "text": "Old complaint about delivery", "received_at": "2026-08-03T09:00:00Z"},
    ], pk="id")
    db["feedback_themes"].insert_all([{"feedback_id": "a", "theme_id": 1, "score": 0.8},
                                      {"feedback_id": "b", "theme_id": 1, "score": 0.9}])
    db["promises"].insert_all([
        {"id": 1, "promise": "Delivered within 2 days", "status": "broken" if broken else "kept",
         "comments": 9, "negative": 6},
        {"id": 2, "promise": "Always polite", "status": "kept", "comments": 12, "negative": 1},
    ], pk="id")
    db["email_threads"].insert_all([
        {"thread_id": "t1", "customer": "c-7f3a", "answered": 0, "first_customer_message_at": "2026-11-08T07:00:00Z"},
        {"thread_id": "t2", "customer": "c-7f3a", "answered": 0, "first_customer_message_at": "2026-11-12T07:00:00Z"},
        {"thread_id": "t3", "customer": "c-91bb", "answered": 0, "first_customer_message_at": "2026-11-17T07:00:00Z"},
        {"thread_id": "t4", "customer": "c-0000", "answered": 1, "first_customer_message_at": "2026-10-01T07:00:00Z"},
    ], pk="thread_id")
    db.close()
    return path


def test_a_significant_spike_alerts_with_its_reason_and_a_wobble_does_not(tmp_path: Path) -> None:
    summary = morning_summary(7, ROWS, build_archive(tmp_path / "archive.db"), set(), NOW)
    assert [(t.theme_id, list(t.changes), t.alert) for t in summary.themes] == [(1, ["spiking", "emerging"], True)]
    spike = summary.themes[0].changes["spiking"]
    assert (spike.recent, spike.baseline, spike.tested) == (30, 24, 2)
    assert spike.why().startswith("rising: 30 comments in the last week against 24 in the 12 weeks before, "
                                  "2.0 % → 30.0 % of all comments (15.0×); unlikely to be chance (q < 0.001")
    assert summary.themes[0].quote == "Parcel came a week late"  # the window's comment, not the older closer one
    assert [(p.text, p.alert) for p in summary.promises] == [("Delivered within 2 days", True)]
    assert [(w.customer, w.conversations, w.days) for w in summary.waiting] == [("c-7f3a", 2, 12), ("c-91bb", 1, 3)]
    assert summary.alerts == 2


def test_a_rise_within_chance_is_no_alert(tmp_path: Path) -> None:
    summary = morning_summary(7, ROWS, build_archive(tmp_path / "archive.db", spike=4, broken=False), set(), NOW)
    assert (summary.themes, summary.promises, summary.alerts) == ([], [], 0)
    assert "No alert" in render(summary)


def test_a_failed_source_is_an_alert_every_night(tmp_path: Path) -> None:
    rows = [*ROWS, {"source": "reviews", "status": "failed", "seen": 0, "new": 0, "quarantined": 0,
                    "error": "reviews.example: connection refused"}]
    summary = morning_summary(7, rows, tmp_path / "not-published.db", set(), NOW)
    assert summary.alerts == 1
    text = render(summary)
    assert "- source `reviews` failed: reviews.example: connection refused" in text
    assert "- `survey`: 120 in, 30 new, 2 quarantined" in text
    assert "Themes, promises and customers: no archive has been published yet." in text


def test_labels_and_comments_are_escaped(tmp_path: Path) -> None:
    label = "<script>alert(1)</script> [win](http://evil.example) *now* | <!channel>"
    quote = "<img src=x onerror=alert(1)> **bold** `code`\n# heading"
    summary = morning_summary(7, ROWS, build_archive(tmp_path / "archive.db", label=label, quote=quote), set(), NOW)
    text = render(summary)
    assert "<script>" not in text and "<img" not in text and "<!channel>" not in text
    assert ("**&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\[win\\]\\(http://evil.example\\) \\*now\\* \\| "
            "&lt;\\!channel&gt;** is spiking and emerging (new alert):") in text
    assert "for example: “&lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*bold\\*\\* \\`code\\` \\# heading”" in text


@pytest.mark.parametrize(("text", "expected"), [
    ("plain words", "plain words"),
    ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
    ("[x](y) _i_ ~s~ !img", "\\[x\\]\\(y\\) \\_i\\_ \\~s\\~ \\!img"),
    ("two\nlines\t here", "two lines here"),
    ("x" * 10, "xxxx…"),
    ("@everyone <@123>", "@\u200beveryone &lt;@\u200b123&gt;"),
])
def test_escape(text: str, expected: str) -> None:
    assert escape(text, limit=5 if text == "x" * 10 else 200) == expected


# --- sending: the real webhook -----------------------------------------------------------------


def night(tmp_path: Path) -> tuple[sqlite_utils.Database, int]:
    db = open_warehouse(tmp_path / "warehouse.db")
    return db, start_run(db, "nightly", {})


def details(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    return json.loads(db.execute("select details from runs where id = ?", [run_id]).fetchone()[0])


def test_the_morning_summary_reaches_a_webhook_and_alerts_once(tmp_path: Path, receiver: Receiver) -> None:
    archive = build_archive(tmp_path / "archive.db")
    db, run_id = night(tmp_path)
    settings = NotifySettings(urls=["env:HOOK"])
    done = morning(db, run_id, ROWS, archive, settings, {"env:HOOK": receiver.url()}, now=NOW)
    assert done.error is None
    [post] = receiver.posts
    assert (post["path"], post["content_type"]) == ("/hooks/morning-Tok3nSecret", "application/json")
    body = post["body"]
    assert (body["title"], body["type"]) == (f"Feedback, nightly run {run_id}: 2 alerts", "warning")
    message = body["message"]
    assert "- `survey`: 120 in, 30 new, 2 quarantined" in message
    assert "- theme **Late delivery** is spiking and emerging" in message
    assert "rising: 30 comments in the last week against 24 in the 12 weeks before" in message
    assert "- promise “Delivered within 2 days” is broken" in message
    assert "- `c-7f3a`: 12 days, 2 unanswered conversations" in message
    assert "Friendly staff" not in message  # the wobble
    assert "### Sources" not in done.markdown  # the artifact has its own table of sources
    recorded = details(db, run_id)["morning"]
    assert recorded["notified"] == [{"reference": "env:HOOK", "ok": True, "error": ""}]
    assert recorded["keys"] == ["broken:Delivered within 2 days", "emerging:1", "spiking:1"]

    # The next night, nothing new: listed in the artifact, but no alert, so nothing is sent.
    later = start_run(db, "nightly", {})
    again = morning(db, later, ROWS, archive, settings, {"env:HOOK": receiver.url()}, now=NOW)
    assert (again.summary.alerts, len(receiver.posts), again.deliveries) == (0, 1, [])
    assert "- **Late delivery** is spiking and emerging:" in again.markdown
    # ... unless every night is asked for.
    always = NotifySettings(urls=["env:HOOK"], when="always")
    morning(db, start_run(db, "nightly", {}), ROWS, archive, always, {"env:HOOK": receiver.url()}, now=NOW)
    assert receiver.posts[-1]["body"]["type"] == "info"
    assert receiver.posts[-1]["body"]["title"].endswith(": nothing alarming")


@pytest.mark.parametrize("down", [False, True], ids=["500", "down"])
def test_a_failed_notification_is_recorded_and_the_data_is_intact(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture, down: bool
) -> None:
    archive = build_archive(tmp_path / "archive.db")
    before = archive.read_bytes()
    db, run_id = night(tmp_path)
    db.execute("update runs set status = 'completed', items_new = 38 where id = ?", [run_id])
    db.conn.commit()
    url = receiver.url()
    receiver.status = 500
    if down:
        receiver.close()  # nothing listens on its port any more
    with caplog.at_level(logging.DEBUG):
        done = morning(db, run_id, ROWS, archive, NotifySettings(urls=["env:HOOK"]), {"env:HOOK": url}, now=NOW)
    expected = ("A Connection error occurred sending JSON notification to 127.0.0.1." if down
                else "Failed to send JSON POST notification: Internal server error., error=500.")
    assert done.error == f"morning summary not sent: env:HOOK: {expected}"
    assert details(db, run_id)["morning"]["notified"] == [{"reference": "env:HOOK", "ok": False,
                                                          "error": f"env:HOOK: {expected}"}]
    assert "Tok3nSecret" not in caplog.text and "morning-Tok3nSecret" not in json.dumps(details(db, run_id))
    row = db.execute("select status, items_new from runs where id = ?", [run_id]).fetchone()
    assert row == ("completed", 38)
    assert archive.read_bytes() == before


def test_a_url_apprise_cannot_use_is_reported_without_its_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, run_id = night(tmp_path)
    settings = NotifySettings(urls=["env:SLACK"], when="always")
    with caplog.at_level(logging.DEBUG):
        done = morning(db, run_id, ROWS, None, settings, {"env:SLACK": "slack://Xq9SecretTokenZ/short"}, now=NOW)
    assert done.error is not None and done.error.startswith("morning summary not sent: env:SLACK: not a URL Apprise")
    assert "Xq9SecretTokenZ" not in caplog.text + done.error


def test_secret_parts_keep_scheme_and_host() -> None:
    assert secret_parts("json://user:pw-Secret@127.0.0.1:8080/hook/abc") == [
        "json://user:pw-Secret@127.0.0.1:8080/hook/abc", "pw-Secret", "8080", "hook", "user", "abc"]


# --- configuration -------------------------------------------------------------------------------


def test_the_settings_reference_pattern_is_the_secret_refs_one() -> None:
    assert SETTINGS_REF.pattern == SECRET_REF.pattern


@pytest.mark.parametrize(("notify", "message"), [
    ({"url": ["env:HOOK"]}, "field 'notify.url': unknown field (check the spelling)"),
    ({"urls": ["json://127.0.0.1/hook-Tok3n"]}, "field 'notify.urls.0': a notification URL must be a secret"
                                                " reference like 'env:VARIABLE_NAME'"),
    ({"urls": ["env:HOOK"], "when": "sometimes"}, "field 'notify.when': Input should be 'alerts' or 'always'"),
])
def test_bad_notify_settings_are_one_line_errors(write_config: Callable[..., Path], notify: dict[str, Any],
                                                 message: str) -> None:
    path = write_config([], notify=notify)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert message in text and "\n" not in text and "Tok3n" not in text


def test_notify_settings_load(write_config: Callable[..., Path]) -> None:
    config = load_config(write_config([], notify={"urls": ["env:HOOK", "block:teams"], "when": "always"}))
    assert config.notify == NotifySettings(urls=["env:HOOK", "block:teams"], when="always")
    assert load_config(write_config([])).notify == NotifySettings()


def test_a_missing_secret_is_a_recorded_one_line_error(tmp_path: Path) -> None:
    settings = NotifySettings(urls=["env:FEEDBACK_TEST_UNSET_HOOK"])  # a quiet night: it is still reported
    urls, unresolved = resolve_urls(settings, lambda ref: None)
    db, run_id = night(tmp_path)
    done = morning(db, run_id, ROWS, None, settings, urls, unresolved, now=NOW)
    assert done.error == ("morning summary not sent: env:FEEDBACK_TEST_UNSET_HOOK: not set (the secret holding the"
                          " URL is empty or missing)")
    assert details(db, run_id)["morning"]["notified"][0]["ok"] is False


# --- the nightly flow, end to end ------------------------------------------------------------------


@pytest.mark.slow
def test_a_nightly_run_sends_its_morning_summary_to_a_local_webhook(
    prefect_harness: None, tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
    receiver: Receiver,
) -> None:
    import asyncio

    from feedback.errors import NotifyError
    from flows.nightly import nightly

    from .test_flows import flow_run_and_artifacts

    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late delivery again\n", encoding="utf-8")
    config = write_config([{"name": "good", "channel": "survey", "paths": "a.csv",
                            "columns": {"received_at": "Timestamp", "text": "Why?"}}],
                          notify={"urls": ["env:FEEDBACK_TEST_HOOK"], "when": "always"})
    monkeypatch.setenv("FEEDBACK_CUSTOMER_KEY", "k")
    monkeypatch.setenv("FEEDBACK_TEST_HOOK", receiver.url())

    state = nightly(config_path=str(config), return_state=True)
    result = state.result()
    [post] = receiver.posts
    assert post["body"]["title"] == f"Feedback, nightly run {result['run_id']}: nothing alarming"
    assert "- `good`: 1 in, 1 new, 0 quarantined" in post["body"]["message"]
    _, artifacts = asyncio.run(flow_run_and_artifacts(state.state_details.flow_run_id))
    summary = artifacts["nightly-summary"].data  # type: ignore[attr-defined]
    assert "**1** comments read from 1 of 1 sources" in summary and "## Morning summary" in summary

    # The receiver fails: the night's data still lands, the failure is recorded, the run says why.
    (tmp_path / "a.csv").write_text("Timestamp,Why?\n9/14/2026 10:00:00,Late delivery again\n"
                                    "9/15/2026 11:00:00,Still waiting for my refund\n", encoding="utf-8")
    receiver.status = 500
    with pytest.raises(NotifyError, match=r"^the night's data work is done and recorded; morning summary not sent:"
                                          r" env:FEEDBACK_TEST_HOOK: Failed to send JSON POST notification"):
        nightly(config_path=str(config))
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert archive.execute("select count(*) from feedback").fetchone()[0] == 2
    warehouse = sqlite_utils.Database(tmp_path / "warehouse.db")
    runs = [(r["status"], json.loads(r["details"])["morning"]["notified"][0]["ok"])
            for r in warehouse.query("select status, details from runs order by id")]
    assert runs == [("completed", True), ("completed", False)]


def test_the_readme_example_is_a_valid_notify_section(tmp_path: Path) -> None:
    import re

    import yaml

    from .conftest import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Alerts and the morning summary"):]
    example = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1))  # type: ignore[union-attr]
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump({**example, "sources": []}), encoding="utf-8")
    assert load_config(path).notify == NotifySettings(urls=["env:FEEDBACK_SLACK_URL", "block:teams-webhook"])
