"""A comment's language: short English stays English, short comments in other languages keep theirs."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from feedback.samples.company import THEMES, add_typo, fill
from feedback.samples.phrasebook import TRANSLATIONS, VAGUE
from feedback.text.language import (
    DEFAULT_LANGUAGES,
    detect_language,
    other_language,
    short_comment_language,
)
from feedback.text.lexicons import lexicon_languages


@pytest.mark.parametrize(
    "text",
    [
        # lingua finds another language, but not 5 times likelier than English
        "Bad substitutions.",  # French 1.4 times likelier
        "More staaff at the weekend",  # Dutch 2.5 times
        "Tesco better",
        "Brilliant",
        "TERRIBLE",
        "Excellent",
        "Cheers",
        "Fab",
        "Super",
        "No bananas",
        "Refund pls",
        "Ocado is better",
        "Stupid substituions",
        "Let me canncel Plus!",
        "Queues!!",
        "crsahes",
        # too few letters to tell
        "OK",
        "Meh",
        "Thx",
        # lingua is sure, because of a typo: asked again without it
        "the quuees were long",
        "Broken duuvet cover.",
        "the chat quuee was huge",
        "Best avoocados I've had in ages.",
        "Love that I can reoorder last week's shop in one tap.",
        # plain English, emoji, capitals
        "Love the app 😍",
        "GREAT SERVICE",
        "Great prices 👍",
        "Substitutions poor",
        "Gr8 service",
        "V good",
        "Deliveroo faster",
        # read word by word: English words, typos, slang and names are no evidence of another language
        "Super cute!",  # "super" is German and Dutch too
        "Terrible",
        "Brilliant service",
        "Best jeans!",
        "Ugh.",
        "Yup",
        "Eh",
        "Wow",
        "Bad fit",
        "crashs",  # a French verb form, but lingua rates English higher
        "Gerat pants",
        "Thanks Steven",
        "Petra tank",
        "ring steven",
        "Prima service",  # both words are English forms ("prima" as in prima donna): the primary language
    ],
)
def test_short_english_stays_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Livraison en retard", "fr"),
        ("Très bien", "fr"),
        ("Merci beaucoup", "fr"),
        ("Pas de réponse", "fr"),
        ("Rien à dire", "fr"),
        ("Parfait", "fr"),
        ("Produits abîmés", "fr"),
        ("Commande incomplète", "fr"),
        ("Livreur sympa", "fr"),  # "livreur" is in no English text, but it is most of the comment
        ("Sehr gut", "de"),
        ("Danke", "de"),
        ("Zu teuer", "de"),
        ("Keine Antwort", "de"),
        ("Perfekt", "de"),
        ("Ware beschädigt", "de"),
        ("Fahrer unfreundlich", "de"),
        ("Muy mal servicio", "es"),
        ("Gracias", "es"),
        ("Sin respuesta", "es"),
        ("Productos dañados", "es"),
        ("Repartidor amable", "es"),
        ("Tutto ok", "it"),
        ("Servizio pessimo", "it"),
        ("Grazie mille", "it"),
        ("Nessuna risposta", "it"),
        ("Perfetto", "it"),
        ("Prodotti danneggiati", "it"),
        ("Corriere gentile", "it"),
        ("Muito bom", "pt"),
        ("Obrigado", "pt"),
        ("Perfeito", "pt"),
        ("Entregador simpático", "pt"),
        ("Heel goed", "nl"),
        ("Te laat", "nl"),
        ("Te duur", "nl"),
        ("Geweldig", "nl"),
        ("Bezorger vriendelijk", "nl"),
        # lingua leaves these in English; their words decide
        ("Trop cher", "fr"),  # lingua rates German a little higher, but "trop" and "cher" are French forms only
        ("Nul", "fr"),  # three letters: French and Dutch forms, lingua rates French higher
        ("Trop tard", "fr"),
        ("Service nul", "fr"),  # "service" is English, "nul" is not: half the words
        ("Alles super", "de"),  # "super" is English and German and Dutch, "alles" German and Dutch
        ("Alles gut", "de"),
        ("Muy caro", "es"),  # "caro" is in the English word list, "muy" is not
        ("Perfecto", "es"),
        ("Ordine incompleto", "it"),
        ("Adorei", "pt"),
        ("Snelle levering", "nl"),
    ],
)
def test_short_comments_in_other_languages_keep_theirs(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_the_generators_other_languages_are_detected() -> None:
    texts = [(lang, t.split("|", 1)[-1]) for by_lang in TRANSLATIONS.values() for lang, ts in by_lang.items() for t in ts]
    assert len(texts) == 25
    assert [(lang, t) for lang, t in texts if detect_language(t) != lang] == []


def test_the_generators_english_with_typos_is_english() -> None:
    rng = random.Random(7)
    texts = set(VAGUE)
    for theme in THEMES.values():
        for template in theme.phrasings + theme.clauses + theme.short + theme.suggestions:
            text = fill(template.split("|", 1)[-1], rng)
            texts.update([text, *(add_typo(rng, text) for _ in range(4))])
    assert len(texts) > 1400
    assert sorted(t for t in texts if detect_language(t) != "en") == []


def test_the_margin_is_over_the_primary_language() -> None:
    # French is the primary language here: an English comment now needs the margin over French
    assert other_language("Bad substitutions.", ("fr", "en")) is None
    assert detect_language("Bad substitutions.", ["fr", "en"]) == "fr"
    assert other_language("The delivery was two hours late and nobody called", ("fr", "en")) == "en"
    assert other_language("Sehr gut", DEFAULT_LANGUAGES) == "de"


def test_one_language_configured_is_always_that_one() -> None:
    assert detect_language("Die Lieferung kam zwei Stunden zu spät.", ["en"]) == "en"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["trop", "cher"], [{"fr", "nl"}, {"fr"}]),
        (["alles", "super"], [{"de", "nl"}, {"fr", "de", "es", "it", "nl"}]),
        (["incompleto", "perfecto", "tesco", "crsahes"], [{"es", "it", "pt"}, {"fr", "es"}, set(), set()]),
        ([], []),
    ],
)
def test_lexicon_languages_spell_word_forms(words: list[str], expected: list[set[str]]) -> None:
    assert lexicon_languages(words) == expected


def test_short_comment_words_only_with_english_first() -> None:
    assert short_comment_language("Trop cher", DEFAULT_LANGUAGES) == "fr"
    assert short_comment_language("Trop cher", ("fr", "en", "de")) is None  # the word tables are English
    assert short_comment_language("Trop cher", ("en", "de")) is None  # French is not configured
    assert detect_language("Trop cher", ["en", "de"]) == "en"
    # long comments are lingua's
    assert short_comment_language("Trop cher trop cher trop cher", DEFAULT_LANGUAGES) is None


@pytest.mark.parametrize("content", [b"", b"not an npy file", b"\x93NUMPY\x01\x00broken"])
def test_a_broken_lexicon_cache_is_built_again_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           content: bytes) -> None:
    from feedback.text import lexicons

    monkeypatch.setenv("FEEDBACK_CACHE_DIR", str(tmp_path))
    built = np.array([64, 128, 192], dtype=np.uint64)
    calls: list[int] = []
    monkeypatch.setattr(lexicons, "_build", lambda: calls.append(1) or built)
    path = lexicons.cache_file("lexicons", ".npy")
    path.write_bytes(content)
    lexicons._table.cache_clear()
    try:
        assert np.array_equal(lexicons._table(), built) and calls == [1]
        assert np.array_equal(np.load(path), built)  # replaced whole: the next process reads it
        lexicons._table.cache_clear()
        assert np.array_equal(lexicons._table(), built) and calls == [1]  # read, not built again
    finally:
        lexicons._table.cache_clear()
