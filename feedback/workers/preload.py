"""Imported once by the fork server that workers come from (see :mod:`feedback.workers`).

What every worker would otherwise load itself, in each pool of each run: the pipeline's
modules, the spaCy name model, the English word and letter-case tables (~4-5 s together),
the language detector for the default languages and VADER. Workers forked from the server
share these pages. A failure here only costs the workers that load: it is logged, not raised.
"""

from __future__ import annotations

import logging

from feedback.sources.email import reader  # noqa: F401 - imported for the workers
from feedback.text import language, names, process, sentiment  # noqa: F401 - imported for the workers

try:
    names.load_model(names.DEFAULT_MODEL)
    names.english_words()
    names.letter_case_evidence()
    language.detect_language("Bonjour, la livraison était en retard.", language.DEFAULT_LANGUAGES)
    sentiment.sentiment("The delivery was late.")
except Exception:  # noqa: BLE001 - the server must start; workers will load what failed themselves
    logging.getLogger(__name__).exception("worker preload failed")
