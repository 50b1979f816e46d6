"""Mentions in labels and quotes arrive as text, not pings, for every kind of target the README
documents: Slack, Teams (Power Automate workflows), Discord, e-mail and a generic webhook.

Each is sent through Apprise's own plugin to a real receiver on 127.0.0.1: an HTTP server (Slack
and Discord post to their services' fixed hosts, so the plugin's base URL is pointed at it), an
HTTPS server for Teams (whose URL names its host), and a small SMTP server for e-mail. What each
receives is what the service would be given to read."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.slack import NotifySlack

from feedback.notify.morning import morning
from feedback.notify.render import ZWSP, escape
from feedback.notify.send import for_service
from feedback.notify.settings import NotifySettings

from .test_email_imap import self_signed_certificate
from .test_notify import NOW, ROWS, Receiver, build_archive, night

HOSTILE = ("Refunds @everyone @here <@123456789012345678> <@&987654321098765432> <@!223344556677889900>"
           " <#112233445566778899> <!here> <!channel|all> <!subteam^S0123> <at>Everyone</at> @12345 @support")

# A mention as any of the five would read one from the text it is given: Discord's @everyone/@here and
# <@id> <@!id> <@&id> <#id>; Slack's <!here> <!channel> <!subteam^..> <@U..> <#C..>; Teams' <at>..</at>;
# and what Apprise's Discord plugin (markdown mode) turns into a ping: any @word or @digits.
MENTION = re.compile(r"<[@#!][^>]*>|<at>|@[A-Za-z0-9]", re.IGNORECASE)


class SMTPReceiver:
    """Enough of SMTP on 127.0.0.1 for Apprise's mailto:// to hand over a message: every command
    is accepted, and each DATA is kept as bytes."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 localhost ESMTP test receiver")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 localhost")
                    elif verb == b"DATA":
                        self.reply("354 end data with <CR><LF>.<CR><LF>")
                        lines = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        receiver.messages.append(b"".join(lines))
                        self.reply("250 queued")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:  # MAIL, RCPT, RSET, NOOP
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _email_html(raw: bytes) -> str:
    """The message's HTML part: what a mail client renders (its text/plain part is shown as is)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    [html] = [str(part.get_content()) for part in message.walk() if part.get_content_type() == "text/html"]
    return html


@pytest.fixture
def receivers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    http = Receiver(reply=b"ok")  # Slack's webhook answers "ok"; the others only look at the status
    certificate = self_signed_certificate(tmp_path)
    https = Receiver(certificate=certificate)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))  # Apprise's requests trusts it
    smtp = SMTPReceiver()
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{http.port}/services")
    monkeypatch.setattr(NotifyDiscord, "notify_url", f"http://127.0.0.1:{http.port}/api/webhooks")
    yield {"http": http, "https": https, "smtp": smtp}
    http.close()
    https.close()
    smtp.close()


def _posted(receiver: Receiver) -> list[str]:
    return [json.dumps(p["body"], ensure_ascii=False) for p in receiver.posts]


# kind -> (its Apprise URL, the receiver its message lands on)
TARGETS: dict[str, tuple[Callable[[dict[str, Any]], str], str]] = {
    "webhook": (lambda r: f"json://127.0.0.1:{r['http'].port}/hook", "http"),
    "slack": (lambda r: "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#feedback", "http"),
    "slack-blocks": (lambda r: "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#feedback?blocks=yes", "http"),
    "discord": (lambda r: "discord://123456/Tok3nAbc", "http"),
    "discord-markdown": (lambda r: "discord://123456/Tok3nAbc?format=markdown", "http"),
    "teams": (lambda r: f"workflows://127.0.0.1:{r['https'].port}/wf01/sig02", "https"),
    "email": (lambda r: f"mailto://127.0.0.1:{r['smtp'].port}?from=feedback@example.com&to=staff@example.com",
              "smtp"),
}


@pytest.mark.parametrize("kind", list(TARGETS))
def test_mentions_in_labels_and_quotes_arrive_as_text(tmp_path: Path, receivers: dict[str, Any], kind: str) -> None:
    url, lands = TARGETS[kind]
    archive = build_archive(tmp_path / "archive.db", label=HOSTILE, quote=f"Quote: {HOSTILE}")
    db, run_id = night(tmp_path)
    done = morning(db, run_id, ROWS, archive, NotifySettings(urls=["env:HOOK"]), {"env:HOOK": url(receivers)},
                   now=NOW)
    assert done.error is None
    where = receivers[lands]
    received = [_email_html(m) for m in where.messages] if lands == "smtp" else _posted(where)
    assert len(received) == 1
    [text] = received
    assert "Refunds @" + ZWSP + "everyone @" + ZWSP + "here" in text  # the label is there, as words
    assert "Quote: Refunds" in text
    assert MENTION.findall(text) == []
    if kind.startswith("discord"):
        body = where.posts[0]["body"]
        assert "&lt;" not in text and "&amp;" not in text  # Discord shows entities as typed: characters instead
        assert text.count("<" + ZWSP) >= 2 * HOSTILE.count("<")  # label and quote: each "<" shown, none a tag
        assert "allow_mentions" not in body and "allowed_mentions" not in body
        assert "👉" not in body.get("content", "")  # Apprise's ping line
    if kind == "teams":
        assert "entities" not in where.posts[0]["body"]["attachments"][0]["content"]["msteams"]


def test_the_mention_pattern_finds_every_kind_of_mention() -> None:
    """The check above is only as good as MENTION: unescaped, every token of HOSTILE is a mention."""
    assert MENTION.findall(HOSTILE) == [
        "@e", "@h", "<@123456789012345678>", "<@&987654321098765432>", "<@!223344556677889900>",
        "<#112233445566778899>", "<!here>", "<!channel|all>", "<!subteam^S0123>", "<at>", "@1", "@s"]


@pytest.mark.parametrize(("url", "shown"), [
    ("discord://123456/Tok3nAbc", "a <\u200bb> & c &lt;d&gt;"),
    ("https://discord.com/api/webhooks/1/abc", "a <\u200bb> & c &lt;d&gt;"),
    ("slack://T1/A1/TIia/#feedback", "a &lt;b&gt; &amp; c &amp;lt;d&amp;gt;"),
])
def test_entities_are_characters_only_where_the_service_shows_them_as_typed(url: str, shown: str) -> None:
    # the text a person typed: 'a <b> & c &lt;d&gt;' (the last part literally, entity-looking)
    assert for_service(url, escape("a <b> & c &lt;d&gt;")) == shown
