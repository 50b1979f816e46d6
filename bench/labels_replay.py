"""Theme labels only: record what a fit asks the labeller, then relabel it with this checkout.

    .venv/bin/python bench/labels_replay.py record            # fit banking77, clinc150 (test splits), samples,
                                                              # clothing reviews, complaint tweets
    .venv/bin/python bench/labels_replay.py replay            # relabel every recorded fit; print the checks
    .venv/bin/python bench/labels_replay.py replay --changed  # ... and every label that differs from the record
    .venv/bin/python bench/labels_replay.py compare --against DIR  # sections: this record's against DIR's

A fit's themes and hierarchy do not depend on the labels, so the labeller's inputs can be recorded
once (bench/.cache/label-calls/<set>.pkl: every ``label_themes`` / ``label_parents`` call of the
fit, with its result, its segments' published sentiment (``tones``: a theme's tone) and the fit's
parent of each theme) and replayed in seconds: the labels are
then exactly what the engine would write with this checkout's labeller. A call's ``taken`` holds
the labels of the calls before it: on replay their replayed labels (when a label named two things
named apart on replay, as recorded).
The checks are bench/themes_metrics.py's (as in bench/themes_quality.py and themes_samples.py);
the labelling's CPU time is ``time.process_time`` over the replayed calls (spaCy parses included,
its load not). ``LABELS_CODE=<folder holding a feedback package>`` replays with that code instead
(a baseline: ``git archive main feedback | tar -x -C <folder>``).

Labels are compared by what they name, not by where a call put them (:func:`keyed`): a theme and a
top-level entry by id, a section by its entry and its members (the sub-themes it holds), so a
section is the same one whatever its position among its entry's sections, and two entries' first
sections are two. ``compare --against DIR`` reads two records (e.g. ``DIR`` copied from
bench/.cache/label-calls before ``record`` with another checkout): the sections with the same
members named differently, then, per entry, the sections whose members changed.
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
from itertools import zip_longest
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if os.environ.get("LABELS_CODE"):  # another checkout's package (e.g. `git archive main feedback`): its labeller
    sys.path.insert(0, os.environ["LABELS_CODE"])

from themes_metrics import label_checks, label_problem, label_weakness  # noqa: E402

from feedback.themes import label  # noqa: E402

NUMBERED = re.compile(r"\(\d+\)$")  # "Friendly staff (2)": the last resort of a taken label
CALLS = ROOT / "bench" / ".cache" / "label-calls"
SETS = ("banking77", "clinc150", "samples", "reviews", "tweets")


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
        elif name == "reviews":  # bench/themes_reviews.py's fit: 3,000 shared clothing reviews, shuffle seed 4
            from themes_reviews import fit as fit_reviews
            from themes_reviews import reviews

            from feedback.embed import Embedder

            texts = reviews(3000, 4)
            snap, _, _ = fit_reviews(texts, [f"r{i}" for i in range(len(texts))], Embedder(threads=2))
            parent_of = dict(snap.parent_of)
        elif name == "tweets":  # bench/themes_reviews.py --tweets: the complaint tweets (bench/.cache/complaints)
            from themes_reviews import fit as fit_reviews
            from themes_reviews import tweets

            from feedback.embed import Embedder

            texts, _ = tweets()
            snap, _, _ = fit_reviews(texts, [f"r{i}" for i in range(len(texts))], Embedder(threads=2))
            parent_of = dict(snap.parent_of)
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


Key = tuple[Any, ...]  # ("theme", id), ("parent", id), ("section", entry id, frozenset of sub-theme ids), ("other", key)


class Replayed(NamedTuple):
    before: dict[Key, str]  # the recorded label of each theme, top-level entry and section
    after: dict[Key, str]  # ... and the replayed one
    parent_of: dict[Any, Any]
    cpu: float

    def of(self, kind: str, after: bool = True) -> dict[Key, str]:
        return {k: v for k, v in (self.after if after else self.before).items() if k[0] == kind}


def interleaved(lists: list[list[str]]) -> list[str]:
    """The first of each list, then the second of each, ... (as sections.py flattens a section's sub-themes)."""
    return [x for row in zip_longest(*lists, fillvalue=None) for x in row if x is not None]


def keyed(calls: list[dict[str, Any]], parent_of: dict[Any, Any]) -> list[dict[Any, Key]]:
    """For each recorded call, the key each of its labels is compared by: a theme and a top-level entry
    by id; a section (a ``label_parents`` call whose groups are not entries: one entry's sub-themes, keyed
    by their index in the call) by its entry and its members, the sub-themes whose segment texts its
    groups hold (so a section is the same section whatever its position, and two entries' first sections
    are not one); a section named from its sub-themes' segments together (``label_themes`` over
    :func:`interleaved` texts) as that section; anything else ("new3" in an update) as it is."""
    leaves: dict[tuple[str, ...], Any] = {}
    for call in calls:
        if call["kind"] == "label_themes":
            for k, docs in call["docs"].items():
                if k in parent_of:
                    leaves.setdefault(tuple(docs), k)
    flat: dict[tuple[str, ...], Key] = {}  # a section's interleaved texts -> its key
    out: list[dict[Any, Key]] = []
    for call in calls:
        keys: dict[Any, Key] = {}
        members = {k: [leaves.get(tuple(d), tuple(d)) for d in docs] for k, docs in call["docs"].items()}
        top = all({parent_of.get(m) for m in ms} == {k} for k, ms in members.items())  # the fit's entries
        for k, docs in call["docs"].items():
            if call["kind"] == "label_parents":
                entries = {parent_of.get(m) for m in members[k]}
                if top:
                    keys[k] = ("parent", k)
                else:
                    keys[k] = ("section", entries.pop() if len(entries) == 1 else None, frozenset(members[k]))
                    flat.setdefault(tuple(interleaved(docs)), keys[k])
            elif tuple(docs) in flat:  # before a theme: a section's index may be a theme's id
                keys[k] = flat[tuple(docs)]
            else:
                keys[k] = ("theme", k) if k in parent_of else ("other", k)
        out.append(keys)
    return out


def settle(labels: dict[Key, str], key: Key, lab: str) -> None:
    """``labels[key] = lab``, as the fit takes a call's word: a section named again keeps its name when
    the new one is a catch-all ("Short answers": sections.py asks again and keeps only a topic)."""
    from feedback.themes.sections import catch_all

    if key[0] != "section" or key not in labels or not catch_all(lab):
        labels[key] = lab


def replay(name: str) -> Replayed:
    """Every recorded call of the set relabelled with this checkout; each label keyed by :func:`keyed`
    (the last call naming a key wins, as the fit's last word does). A call's ``taken`` holds the labels
    the calls before it gave: on replay their replayed labels (:func:`_renamed`)."""
    with (CALLS / f"{name}.pkl").open("rb") as fh:
        saved = pickle.load(fh)
    before: dict[Key, str] = {}
    after: dict[Key, str] = {}
    renamed: dict[str, dict[Key, str]] = {}  # a recorded label -> what each thing it named is named on replay
    label.phrases.load_parser(label.phrases.DEFAULT_MODEL)
    cpu = 0.0
    for call, keys in zip(saved["calls"], keyed(saved["calls"], saved["parent_of"]), strict=True):
        started = time.process_time()
        fn = label.label_parents if call["kind"] == "label_parents" else label.label_themes
        taken = [_renamed(t, renamed) for t in call["taken"]]
        extra = {"encode": encoder()} if call["kind"] == "label_themes" else {}  # as the fit passes it
        out = fn(call["docs"], call["order"], taken=taken, **tones_of(call), **extra)
        cpu += time.process_time() - started
        for k, named in out.items():
            settle(before, keys[k], call["out"][k])
            settle(after, keys[k], named.label)
            renamed.setdefault(call["out"][k], {})[keys[k]] = named.label
    return Replayed(before, after, saved["parent_of"], cpu)


def _renamed(text: str, renamed: dict[str, dict[Key, str]]) -> str:
    """A recorded label as replayed, when every theme, entry or section it named is named alike on
    replay (a sub-theme's "Food problems" and a section's are two: as recorded then)."""
    now = set(renamed.get(text, {}).values())
    return now.pop() if len(now) == 1 else text


def recorded(name: str, folder: Path) -> tuple[dict[Key, str], dict[Any, Any]]:
    """The labels a record holds (the fit's), keyed by :func:`keyed`, and its parent of each theme."""
    with (folder / f"{name}.pkl").open("rb") as fh:
        saved = pickle.load(fh)
    labels: dict[Key, str] = {}
    for call, keys in zip(saved["calls"], keyed(saved["calls"], saved["parent_of"]), strict=True):
        for k, lab in call["out"].items():
            settle(labels, keys[k], lab)
    return labels, saved["parent_of"]


def section_changes(before: dict[Key, str], after: dict[Key, str]
                    ) -> tuple[list[tuple[Key, str, str]], dict[Any, tuple[list[Key], list[Key]]]]:
    """(renamed, moved): the sections with the same entry and members named differently (key, before,
    after), and per entry the sections only one side has (their members changed: (before's, after's))."""
    old = {k for k in before if k[0] == "section"}
    new = {k for k in after if k[0] == "section"}
    renamed = [(k, before[k], after[k]) for k in sorted(old & new, key=_order) if before[k] != after[k]]
    moved: dict[Any, tuple[list[Key], list[Key]]] = {}
    for k in sorted(old ^ new, key=_order):
        gone, came = moved.setdefault(k[1], ([], []))
        (gone if k in old else came).append(k)
    return renamed, moved


def _order(key: Key) -> tuple[str, list[str]]:
    return str(key[1]), sorted(map(str, key[2]))


def shown(key: Key, labels: dict[Key, str]) -> str:
    """A key as a reader wants it: a section as its entry's label and its members' labels."""
    if key[0] != "section":
        return f"{key[0]} {key[1]}"
    entry = labels.get(("parent", key[1]), key[1])
    members = ", ".join(sorted(labels.get(("theme", m), "?") for m in key[2]))
    return f"section of {entry!r} ({len(key[2])}: {members})"


_ENCODER: list[Callable[[list[str]], Any]] = []


def encoder() -> Callable[[list[str]], Any]:
    """The embedding model's ``encode`` as the fit hands it to the labeller (store.stored_encoder: each text
    cleaned as segments are embedded), each text encoded once per process: a theme no word names is named by
    its centre (label_centre), and a replay without it named such themes as no fit does."""
    if not _ENCODER:
        import numpy as np

        from feedback.embed import Embedder
        from feedback.text.segments import clean_for_embedding

        model = Embedder()
        memo: dict[str, Any] = {}

        def encode(texts: list[str]) -> Any:
            cleaned = [clean_for_embedding(t) for t in texts]
            new = [c for c in dict.fromkeys(cleaned) if c not in memo]
            if new:
                memo.update(zip(new, model.encode(new), strict=True))
            return np.vstack([memo[c] for c in cleaned]) if cleaned else model.encode([])

        _ENCODER.append(encode)
    return _ENCODER[0]


def tones_of(call: dict[str, Any]) -> dict[str, Any]:
    """The call's published segment scores as a keyword (none in a record made before they were
    passed, or for a labeller that takes none: ``LABELS_CODE``'s may be older)."""
    import inspect

    fn = getattr(label, call["kind"])
    if call.get("tones") is None or "tones" not in inspect.signature(fn).parameters:
        return {}
    return {"tones": call["tones"]}


def groups(labels: dict[Key, str], parent_of: dict[Any, Any]) -> dict[str, dict[Any, list[str]]]:
    """Sibling labels for the checks: ``themes`` by their entry, ``top level`` (the entries and the
    themes under none), ``sections`` by their entry."""
    siblings: dict[Any, list[str]] = defaultdict(list)
    for leaf, parent in sorted(parent_of.items(), key=lambda kv: str(kv[0])):
        if ("theme", leaf) in labels:
            siblings[parent].append(labels[("theme", leaf)])
    top = [*(lab for k, lab in sorted(labels.items(), key=lambda kv: str(kv[0])) if k[0] == "parent"),
           *(labels[("theme", t)] for t, p in sorted(parent_of.items(), key=lambda kv: str(kv[0]))
             if p is None and ("theme", t) in labels)]
    sections: dict[Any, list[str]] = defaultdict(list)
    for k, lab in sorted(labels.items(), key=lambda kv: str(kv[0])):
        if k[0] == "section":
            sections[k[1]].append(lab)
    return {"themes": dict(siblings), "top level": {None: top}, "sections": dict(sections)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["record", "replay", "compare"])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--changed", action="store_true", help="print every label that differs from the record")
    parser.add_argument("--all", action="store_true", help="print every replayed label")
    parser.add_argument("--against", type=Path, default=None,
                        help="compare: the folder of the records to compare this checkout's records with")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.mode == "record":
        for name in args.sets.split(","):
            record(name)
        return
    if args.mode == "compare":
        if args.against is None:
            parser.error("compare needs --against FOLDER (records made with another checkout)")
        for name in args.sets.split(","):
            compare(name, args.against)
        return
    print(f"replayed {date.today()} ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    for name in args.sets.split(","):
        run = replay(name)
        for what, labels in (("recorded", run.before), ("replayed", run.after)):
            for level, grouped in groups(labels, run.parent_of).items():
                if not grouped:  # e.g. no sections: a top level of few themes each
                    continue
                c = label_checks(grouped)
                print(f"{name} {level} {what}: {c.phrase_share:.1%} of {c.labels} 2-4-word content phrases, "
                      f"{c.duplicate_siblings} sibling duplicates, problems {c.problems}, weak {c.weak}")
        counts = {kind: len(run.of(kind)) for kind in ("theme", "parent", "section")}
        print(f"{name}: labelling CPU {run.cpu:.2f} s for {counts['theme']} themes, {counts['parent']} parents "
              f"and {counts['section']} sections")
        numbered = [lab for lab in run.after.values() if NUMBERED.search(lab)]
        was = sum(bool(NUMBERED.search(lab)) for lab in run.before.values())
        print(f"{name}: {len(numbered)} numbered labels (recorded {was}): " + ", ".join(numbered))
        differ = {kind: sum(run.before.get(k) != v for k, v in run.of(kind).items()) for kind in counts}
        print(f"{name}: {sum(differ.values())} of {len(run.after)} labels differ from the record "
              f"(themes {differ['theme']}, parents {differ['parent']}, sections {differ['section']})")
        bad = [lab for lab in run.after.values() if label_problem(lab)]
        print(f"{name} failing: " + ", ".join(f'"{lab}" ({label_problem(lab)})' for lab in bad))
        weak = [lab for lab in run.after.values() if not label_problem(lab) and label_weakness(lab)]
        print(f"{name} weak: " + ", ".join(f'"{lab}" ({label_weakness(lab)})' for lab in weak))
        if args.changed or args.all:
            for kind in ("parent", "section", "theme"):
                for k, lab in run.of(kind).items():
                    if args.all or run.before.get(k) != lab:
                        print(f"  {name} {shown(k, run.after)}: {run.before.get(k)!r} -> {lab!r}")


def compare(name: str, against: Path) -> None:
    """The sections of a set's record in ``against`` (before) and in this checkout's (after): those
    renamed for the same members, then per entry those whose members changed."""
    before, _ = recorded(name, against)
    after, _ = recorded(name, CALLS)
    renamed, moved = section_changes(before, after)
    same = len({k for k in before if k[0] == "section"} & {k for k in after if k[0] == "section"})
    print(f"{name}: {same} sections with the same members, {len(renamed)} of them renamed; "
          f"{len(moved)} entries whose sections' members changed")
    for k, old, new in renamed:
        print(f"  renamed {shown(k, after)}: {old!r} -> {new!r}")
    for entry, (gone, came) in moved.items():
        print(f"  entry {before.get(('parent', entry), entry)!r}: members changed")
        for k in gone:
            print(f"    before {before[k]!r}: {shown(k, before)}")
        for k in came:
            print(f"    after  {after[k]!r}: {shown(k, after)}")


if __name__ == "__main__":
    main()
