"""Brightmoor, the fictional company behind the sample data, and how its customers write.

Brightmoor is an online grocery and home-goods retailer: home delivery, a mobile
app, a few shops in UK cities, a "Brightmoor Plus" subscription (free delivery,
member prices) and customer support by phone, chat and e-mail.

This module is the reusable part of the samples: the company's facts, its
catalogue of known themes (:data:`THEMES`), and :func:`compose_comment`, which
turns a list of theme keys into a realistic comment with its ground truth. The
survey exports (:mod:`feedback.samples.surveys`) are built on it; e-mail and
review samples can be too. Every random choice goes through the caller's
``random.Random``, so a seed reproduces the same text.

The year's story, for trend features to find: app version 5.0 shipped on
:data:`APP_RELEASE` and crashed a lot (``app_crashes`` grows from then on), and
a new delivery partner from June made late deliveries rarer month by month
(``late_delivery`` declines).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from feedback.samples.phrasebook import (
    ALSO,
    CONTACT,
    CONTRAST,
    EMOJI,
    MISSPELLINGS,
    NON_ANSWERS,
    THEME_TEXT,
    TRANSLATIONS,
    VAGUE,
)

Polarity = Literal["complaint", "praise", "mixed", "neutral"]
ThemePolarity = Literal["complaint", "praise"]
Context = Literal["delivery", "store", "support", "app"]
Kind = Literal["comment", "suggestion", "short"]

NAME = "Brightmoor"
PLUS = "Brightmoor Plus"
PLUS_FEE = "£7.99"
APP_RELEASE = date(2026, 10, 5)
DELIVERY_PARTNER_SWITCH = date(2026, 6, 1)
STORE_CITIES = ("Leeds", "Bristol", "Manchester", "Edinburgh", "Nottingham")
CITIES = (*STORE_CITIES, "London", "Birmingham", "Glasgow", "Cardiff", "Sheffield", "Liverpool", "York")
FRESH = (
    "strawberries", "avocados", "bananas", "tomatoes", "salmon fillets", "chicken thighs", "peaches",
    "raspberries", "mushrooms", "new potatoes", "pears", "blueberries", "sourdough rolls",
)
HOMEWARE = (
    "kettle", "frying pan", "bath towels", "duvet cover", "set of mugs", "toaster", "storage jars",
    "table lamp", "laundry basket", "wine glasses", "cafetière", "baking tray",
)
GROCERIES = (
    "semi-skimmed milk", "free-range eggs", "sourdough loaf", "Greek yoghurt", "oat milk", "coffee beans",
    "cheddar", "basmati rice", "orange juice", "butter", "pasta", "washing-up liquid", "toilet roll",
    "dog food", "olive oil", "ice cream", "nappies",
)
DRIVERS = ("Tomasz", "Dave", "Aisha", "Gary", "Kwame", "Sandeep", "Lewis", "Marta", "Jamie", "Olu", "Craig", "Bogdan")
STORE_STAFF = ("Priya", "Megan", "Callum", "Joanne", "Ravi", "Siobhan", "Ellie", "Dean", "Hannah", "Yusuf")
AGENTS = ("Chloe", "Marcus", "Ngozi", "Liam", "Beth", "Arjun", "Gemma")
FIRST_NAMES = (
    "Sarah", "James", "Emma", "Mohammed", "Olivia", "David", "Sophie", "Daniel", "Amelia", "Thomas", "Grace",
    "Aidan", "Fatima", "Rhys", "Niamh", "Oliver", "Chloé", "Zoë", "José", "Agnieszka", "Kemi", "Ewan", "Lucy",
    "Harpreet", "Connor", "Ruth", "Wei", "Isla", "Stephen", "Renée", "Patrick", "Anjali", "Margaret", "Joe",
)
LAST_NAMES = (
    "Smith", "Jones", "Khan", "Taylor", "Brown", "Williams", "Patel", "Evans", "O'Brien", "Wilson", "Nowak",
    "Thompson", "Campbell", "Ahmed", "Roberts", "Murphy", "Okafor", "Hughes", "Müller", "Chen", "Walker",
    "MacDonald", "Davies", "Singh", "Clarke", "Fernández", "Green", "Hall",
)
EMAIL_DOMAINS = ("example.com", "example.co.uk", "example.org", "example.net", "mail.example")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SLOTS = ("7-8am", "8-9am", "10-11am", "12-1pm", "2-3pm", "5-6pm", "6-7pm", "8-9pm")
VOUCHERS = ("SUMMER10", "WELCOME20", "PLUSFREE", "AUTUMN15", "SAVE5NOW")
DEVICES = ("iPhone", "Samsung", "Pixel", "iPad", "Android phone", "old iPhone")
MONTHS = ("April", "May", "June", "July", "August", "September", "October", "November")


# --- the theme catalogue -----------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A known theme: what customers complain about or praise, with their ways of saying it.

    Texts are templates: {slots} are filled by :func:`fill`, and a leading context
    tag (``delivery|``) limits where one is used (see :mod:`feedback.samples.phrasebook`).
    """

    key: str
    label: str
    polarity: ThemePolarity
    description: str
    phrasings: tuple[str, ...]
    clauses: tuple[str, ...]
    short: tuple[str, ...]
    suggestions: tuple[str, ...] = ()
    translations: tuple[tuple[str, str], ...] = ()  # (language, text)


