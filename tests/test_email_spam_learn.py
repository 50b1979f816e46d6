"""``feedback spam learn`` trains the Bayes filter of the spamd a source asks (spamc -L, spamd
--allow-tell): a spam the untrained filter lets through is skipped after training, with BAYES_ in
the reason. Fewer than 200 of a kind, and anything that is not mail, are refused before anything
is learned; a spamd that does not take lessons says how to make it."""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.config import EmailSource, SpamCheck
from feedback.sources import SourceContext
from feedback.sources.email.reader import message_batch
from feedback.sources.email.spam_learn import (
    MIN_EACH,
    Mail,
    messages_at,
    not_mail,
    place_kind,
    scrubbed,
)
from feedback.warehouse import open_warehouse

from . import test_email_imap
from .conftest import need, needs, shared
from .spamd import NO_SPAMD, SPAMC, SPAMD, Spamd, free_port, running_spamd
from .test_email_imap import DOVECOT, PASSWORD_REF, SECRET, Dovecot

dovecot = test_email_imap.dovecot  # its real Dovecot, as a fixture here

# --- mail made here: a fictional investment scam, and customers writing to support -------------------

_PITCH = [
    "our Goldcrest liquidity pool paid a weekly dividend of {n}% again this week",
    "seats in the Goldcrest allocation round close on Friday and {n} remain",
    "verified wallets receive an onboarding bonus of {n} tokens",
    "the Goldcrest desk has reserved an allocation in your name",
    "members doubled their deposit in {n} days with the automated arbitrage desk",
    "withdrawals are instant and the principal is protected by our reserve fund",
    "your account manager is waiting to confirm your allocation",
]
_ASK = ["Reply with your wallet address to secure the allocation.", "Confirm your seat before the round closes.",
        "Activate your verified wallet today to receive the bonus.",
        "Send the onboarding deposit and start earning this week."]
_COMPLAINT = ["my order {n} arrived late", "the lid of the jar was cracked", "the courier left the parcel in the rain",
              "I was charged twice for order {n}", "the refund for order {n} has not arrived",
              "the size guide was wrong for the coat", "your app logs me out every day"]


def _message(sender: str, subject: str, number: int, body: str, kind: str = "plain") -> bytes:
    head = (f"From: {sender}\nTo: support@brightmoor.example\nSubject: {subject}\n"
            f"Date: Mon, 04 May 2026 0{number % 10}:12:44 +0000\nMessage-ID: <m-{number}@mail.example>\n"
            f"MIME-Version: 1.0\nContent-Type: text/{kind}; charset=utf-8\n\n")
    return (head + body).encode()


def scam(rng: random.Random, number: int) -> str:
    lines = [rng.choice(["Dear investor,", "Hello friend,", "Good news,", "Dear member,"]), ""]
    lines += [rng.choice(_PITCH).format(n=rng.randint(3, 40)).capitalize() + "." for _ in range(rng.randint(3, 5))]
    return "\n".join([*lines, "", rng.choice(_ASK), "", "Goldcrest Partners allocation desk", ""])


def spam_mail(rng: random.Random, number: int) -> bytes:
    sender = f"Goldcrest Desk <desk{rng.randint(100, 999)}@goldcrest-{rng.choice(['capital', 'yield'])}.example>"
    return _message(sender, f"Goldcrest allocation {rng.choice(['update', 'round', 'bonus'])} #{number}", number,
                    scam(rng, number))


def ham_mail(rng: random.Random, number: int) -> bytes:
    body = f"Hello,\n\n{rng.choice(_COMPLAINT).format(n=rng.randint(1000, 9999)).capitalize()}. Could you help?\n\nThanks\n"
    return _message(f"Customer {number} <c{number}@example.net>", "A problem with my order", number, body)


