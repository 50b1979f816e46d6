"""The morning summary as markdown: the Prefect artifact's section and the notification's body.

Everything a person typed (theme labels come from comments; quotes are comments; errors name
files) is escaped: HTML's ``& < >`` become entities and markdown's punctuation is backslashed,
so a label such as ``<script>`` or ``[click](http://…)`` reads as text in Prefect, Slack,
Teams or an e-mail, and cannot mention ``<!channel>``. Every ``@`` is followed by a zero-width
space (as Discord libraries' ``escape_mentions`` do): ``@everyone``, ``@here`` and
``<@123>`` / ``<@&123>`` read the same but ping nobody, in Discord's message text and for
Apprise's Discord plugin, which in markdown mode turns every ``@word`` and ``@123`` of the body
into a ping of its own (Discord's ``allowed_mentions`` is not exposed to the caller).
"""

from __future__ import annotations

import re

from feedback.notify.summary import MorningSummary, ThemeNews

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")
ZWSP = "\u200b"  # after "@": no service reads "@\u200beveryone" or "<@\u200b123>" as a mention


def escape(text: str, limit: int = 200) -> str:
    """Text on one line, at most ``limit`` characters, safe inside markdown and HTML."""
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", flat).replace("@", "@" + ZWSP)


def title(summary: MorningSummary) -> str:
    """The notification's title: how many alerts, or that there is nothing to worry about."""
    n = summary.alerts
    what = f"{n} alert{'s' if n != 1 else ''}" if n else "nothing alarming"
    return f"Feedback, nightly run {summary.run_id}: {what}"


def _named(theme: ThemeNews) -> str:
    """A theme's label in bold, or a section's with the theme it is a section of."""
    if theme.section_of is None:
        return f"**{escape(theme.label, 120)}**"
    return f"**{escape(theme.label, 120)}** (section of {escape(theme.section_of, 120)})"


def _theme(theme: ThemeNews, quote: bool) -> list[str]:
    kinds = " and ".join(theme.changes)
    lines = [f"- {_named(theme)} is {kinds}{' (new alert)' if theme.alert else ''}:"]
    lines += [f"  - {kind}: {change.why()}" for kind, change in theme.changes.items()]
    if quote and theme.quote:
        lines.append(f"  - for example: “{escape(theme.quote)}”")
    return lines


def render(summary: MorningSummary, sources: bool = True, quote: bool = True) -> str:
    """The summary in markdown; ``sources=False`` leaves out the per-source lines (the nightly
    artifact has them as a table already)."""
    lines = ["## Morning summary", ""]
    failed = [s for s in summary.sources if s.status == "failed"]
    alerts = [t for t in summary.themes if t.alert]
    broken = [p for p in summary.promises if p.alert]
    if summary.alerts:
        lines += [f"**{summary.alerts} alert{'s' if summary.alerts != 1 else ''}:**", ""]
        lines += [f"- source `{escape(s.source, 80)}` failed: {escape(s.error, 300)}" for s in failed]
        lines += [f"- theme {_named(t)} is {' and '.join(t.changes)}" for t in alerts]
        lines += [f"- promise “{escape(p.text, 160)}” is broken" for p in broken]
    else:
        lines.append("No alert: no source failed, and no theme or promise changed more than chance would explain"
                     " since the last summary.")
    if sources:
        lines += ["", "### Sources", ""]
        lines += [f"- `{escape(s.source, 80)}`: " + (f"failed: {escape(s.error, 300)}" if s.status == "failed" else
                  f"{s.seen} in, {s.new} new, {s.quarantined} quarantined") for s in summary.sources]
    if summary.archive_note:
        lines += ["", f"Themes, promises and customers: {escape(summary.archive_note, 300)}."]
        return "\n".join(lines)
    lines += ["", "### Themes emerging or spiking", ""]
    if summary.themes:
        for theme in summary.themes:
            lines += _theme(theme, quote)
    else:
        lines.append("No theme changed more than chance would explain.")
    lines += ["", "### Promises broken", ""]
    lines += [f"- “{escape(p.text, 160)}”{' (newly broken)' if p.alert else ''}: {p.why()}"
              for p in summary.promises] or ["No promise is broken."]
    if summary.waiting:
        lines += ["", "### Customers waiting longest for an answer", ""]
        lines += [f"- `{escape(w.customer, 80)}`: {w.days} days, {w.conversations} unanswered"
                  f" conversation{'s' if w.conversations != 1 else ''}" for w in summary.waiting]
    return "\n".join(lines)