def _build_themes() -> dict[str, Theme]:
    themes = {}
    for key, spec in THEME_TEXT.items():
        translated = tuple(
            (lang, text) for lang, texts in TRANSLATIONS.get(key, {}).items() for text in texts
        )
        themes[key] = Theme(
            key=key,
            label=spec["label"],
            polarity=spec["polarity"],
            description=spec["description"],
            phrasings=tuple(spec["full"]),
            clauses=tuple(spec["clauses"]),
            short=tuple(spec["short"]),
            suggestions=tuple(spec.get("suggest", ())),
            translations=translated,
        )
    return themes


THEMES: dict[str, Theme] = _build_themes()
COMPLAINTS: tuple[str, ...] = tuple(k for k, t in THEMES.items() if t.polarity == "complaint")
PRAISE: tuple[str, ...] = tuple(k for k, t in THEMES.items() if t.polarity == "praise")


def theme_trend(key: str, when: date) -> float:
    """How much more (or less) often than usual a theme comes up on a given day.

    ``app_crashes`` is rare until the 5.0 release and then climbs week by week;
    ``late_delivery`` fades after the delivery partner changed. Other themes are flat.
    """
    if key == "app_crashes":
        if when < APP_RELEASE:
            return 0.25
        weeks = (when - APP_RELEASE).days / 7
        return min(2.0 + 0.6 * weeks, 5.0)
    if key == "late_delivery":
        months = max(0.0, (when - DELIVERY_PARTNER_SWITCH).days / 30.4)
        return max(2.2 - 0.35 * months, 0.35)
    return 1.0


def app_version(when: date | None, rng: random.Random) -> str:
    if when is not None and when < APP_RELEASE:
        return rng.choice(("4.12", "4.12.1", "4.12.2"))
    return rng.choice(("5.0", "5.0.1", "5.0.2"))


# --- people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    first: str
    last: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def _ascii(value: str) -> str:
    plain = value.translate(str.maketrans("éëèáíóúüöäñ", "eeeaiouuoan")).replace("ß", "ss")
    return re.sub(r"[^a-z]", "", plain.lower())


def make_customers(rng: random.Random, count: int) -> list[Customer]:
    """``count`` customers with distinct, reserved-domain e-mail addresses."""
    people: list[Customer] = []
    seen: set[str] = set()
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        f, surname = _ascii(first), _ascii(last)
        local = rng.choice(
            (f"{f}.{surname}", f"{f}{surname}{rng.randint(1, 99)}", f"{f[0]}.{surname}", f"{f}_{rng.randint(60, 99)}",
             f"{surname}.{f}{rng.randint(1, 9)}")
        )
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        if email in seen:
            continue
        seen.add(email)
        people.append(Customer(first, last, email))
    return people


def phone_number(rng: random.Random) -> str:
    """A UK number from the ranges Ofcom keeps for drama, written as people write them."""
    n = rng.randint(0, 999)
    return rng.choice(
        (f"07700 900 {n:03d}", f"07700 900{n:03d}", f"07700900{n:03d}", f"+44 20 7946 0{n:03d}",
         f"020 7946 0{n:03d}", f"0113 496 0{n:03d}", f"+44 7700 900{n:03d}")
    )


# --- filling slots -----------------------------------------------------------------------------


