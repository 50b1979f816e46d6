"""Messages per second for parse + clean + redact over the shared email corpus.

Usage: .venv/bin/python bench/email_parse.py [--corpus ../shared/data/emails] [--append bench/RESULTS.md]

Two numbers: the channel as it runs (automatic traffic is skipped after parsing,
so only customer messages are cleaned and redacted) and a worst case where every
parsed message is cleaned and redacted, names included (spaCy NER).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from feedback.errors import BadInput
from feedback.redact import Redactor
from feedback.sources.mail_clean import customer_words
from feedback.sources.mail_names import NameRedactor, person_name
from feedback.sources.mail_parse import clean_subject, parse_message

NOT_MESSAGES = {"LICENSE", "NOTICE", "SOURCE.txt", "README", "COPYING", "MIT.txt", "Apache-2.0.txt"}


def corpus(root: Path) -> list[bytes]:
    return [
        p.read_bytes() for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix != ".json" and p.name not in NOT_MESSAGES and "LICENSES" not in p.parts
    ]


def run(messages: list[bytes], regex: Redactor, names: NameRedactor, every: bool) -> tuple[float, int]:
    """Seconds for parse + clean + redact (addresses, phones, cards, IBANs, then names batched)."""
    start = time.perf_counter()
    texts: list[str] = []
    for raw in messages:
        try:
            parsed = parse_message(raw)
        except BadInput:
            continue
        if parsed.skip and not every:
            continue
        words = customer_words(parsed.body).text
        if words:
            texts.append(regex(words) or "")
            texts.append(regex(clean_subject(parsed.subject)) or "")
    names.many(texts)
    return time.perf_counter() - start, len(texts) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/emails")
    parser.add_argument("--append", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (the machine is shared: noisy)")
    args = parser.parse_args()
    messages = corpus(args.corpus)
    names = NameRedactor.load()
    # the sender names, as the pipeline would know them from the warehouse
    known = set()
    for raw in messages:
        try:
            parsed = parse_message(raw)
        except BadInput:
            continue
        if parsed.from_name and (name := person_name(parsed.from_name)):
            known.add(name)
    names = NameRedactor(known=known, nlp=names.nlp, model=names.model)
    regex = Redactor()
    run(messages[:50], regex, names, True)  # warm-up: imports, model
    lines = []
    rules_only = NameRedactor(known=known)
    for label, every, step in (
        ("as run, names by known list + rules (no NER)", False, rules_only),
        ("as run, names by known list + rules + spaCy NER", False, names),
        ("every message cleaned + redacted, with NER", True, names),
    ):
        seconds, redacted = min(
            # a fresh NER cache per run: nothing is carried over from the previous one
            run(messages, regex, NameRedactor(known=known, nlp=step.nlp, model=step.model), every)
            for _ in range(max(1, args.repeat))
        )
        rate = len(messages) / seconds
        lines.append(f"| {label} | {len(messages)} | {redacted} | {seconds:.1f} | {rate:.0f} |")
        print(lines[-1])
    if args.append:
        cores = os.cpu_count()
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        header = (
            f"\n## Email parse + clean + redact ({datetime.now(UTC):%Y-%m-%d}, {cores} cores, {mem:.0f} GiB, "
            f"Python {platform.python_version()}, NER: {names.model or 'none'})\n\n"
            "`bench/email_parse.py` over shared/data/emails (spamassassin ham + parser torture fixtures); "
            f"load average during the run: {os.getloadavg()[0]:.1f} (other sessions share the 2 cores).\n\n"
            f"Best of {max(1, args.repeat)} runs per row.\n\n"
            "| run | messages | redacted | seconds | messages/s |\n|---|---|---|---|---|\n"
        )
        with args.append.open("a") as out:
            out.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
