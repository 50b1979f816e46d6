"""Theme labels only: record what a fit asks the labeller, then relabel it with this checkout.

    .venv/bin/python bench/labels_replay.py record            # fit banking77, clinc150 (test splits), samples
    .venv/bin/python bench/labels_replay.py replay            # relabel every recorded fit; print the checks
    .venv/bin/python bench/labels_replay.py replay --changed  # ... and every label that differs from the record

A fit's themes and hierarchy do not depend on the labels, so the labeller's inputs can be recorded
once (bench/.cache/label-calls/<set>.pkl: every ``label_themes`` / ``label_parents`` call of the
fit, with its result, its segments' published sentiment (``tones``: a theme's tone) and the fit's
parent of each theme) and replayed in seconds: the labels are
then exactly what the engine would write with this checkout's labeller. A leaf call's ``taken``
holds the parents' labels of the call before it: on replay they are the replayed parents' labels.
The checks are bench/themes_metrics.py's (as in bench/themes_quality.py and themes_samples.py);
the labelling's CPU time is ``time.process_time`` over the replayed calls (spaCy parses included,
its load not). ``LABELS_CODE=<folder holding a feedback package>`` replays with that code instead
(a baseline: ``git archive main feedback | tar -x -C <folder>``).
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if os.environ.get("LABELS_CODE"):  # another checkout's package (e.g. `git archive main feedback`): its labeller
    sys.path.insert(0, os.environ["LABELS_CODE"])

from themes_metrics import label_checks, label_problem, label_weakness  # noqa: E402

from feedback.themes import label  # noqa: E402

NUMBERED = re.compile(r"\(\d+\)$")  # "Friendly staff (2)": the last resort of a taken label
CALLS = ROOT / "bench" / ".cache" / "label-calls"
SETS = ("banking77", "clinc150", "samples")


@contextmanager
def recording(calls: list[dict[str, Any]]) -> Iterator[None]:
    """Every call of label.label_themes / label.label_parents appended to ``calls`` while inside."""
    originals = {name: getattr(label, name) for name in ("label_themes", "label_parents")}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(docs: Any, order: Any, **kwargs: Any) -> Any:
            order = list(order)
            kwargs["taken"] = list(kwargs.get("taken", ()))
            out = fn(docs, order, **kwargs)
            tones = kwargs.get("tones")
            calls.append({"kind": name, "docs": {k: [list(d) for d in v] if name == "label_parents" else list(v)
                                                 for k, v in docs.items()},
                          "tones": None if tones is None else {
                              k: [list(t) for t in v] if name == "label_parents" else list(v) for k, v in tones.items()},
                          "order": order, "taken": kwargs["taken"], "out": {k: v.label for k, v in out.items()}})
            return out
        return recorded

    for name, fn in originals.items():
        setattr(label, name, wrap(name, fn))
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(label, name, fn)


def record(name: str) -> None:
    from feedback.themes.settings import ThemeSettings

    calls: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, recording(calls):
        if name == "samples":
            from themes_samples import processed_warehouse

            from feedback.embed import Embedder
            from feedback.themes import update_themes
            from feedback.warehouse import open_warehouse

            copy = Path(tmp) / "warehouse.db"
            shutil.copy(processed_warehouse(), copy)
            db = open_warehouse(copy)
            update_themes(db, ThemeSettings(), Embedder())
            parent_of = {int(t): (int(p) if p is not None else None) for t, p in db.execute(
                "select id, parent_id from themes where status = 'active'")}
            db.close()
        else:
            from themes_data import CACHE, CachedEmbedder, labelled
            from themes_quality import FIRST_DAY, fit

            data = labelled(name, "test")
            snap, _ = fit(data, [f"{i:06d}" for i in range(len(data.texts))], ThemeSettings(),
                          CachedEmbedder(CACHE), Path(tmp))
            _ = FIRST_DAY
            parent_of = dict(snap.parent_of)
    CALLS.mkdir(parents=True, exist_ok=True)
    with (CALLS / f"{name}.pkl").open("wb") as fh:
        pickle.dump({"calls": calls, "parent_of": parent_of}, fh)
    print(f"{name}: {len(calls)} calls recorded, {len(parent_of)} themes", flush=True)


def replay(name: str) -> tuple[dict[Any, str], dict[Any, str], dict[Any, str], dict[Any, str], dict[Any, Any], float]:
    """(recorded leaves, replayed leaves, recorded parents, replayed parents, parent_of, CPU seconds)."""
    with (CALLS / f"{name}.pkl").open("rb") as fh:
        saved = pickle.load(fh)
    before_leaf: dict[Any, str] = {}
    after_leaf: dict[Any, str] = {}
    before_parent: dict[Any, str] = {}
    after_parent: dict[Any, str] = {}
    renamed: dict[str, str] = {}
    label.phrases.load_parser(label.phrases.DEFAULT_MODEL)
    cpu = 0.0
    for call in saved["calls"]:
        started = time.process_time()
        if call["kind"] == "label_parents":
            out = label.label_parents(call["docs"], call["order"], taken=call["taken"], **tones_of(call))
            before_parent.update(call["out"])
            after_parent.update({k: v.label for k, v in out.items()})
            renamed = {call["out"][k]: out[k].label for k in out}
        else:
            taken = [renamed.get(t, t) for t in call["taken"]]
            out = label.label_themes(call["docs"], call["order"], taken=taken, **tones_of(call))
            before_leaf.update(call["out"])
            after_leaf.update({k: v.label for k, v in out.items()})
            renamed = {}
        cpu += time.process_time() - started
    return before_leaf, after_leaf, before_parent, after_parent, saved["parent_of"], cpu


def tones_of(call: dict[str, Any]) -> dict[str, Any]:
    """The call's published segment scores as a keyword (none in a record made before they were
    passed, or for a labeller that takes none: ``LABELS_CODE``'s may be older)."""
    import inspect

    fn = getattr(label, call["kind"])
    if call.get("tones") is None or "tones" not in inspect.signature(fn).parameters:
        return {}
    return {"tones": call["tones"]}