def target_spam() -> bytes:
    """A Goldcrest spam not among those learned, in HTML: Debian's rules alone give it ~1.3 points."""
    body = scam(random.Random(99), 999).replace("\n", "<br>")
    html = f'<html><body><p>{body}<a href="http://198.51.100.7/join">CLICK HERE</a></p></body></html>\n'
    return _message("Goldcrest Desk <desk410@goldcrest-yield.example>", "Goldcrest allocation round #999", 999, html,
                    "html")


def write_each(folder: Path, messages: list[bytes]) -> Path:
    folder.mkdir(parents=True)
    for number, raw in enumerate(messages):
        (folder / f"{number:04d}.eml").write_bytes(raw)
    return folder


def corpus(folder: Path, kind: str, count: int = MIN_EACH) -> Path:
    rng = random.Random(16 if kind == "spam" else 17)
    make = spam_mail if kind == "spam" else ham_mail
    return write_each(folder / kind, [make(rng, number) for number in range(count)])


def config_for(write_config: Callable[..., Path], port: int, host: str = "127.0.0.1") -> Path:
    return write_config([{"name": "support", "channel": "email", "eml": "mail", "spam": {"host": host, "port": port}}])


def run_cli(config: Path, *args: str) -> tuple[int, str]:
    """Exit code and what was printed: stdout, or the one-line error that ended the command."""
    result = CliRunner().invoke(cli, ["--config", str(config), "spam", *args])
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    return result.exit_code, errors[-1] + "\n" if errors else result.stdout


def trainings(config: Path) -> list[dict[str, Any]]:
    """The warehouse's records of ``feedback spam learn`` (none when there is no warehouse)."""
    path = config.parent / "warehouse.db"
    if not path.exists():
        return []
    rows = open_warehouse(path).query("select * from runs where flow = 'spam-learn' order by id")
    return [{**r, "parameters": json.loads(r["parameters"]), "details": json.loads(r["details"])} for r in rows]


def sources_lines(config: Path) -> list[str]:
    """What ``feedback sources`` says after its table."""
    result = CliRunner().invoke(cli, ["--config", str(config), "sources"])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if ": spam filter " in line]


# --- what counts as mail ------------------------------------------------------------------------------

GOOD = b"From: a@example.net\nSubject: hello\n\nbody\n"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (GOOD, None),
        (b"From a@example.net Mon May  4 03:12:44 2026\n" + GOOD, None),  # an mbox From line first
        (GOOD.replace(b"\n", b"\r\n"), None),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content, not an e-mail message"),
        (b"id,comment\n1,the parcel was late\n\n2,fine\n", "no mail headers (From:, Date:, Subject: ...)"),
        (b'{\n  "from": "a@example.net"\n}\n', "no mail headers (From:, Date:, Subject: ...)"),
        (b"From: a@example.net\nSubject: hel", "the headers never end (a message cut off?)"),
    ],
    ids=["message", "mbox line", "crlf", "empty", "png", "csv", "json", "cut off"],
)
def test_what_is_mail(raw: bytes, problem: str | None) -> None:
    assert not_mail(raw) == problem


def test_messages_are_read_from_mbox_maildir_eml_folders_and_single_files(tmp_path: Path) -> None:
    mbox = tmp_path / "spam.mbox"
    mbox.write_bytes(b"".join(b"From x@example.net Mon May  4 03:12:44 2026\n" + GOOD + b"\n" for _ in range(3)))
    for sub in ("cur", "new"):
        write_each(tmp_path / "maildir" / sub, [GOOD])
    write_each(tmp_path / "eml" / "deeper", [GOOD, GOOD])
    (tmp_path / "eml" / ".hidden").write_bytes(b"not mail")
    found = {name: [m.where for m in messages_at(tmp_path / name)] for name in ("spam.mbox", "maildir", "eml")}
    assert found == {
        "spam.mbox": [f"{mbox}#1", f"{mbox}#2", f"{mbox}#3"],
        "maildir": [str(tmp_path / "maildir" / "new" / "0000.eml"), str(tmp_path / "maildir" / "cur" / "0000.eml")],
        "eml": [str(tmp_path / "eml" / "deeper" / "0000.eml"), str(tmp_path / "eml" / "deeper" / "0001.eml")],
    }
    assert [m.where for m in messages_at(tmp_path / "eml" / "deeper" / "0001.eml")] == [
        str(tmp_path / "eml" / "deeper" / "0001.eml")]


