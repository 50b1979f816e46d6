"""False [NAME]s per 1,000 comments on shared data that holds almost no people's names, and the
process stage's time on clothing reviews.

Usage: .venv/bin/python bench/redact_precision.py [--data ../shared/data/labelled] [--label after]
       [--append bench/RESULTS.md]

Runs the process stage as a nightly run does (``processed_rows``: redaction with the spaCy name
model, language, sentiment; one process) over banking77 (13,083 banking queries), clinc150 (23,700
assistant queries) and the clothing reviews (22,641 with text; title and text are one comment).
Those texts name almost nobody, so every [NAME] is counted as false; the ones found are listed
with the words they replaced, so a reader can see which are really people. [PHONE] and [ACCOUNT]
placeholders are counted too (numbers there are order, size and money figures). Then the process
stage's time on the first 2,000 clothing reviews, best of three. Run it once with the code before a
change (``PYTHONPATH=<old checkout>``) and once after: the script uses only APIs both have.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from feedback.text.names import NameRedactor
from feedback.text.process import build_redactor, processed_rows, warm_up

LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl")
PLACEHOLDERS = ("[NAME]", "[PHONE]", "[ACCOUNT]")
Item = tuple[str, str | None, str]


def banking77(root: Path) -> list[Item]:
    rows = [r["text"] for name in ("train.csv", "test.csv") for r in csv.DictReader((root / "banking77" / name).open())]
    return [(f"b{i}", None, text) for i, text in enumerate(rows)]


def clinc150(root: Path) -> list[Item]:
    data = json.loads((root / "clinc150" / "data_full.json").read_text())
    rows = [text for part in sorted(data) for text, _ in data[part]]
    return [(f"c{i}", None, text) for i, text in enumerate(rows)]


def clothing(root: Path) -> list[Item]:
    with (root / "clothing_reviews" / "reviews.csv").open(encoding="utf-8") as handle:
        rows = [(r["Title"] or None, r["Review Text"]) for r in csv.DictReader(handle) if r["Review Text"]]
    return [(f"r{i}", title, text) for i, (title, text) in enumerate(rows)]


def replaced(original: str, redacted: str, placeholder: str) -> list[str]:
    """The original words each ``placeholder`` in ``redacted`` stands for (aligned on the text around it)."""
    pattern = "".join(
        "(.+?)" if piece == placeholder else re.escape(piece)
        for piece in re.split(f"({re.escape(placeholder)})", redacted)
    )
    pattern = re.sub(r"\\\[(?:NAME|PHONE|ACCOUNT|EMAIL|CARD|IBAN|CREDENTIALS)\\\]", ".+?", pattern)
    match = re.fullmatch(pattern, original, re.DOTALL)
    return [g for g in match.groups()] if match else ["?"]


def run(items: list[Item], redactor: Callable[[str | None], str | None]) -> tuple[float, list[dict[str, object]]]:
    start = time.perf_counter()
    rows = [row for piece in processed_rows(items, redactor, LANGUAGES) for row in piece]
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parent.parent.parent / "shared" / "data" / "labelled")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--append", type=Path)
    args = parser.parse_args()

    start = time.perf_counter()
    names = NameRedactor.load()
    redactor = build_redactor(["GB", "US"], extra=[names])
    warm_up(redactor, LANGUAGES)
    print(f"redactor ready in {time.perf_counter() - start:.1f} s ({names.model})")

    lines = [f"### {args.label}: `bench/redact_precision.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
             f"({os.cpu_count()} cores, shared, loaded; Python {platform.python_version()}; {names.model})", "",
             "| set | comments | [NAME] | per 1,000 | [PHONE] | [ACCOUNT] | seconds |", "|---|---|---|---|---|---|---|"]
    found: list[str] = []
    totals = [0, 0]
    for name, read in (("banking77", banking77), ("clinc150", clinc150), ("clothing reviews", clothing)):
        items = read(args.data)
        seconds, rows = run(items, redactor)
        originals = {item_id: (title, text) for item_id, title, text in items}
        counts = dict.fromkeys(PLACEHOLDERS, 0)
        for row in rows:
            title, text = originals[str(row["item_id"])]
            for original, clean in ((title, row["title"]), (text, row["text"])):
                if not original or not isinstance(clean, str):
                    continue
                for placeholder in PLACEHOLDERS:
                    counts[placeholder] += clean.count(placeholder)
                if "[NAME]" in clean:
                    found.append(f"{name}: {', '.join(map(repr, replaced(original, clean, '[NAME]')))} in "
                                 f"{clean[:140]!r}")
        totals[0] += len(items)
        totals[1] += counts["[NAME]"]
        lines.append(f"| {name} | {len(items):,} | {counts['[NAME]']} | {1000 * counts['[NAME]'] / len(items):.2f} "
                     f"| {counts['[PHONE]']} | {counts['[ACCOUNT]']} | {seconds:.1f} |")
    lines.append(f"| all three | {totals[0]:,} | {totals[1]} | {1000 * totals[1] / totals[0]:.2f} | | | |")

    sample = clothing(args.data)[:2000]
    times = []
    for _ in range(3):
        names._seen.clear()  # each repeat reads every sentence anew, as a first run does
        times.append(run(sample, redactor)[0])
    lines += ["", f"Process stage on the first 2,000 clothing reviews (one process): best of 3 {min(times):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)}).", "",
              f"[NAME]s found ({len(found)}; the words they replaced, then the published text):", ""]
    lines += [f"- {line}" for line in found] or ["- none"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
