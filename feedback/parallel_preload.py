"""Imported once by the fork server that workers come from (see :mod:`feedback.parallel`).

What every worker would otherwise load itself, in each pool of each run: the pipeline's
modules, the spaCy name model, the English word and letter-case tables (~4-5 s together),
the language detector for the default languages and VADER. Workers forked from the server
share these pages. A failure here only costs the workers that load: it is logged, not raised.
"""

from __future__ import annotations

import logging

from . import process, text  # noqa: F401 - imported for the workers
from .sources import (
    email,  # noqa: F401 - imported for the workers
    mail_names,
)

try:
    mail_names.load_model(mail_names.DEFAULT_MODEL)
    mail_names.english_words()
    mail_names.letter_case_evidence()
    text.detect_language("Bonjour, la livraison était en retard.", text.DEFAULT_LANGUAGES)
    text.sentiment("The delivery was late.")
except Exception:  # noqa: BLE001 - the server must start; workers will load what failed themselves
    logging.getLogger(__name__).exception("worker preload failed")