class _Slots(dict[str, str]):
    """Values for a template's {slots}, drawn only when the template uses them."""

    def __init__(self, rng: random.Random, when: date | None) -> None:
        super().__init__()
        self.rng = rng
        self.when = when

    def __missing__(self, key: str) -> str:
        rng = self.rng
        makers = {
            "product": lambda: rng.choice(GROCERIES + FRESH),
            "fresh": lambda: rng.choice(FRESH),
            "homeware": lambda: rng.choice(HOMEWARE),
            "city": lambda: rng.choice(CITIES),
            "store": lambda: rng.choice(STORE_CITIES),
            "day": lambda: rng.choice(DAYS),
            "minutes": lambda: str(rng.choice((20, 25, 30, 35, 40, 45, 50, 55, 60, 75, 90, 120))),
            "hours": lambda: rng.choice(("2", "3", "two", "three", "4")),
            "days": lambda: str(rng.randint(6, 24)),
            "weeks": lambda: rng.choice(("2", "3", "three", "two", "4")),
            "n": lambda: str(rng.randint(2, 6)),
            "driver": lambda: rng.choice(DRIVERS),
            "staff": lambda: rng.choice(STORE_STAFF),
            "agent": lambda: rng.choice(AGENTS),
            "amount": lambda: f"£{rng.randint(3, 95)}.{rng.randint(0, 99):02d}",
            "order": lambda: f"BM{rng.randint(1000000, 9999999)}",
            "slot": lambda: rng.choice(SLOTS),
            "version": lambda: app_version(self.when, rng),
            "voucher": lambda: rng.choice(VOUCHERS),
            "device": lambda: rng.choice(DEVICES),
            "fee": lambda: PLUS_FEE,
            "month": lambda: self._earlier_month(),
            "phone": lambda: phone_number(rng),
            "email": lambda: make_customers(rng, 1)[0].email,
            "customer": lambda: rng.choice(FIRST_NAMES),
        }
        if key not in makers:
            raise KeyError(f"unknown slot {{{key}}} in a sample template")
        value = makers[key]()
        self[key] = value
        return value

    def _earlier_month(self) -> str:
        last = (self.when.month - 1) if self.when else 9
        return self.rng.choice(MONTHS[: max(1, last - 3)])


def fill(template: str, rng: random.Random, when: date | None = None) -> str:
    """A template with its {slots} filled in."""
    return template.format_map(_Slots(rng, when))


def _for_context(templates: Sequence[str], context: Context | None, strict: bool = False) -> list[str]:
    """Templates usable in a context, tags removed; untagged templates fit everywhere.

    When none fits, all of them (``strict``: none).
    """
    fitting, untagged = [], []
    for template in templates:
        tag, sep, text = template.partition("|")
        if not sep:
            untagged.append(template)
        elif context is None or tag == context:
            fitting.append(text)
    if fitting or untagged or strict:
        return fitting + untagged
    return [t.partition("|")[2] for t in templates]


# --- comments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """A generated comment and what it is known to be about."""

    text: str
    theme_keys: tuple[str, ...]
    polarity: Polarity
    language: str = "en"
    personal_data: tuple[str, ...] = field(default=())  # "phone", "email", "name"

    @property
    def sentiment(self) -> float:
        """-1 for a complaint, 1 for praise, 0 for mixed or neutral."""
        return {"complaint": -1.0, "praise": 1.0}.get(self.polarity, 0.0)


def polarity_of(theme_keys: Sequence[str]) -> Polarity:
    kinds = {THEMES[k].polarity for k in theme_keys}
    if not kinds:
        return "neutral"
    if len(kinds) > 1:
        return "mixed"
    return "complaint" if "complaint" in kinds else "praise"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _join_points(rng: random.Random, keys: Sequence[str], context: Context | None) -> str:
    """One comment making several points, from each theme's clauses or sentences."""
    if rng.random() < 0.7:
        parts = [rng.choice(_for_context(THEMES[k].clauses, context)) for k in keys]
        text = parts[0]
        for previous, key, part in zip(keys, keys[1:], parts[1:], strict=False):
            glue = rng.choice(CONTRAST if THEMES[previous].polarity != THEMES[key].polarity else ALSO)
            text += glue + part
        return _capitalise(text) + rng.choice((".", ".", "!", "", "..."))
    sentences = [rng.choice(_for_context(THEMES[k].phrasings, context)) for k in keys]
    return rng.choice((" ", " ", "\n", "  ")).join(sentences)


