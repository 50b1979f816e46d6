"""The sections of the sample archive's large top-level entries (feedback/themes/sections.py).

    .venv/bin/python bench/themes_sections.py              # prints; appends to bench/RESULTS.md
    .venv/bin/python bench/themes_sections.py --no-append  # a quick look

Fits the themes on a copy of the processed sample archive (bench/themes_samples.py builds it once)
with the engine's public entry point and reports, per entry of more than
``sections.MOST_UNSECTIONED`` sub-themes: its sections (label, sub-themes, segments, the
sub-themes' labels), and how well the sections are separated (mean silhouette of the cosine
distances between the sub-themes' centroids) with Ward unweighted (the rule) and weighted by
size (as the top level is), the same count; and the time the fit spends on sections.

Then, per section, how far its name holds for its members: each sub-theme's side
(:func:`.hierarchy.side`: praise +1, complaints and requests -1, from the segments and published
sentiment the fit labels it by) against what the name claims (:func:`.parent_words.claim`); a
sub-theme contradicts its section's name when its side is the opposite of the claim. Totals: the
share of sectioned sub-themes (and of their segments) that contradict, and the mean silhouette of
the sections as written (the cosine distances of the sub-themes' centroids). Last, the top-level
labels, to compare before and after. ``LABELS_CODE=<folder holding a feedback package>`` measures
that code instead (as bench/themes_samples.py does: ``git archive <rev> feedback | tar -x -C <folder>``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_samples import processed_warehouse  # noqa: E402

from feedback.themes import hierarchy, label_kinds, parent_words, sections, store  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402


def silhouettes(unit: np.ndarray, sizes: np.ndarray, count: int) -> tuple[float, float]:
    """(unweighted, size-weighted) Ward's silhouette at ``count`` groups (before singletons fold)."""
    distance = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    return tuple(hierarchy.silhouette(distance, hierarchy.cut(hierarchy.weighted_ward(unit, w), len(unit), count))
                 for w in (np.ones(len(unit)), np.maximum(sizes, 1.0)))  # type: ignore[return-value]


