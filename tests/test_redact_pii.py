"""Personal data the redactor must take out, and ordinary content it must leave: phone and account
numbers libphonenumber rejects, whole names and sign-offs, and no [NAME] for places, dishes and brands."""

from __future__ import annotations

import csv
import json
import re

import pytest

from feedback.text.names import NameRedactor
from feedback.text.person import extend_names, person_span
from feedback.text.redact import Redactor
from tests.conftest import NO_NER_MODEL, need, shared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TEL:+225 05775748", "TEL:[PHONE]"),
        ("my number is 234-80-33357110 thanks", "my number is [PHONE] thanks"),
        ("reach me: 27-83-750 9598", "reach me: [PHONE]"),
        ("(86) 755-83503744", "[PHONE]"),
        ("please call 702 604\n6163 today", "please call [PHONE] today"),
        ("A/C NO: 8209 9802 0003 158", "A/C NO: [ACCOUNT]"),
        ("sort code 12-34-56, account 12345678", "sort code [ACCOUNT], account [ACCOUNT]"),
        ("WhatsApp me on 0803 123 4567", "WhatsApp me on [PHONE]"),
        ("Fax: 555 0134 882", "Fax: [PHONE]"),
        ("IBAN: 1234 5678 9012", "IBAN: [ACCOUNT]"),  # labelled, though no valid IBAN
    ],
)
def test_phone_and_account_numbers_libphonenumber_rejects_are_redacted(text: str, expected: str) -> None:
    assert Redactor(regions=("GB", "US"))(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 12345 arrived late",
        "It cost £16.55 and then £1,299.00",
        "delivered on 2024-03-01 at 10:30",
        "ref 4411",
        "Refunds take forever. 11 days and counting",
        "Waited 45 minutes on 12/03/2026 10:45",
        "called 3 times on 01/02/2024",
        "sizes 8, 10 and 12",
        "In 2023 2024 and 2025 prices rose",
        "account since 2024-03-01",  # a labelled date is a date
        "Version 10.0.19041.1234 crashes",
        "phone died after 2 days",
        "card ending 4444",
        "Order #12345678 was late",
    ],
)
def test_ordinary_numbers_survive(text: str) -> None:
    assert Redactor(regions=("GB", "US"))(text) == text


@pytest.fixture(scope="module")
def ner() -> NameRedactor:
    redactor = NameRedactor.load(keep=["Brightmoor"])
    need(redactor.model is not None, NO_NER_MODEL)
    return redactor


@pytest.mark.parametrize(
    "text",
    [
        "My flight out of Denver was delayed 3 hours.",
        "Flying from Chicago to Houston tomorrow, again delayed.",
        "I had the Sea Bass and it was cold.",
        "The Crispy Duck was amazing!",
        "I ordered the Reuben sandwich.",
        "Do you accept Visa or Mastercard?",
        "I swapped Russian Ruble for UK pounds and was charged too much.",
        "Love my new Nike shoes and the Starbucks coffee.",
        "Hi I'm a new customer and my top up is pending.",
        "Hello, I'm having trouble with my card.",
        "Meh",
        "Ehhh... it's fine, i guess.",
    ],
)
def test_places_dishes_brands_and_interjections_are_no_names(ner: NameRedactor, text: str) -> None:
    assert ner(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sincerely, Amy Bender", "Sincerely, [NAME]"),
        ("Kind regards,\nPriya Shah\nCustomer", "Kind regards,\n[NAME]\nCustomer"),
        ("Thanks and Regards, MR.VINCENT NNAJI.", "Thanks and Regards, MR.[NAME]."),
        ("Great food. -Violet Wilson, Johnstown, PA", "Great food. -[NAME], Johnstown, PA"),
        ("Cheers,\nTom", "Cheers,\n[NAME]"),
        ("Regards\nJOHN SMITH", "Regards\n[NAME]"),
        ("Margaret Thornton was rude.", "[NAME] was rude."),
        ("Talked to Dave at the counter, he was great.", "Talked to [NAME] at the counter, he was great."),
        ("Jennifer in customer service fixed it.", "[NAME] in customer service fixed it."),
        ("Thanks, Great service!", "Thanks, Great service!"),  # no name after this closing
        ("Best, The Brightmoor Team", "Best, The Brightmoor Team"),
    ],
)
def test_people_and_sign_offs_are_redacted_whole(ner: NameRedactor, text: str, expected: str) -> None:
    assert ner(text) == expected


def test_a_known_first_name_takes_its_surname_with_it() -> None:
    # 'Jim' is known (a sender's first name); the surname after it is part of the same name
    redactor = NameRedactor(known=["Jim"], keep=["MortCorp"])
    assert redactor("Jim Gillette, MortCorp") == "[NAME], MortCorp"
    assert redactor.many(["Sincerely, Jim Bender"]) == ["Sincerely, [NAME]"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sincerely, [NAME] Bender", "Sincerely, [NAME]"),
        ("[NAME] O'Neill J. called", "[NAME] called"),
        ("[NAME] NNAJI wrote", "[NAME] wrote"),
        ("[NAME] Customer Service", "[NAME] Customer Service"),
        ("[NAME] The van was late", "[NAME] The van was late"),
        ("Thanks [NAME]. Great service", "Thanks [NAME]. Great service"),
    ],
)
def test_extend_names(text: str, expected: str) -> None:
    assert extend_names(text, "[NAME]", NameRedactor().name_word) == expected