# --- refused before anything is learned -------------------------------------------------------------------
# The source names a port nothing listens on: had the command reached for spamd, it would say so instead.


def test_broken_input_is_refused_with_a_clear_reason(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    config = config_for(write_config, free_port())
    spam, ham = corpus(tmp_path, "spam"), corpus(tmp_path, "ham")
    empty = tmp_path / "empty"
    empty.mkdir()
    (ham / "notes.csv").write_text("id,comment\n1,the parcel was late\n")
    truncated = tmp_path / "junk.mbox"
    whole = b"".join(b"From x@example.net Mon May  4 03:12:44 2026\n" + spam_mail(random.Random(n), n) + b"\n"
                     for n in range(MIN_EACH))
    truncated.write_bytes(whole + b"From x@example.net Mon May  4 03:12:44 2026\nFrom: Goldcrest <d@g.example>\nSubj")
    cases = {
        ("--spam", str(empty), "--ham", str(spam)):
            f"--spam {empty}: no messages in it (an mbox file, a maildir, a folder of message files, or imap:FOLDER)",
        ("--spam", str(spam), "--ham", str(ham)):
            f"--ham: 1 of 201 messages are not mail, so nothing was learned: {ham}/notes.csv: no mail headers "
            "(From:, Date:, Subject: ...)",
        ("--spam", str(truncated), "--ham", str(spam)):
            f"--spam: 1 of 201 messages are not mail, so nothing was learned: {truncated}#201: the headers never "
            "end (a message cut off?)",
        ("--spam", str(tmp_path / "nowhere"), "--ham", str(spam)): f"{tmp_path / 'nowhere'}: no such file or folder",
    }
    for args, error in cases.items():
        assert run_cli(config, "learn", *args) == (1, f"Error: {error}\n"), args
    assert trainings(config) == []  # refused before spamd was told anything: no training to record
    assert sources_lines(config) == ["support: spam filter never trained (feedback spam learn)"]


def test_fewer_than_200_of_a_kind_is_refused(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    config = config_for(write_config, free_port())
    spam, ham = corpus(tmp_path, "spam", MIN_EACH - 1), corpus(tmp_path, "ham", 5)
    assert run_cli(config, "learn", "--spam", str(spam), "--ham", str(ham)) == (
        1, "Error: only 199 spam and 5 ham given: SpamAssassin's Bayes filter needs at least 200 spam and 200 ham "
           "before it votes; nothing was learned\n")


def test_the_source_must_name_a_spamd(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    config = write_config([{"name": "support", "channel": "email", "eml": "mail"}])
    assert run_cli(config, "learn", "--spam", "x", "--ham", "y") == (
        1, "Error: name the email source whose spamd to use with --source (sources with a spamd: none configured)\n")
    assert run_cli(config, "learn", "-s", "support", "--spam", "x", "--ham", "y") == (
        1, "Error: source 'support' names no spamd: set spam: {host: ..., port: ...} in its configuration\n")


def test_a_training_records_the_kind_of_place_never_the_place(tmp_path: Path) -> None:
    mbox = tmp_path / "junk.mbox"
    mbox.write_bytes(b"From x@example.net Mon May  4 03:12:44 2026\n" + GOOD)
    (tmp_path / "one.eml").write_bytes(GOOD)
    write_each(tmp_path / "maildir" / "cur", [GOOD])
    write_each(tmp_path / "eml", [GOOD])
    kinds = [place_kind(p) for p in ("imap:Junk", str(mbox), str(tmp_path / "one.eml"), str(tmp_path / "maildir"),
                                     str(tmp_path / "eml"), str(tmp_path / "gone"))]
    assert kinds == ["imap", "mbox", "message file", "maildir", "folder", "file"]


@pytest.mark.parametrize(("error", "expected"), [
    ("SourceUnavailable: spamd at 127.0.0.1:783 did not answer in time while learning /srv/mail/alice/0001.eml",
     "SourceUnavailable: spamd at 127.0.0.1:783 did not answer in time while learning a message"),
    ("FeedbackError: its verdict on a learned spam (imap://alice@corp.example@imap.corp.example:993/Junk#12) names"
     " no BAYES_ rule", "FeedbackError: its verdict on a learned spam (a message) names no BAYES_ rule"),
    ("ConfigError: spam check: reply to <bob@example.net>, not 'carol@example.org'",
     "ConfigError: spam check: reply to <[address]>, not '[address]'"),
    ("SourceUnavailable: spamd at 127.0.0.1:783 refused to learn", "SourceUnavailable: spamd at 127.0.0.1:783 refused"
     " to learn"),
])
def test_a_recorded_error_names_no_message_and_no_address(error: str, expected: str) -> None:
    mails = [Mail("/srv/mail/alice/0001.eml", GOOD), Mail("imap://alice@corp.example@imap.corp.example:993/Junk#12",
                                                             GOOD), Mail("/srv/mail/alice/0001.eml.bak", GOOD)]
    assert scrubbed(error, mails) == expected


# --- against a real spamd --------------------------------------------------------------------------------


@pytest.fixture
def trainable() -> Iterator[Spamd]:
    """A spamd with Bayes on, an empty Bayes database, and --allow-tell."""
    need(SPAMD is not None and SPAMC is not None, NO_SPAMD)
    with tempfile.TemporaryDirectory(prefix="feedback-bayes-") as folder:
        os.chmod(folder, 0o777)  # spamd checks mail as nobody when run as root
        lines = [f"bayes_path {folder}/bayes", "use_bayes 1", "bayes_auto_learn 0", "bayes_file_mode 0777"]
        with running_spamd(config=lines, allow_tell=True) as server:
            yield server


@pytest.mark.slow  # ~400 messages told to spamd: a minute or more on a busy machine
def test_a_spam_the_untrained_filter_publishes_is_skipped_after_learning(
    trainable: Spamd, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    ham = [m.raw for m in messages_at(shared("emails/spamassassin/easy-ham-1"))][:MIN_EACH]
    spam, ham_folder = corpus(tmp_path, "spam"), write_each(tmp_path / "ham", ham)
    config = config_for(write_config, trainable.port)
    email = EmailSource(name="support", channel="email", eml=["mail"],
                        spam=SpamCheck(check="spamd", host=trainable.host, port=trainable.port))
    context = SourceContext(customer_secret=b"k", base_dir=tmp_path)

    _, before = message_batch(email, context, target_spam(), "target.eml", None)
    assert before.kind == "item", before.detail

    code, output = run_cli(config, "learn", "--spam", str(spam), "--ham", str(ham_folder))
    assert code == 0, output
    assert " UTC, source support: spamd at 127.0.0.1:" in output
    assert "learned 200 spam (0 of them already known) and 200 ham (0 of them already known)" in output
    assert "its Bayes filter votes (BAYES_99 on a learned spam)" in output

    _, after = message_batch(email, context, target_spam(), "target.eml", None)
    assert (after.kind, after.reason) == ("skipped", "spam"), after.detail
    assert "BAYES_99" in after.detail and after.detail.startswith("SpamAssassin score ")

    [first] = trainings(config)
    assert output.endswith(f"; recorded as run {first['id']}\n")
    assert (first["status"], first["items_in"], first["items_new"], first["quarantined"]) == ("completed", 400, 400, 0)
    assert first["parameters"] == {"source": "support", "jobs": 2, "spam_from": ["folder"], "ham_from": ["folder"]}
    assert first["details"] == {"spam": {"told": 200, "known": 0}, "ham": {"told": 200, "known": 0},
                                "bayes": "BAYES_99"}
    assert first["started"] <= first["finished"]

    code, output = run_cli(config, "learn", "--spam", str(spam), "--ham", str(ham_folder))  # again: nothing new
    assert code == 0 and "learned 200 spam (200 of them already known) and 200 ham (200 of them" in output
    second = trainings(config)[1]
    assert (second["status"], second["items_in"], second["items_new"]) == ("completed", 400, 0)
    assert second["details"]["spam"] == {"told": 200, "known": 200}
    assert sources_lines(config) == [f"support: spam filter last trained {second['finished'][:16].replace('T', ' ')}"
                                     " UTC (200 spam, 200 ham; Bayes votes: BAYES_99)"]
    recorded = json.dumps(trainings(config))
    assert "@" not in recorded and str(tmp_path) not in recorded and "Goldcrest" not in recorded

    (tmp_path / "target.eml").write_bytes(target_spam())
    (tmp_path / "notes.csv").write_text("id,comment\n1,late\n")
    assert run_cli(config, "check", str(tmp_path / "target.eml")) == (0, f"{tmp_path}/target.eml: spam: {after.detail}\n")
    assert run_cli(config, "check", str(tmp_path / "notes.csv")) == (
        0, f"{tmp_path}/notes.csv: not mail: no mail headers (From:, Date:, Subject: ...)\n")


def test_a_spamd_without_allow_tell_refuses_and_says_how_to_fix_it(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    need(SPAMD is not None and SPAMC is not None, NO_SPAMD)
    spam, ham = corpus(tmp_path, "spam"), corpus(tmp_path, "ham")
    with running_spamd(children=1) as server:
        code, output = run_cli(config_for(write_config, server.port), "learn", "--spam", str(spam), "--ham", str(ham))
    refusal = (f"spamd at 127.0.0.1:{server.port} refused to learn (spamc exit 74: no answer): "
               "start spamd with --allow-tell (Debian: OPTIONS in /etc/default/spamd)")
    assert (code, output) == (1, f"Error: {refusal}\n")
    [failed] = trainings(tmp_path / "config.yml")
    assert (failed["status"], failed["items_in"], failed["items_new"]) == ("failed", 0, 0)
    assert failed["details"] == {"error": f"SourceUnavailable: {refusal}"}
    assert sources_lines(tmp_path / "config.yml") == [
        f"support: spam filter never trained (feedback spam learn); the training of "
        f"{failed['started'][:16].replace('T', ' ')} UTC failed: SourceUnavailable: {refusal}"]


# --- from an IMAP folder of the source (a real Dovecot) ------------------------------------------------


@needs(DOVECOT is not None, "dovecot is not installed (scripts/system-deps.sh installs dovecot-imapd)")
def test_spam_and_ham_can_come_from_the_sources_imap_folders(
    dovecot: Dovecot, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_REF.removeprefix("env:"), SECRET)
    dovecot.deliver(3, folder="Junk")
    dovecot.deliver(2)
    account = {"host": "127.0.0.1", "port": dovecot.port, "security": "plain", "username": "support",
               "password": PASSWORD_REF, "retries": 0}
    config = write_config([{"name": "support", "channel": "email", "imap": [account],
                            "spam": {"host": "127.0.0.1", "port": free_port()}}])
    # read, found to be mail, counted: then refused as too few, before spamd is asked
    assert run_cli(config, "learn", "--spam", "imap:Junk", "--ham", "imap:INBOX") == (
        1, "Error: only 3 spam and 2 ham given: SpamAssassin's Bayes filter needs at least 200 spam and 200 ham "
           "before it votes; nothing was learned\n")
    code, output = run_cli(config, "learn", "--spam", "imap:Spam", "--ham", "imap:INBOX")
    assert code == 1
    assert output.startswith(f"Error: imap://support@127.0.0.1:{dovecot.port}/Spam: cannot open folder 'Spam': ")
    assert output.endswith("; the account's folders: INBOX, Junk\n")
