"""The sample archive's top level against the generator's known themes (issue #12's sample targets).

    .venv/bin/python bench/themes_samples.py              # prints; appends to bench/RESULTS.md
    .venv/bin/python bench/themes_samples.py --no-append  # a quick look

The samples (``feedback samples``: surveys, reviews, e-mail, form) are generated, ingested and
processed once into bench/out/samples/processed.db (the slow part: spaCy and MiniLM, minutes);
each run then fits the themes on a copy with the engine's public entry point (``update_themes``,
whose first run is the full fit) and reports what a person meets first:

- the top-level count (target 8-25) and the largest top-level entry's share of comments;
- per known theme of the generator (surveys' truth.csv: comments with exactly one known theme,
  at least ``feedback.samples.truth.MIN_COMMENTS`` of them), the share of its comments under its modal top-level theme
  (target >= 0.85 for each), as in tests/test_themes_samples.py;
- the themes' and top level's label checks (bench/themes_metrics.py);
- per-segment themes of comments with two known themes (:func:`two_aspects`): the share whose segments' fine themes
  name both, a fine theme naming the known theme most of its segments' comments have (a comment's
  points must not be pulled into one theme: "the driver was lovely but the food came late");
- the published sentiment against the generator's polarity of each English survey comment
  (bench/sentiment_corrections.py's ``figures``: three-class macro-F1);
- labels against the published sentiment (:func:`published_claims`): parents (and themes) whose
  label claims praise or problems while the mean of their segments' published sentiment (what the
  page shows beside it) says the opposite; sub-themes contradicting their parent's claim are read
  both by the published sentiment and by the lexicon (VADER, how the top level read them before);
- ``LABELS_CODE=<folder holding a feedback package>`` measures that code instead (a whole baseline,
  labels included: ``git archive <rev> feedback | tar -x -C <folder>``; use with ``--baseline ''``);
- with ``--subsamples K``, the known-theme figures of K fits of 90 % of the comments (one comment in ten left out by
  hash), for the baseline and this checkout: one fit's top level moves a lot with the data (0.72-0.83 mean share
  over twelve draws where the whole set read 0.740), so a change is judged on the draws too;
- with ``--diagnose``, why known themes are split (bench/themes_taxonomy.py): per known theme the
  entries and fine themes its comments are in, and what other groupings of the same fine themes
  reach (perfect knowledge; the truth's centres with each theme placed by its centroid).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import pickle
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if os.environ.get("LABELS_CODE"):  # another checkout's package (`git archive <rev> feedback`): a whole baseline
    sys.path.insert(0, os.environ["LABELS_CODE"])

from themes_baseline import baseline_hierarchy  # noqa: E402
from themes_metrics import label_checks  # noqa: E402
from themes_taxonomy import diagnose, read_leaves  # noqa: E402

from feedback.samples.truth import single_theme_comments, top_level_shares  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402

OUT = ROOT / "bench" / "out" / "samples"
SHARE = 0.85
SECRET = b"bench-customer-key"


def processed_warehouse(folder: Path = OUT) -> Path:
    """The sample archive ingested and processed (not themed), built on first use."""
    path = folder / "processed.db"
    if path.exists():
        return path
    from feedback.config import load_config
    from feedback.pipeline import ingest_source, process
    from feedback.samples import DEFAULT_SEED, generate
    from feedback.samples.emails import generate_emails
    from feedback.samples.forms import generate_forms
    from feedback.samples.reviews import generate_reviews
    from feedback.warehouse import open_warehouse

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "config.yml", folder / "config.yml")
    target = folder / "samples"
    generate(target, seed=DEFAULT_SEED)
    generate_reviews(target / "reviews", DEFAULT_SEED)
    generate_emails(target, DEFAULT_SEED)
    generate_forms(target, DEFAULT_SEED)
    config = load_config(folder / "config.yml")
    building = folder / "building.db"
    db = open_warehouse(building)
    for source in config.sources:
        try:
            ingest_source(db, config, source.name, SECRET)
        except Exception as exc:  # a source the bench cannot read here is reported, not fatal
            print(f"source {source.name}: not ingested ({exc})", file=sys.stderr)
    process(db, config)
    from feedback.embed import Embedder
    from feedback.themes import segment_sentiment, store

    embedder = Embedder()
    store.segment_new(db)  # segments, their vectors and sentiment: stored once, as a nightly run would
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder)
    db.close()
    building.rename(path)
    return path


@contextmanager
def capture_inputs(path: str | None) -> Iterator[None]:
    """While the block runs, the top level's inputs (``parent_groups``' arguments, the leaves' ids
    are their order in the fit) are pickled to ``path`` (None: nothing), to regroup offline."""
    if not path:
        yield
        return
    from feedback.themes import context, engine, hierarchy

    today, planned = hierarchy.parent_groups, engine._plan_parents
    seen: dict[str, Any] = {}

    def parent_groups(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("neighbours") is not None:  # read from the warehouse: kept as the counts it gives every theme
            kwargs["neighbours"] = context.from_matrix(kwargs["neighbours"](list(range(len(args[0])))))
        seen.update(args=args, kwargs=kwargs)
        return today(*args, **kwargs)

    def plan_parents(db: Any, settings: Any, leaf_ids: list[int], *args: Any, **kwargs: Any) -> Any:
        seen["leaf_ids"] = list(leaf_ids)
        return planned(db, settings, leaf_ids, *args, **kwargs)

    hierarchy.parent_groups = parent_groups  # type: ignore[assignment]
    engine._plan_parents = plan_parents  # type: ignore[assignment]
    try:
        yield
    finally:
        hierarchy.parent_groups = today  # type: ignore[assignment]
        engine._plan_parents = planned  # type: ignore[assignment]
    with open(path, "wb") as fh:
        pickle.dump(seen, fh)


def where(db: Any, truth: dict[str, list[str]], keys: Sequence[str], examples: int = 2) -> list[str]:
    """Report lines: per known theme in ``keys`` ("lowest:N": the N with the lowest shares), the
    top-level entries its single-theme comments are under, most first, and in each the fine themes
    holding them (label, the theme's side as the top level reads it, comments) with ``examples`` of
    their segments' texts from these comments. A comment with segments in several entries counts in each."""
    from feedback.themes.hierarchy import side

    themes = {r[0]: (r[1], r[2]) for r in db.execute("select id, label, parent_id from themes where status = 'active'")}
    parents = dict(db.execute("select id, label from themes where status = 'parent'").fetchall())
    segments: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for item, theme, text in db.execute("select item_id, theme_id, text from theme_segments "
                                        "where theme_id is not null order by item_id, id"):
        segments[item].append((int(theme), str(text)))
    sides: dict[int, int] = {}

    def side_of(theme: int) -> int:
        if theme not in sides:
            rows = db.execute("select text, sentiment from theme_segments where theme_id = ? order by score desc",
                              [theme]).fetchall()
            sides[theme] = side([r[0] for r in rows], [r[1] for r in rows])  # side() reads the best READ
        return sides[theme]

    def top(theme: int) -> str:
        label, parent = themes[theme]
        return f"\"{parents[parent]}\"" if parent else f"\"{label}\" (a theme of its own)"

    lines: list[str] = []
    for key in keys:
        items = truth.get(key, [])
        entries: Counter[str] = Counter()
        fine: dict[str, Counter[int]] = defaultdict(Counter)
        texts: dict[int, list[str]] = defaultdict(list)
        for item in items:
            found = [(t, text) for t, text in segments.get(item, []) if t in themes]
            for entry in {top(t) for t, _ in found}:
                entries[entry] += 1
            for t in {t for t, _ in found}:
                fine[top(t)][t] += 1
            for t, text in found:
                if len(texts[t]) < examples:
                    texts[t].append(text)
        lines.append(f"- where {key} goes ({len(items)} comments; {sum(not segments.get(i) for i in items)} in no theme):")
        for entry, n in entries.most_common():
            lines.append(f"  - {entry}: {n} ({n / max(len(items), 1):.0%})")
            for t, m in fine[entry].most_common(5):
                said = "; ".join(f"\"{x[:70]}\"" for x in texts[t])
                lines.append(f"    - \"{themes[t][0]}\" (side {side_of(t):+d}) {m}: {said}")
    return lines


def two_aspects(db: Any, truth_csv: Path) -> tuple[int, int, int]:
    """(comments with two known themes and at least two themed segments, those whose segments' fine themes name both
    known themes, those naming at least one). A fine theme names the known theme most of its segments' comments have
    (a comment of two known themes gives each half a vote)."""
    import csv

    items = {(r[1], r[2], r[3]): r[0] for r in db.execute(
        "select id, json_extract(extra, '$.file'), json_extract(extra, '$.response_id'), question"
        " from items where channel = 'survey'")}
    known: dict[str, list[str]] = {}
    with truth_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            item = items.get(("samples/" + row["file"], row["response_id"], row["question"]))
            keys = [k for k in row["theme_keys"].split(";") if k]
            if item and keys:
                known[item] = keys
    themes_of: dict[str, list[int]] = defaultdict(list)
    for item, theme in db.execute("select item_id, theme_id from theme_segments where theme_id is not null"):
        themes_of[item].append(int(theme))
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for item, keys in known.items():
        for theme in themes_of.get(item, []):
            for key in keys:  # a comment of two known themes gives each half a vote
                votes[theme][key] += 1 / len(keys)
    names = {theme: counted.most_common(1)[0][0] for theme, counted in votes.items()}
    pairs = [(set(keys), {names.get(t) for t in themes_of[item]}) for item, keys in known.items()
             if len(keys) == 2 and len(themes_of.get(item, [])) >= 2]
    return len(pairs), sum(keys <= named for keys, named in pairs), sum(bool(keys & named) for keys, named in pairs)


def drop_tenth(db: Any, seed: int) -> None:
    """Deletes one comment in ten (by hash(seed, item id)), its segments and its processed text: a fit on 90 % of the
    comments, whose known-theme shares count only the comments it has."""
    items = [item for (item,) in db.execute("select distinct item_id from theme_segments")]
    drop = [(item,) for item in items if int(hashlib.sha1(f"{seed}:{item}".encode()).hexdigest(), 16) % 10 == 0]
    db.conn.execute("pragma foreign_keys = off")
    with db.conn:
        db.conn.executemany("delete from theme_segments where item_id = ?", drop)
        db.conn.executemany("delete from processed where item_id = ?", drop)
        db.conn.executemany("delete from items where id = ?", drop)


def measure(settings: ThemeSettings, processed: Path, why: bool = False,
            keys: Sequence[str] = (), subsample: int | None = None) -> dict[str, object]:
    """The top level of one full fit of ``processed`` (``subsample``: of 90 % of its comments, :func:`drop_tenth`)."""
    from feedback.embed import Embedder
    from feedback.themes import update_themes
    from feedback.warehouse import open_warehouse

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.db"
        shutil.copy(processed, copy)
        db = open_warehouse(copy)
        if subsample is not None:
            drop_tenth(db, subsample)
        started = time.perf_counter()
        with capture_inputs(os.environ.get("TOP_INPUTS")):
            stats = update_themes(db, settings, Embedder())
        seconds = time.perf_counter() - started
        truth_csv = processed.parent / "samples" / "surveys" / "truth.csv"
        shares = top_level_shares(db, truth_csv)
        if os.environ.get("TOP_INPUTS"):  # the fit's leaves and the truth beside the top level's inputs
            with open(os.environ["TOP_INPUTS"] + ".leaves", "wb") as fh:
                pickle.dump({"leaves": read_leaves(db), "truth": single_theme_comments(db, truth_csv)}, fh)
        from feedback.themes.hierarchy import placement

        diagnosis = diagnose(read_leaves(db), single_theme_comments(db, truth_csv), placement) if why else []
        if keys:
            lowest = [k for k, _ in sorted(shares.items(), key=lambda kv: kv[1])]
            chosen = [k for key in keys for k in (lowest[:int(key.split(":")[1])] if key.startswith("lowest:") else [key])]
            diagnosis += where(db, single_theme_comments(db, truth_csv), chosen)
        leaves = list(db.execute("select id, label, parent_id from themes where status = 'active'"))
        parents = dict(db.execute("select id, label from themes where status = 'parent'").fetchall())
        top_of: dict[int, int] = {}
        for theme_id, _, parent in leaves:
            top_of[theme_id] = parent or theme_id
        comments = Counter(top_of.get(t) for (t,) in db.execute(
            "select theme_id from theme_segments where theme_id is not null group by item_id"))
        claims = contradictions(db, leaves, parents)
        against = published_claims(db)
        from sentiment_corrections import figures as sentiment_figures
        from sentiment_corrections import truth as sentiment_truth

        agreement = sentiment_figures(db, sentiment_truth(db, truth_csv))
        aspects = two_aspects(db, truth_csv)
        db.close()
    siblings: dict[int | None, list[str]] = defaultdict(list)
    for _, lab, parent in leaves:
        siblings[parent].append(lab)
    top_labels = [*parents.values(), *(lab for _, lab, p in leaves if p is None)]
    return {
        "seconds": seconds, "stats": stats, "shares": shares, "themes": len(leaves),
        "top_level": len(parents) + sum(p is None for _, _, p in leaves),
        "largest_top": max(comments.values()) / max(sum(comments.values()), 1),
        "leaf_labels": label_checks(siblings), "top_label_checks": label_checks({None: top_labels}),
        "top_labels": top_labels, "diagnosis": diagnosis, "claims": claims, "against": against,
        "sentiment": agreement, "aspects": aspects,
    }


def claim(label: str) -> int:
    """What a parent's label claims of its themes: -1 problems or requests ("Bag problems", "Staff
    requests", "Late delivery", "More staff"), +1 praise ("Staff praise", "Easy ordering"), 0 nothing (a
    topic: "Support contact", "App problems and praise"). From the label's head (label_words.HEADS),
    an opening "More"/"Less", or its strongest word that is no noun."""
    from feedback.themes.label_words import HEADS
    from feedback.themes.phrases import DEFAULT_MODEL, load_parser, valence

    words = label.lower().split()
    if not words or ("problems" in words and "praise" in words):
        return 0
    if words[-1] in HEADS["praise"]:
        return 1
    if words[-1] in HEADS["problems"] or words[-1] in HEADS["requests"]:
        return -1
    if words[-1] in HEADS["comments"] or words[-1] in HEADS["questions"]:
        return 0
    if "and" in words:  # "Prices and value": two topics, no claim ("Checkout and refund problems" has its head)
        return 0
    if words[0] in ("more", "less", "fewer"):  # "More staff", "Less plastic": a request
        return -1
    parser = load_parser(DEFAULT_MODEL)  # the tone of a word that is no noun ("easy", "crashed"; not "support")
    tones = [valence(t.text) for t in parser(label) if t.pos_ not in ("NOUN", "PROPN")] if parser else [valence(label)]
    tone = max(tones, key=abs, default=0.0)
    return 1 if tone > 0 else -1 if tone < 0 else 0


def published_tone(db: Any, theme: int) -> float:
    """The mean of a theme's segments' published sentiment (``theme_segments.sentiment``, as the
    archive averages it), the lexicon's for a segment without one; 0.0 when none has any."""
    from feedback.text.sentiment import sentiment

    scores = [s if s is not None else sentiment(t) for t, s in db.execute(
        "select text, sentiment from theme_segments where theme_id = ?", [theme])]
    found = [s for s in scores if s is not None]
    return sum(found) / len(found) if found else 0.0


def published_claims(db: Any) -> dict[str, list[str]]:
    """Labels whose claim of praise or problems (label_claims.claim_kind; not a request: "More staff",
    "Bag suggestions", "Respect no-substitutes") the published sentiment of the comments under them contradicts: per level
    ("parents", "themes"), "<label> (<mean>)" where a praise label's mean is below 0 or a problem
    label's above 0, "... strongly" where it is past the labels' own line on the other side
    (praise at most NEGATIVE_THEME, problems at least POSITIVE_THEME), "parents not borne" where a
    parent's mean is short of its own side's line (praise below POSITIVE_THEME, problems above
    NEGATIVE_THEME: a theme the labeller itself would not call so); "claiming parents": all with a claim. A parent's mean is the
    archive's: over every segment of its themes (``themes.sentiment``)."""
    from feedback.themes.label import POSITIVE_THEME
    from feedback.themes.label_claims import claim_kind
    from feedback.themes.label_units import NEGATIVE_THEME

    out: dict[str, list[str]] = {"parents": [], "themes": [], "parents strongly": [], "themes strongly": [],
                                 "parents not borne": [], "claiming parents": []}
    for status, level in (("parent", "parents"), ("active", "themes")):
        for theme, lab, mean in db.execute(f"select id, label, sentiment from themes where status = '{status}' order by id"):
            kind, _ = claim_kind(lab or "")
            if kind not in ("praise", "problems"):  # a topic, or a request ("More staff", "Respect no-substitutes")
                continue
            sign = 1 if kind == "praise" else -1
            mean = published_tone(db, theme) if mean is None else float(mean)
            if level == "parents":
                out["claiming parents"].append(f"{lab} ({mean:+.2f})")
                if (sign > 0 and mean < POSITIVE_THEME) or (sign < 0 and mean > NEGATIVE_THEME):
                    out["parents not borne"].append(f"{lab} ({mean:+.2f})")
            if sign * mean < 0:
                out[level].append(f"{lab} ({mean:+.2f})")
            if (sign > 0 and mean <= NEGATIVE_THEME) or (sign < 0 and mean >= POSITIVE_THEME):
                out[f"{level} strongly"].append(f"{lab} ({mean:+.2f})")
    return out


def contradictions(db: object, leaves: list[tuple[int, str, int | None]], parents: dict[int, str]) -> dict[str, object]:
    """Sub-themes whose side (praise +1, complaints or requests -1: parent_words.side of their best
    segments, their tone the published mean of their segments, :func:`published_tone`) contradicts
    their parent label's claim (:func:`claim`), by segments, and the largest entry's sub-theme count;
    ``lexicon share``: the same with each side read by the lexicon over the best segments (as the
    top level read them before)."""
    from feedback.themes.hierarchy import READ, side
    from feedback.themes.label import POSITIVE_THEME
    from feedback.themes.label_units import NEGATIVE_THEME
    from feedback.themes.parent_words import side as tone_side

    size = dict(db.execute("select theme_id, count(*) from theme_segments where theme_id is not null "  # type: ignore[attr-defined]
                           "group by theme_id").fetchall())
    under = [(t, lab, p) for t, lab, p in leaves if p is not None]
    total = wrong = by_lexicon = 0
    found: list[str] = []
    children: Counter[int] = Counter(p for _, _, p in under)
    held: Counter[int] = Counter()  # per parent with a claim: segments in sub-themes of the claimed side
    weight: Counter[int] = Counter()
    for theme, lab, parent in under:
        texts = [r[0] for r in db.execute(  # type: ignore[attr-defined]
            "select text from theme_segments where theme_id = ? and (language is null or language = 'en') "
            "order by score desc limit ?", [theme, READ])]
        n = size.get(theme, 0)
        total += n
        said = claim(parents[parent])
        theirs = tone_side(texts, NEGATIVE_THEME, POSITIVE_THEME, published_tone(db, theme))
        by_lexicon += n if said and side(texts) == -said else 0
        if said:
            weight[parent] += n
            held[parent] += n if theirs == said else 0
        if said and theirs == -said:
            wrong += n
            found.append(f"{lab} under {parents[parent]}")
    unheld = [f"{parents[p]} {held[p] / weight[p]:.0%}" for p in weight if held[p] < 0.5 * weight[p]]
    return {"share": wrong / max(total, 1), "lexicon share": by_lexicon / max(total, 1), "themes": len(found), "examples": found,
            "largest": max(children.values(), default=0), "claims": len(weight), "unheld": unheld}


def report(m: dict[str, object]) -> list[str]:
    shares: dict[str, float] = m["shares"]  # type: ignore[assignment]
    claims: dict[str, Any] = m["claims"]  # type: ignore[assignment]
    mean = sum(shares.values()) / max(len(shares), 1)
    lines = [
        f"- themes {m['themes']}, top level {m['top_level']} (target 8-25), largest top-level entry "
        f"{m['largest_top']:.1%} of themed comments; fit {m['seconds']:.0f} s",
        f"- known themes with >= {SHARE:.0%} of their comments under one top-level theme: "
        f"{sum(s >= SHARE for s in shares.values())} of {len(shares)}; mean share {mean:.3f}, lowest "
        f"{min(shares.values()):.2f}" if shares else "- no known theme measured",
        "- per known theme: " + ", ".join(f"{k} {v:.2f}" for k, v in shares.items()),
        f"- labels: themes {m['leaf_labels'].phrase_share:.1%} 2-4-word content phrases "  # type: ignore[attr-defined]
        f"({m['leaf_labels'].duplicate_siblings} sibling duplicates), top level "  # type: ignore[attr-defined]
        f"{m['top_label_checks'].phrase_share:.1%}",  # type: ignore[attr-defined]
        "- comments with two known themes (two or more themed segments): both named by their segments' fine themes "
        f"{m['aspects'][1]} of {m['aspects'][0]} ({m['aspects'][1] / max(m['aspects'][0], 1):.3f}), at least one "  # type: ignore[index]
        f"{m['aspects'][2] / max(m['aspects'][0], 1):.3f}",  # type: ignore[index]
        "- top-level labels: " + ", ".join(f'"{lab}"' for lab in m["top_labels"]),  # type: ignore[attr-defined]
        f"- contradictions: {claims['share']:.1%} of the segments under a parent are in a sub-theme whose side "
        f"contradicts its parent label's claim ({claims['themes']} sub-themes: "
        + "; ".join(claims["examples"][:12]) + (" ..." if len(claims["examples"]) > 12 else "")  # type: ignore[index]
        + f"); largest entry {claims['largest']} sub-themes",
        f"- contradictions read by the lexicon (VADER sides, the top level's reading before): {claims['lexicon share']:.1%} of the segments",
        f"- sentiment against the generator's polarity (English survey comments of one kind, three-class macro-F1, "
        f"read at +-0.05): {m['sentiment']['f1']:.3f} on {m['sentiment']['comments']}",  # type: ignore[index]
        *(f"- {level} whose label claims praise or problems against the published mean of their segments"
          f"{' (past the labels line)' if 'strongly' in level else ''}: {len(found)}"
          + (": " + "; ".join(found[:12]) + (" ..." if len(found) > 12 else "") if found else "")
          for level, found in m["against"].items() if level in ("parents", "themes", "parents strongly",
                                                                "themes strongly")),  # type: ignore[attr-defined]
        "- parents whose published mean does not reach the side their label claims (praise below the labels' "
        f"positive line, problems above their negative line): {len(m['against']['parents not borne'])}"  # type: ignore[index]
        + "".join(f"; {x}" for x in m["against"]["parents not borne"]),  # type: ignore[index]
        "- parent labels claiming praise or problems, with the published mean of their segments: "
        + "; ".join(m["against"]["claiming parents"]),  # type: ignore[index]
        f"- claims not true of most of their entry: {len(claims['unheld'])} of {claims['claims']} parent labels with a "
        f"claim (share of segments on the claimed side: {', '.join(claims['unheld']) or 'none'})",
        *m["diagnosis"],  # type: ignore[misc]
    ]
    return lines


def subsample_lines(processed: Path, draws: int, baseline: str) -> list[str]:
    """Known themes >= :data:`SHARE` and their mean share over ``draws`` fits of 90 % of the comments, for the
    ``baseline`` revision's top level (when given) and this checkout's."""
    versions: list[tuple[str, Any]] = ([(f"`{baseline}`", lambda: baseline_hierarchy(baseline))] if baseline else [])
    versions.append(("this checkout", nullcontext))
    rows: dict[str, list[tuple[int, float, int, float]]] = {}
    for name, context in versions:
        with context():
            for seed in range(1, draws + 1):
                fit = measure(ThemeSettings(), processed, subsample=seed)
                shares, entries, largest = fit["shares"], fit["top_level"], fit["largest_top"]
                assert isinstance(shares, dict) and isinstance(entries, int) and isinstance(largest, float)
                rows.setdefault(name, []).append((sum(v >= SHARE for v in shares.values()),
                                                  sum(shares.values()) / max(len(shares), 1), entries, largest))
    lines = [f"Fits of 90 % of the comments (one in ten left out by hash(draw, comment); draws 1-{draws}): known "
             f"themes >= {SHARE:.0%} under one entry, mean share; entries, largest entry's share of comments", "",
             "| top level | " + " | ".join(f"draw {d}" for d in range(1, draws + 1)) + " | mean |",
             "|---|" + "---|" * (draws + 1)]
    for name, figures in rows.items():
        means = [sum(f[i] for f in figures) / len(figures) for i in range(4)]
        lines.append(f"| {name} | " + " | ".join(f"{k}, {m:.3f}; {e}, {g:.0%}" for k, m, e, g in figures)
                     + f" | {means[0]:.1f}, {means[1]:.3f}; {means[2]:.1f}, {means[3]:.0%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-append", dest="append", action="store_false", help="print only")
    parser.add_argument("--note", default="", help="what this run measures (goes into RESULTS.md)")
    parser.add_argument("--baseline", default="main",
                        help="also measure the top level of this git revision's hierarchy.py first ('' = no)")
    parser.add_argument("--diagnose", action="store_true",
                        help="also: where each known theme's comments go, and other groupings' shares")
    parser.add_argument("--where", action="append", default=[], metavar="KNOWN",
                        help="where this known theme's comments go: entries, sub-themes, their sides and texts "
                             "('lowest:N': the N lowest; repeatable)")
    parser.add_argument("--subsamples", type=int, default=0, metavar="K",
                        help="also fit K draws of 90 %% of the comments (each version) and report their known-theme "
                             "figures: how much of a change is this one fit")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    processed = processed_warehouse()
    head = (f"\n## Sample archive top level (issue #12), {date.today()} ({os.cpu_count()} cores, shared; "
            f"load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()})\n\n"
            f"`bench/themes_samples.py --baseline {args.baseline!r}`{': ' + args.note if args.note else ''}\n")
    lines = [head]
    if args.baseline:
        with baseline_hierarchy(args.baseline):
            before = measure(ThemeSettings(), processed, args.diagnose, args.where)
        lines += [f"Before (the top level of `{args.baseline}`, the same fine themes):", "", *report(before), "",
                  "This checkout:", ""]
    lines += report(measure(ThemeSettings(), processed, args.diagnose, args.where))
    if args.subsamples:
        lines += ["", *subsample_lines(processed, args.subsamples, args.baseline)]
    print("\n".join(lines))
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
