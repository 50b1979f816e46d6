"""The sections of the sample archive's large top-level entries (feedback/themes/sections.py).

    .venv/bin/python bench/themes_sections.py              # prints; appends to bench/RESULTS.md
    .venv/bin/python bench/themes_sections.py --no-append  # a quick look

Fits the themes on a copy of the processed sample archive (bench/themes_samples.py builds it once)
with the engine's public entry point and reports, per entry of more than
``sections.MOST_UNSECTIONED`` sub-themes: its sections (label, sub-themes, segments, the
sub-themes' labels), and how well the sections are separated (mean silhouette of the cosine
distances between the sub-themes' centroids) with Ward unweighted (the rule) and weighted by
size (as the top level is), the same count; and the time the fit spends on sections.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_samples import processed_warehouse  # noqa: E402

from feedback.themes import hierarchy, sections, store  # noqa: E402
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
    write = sections.write_sections

    def timed_write(*args: object, **kwargs: object) -> int:
        started = time.perf_counter()
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
            for section, label, _ in found:
                members = db.execute("select label, size from themes where section_id = ? and status = 'active'"
                                     " order by size desc", [section]).fetchall()
                lines.append(f"  - \"{label}\" ({len(members)}, {sum(s or 0 for _, s in members)} segments): "
                             + ", ".join(lab for lab, _ in members))
        db.close()
    return lines


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