def add_typo(rng: random.Random, text: str) -> str:
    """The kind of slip people make typing into a survey box."""
    choice = rng.randrange(6)
    if choice == 0:
        return text.lower().rstrip(".")
    if choice == 1 and "'" in text:
        return text.replace("'", "")
    if choice == 2:
        for right, wrong in rng.sample(MISSPELLINGS, len(MISSPELLINGS)):
            if right in text:
                return text.replace(right, wrong, 1)
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) >= 5]
    if not candidates:
        return text + rng.choice(("", " ", "  "))
    i = rng.choice(candidates)
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    if choice in (3, 1):
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif choice == 4:
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def compose_comment(
    rng: random.Random,
    themes: Sequence[str],
    *,
    when: date | None = None,
    context: Context | None = None,
    kind: Kind = "comment",
    emoji: bool = True,
    foreign: float = 0.02,
    personal: float = 0.03,
    typos: float = 0.1,
) -> Comment:
    """A comment about ``themes`` (one or more theme keys), with its ground truth.

    ``kind`` picks the voice: a ``comment`` (sentences or, for several themes, one
    comment joining the points), a ``suggestion`` (what to do better; praise themes
    fall back to a comment) or a ``short`` answer. ``when`` dates the comment
    (the app version it mentions), ``context`` keeps drivers out of store
    surveys. ``foreign``, ``personal`` and ``typos`` are the chances of a
    non-English comment, an added phone number, e-mail address or name, and a typo.
    """
    keys = tuple(themes)
    if not keys:
        raise ValueError("compose_comment needs at least one theme key; use vague_comment() for none")
    unknown = [k for k in keys if k not in THEMES]
    if unknown:
        raise ValueError(f"unknown theme keys {unknown}; known: {', '.join(THEMES)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"theme keys repeat: {keys}")
    polarity = polarity_of(keys)
    first = THEMES[keys[0]]
    translations = [(lang, text) for lang, tagged in first.translations for text in _for_context([tagged], context, strict=True)]
    if len(keys) == 1 and translations and rng.random() < foreign:
        language, text = rng.choice(translations)
        if emoji and rng.random() < 0.2:
            text += " " + rng.choice(EMOJI[polarity])
        return Comment(text, keys, polarity, language)
    if kind == "suggestion" and all(THEMES[k].suggestions for k in keys):
        picks = [rng.choice(_for_context(THEMES[k].suggestions, context)) for k in keys]
        template = picks[0] + "".join(f" Also {p[:1].lower()}{p[1:]}" for p in picks[1:])
    elif len(keys) > 1:
        template = _join_points(rng, keys, context)
    elif kind == "short" or rng.random() < 0.15:
        template = rng.choice(_for_context(first.short, context))
    else:
        template = rng.choice(_for_context(first.phrasings, context))
    text = fill(template, rng, when)
    if rng.random() < typos:
        text = add_typo(rng, text)
    found: list[str] = []
    if any(slot in template for slot in ("{driver}", "{staff}", "{agent}")):
        found.append("name")
    if rng.random() < personal:
        contact = rng.choice(CONTACT)
        found.extend(k for k in ("phone", "email") if "{" + k + "}" in contact)
        if "{customer}" in contact:
            found.append("name")
        text = text.rstrip() + ("" if text.rstrip().endswith((".", "!", "?")) else ".") + " " + fill(contact, rng, when)
    if emoji and rng.random() < 0.1:
        text += rng.choice(("", " ", "  ")) + rng.choice(EMOJI[polarity])
    return Comment(text, keys, polarity, "en", tuple(dict.fromkeys(found)))


def vague_comment(rng: random.Random) -> Comment:
    """An answer that is text but says nothing about any theme ("see above")."""
    return Comment(rng.choice(VAGUE), (), "neutral")


def non_answer(rng: random.Random) -> str:
    """What people type to skip a required box: empty, "n/a", "-". Readers drop these."""
    return rng.choice(NON_ANSWERS)


def pick_themes(
    rng: random.Random,
    weights: Mapping[str, float],
    polarity: ThemePolarity,
    count: int = 1,
    when: date | None = None,
    exclude: Sequence[str] = (),
) -> list[str]:
    """``count`` distinct themes of one polarity, drawn by weight (times their trend on ``when``)."""
    pool = {
        k: w * (theme_trend(k, when) if when else 1.0)
        for k, w in weights.items()
        if k in THEMES and THEMES[k].polarity == polarity and k not in exclude and w > 0
    }
    chosen: list[str] = []
    while pool and len(chosen) < count:
        keys = sorted(pool)
        pick = rng.choices(keys, weights=[pool[k] for k in keys])[0]
        chosen.append(pick)
        del pool[pick]
    return chosen
