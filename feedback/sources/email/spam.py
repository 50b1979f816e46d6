"""Is a customer's message spam? An upstream filter's verdict, or SpamAssassin's by content.

Each email source says how (``spam:`` in its configuration, :class:`~feedback.config.SpamCheck`):

- ``auto`` (the default): a verdict an upstream filter wrote into the headers (``X-Spam-Status``,
  ``X-Spam-Flag``) is taken as it stands; a message without one is sent to ``spamd`` when the
  source names its host, and is not checked when it does not;
- ``headers``: only the upstream verdict; ``spamd``: always spamd (for mailboxes whose senders
  could write those headers themselves); ``off``: no check at all.

SpamAssassin's ``spamd`` is asked with ``spamc``, SpamAssassin's own client (Debian package
``spamc``; ``-R``: the score, the required score and the rules that hit, with their points;
``-x``: an error is an error, never a message passed through unchecked). Python's SPAMD client
``aiospamc`` was tried and left: it pins ``typer<0.17`` (its command line), which would hold back
the ``typer`` spaCy uses. The reason a message is skipped says why, rules by points:
``SpamAssassin score 9.3 ≥ 5.0 (BAYES_99, DRUG_ED_CAPS, ...)``.

spamd's Bayes filter is what makes the check good enough (bench/RESULTS.md "Spam filter"): it
is trained with ``feedback spam learn`` (:mod:`feedback.sources.email.spam_learn`).

When spamd cannot be asked (down, refusing, timing out), the message cannot be decided and is not
published unchecked: :class:`~feedback.errors.SourceUnavailable` is raised, the reader stops the
source there, what was decided before is kept, and the next run starts again from that message.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass

from feedback.config import SpamCheck
from feedback.errors import ConfigError, SourceUnavailable

# What spamd is sent of one message (spamc's own default limit is 500 KB, above which it checks
# nothing): SpamAssassin reads the headers and the first text parts, which come first.
MAX_BYTES = 512 * 1024
MAX_RULES = 12  # rules named in a reason; the score is the whole story, these are the why


@dataclass(frozen=True)
class Verdict:
    """One message's spam verdict and why, in words for the skip record."""

    spam: bool
    reason: str


def uses_headers(settings: SpamCheck) -> bool:
    """True when an upstream filter's verdict in the headers decides (``auto`` and ``headers``)."""
    return settings.check in ("auto", "headers")


def asks_spamd(settings: SpamCheck, upstream: str) -> bool:
    """True when this message goes to spamd: always with ``spamd``; with ``auto`` when spamd is
    configured and no upstream filter gave its verdict (``upstream`` is that header, or '')."""
    if settings.check == "spamd":
        return True
    return settings.check == "auto" and bool(settings.host) and not upstream


def upstream_reason(header: str) -> str:
    """The skip reason for a message an upstream filter marked as spam."""
    return f"upstream filter: {header[:200]}"


def score_reason(score: float, threshold: float, rules: list[str]) -> str:
    """'SpamAssassin score 9.3 ≥ 5.0 (A, B, ...)' (or '<' for a message under the threshold)."""
    sign = "≥" if score >= threshold else "<"
    named = ", ".join(rules[:MAX_RULES]) + (f", +{len(rules) - MAX_RULES} more" if len(rules) > MAX_RULES else "")
    return f"SpamAssassin score {score:.1f} {sign} {threshold:.1f}" + (f" ({named})" if named else "")


# spamc's exit codes (sysexits.h) when it says nothing else; -x makes every failure one of these
_EXIT = {69: "spamd unavailable", 70: "internal error", 74: "no answer in time, or a read error",
         75: "temporary failure", 76: "not the SPAMD protocol"}
_SCORE_LINE = re.compile(r"^(-?\d+(?:\.\d+)?)/(-?\d+(?:\.\d+)?)\s*$")
_RULE_LINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9_]+)(?:\s|$)")


def read_report(text: str) -> tuple[float, float, list[str]] | None:
    """(score, required score, rule names by points, highest first) from spamc's ``-R`` output,
    or None when it does not start with 'score/required'. Rules are read from the report's table
    (' pts rule name  description', after its '----' rule); a report template without that table
    gives no names, never a wrong verdict."""
    lines = text.splitlines()
    match = _SCORE_LINE.match(lines[0]) if lines else None
    if match is None:
        return None
    rules: list[tuple[float, str]] = []
    table = False
    for line in lines[1:]:
        if line.startswith("----"):
            table = True
        elif table and (rule := _RULE_LINE.match(line)):
            rules.append((float(rule.group(1)), rule.group(2)))
    rules.sort(key=lambda pair: -pair[0])  # stable: spamd's order among equal points
    return float(match.group(1)), float(match.group(2)), [name for _, name in rules]


def spamd_report(raw: bytes, settings: SpamCheck) -> tuple[float, float, list[str]]:
    """spamd's (score, required score, rules by points) for a message. Raises SourceUnavailable
    when spamd cannot be asked, ConfigError when spamc is not installed."""
    spamc = shutil.which("spamc")
    if spamc is None:
        raise ConfigError("spam check: the spamc command is not installed (Debian: apt-get install spamc)")
    host, port = settings.host or "localhost", settings.port
    where = f"spamd at {host}:{port}"
    seconds = max(1, math.ceil(settings.timeout))
    command = [spamc, "-d", host, "-p", str(port), "-x", "-R", "-l", "-t", str(seconds), "-n", str(seconds),
               "-s", str(MAX_BYTES + 1)]
    try:
        done = subprocess.run(command, input=raw[:MAX_BYTES], capture_output=True, timeout=2 * seconds + 5)
    except subprocess.TimeoutExpired:
        raise SourceUnavailable(f"spam check: {where} did not answer within {2 * seconds + 5} s") from None
    report = read_report(done.stdout.decode("utf-8", "replace")) if done.returncode in (0, 1) else None
    if report is None:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[0].removeprefix("spamc: ")[:200] if said else _EXIT.get(done.returncode, "no answer")
        raise SourceUnavailable(f"spam check: {where} did not answer (spamc exit {done.returncode}: {detail})")
    return report


def spamd_verdict(raw: bytes, settings: SpamCheck) -> Verdict:
    """spamd's verdict on a message: spam when its score reaches ``settings.threshold`` (spamd's
    own ``required_score`` when None). Raises SourceUnavailable when spamd cannot be asked."""
    score, required, rules = spamd_report(raw, settings)
    threshold = required if settings.threshold is None else settings.threshold
    return Verdict(score >= threshold, score_reason(score, threshold, rules))


def content_verdict(settings: SpamCheck, upstream: str, raw: bytes) -> Verdict | None:
    """The content check for a message the headers did not already skip; None when unchecked
    (``upstream`` is its upstream filter's verdict header, or '')."""
    if not asks_spamd(settings, upstream):
        return None
    return spamd_verdict(raw, settings)