def measure() -> list[str]:
    from feedback.embed import Embedder
    from feedback.themes import update_themes
    from feedback.warehouse import open_warehouse

    timed = {"seconds": 0.0}
    seen: dict[str, Any] = {}
    write = sections.write_sections

    def timed_write(*args: object, **kwargs: object) -> int:
        started = time.perf_counter()
        seen["docs"], seen["tones"] = args[4], args[5]
        try:
            return write(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            timed["seconds"] += time.perf_counter() - started

    import feedback.themes.engine as engine

    engine.write_sections = timed_write  # type: ignore[assignment]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.db"
        shutil.copy(processed_warehouse(), copy)
        db = open_warehouse(copy)
        started = time.perf_counter()
        update_themes(db, ThemeSettings(), Embedder())
        docs_of, tones_of = seen["docs"], seen["tones"]
        contra = {"themes": 0, "of": 0, "segments": 0, "size": 0}
        kinds = {"names": 0, "themes": 0, "of": 0}
        scores: list[float] = []
        lines.append(f"- fit {time.perf_counter() - started:.0f} s, of which sections (Ward, labels, writes)"
                     f" {timed['seconds']:.2f} s")
        for parent, name in db.execute("select id, label from themes where status = 'parent' order by size desc"):
            found = db.execute("select id, label, position from theme_sections where parent_id = ? order by position",
                               [parent]).fetchall()
            if not found:
                continue
            kids = store.theme_rows(db, ("active",))
            kids = [r for r in kids if r["parent_id"] == parent]
            unit = store.centroid_matrix(kids).astype(np.float64)
            unit /= np.linalg.norm(unit, axis=1, keepdims=True)
            plain, weighted = silhouettes(unit, np.array([r["size"] or 0 for r in kids], dtype=float), len(found))
            lines.append(f"- **{name}** ({len(kids)} sub-themes, {len(found)} sections; silhouette unweighted"
                         f" {plain:.3f}, size-weighted {weighted:.3f}):")
            place = {r["id"]: n for n, r in enumerate(kids)}
            where = np.full(len(kids), -1)
            for section, label, _ in found:
                members = db.execute("select id, label, size from themes where section_id = ? and status = 'active'"
                                     " order by size desc", [section]).fetchall()
                sign, _ = parent_words.claim(label)
                against = [(lab, s or 0) for t, lab, s in members
                           if sign and hierarchy.side(docs_of.get(t, []), tones_of.get(t, [])) == -sign]
                kind = next((n for n, (names, _, _) in enumerate(label_kinds.HAPPENED) if label in names), None)
                note = ""
                if kind is not None:  # a kind's name: members that show another kind and not it contradict it
                    shows = [[_shows(words, docs_of.get(t, [])) for t, _, _ in members]
                             for _, _, words in label_kinds.HAPPENED]
                    off = [(lab, s or 0) for c, (_, lab, s) in enumerate(members)
                           if not shows[kind][c] and any(row[c] for row in shows)]
                    kinds["names"] += 1
                    kinds["themes"] += len(off)
                    kinds["of"] += len(members)
                    note = (f"  - (\"{label}\" names a kind; showing only another: {', '.join(lab for lab, _ in off)})"
                            if off else "")
                contra["themes"] += len(against)
                contra["of"] += len(members)
                contra["segments"] += sum(s for _, s in against)
                contra["size"] += sum(s or 0 for _, _, s in members)
                where[[place[t] for t, _, _ in members]] = section
                lines.append(f"  - \"{label}\" ({len(members)}, {sum(s or 0 for _, _, s in members)} segments"
                             + (f"; contradicting its name: {', '.join(lab for lab, _ in against)},"
                                f" {sum(n for _, n in against) / max(sum(s or 0 for _, _, s in members), 1):.0%}"
                                " of its segments" if against else "")
                             + "): " + ", ".join(f"{lab}{_mark(docs_of.get(t, []), tones_of.get(t, []))}"
                                                 for t, lab, _ in members))
                if note:
                    lines.append(note)
            distance = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
            np.fill_diagonal(distance, 0.0)
            scored = where >= 0
            written = hierarchy.silhouette(distance[np.ix_(scored, scored)], where[scored])
            scores.append(written)
            lines.append(f"  - silhouette of the sections as written: {written:.3f}")
        lines.append(f"- sub-themes whose side contradicts their section's name: {contra['themes']} of {contra['of']}"
                     f" ({contra['themes'] / max(contra['of'], 1):.1%}; segments {contra['segments'] / max(contra['size'], 1):.1%});"
                     f" mean silhouette of the sections as written {np.mean(scores) if scores else float('nan'):.3f}")
        lines.append(f"- sections named by what happened (label_kinds.HAPPENED): {kinds['names']}; their sub-themes"
                     f" showing only another kind: {kinds['themes']} of {kinds['of']}")
        tops = [lab for (lab,) in db.execute("select label from themes where status = 'parent' order by size desc, id")]
        lines.append(f"- top-level labels ({len(tops)}): " + ", ".join(f'"{lab}"' for lab in tops))
        db.close()
    return lines


def _shows(words: Any, docs: list[str]) -> bool:
    """Whether a sub-theme shows a kind of what happened, as label_kinds reads its best segments."""
    best = docs[:hierarchy.READ]
    return bool(best) and sum(bool(words.search(d)) for d in best) / len(best) >= label_kinds.CHILD


def _mark(docs: list[str], tones: list[float | None]) -> str:
    """A sub-theme's side as a mark after its label: (+) praise, (-) complaints and requests."""
    return {1: " (+)", -1: " (-)"}.get(hierarchy.side(docs, tones), "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-append", dest="append", action="store_false", help="print only")
    parser.add_argument("--note", default="", help="what this run measures (goes into RESULTS.md)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    head = (f"\n## Sections of the sample's large entries, {date.today()} ({os.cpu_count()} cores, shared; load average"
            f" {os.getloadavg()[0]:.1f}; Python {platform.python_version()})\n\n"
            f"`bench/themes_sections.py`{': ' + args.note if args.note else ''}\n")
    lines = [head, *measure()]
    print("\n".join(lines))
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
