"""Parsing, cleaning and name redaction of single messages: table-driven."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feedback.errors import BadInput
from feedback.sources.email.clean import customer_words
from feedback.sources.email.files import split_mbox
from feedback.sources.email.parse import clean_subject, decode_bytes, parse_message
from feedback.sources.email.reader import is_company_address
from feedback.text.names import NameRedactor, person_name

from .conftest import NO_NER_MODEL, need


def _msg(headers: str, body: bytes = b"Hello there, the order was late.\n") -> bytes:
    return headers.strip().replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("From: a@example.com\nSubject: Hi", None),
        ("From: a@example.com\nAuto-Submitted: auto-replied\nSubject: Away", "auto-reply"),
        ("From: a@example.com\nAuto-Submitted: no\nSubject: Hi", None),
        ("From: a@example.com\nSubject: Out of Office: back Monday", "auto-reply"),
        ("From: a@example.com\nPrecedence: auto_reply\nSubject: x", "auto-reply"),
        ("From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender", "bounce"),
        ("From: a@example.com\nX-Failed-Recipients: b@example.com\nSubject: x", "bounce"),
        ("From: a@example.com\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\nSubject: x",
         "bounce"),
        ("From: a@example.com\nX-Spam-Flag: YES\nSubject: x", "spam"),
        ("From: a@example.com\nX-Spam-Status: Yes, score=9.1\nSubject: x", "spam"),
        ("From: a@example.com\nList-Id: <users.lists.example>\nSubject: x", "mailing-list"),
        ("From: a@example.com\nPrecedence: list\nSubject: x", "mailing-list"),
        ("From: news@shop.example\nList-Unsubscribe: <https://x.example/u>\nSubject: Deals", "newsletter"),
        ("From: a@example.com\nPrecedence: bulk\nSubject: x", "newsletter"),
        ("From: noreply@shop.example\nSubject: Your receipt", "newsletter"),
    ],
)
def test_skip_reasons(headers: str, reason: str | None) -> None:
    assert parse_message(_msg(headers)).skip == reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"\r\n\r\n", "empty message"),
        (b"just some words without headers\n", "no header block: not an RFC 822 message"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary data, not an email message"),
        (b"X-Whatever: 1\n\nbody\n", "none of the headers of an email message (From, Date, Subject, Content-Type, ...)"),
    ],
)
def test_unusable_messages_are_bad_input_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_message(raw)
    assert caught.value.reason == reason


def test_headers_charsets_html_and_attachments() -> None:
    raw = _msg(
        """
