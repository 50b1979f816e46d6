"""Short English comments taken for another language, before and after the primary-language prior.

Reads the sample generator's texts (no archive needed): every English phrasing, clause, short answer
and suggestion of every theme, filled in and with four typo variants each (a stress set, denser in
typos than the samples), the generator's own draw of survey answers (its typo and foreign rates),
and all its non-English texts; and, where ../shared/data is beside the checkout, real English short texts
(clothing review titles and CLINC150 queries of up to four words). "before" is the rule at commit 0987688 (lingua with a 0.1 minimum
relative distance, fewer than 8 letters = primary language), run in the same process.

    PYTHONPATH=$PWD python bench/language_short.py
"""

from __future__ import annotations

import csv
import json
import random
import re
import time
from functools import lru_cache
from pathlib import Path

from feedback.samples.company import THEMES, add_typo, compose_comment, fill, pick_themes
from feedback.samples.phrasebook import TRANSLATIONS, VAGUE
from feedback.samples.surveys import SURVEYS
from feedback.text.language import DEFAULT_LANGUAGES, detect_language, other_language
from feedback.text.words import english_words

SEED = 7
# Short comments as customers write them in the company's other languages (collected by hand, with their language).
HAND = (
    ("Livraison en retard", "fr"), ("Très bien", "fr"), ("Merci beaucoup", "fr"), ("Pas de réponse", "fr"),
    ("Rien à dire", "fr"), ("Parfait", "fr"), ("Produits abîmés", "fr"), ("Commande incomplète", "fr"),
    ("Livreur sympa", "fr"), ("Trop cher", "fr"), ("Nul", "fr"), ("Sehr gut", "de"), ("Danke", "de"),
    ("Zu teuer", "de"), ("Keine Antwort", "de"), ("Perfekt", "de"), ("Ware beschädigt", "de"),
    ("Fahrer unfreundlich", "de"), ("Alles super", "de"), ("Muy mal servicio", "es"), ("Gracias", "es"),
    ("Sin respuesta", "es"), ("Productos dañados", "es"), ("Repartidor amable", "es"), ("Muy caro", "es"),
    ("Perfecto", "es"), ("Tutto ok", "it"), ("Servizio pessimo", "it"), ("Grazie mille", "it"),
    ("Nessuna risposta", "it"), ("Perfetto", "it"), ("Prodotti danneggiati", "it"), ("Corriere gentile", "it"),
    ("Ordine incompleto", "it"), ("Muito bom", "pt"), ("Obrigado", "pt"), ("Perfeito", "pt"),
    ("Entregador simpático", "pt"), ("Heel goed", "nl"), ("Te laat", "nl"), ("Te duur", "nl"), ("Geweldig", "nl"),
    ("Bezorger vriendelijk", "nl"), ("Bedankt", "nl"), ("Prima service", "nl"),
)


@lru_cache(maxsize=1)
def _old_detector():  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DEFAULT_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*chosen).with_minimum_relative_distance(0.1).build()


def before(text: str) -> str | None:
    letters = sum(ch.isalpha() for ch in text)
    if letters == 0:
        return None
    if letters < 8:
        return "en"
    found = _old_detector().detect_language_of(text[:1000])
    return "en" if found is None else found.iso_code_639_1.name.lower()


def _untagged(template: str) -> str:
    return template.split("|", 1)[1] if "|" in template else template


def stress_set(rng: random.Random) -> list[str]:
    texts: set[str] = set(VAGUE)
    for theme in THEMES.values():
        for template in theme.phrasings + theme.clauses + theme.short + theme.suggestions:
            text = fill(_untagged(template), rng)
            texts.add(text)
            texts.update(add_typo(rng, text) for _ in range(4))
    return sorted(texts)


def survey_draw(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(text, language) as the surveys draw them: one or two themes, the generator's typo and foreign rates."""
    weights = SURVEYS[0].weights
    drawn = []
    for _ in range(count):
        polarity = rng.choice(("complaint", "praise"))
        comment = compose_comment(rng, pick_themes(rng, weights, polarity, rng.choice((1, 1, 2))))  # type: ignore[arg-type]
        drawn.append((comment.text, comment.language))
    return drawn


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "labelled"


def real_english() -> list[str]:
    """Real English texts of up to four words: clothing review titles, CLINC150 queries (empty without shared data)."""
    short = re.compile(r"^\W*(?:[^\W\d_]+\W*){1,4}$")
    texts: set[str] = set()
    if (SHARED / "clothing_reviews" / "reviews.csv").exists():
        with open(SHARED / "clothing_reviews" / "reviews.csv", newline="", encoding="utf-8") as handle:
            texts.update(t for row in csv.DictReader(handle) if short.match(t := (row["Title"] or "").strip()))
    if (SHARED / "clinc150" / "data_full.json").exists():
        data = json.loads((SHARED / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        texts.update(t for part in data.values() for t, _ in part if short.match(t))
    return sorted(texts)


def main() -> None:
    rng = random.Random(SEED)
    english = stress_set(rng)
    foreign = sorted({(lang, _untagged(t)) for texts in TRANSLATIONS.values() for lang, ts in texts.items() for t in ts})
    draw = survey_draw(rng, 3000)
    real = real_english()
    start = time.process_time()
    english_words()
    load = time.process_time() - start
    before("Lingua reads its models on first use"), detect_language("Lingua reads its models on first use")
    for name, rule in (("before", before), ("after", detect_language)):
        start = time.process_time()
        wrong = [t for t in english if rule(t) != "en"]
        lost = [(lang, t) for lang, t in foreign if rule(t) != lang]
        drawn_foreign = [(t, lang) for t, lang in draw if rule(t) not in ("en", None)]
        english_there = [t for t, lang in drawn_foreign if lang == "en"]
        missed = sum(1 for t, lang in draw if lang != "en" and rule(t) != lang)
        cpu = time.process_time() - start
        hand = [(t, lang, rule(t)) for t, lang in HAND]
        print(f"{name}: hand-collected short non-English: {sum(1 for _, _, got in hand if got != 'en')} of {len(hand)} "
              f"taken for a non-English language, {sum(1 for _, lang, got in hand if got == lang)} for the right one")
        if name == "after":
            print("   taken for English: " + ", ".join(repr(t) for t, _, got in hand if got == "en"))
        print(f"{name}: stress set {len(wrong)} of {len(english)} English texts taken for another language; "
              f"{len(lost)} of {len(foreign)} generator non-English texts not given their language; "
              f"survey draw of {len(draw)}: {len(english_there)} of {len(drawn_foreign)} marked non-English are English, "
              f"{missed} non-English missed; CPU {cpu:.1f} s")
        if name == "after":
            for text in wrong:
                print(f"   still taken for {rule(text)}: {text!r}")
        taken = [(t, got) for t in real if (got := rule(t)) not in ("en", None)]
        print(f"{name}: real English short texts (shared data): {len(taken)} of {len(real)} taken for another language")
        if name == "after":
            print("   " + ", ".join(f"{t!r} ({got})" for t, got in taken))
    print(f"English word forms (feedback.text.words, cached): read once, {load:.2f} s CPU")
    near = sorted(t for t in english if other_language(t, DEFAULT_LANGUAGES) is not None)
    print(f"English stress texts lingua alone (with the margin) gives another language: {len(near)}")


if __name__ == "__main__":
    main()