def groups(leaves: dict[Any, str], parents: dict[Any, str], parent_of: dict[Any, Any]
           ) -> tuple[dict[Any, list[str]], dict[Any, list[str]]]:
    siblings: dict[Any, list[str]] = defaultdict(list)
    for leaf, parent in sorted(parent_of.items()):
        if leaf in leaves:
            siblings[parent].append(leaves[leaf])
    top = {None: [*(parents[p] for p in sorted(parents)), *(leaves[t] for t, p in sorted(parent_of.items())
                                                           if p is None and t in leaves)]}
    return dict(siblings), top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["record", "replay"])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--changed", action="store_true", help="print every label that differs from the record")
    parser.add_argument("--all", action="store_true", help="print every replayed label")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.mode == "record":
        for name in args.sets.split(","):
            record(name)
        return
    print(f"replayed {date.today()} ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    for name in args.sets.split(","):
        bl, al, bp, ap, parent_of, cpu = replay(name)
        for what, (leaves, parents) in (("recorded", (bl, bp)), ("replayed", (al, ap))):
            siblings, top = groups(leaves, parents, parent_of)
            for level, grouped in (("themes", siblings), ("top level", top)):
                c = label_checks(grouped)
                print(f"{name} {level} {what}: {c.phrase_share:.1%} of {c.labels} 2-4-word content phrases, "
                      f"{c.duplicate_siblings} sibling duplicates, problems {c.problems}, weak {c.weak}")
        print(f"{name}: labelling CPU {cpu:.2f} s for {len(al)} themes and {len(ap)} parents")
        numbered = [lab for lab in [*al.values(), *ap.values()] if NUMBERED.search(lab)]
        was = sum(bool(NUMBERED.search(lab)) for lab in [*bl.values(), *bp.values()])
        print(f"{name}: {len(numbered)} numbered labels (recorded {was}): " + ", ".join(numbered))
        changed = sum(bl.get(k) != v for k, v in al.items()) + sum(bp.get(k) != v for k, v in ap.items())
        print(f"{name}: {changed} of {len(al) + len(ap)} labels differ from the record")
        bad = [lab for lab in [*al.values(), *ap.values()] if label_problem(lab)]
        print(f"{name} failing: " + ", ".join(f'"{lab}" ({label_problem(lab)})' for lab in bad))
        weak = [lab for lab in [*al.values(), *ap.values()] if not label_problem(lab) and label_weakness(lab)]
        print(f"{name} weak: " + ", ".join(f'"{lab}" ({label_weakness(lab)})' for lab in weak))
        if args.changed or args.all:
            for kind, before, after in (("parent", bp, ap), ("theme", bl, al)):
                for k in after:
                    if args.all or before.get(k) != after[k]:
                        print(f"  {name} {kind} {k}: {before.get(k)!r} -> {after[k]!r}")


if __name__ == "__main__":
    main()