From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Example.DE>
Subject: =?bogus-charset?q?Caf=E9?= =?iso-8859-1?q?_r=E9clamation?=
Date: Tue, 03 Mar 2026 10:12:00 +0100
Message-ID: <abc@example.de>
In-Reply-To: <parent@brightmoor.co.uk>
References: <root@brightmoor.co.uk> <parent@brightmoor.co.uk>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"
""",
        b"--b\r\nContent-Type: text/html; charset=default\r\n\r\n<p>Caf\xe9 was <b>cold</b></p><p>Second</p>\r\n"
        b"--b\r\nContent-Type: application/pdf; name=\"receipt.pdf\"\r\nContent-Disposition: attachment; "
        b"filename=\"receipt.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n",
    )
    parsed = parse_message(raw)
    assert parsed.from_name == "Jürgen Müller"
    assert parsed.from_address == "juergen@example.de"
    assert parsed.subject.endswith("réclamation")
    assert parsed.sent_at is not None and parsed.sent_at.isoformat() == "2026-03-03T09:12:00+00:00"
    assert parsed.message_id == "abc@example.de"
    assert parsed.thread_keys == ("abc@example.de", "root@brightmoor.co.uk", "parent@brightmoor.co.uk")
    assert parsed.body_kind == "html"
    assert "Café was cold" in parsed.body and "Second" in parsed.body
    assert parsed.attachments == ("receipt.pdf",)


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("naïve".encode(), "utf-8", "naïve"),
        ("naïve".encode("latin-1"), "utf-8", "naïve"),  # declared wrong: falls back
        ("naïve".encode("latin-1"), "unknown-8bit", "naïve"),
        ("你好".encode("big5"), "chinesebig5", "你好"),
        ("привет".encode("koi8-r"), "koi8-r", "привет"),
        (b"+AGk-", "utf-7", "i"),
    ],
)
def test_decode_bytes(data: bytes, declared: str, expected: str) -> None:
    assert decode_bytes(data, declared) == expected


@pytest.mark.parametrize(
    ("subject", "title"),
    [("Re: Fwd: Late parcel", "Late parcel"), ("AW: WG: Lieferung", "Lieferung"), ("RE[2]: x", "x"),
     ("Refund", "Refund")],
)
def test_clean_subject(subject: str, title: str) -> None:
    assert clean_subject(subject) == title


CLEAN_CASES = [
    (  # sign-off + name + quoted reply underneath
        "Hi,\n\nThe parcel came two weeks late.\n- lid cracked\n- manual missing\n\nCheers,\nSarah Jones\n"
        "Acme Ltd | 01632 960123\n\nOn Tue, 3 Mar 2026 at 10:12, Brightmoor <support@brightmoor.co.uk> wrote:\n"
        "> Dear Sarah,\n> Thanks.\n",
        "The parcel came two weeks late.\n- lid cracked\n- manual missing",
        ("Sarah Jones",),
    ),
    (  # forwarded message: only the note above it
        "See below, not acceptable!\n\n---------- Forwarded message ---------\nFrom: Courier <c@x.example>\n"
        "Subject: Missed you\n\nWe missed you.\n",
        "See below, not acceptable!",
        (),
    ),
    ("---------- Forwarded message ---------\nFrom: Courier <c@x.example>\n\nWe missed you.\n", "", ()),
    (  # interleaved answers; "--" signature; mobile footer
        "> Did the refund arrive?\nNo, not yet.\n> Anything else?\nThe app crashes.\n\n--\nTom Baker\n"
        "Sent from my iPhone",
        "No, not yet.\nThe app crashes.",
        ("Tom Baker",),
    ),
    (  # legal disclaimer
        "I love the new kettle.\n\nThanks,\nPriya\n\nThis email and any attachments are confidential and "
        "intended solely for the addressee.",
        "I love the new kettle.",
        ("Priya",),
    ),
    (  # a message that starts with thanks keeps it
        "Thanks for the quick reply. All good now.\n\nKind regards\nAnna Schmidt\n",
        "Thanks for the quick reply. All good now.",
        ("Anna Schmidt",),
    ),
    (  # Outlook header block
        "Still waiting.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: x\n\nold\n",
        "Still waiting.",
        (),
    ),
    ("Please call me.\n\nOn 06 Sep 2002, Tim Peters said:\nold words\n", "Please call me.", ()),
    ("NS> quoted by initials\nMy answer.\n", "My answer.", ()),
]


@pytest.mark.parametrize(("body", "words", "names"), CLEAN_CASES)
def test_customer_words(body: str, words: str, names: tuple[str, ...]) -> None:
    cleaned = customer_words(body)
    assert cleaned.text == words
    assert cleaned.names == names


@pytest.mark.parametrize(
    ("display", "name"),
    [("Jones, Sarah", "Sarah Jones"), ("\"Sam O'Neill (Acme)\"", "Sam O'Neill"), ("Brightmoor Support", None),
     ("Arjun at Brightmoor", "Arjun"), ("info@example.com", None), ("Customer 12", None), ("priya", "Priya")],
)
def test_person_name(display: str, name: str | None) -> None:
    assert person_name(display) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi Sam, the van was late.", "Hi [NAME], the van was late."),
        ("Thanks Priya for the help", "Thanks [NAME] for the help"),
        ("Mrs Okafor called me back.", "Mrs [NAME] called me back."),
        ("Hi all, the van was late.", "Hi all, the van was late."),
        ("Thanks, Kemi  🤷", "Thanks, [NAME]  🤷"),  # "kemi" is written in lower case in some corpus: no English word
        ("Cheers Kemi", "Cheers [NAME]"),
        ("Thanks Again, the van was late.", "Thanks Again, the van was late."),  # ordinary English words
        ("Cheers Mate", "Cheers Mate"),
        ("Thanks Hugely", "Thanks Hugely"),
        ("Thanks Xx", "Thanks Xx"),
        # a word after a person's role, in lower case, that is no word: their name, though no given-name list knows it
        ("our regular driver sandeep knows to leave the bags", "our regular driver [NAME] knows to leave the bags"),
        ("the driver sandeep's van", "the driver [NAME]'s van"),
        ("a lady named agnieszka helped", "a lady named [NAME] helped"),
        ("the driver tunred up late", "the driver tunred up late"),  # one letter from "turned": a typo
        ("the driver arrived early", "the driver arrived early"),
        ("the airline called jetblue", "the airline called jetblue"),  # no person's role before "called"
        ("the agent olu", "the agent olu"),  # too short to tell from a typo: left as written
        ("it was not the kelly green color pictured", "it was not the kelly green color pictured"),  # shades
        ("I bought it in the gray heather color", "I bought it in the gray heather color"),
        ("heather on the phone was lovely", "[NAME] on the phone was lovely"),
        ("a reservation for nicole brown at 6", "a reservation for [NAME] brown at 6"),  # a surname, not a shade
        ("Sarah Jones wrote to us; sarah jones again.", "[NAME] wrote to us; [NAME] again."),
        ("Will you refund me? Jones said yes.", "Will you refund me? [NAME] said yes."),
    ],
)
def test_name_redactor_without_model(text: str, expected: str) -> None:
    redactor = NameRedactor(known=["Sarah Jones"], keep=["Brightmoor"])
    assert redactor(text) == expected


def test_name_redactor_with_spacy_model() -> None:
    redactor = NameRedactor.load(keep=["Brightmoor"])
    need(redactor.model is not None, NO_NER_MODEL)
    out = redactor("Yesterday Margaret Thornton from your Leeds store was very rude to my husband.")
    assert "Margaret" not in out and "Thornton" not in out and "[NAME]" in out
    assert "Leeds" in out


@pytest.mark.parametrize(
    ("sentence", "needed"),
    [
        ("The van was late and the eggs were broken.", False),  # ordinary words only
        ("Despite the News, Software updates are Online.", False),  # usually lower case (lexeme table)
        ("It's late. I'm sure we're fine.", False),  # clitics
        ("Sent on Fri, 3 Sep 2026.", False),  # date abbreviations
        ("X-Spam and Content-Type headers", False),  # header fragments
        ("Linux-based phones", True),  # 'linux' is no common word
        ("Brightmoor sent it.", False),  # the company's name is kept
        ("Margaret called.", True),  # a name
        ("Victoria called about Texas.", True),  # places and names alike go to the model
        ("Bush said it again.", False),  # an English word, first in the sentence
        ("Then Bush said it again.", True),  # the same word mid-sentence, usually capitalised: maybe a name
        ("Then Will said it again.", False),  # usually lower case ('will'): not sent
    ],
)
def test_which_sentences_need_ner(sentence: str, needed: bool) -> None:
    assert NameRedactor(keep=["Brightmoor"]).needs_ner(sentence) is needed


def test_ner_reads_each_distinct_sentence_once() -> None:
    redactor = NameRedactor.load()
    need(redactor.model is not None, NO_NER_MODEL)
    calls: list[str] = []
    model = redactor.nlp

    class Counting:
        def pipe(self, texts: list[str], batch_size: int) -> object:
            calls.extend(texts)
            return model.pipe(texts, batch_size=batch_size)

    redactor.nlp = Counting()
    texts = ["Margaret Thornton was rude. The van was late.", "Margaret Thornton was rude.", "All fine."]
    assert redactor.many(texts) == ["[NAME] was rude. The van was late.", "[NAME] was rude.", "All fine."]
    assert redactor(texts[1]) == "[NAME] was rude."
    assert calls == ["Margaret Thornton was rude."]


def test_a_name_across_the_pieces_of_a_very_long_sentence_is_found() -> None:
    redactor = NameRedactor.load()
    need(redactor.model is not None, NO_NER_MODEL)
    before = "our parcel arrived late again and " * 8  # 48 words: the first piece ends on 'Margaret'
    text = before[:-4] + "Margaret Thornton said the parcel arrived late again " + "and the eggs broke " * 12
    pieces = redactor.candidates(text)
    assert len(pieces) > 1 and pieces[0][1].rstrip().endswith("Margaret")
    out = redactor(text)
    assert "Margaret" not in out and "Thornton" not in out
    assert out.count("[NAME]") == 1 and out.startswith(before[:-4] + "[NAME] said")


@pytest.mark.parametrize(
    ("address", "company"),
    [("a@brightmoor.co.uk", True), ("a@mail.brightmoor.co.uk", True), ("a@notbrightmoor.co.uk", False),
     ("a@example.com", False), (None, False)],
)
def test_company_address(address: str | None, company: bool) -> None:
    assert is_company_address(address, ["brightmoor.co.uk"]) is company


def test_split_mbox() -> None:
    content = b"From a Mon Jan  1 00:00:00 2026\nSubject: 1\n\nx\n>From here\nFrom b Tue\nSubject: 2\n\ny\n"
    parts = list(split_mbox(content))
    assert [p[2].split(b"\n")[1] for p in parts] == [b"Subject: 1", b"Subject: 2"]
    assert parts[1][0] == parts[0][1] and parts[1][1] == len(content)


def test_word_tables_are_cached_and_a_broken_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from feedback.text import names as mail_names

    monkeypatch.setenv("FEEDBACK_CACHE_DIR", str(tmp_path))
    calls: list[str] = []

    def compute(words: list[str]) -> Callable[[], tuple[list[str], list[str]]]:
        def run() -> tuple[list[str], list[str]]:
            calls.append(words[0])
            return words, ["bush"]
        return run

    first = mail_names._cached_tables("table", compute(["news", "despite"]))
    assert first == (frozenset({"news", "despite"}), frozenset({"bush"})) and calls == ["news"]
    (cached,) = tmp_path.glob("table-*.json")
    assert mail_names._cached_tables("table", compute(["other"])) == first and calls == ["news"]  # read, not derived
    cached.write_text("{broken")
    assert mail_names._cached_tables("table", compute(["again"]))[0] == {"again"} and calls[-1] == "again"
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("FEEDBACK_CACHE_DIR", str(blocked))  # cannot hold a cache: computed, not cached
    assert mail_names._cached_tables("table", compute(["plain"]))[0] == {"plain"}