@pytest.mark.parametrize(
    ("text", "entity", "person"),
    [
        ("I ordered the Reuben sandwich", "Reuben", None),  # after an article
        ("Is Visa or Mastercard available?", "Mastercard", None),  # a brand's cluster
        ("flight out of Denver", "Denver", None),  # a place's cluster
        ("Best Reuben sandwich", "Best Reuben", "Reuben"),  # an ordinary edge word trimmed
        ("Yuck", "Yuck", None),
        ("my son Bertie", "Bertie", "Bertie"),  # unknown to every table: the model is trusted
        ("Samantha said no", "Samantha", "Samantha"),  # a given name, though in a brand's cluster
    ],
)
def test_person_span(text: str, entity: str, person: str | None) -> None:
    start = text.index(entity)
    redactor = NameRedactor()
    span = person_span(text, start, start + len(entity), lambda w: redactor._ordinary(w, first=False))
    assert (text[span[0]:span[1]] if span else None) == person


def test_english_ner_reads_only_english_text(ner: NameRedactor) -> None:
    texts = ["Vielen Dank für das Rezept! Ich habe es gestern gemacht.", "Margaret Thornton was rude."]
    assert ner.many(texts, languages=["de", "en"]) == [texts[0], "[NAME] was rude."]
    # rules and known names work in any language
    assert ner.many(["Danke, Frau Okafor!"], languages=["de"]) == ["Danke, Frau [NAME]!"]
    assert Redactor(extra=[ner]).many(texts, languages=["de", "en"]) == [texts[0], "[NAME] was rude."]


def test_languages_that_do_not_match_the_texts_are_refused() -> None:
    with pytest.raises(ValueError, match="1 languages for 2 texts"):
        NameRedactor().many(["a", "b"], languages=["en"])


def _slice() -> list[tuple[str | None, str]]:
    """A fixed slice of shared data that names almost nobody: 1,000 each of banking77, clinc150
    and clothing reviews (title and text)."""
    root = shared("labelled")
    with (root / "banking77" / "test.csv").open(encoding="utf-8") as handle:
        banking = [(None, r["text"]) for r in csv.DictReader(handle)][:1000]
    clinc = [(None, text) for text, _ in json.loads((root / "clinc150" / "data_full.json").read_text())["test"]][:1000]
    with (root / "clothing_reviews" / "reviews.csv").open(encoding="utf-8") as handle:
        clothing = [(r["Title"] or None, r["Review Text"]) for r in csv.DictReader(handle) if r["Review Text"]][:1000]
    return banking + clinc + clothing


# People these 3,000 comments do name, in lower case ("call john", "stylists carolyn and blair",
# the designers "byron lars" and "tracy reese"): redacting them is right.
NAMED_IN_THE_SLICE = frozenset({
    "adam", "carl", "carlos", "carolyn", "blair", "byron", "charlie", "chris", "franklin", "jackie", "jake", "jane",
    "jennifer", "jim", "john", "joseph", "josh", "kelly", "michael", "sheldon", "sherlock", "shane", "steve", "susie",
    "theo", "theodore", "thomas", "timothy", "tracy", "ira",
})


def _replaced(original: str, redacted: str) -> list[str]:
    """The words of ``original`` that became [NAME] in ``redacted`` (other redactions left aside)."""
    pieces = redacted.split("[NAME]")
    match = re.fullmatch("(.+?)".join(re.escape(p) for p in pieces), original, re.S)
    return [g.lower() for g in match.groups()] if match else ["?"] * (len(pieces) - 1)


def test_false_names_on_comments_that_name_nobody_stay_under_one_per_thousand(ner: NameRedactor) -> None:
    comments = _slice()
    redactor = Redactor(regions=("GB", "US"), extra=[ner])
    texts = [t for title, text in comments for t in (text, title)]
    out = redactor.many(texts)
    replaced = [w for original, done in zip(texts, out, strict=True) if done and "[NAME]" in done
                for w in _replaced(original or "", done)]
    false = sorted(w for w in replaced if w not in NAMED_IN_THE_SLICE)
    # the false ones: a brand ("paige" denim), a fabric ("french terry"), "aline" for a-line, a cut-off "sal(e)"
    assert len(false) <= 3 * len(comments) / 1000, false
    assert {"john", "michael", "carolyn", "blair"} <= set(replaced)  # lower-case names are found


@pytest.mark.parametrize(("text", "expected"), [
    ("chloe on the phone sorted everything out", "[NAME] on the phone sorted everything out"),
    ("spoke to dave, chloe's manager was great", "spoke to [NAME], [NAME]'s manager was great"),
    ("many thanks to the stylists carolyn and blair", "many thanks to the stylists [NAME] and [NAME]"),
    # words that are also names, places, brands' plurals, e-mail and web addresses stay
    ("bob was great and will call back", "bob was great and will call back"),
    ("the amber light on the van", "the amber light on the van"),
    ("weather in dallas and orlando", "weather in dallas and orlando"),
    ("my jean jacket", "my jean jacket"),
    ("see www.aaron-shop.com", "see www.aaron-shop.com"),
])
def test_given_names_written_in_lower_case_are_redacted(text: str, expected: str) -> None:
    assert NameRedactor()(text) == expected


def test_lower_case_names_are_left_alone_in_other_languages() -> None:
    assert NameRedactor()("chloe est venue", language="fr") == "chloe est venue"
    assert NameRedactor().many(["chloe est venue", "chloe came"], languages=["fr", "en"]) == [
        "chloe est venue", "[NAME] came"]
