"""Sections: a reading level inside a top-level entry of many sub-themes (issue #12).

A top-level entry with more than :data:`MOST_UNSECTIONED` sub-themes ("Bag problems": crushed
strawberries, a squashed loaf, a broken jar, a burst bag, ... beside wasteful packaging, plastic
trays, recycling ...) is read in a few sections instead of one flat list: about one section per
:data:`PER_SECTION` sub-themes, between :data:`FEWEST` and :data:`MOST` (:func:`section_count`).
The sections are Ward's cut of the sub-themes' unit centroids (:func:`.hierarchy.weighted_ward`,
every sub-theme weighing the same). Weighted by size, as the top level is, Ward gathered many
small sub-themes into one large mixed section (17 of "Bag problems"' 37); unweighted, the
sections are more even and better separated (mean silhouette of the centroids' cosine distances
on the sample's six sectioned entries: size-weighted 0.010-0.147, unweighted 0.080-0.154, as good
or better on each; bench/themes_sections.py, bench/RESULTS.md "Sections of the sample's large entries").
Sections keep an entry's praise and complaints apart, as the top level does (issue #12: the sample's
"Fresh food" read "Food praise" over "Food problems" and "Different brand"): each sub-theme has the top
level's side (:func:`.hierarchy.side`: praise; complaints and requests; neither), an entry with two
sub-themes or more on each side is split by side first (:func:`.hierarchy.by_side`; two sub-themes are a
section's worth, so :data:`SIDE_SHARE` asks no share of segments) and each side cut by Ward on its own,
about one section per :data:`PER_SECTION` of its sub-themes; then a sub-theme on its section's smaller
side moves to a section leaning its way when that is about as near (:func:`.hierarchy.moved`). On the
sample: "Fresh food" is read as "Food quality" (12), "Quality praise" (4) and "Food and brand" (Food
problems, Different brand); silhouette 0.127 -> 0.133; the other five entries have no praise to set apart
and are as before (bench/RESULTS.md, "Sections by side, names that hold").
An entry named by what kind of comment it holds ("Support contact", "Staff praise") is not sectioned when most of
its sections would be named as the entry ("Customer contact", "Contact with support"): such headings say nothing
the entry's name does not (:func:`restates`). A contact entry is read as what reaching the company was like and the
contact details left, when each holds two sub-themes (:func:`.contact.detail_sections`: "Reaching support",
"Contact details left").
Sections are ordered by size (segments). A section of one sub-theme joins the section whose
centre is nearest (a heading over one line says nothing the line does not); the cut is then
taken one finer, until there are enough sections (or as many as any cut gives; when that is one,
the entry is not sectioned: :func:`sections_of`).

Each section is named as the top level is (:func:`.label.label_parents`, the segments and
published sentiment of its sub-themes), the sections of one entry in one call, so a label is
what distinguishes a section from its siblings; no section takes a top-level entry's label,
another section's, or that of a sub-theme outside it (:func:`section_labels`). A name that claims
("... praise", "... problems") or names a kind ("Wrong or missing items") must hold for the section's
members (:func:`_held`, :func:`.label_kinds._happened`), else the section is named by its topic.

A fit writes them (:func:`write_sections`, called by ``engine._fit_all`` once the top level is
written) to ``theme_sections`` and each sub-theme's ``themes.section_id`` (migration 0170). Nothing
else moves them: a theme born at night, or one an analyst's edit moves, merges or splits
(:mod:`.edits` calls :func:`unsection`), has no section until the next fit (its entry's page lists it
under "Other sub-themes"). An edit records the theme rows as they were, ``section_id`` included,
so undoing it puts the theme back in its section (:mod:`.undo`; a fit in between makes the edit
impossible to undo anyway). The archive gets a ``theme_sections`` table and ``themes.section_id``
(:func:`archive_rows`, :data:`SECTION_COLUMN`); a section's distinct comments are kept between runs
with the themes' sums (:mod:`.sums`, ``theme_section_sums``), so a publish does not count them over
every segment of the sectioned themes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import zip_longest
from typing import Any

import numpy as np
import sqlite_utils

from feedback.themes import (
    contact,
    hierarchy,
    label,
    parent_words,
    people,
    phrases,
    sayings,
    sums,
    verdicts,
)
from feedback.warehouse.sql import now_iso

log = logging.getLogger(__name__)

MOST_UNSECTIONED = 12  # an entry with more sub-themes than this is read in sections
PER_SECTION = 8  # about one section per this many sub-themes ...
FEWEST = 2  # ... but at least this many sections
MOST = 6  # ... and at most this many
SIDE_SHARE = 0.0  # an entry's praise and complaints are read apart when each side has two sub-themes (a section's
# worth), whatever its share of segments (the top level asks hierarchy.SIDE_SHARE of an entry of its own)

# themes.section_id as published: a section of the sub-theme's own entry (a theme moved since has none)
SECTION_COLUMN = ("(select x.id from theme_sections x where x.id = themes.section_id"
                  " and x.parent_id = themes.parent_id and themes.status = 'active') as section_id")


def section_count(children: int) -> int:
    """How many sections an entry of ``children`` sub-themes is read in (0: none, a flat list)."""
    if children <= MOST_UNSECTIONED:
        return 0
    return max(FEWEST, min(MOST, int(children / PER_SECTION + 0.5)))


def sections_of(centroids: np.ndarray, sizes: Sequence[int], sides: Sequence[int] | None = None) -> list[list[int]]:
    """The sections of an entry's sub-themes: lists of their indices (each in index order), the
    biggest section (segments) first, ties by first index; [] when there are too few to section, or
    when they are so scattered that no cut leaves two sections of two or more.

    ``sides``: each sub-theme's side (:func:`.hierarchy.side`: +1 praise, -1 complaints and requests,
    0 neither; None: not read). An entry with two sub-themes or more on each side is first split by
    side (:func:`.hierarchy.by_side`, ``SIDE_SHARE``) and each side cut by Ward on its own, in about
    one section per ``PER_SECTION`` of its sub-themes (:func:`_shares`);
    then a sub-theme on its section's smaller side moves to a section leaning its way when that is
    about as near (:func:`.hierarchy.moved`), as the top level does."""
    k = centroids.shape[0]
    wanted = section_count(k)
    if not wanted:
        return []
    if len(sizes) != k or (sides is not None and len(sides) != k):
        raise ValueError(f"one size per sub-theme (and one side) is needed: {len(sizes)} for {k} sub-themes")
    unit = centroids.astype(np.float64)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    weights = np.maximum(np.asarray(sizes, dtype=np.float64), 1.0)
    signs = np.asarray(sides if sides is not None else [0] * k)
    parts = hierarchy.by_side(list(range(k)), unit, weights, signs, SIDE_SHARE)
    counts = [wanted] if len(parts) == 1 else _shares([len(p) for p in parts])
    found: list[list[int]] = []
    for part, count in zip(parts, counts, strict=True):
        found += [[part[i] for i in g] for g in _cut(unit[part], weights[part], count)]
    if sides is not None:
        found = [sorted(g) for g in hierarchy.moved(found, unit, weights, signs) if g]
    if len(found) < FEWEST:  # one section is a heading over the whole list
        return []
    found.sort(key=lambda g: (-float(weights[g].sum()), g[0]))
    return found


def _shares(lengths: list[int]) -> list[int]:
    """The sections of each side of an entry (``lengths``: its sides' sub-themes): about one per
    ``PER_SECTION`` sub-themes, at least one, and ``MOST`` in all (the side with the most sections
    gives one up first; ties: the first side)."""
    counts = [max(1, int(n / PER_SECTION + 0.5)) for n in lengths]
    while sum(counts) > MOST:
        counts[max(range(len(counts)), key=lambda n: (counts[n], -n))] -= 1
    return counts


def _cut(unit: np.ndarray, weights: np.ndarray, wanted: int) -> list[list[int]]:
    """Unweighted Ward's cut of these sub-themes into ``wanted`` groups of two or more (a group of one
    joins the nearest and the cut is taken finer), or as many as any cut gives; one group for 1."""
    k = unit.shape[0]
    if wanted <= 1 or k < 4:
        return [list(range(k))]
    merges = hierarchy.weighted_ward(unit, np.ones(k))  # unweighted: see the module docstring
    found: list[list[int]] = [list(range(k))]
    for count in range(wanted, k + 1):
        cut = _without_singles(_groups(hierarchy.cut(merges, k, count)), unit, weights)
        if len(cut) > len(found):  # scattered sub-themes may never give enough: the most they give
            found = cut
        if len(found) >= wanted:
            break
    return found


def _groups(labels: np.ndarray) -> list[list[int]]:
    found: dict[int, list[int]] = {}
    for index, name in enumerate(labels):
        found.setdefault(int(name), []).append(index)
    return list(found.values())


def _without_singles(groups: list[list[int]], unit: np.ndarray, weights: np.ndarray) -> list[list[int]]:
    """``groups`` with each group of one joined to the group whose weighted centre is nearest
    (cosine; ties: the first), smallest weight first."""
    groups = [list(g) for g in groups]
    while len(groups) > 1:
        singles = [g for g in groups if len(g) == 1]
        if not singles:
            break
        single = min(singles, key=lambda g: (float(weights[g[0]]), g[0]))
        others = [g for g in groups if g is not single]
        centres = np.vstack([(unit[g] * weights[g, None]).sum(axis=0) for g in others])
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
        nearest = others[int(np.argmax(centres @ unit[single[0]]))]
        nearest.extend(single)
        nearest.sort()
        groups = others
    return groups


def write_sections(db: sqlite_utils.Database, leaf_ids: list[int], leaf_vecs: np.ndarray,
                   sizes: Mapping[int, int], docs_of: Mapping[int, list[str]],
                   tones_of: Mapping[int, list[float | None]], keywords: int = 8,
                   model: str | None = phrases.DEFAULT_MODEL) -> int:
    """Replace every section by those of the entries now holding more than :data:`MOST_UNSECTIONED`
    of ``leaf_ids`` (rows of ``leaf_vecs``; ``sizes``: their segments; ``docs_of`` / ``tones_of``:
    their segment texts, best first, and published sentiment, as the fit labels them). Call it in
    the fit's transaction, after the top level is written; returns how many sections it wrote."""
    db.execute("update themes set section_id = null where section_id is not null")
    db.execute("delete from theme_sections")
    row_of = {tid: n for n, tid in enumerate(leaf_ids)}
    children: dict[int, list[int]] = {}
    for tid, parent in db.execute("select id, parent_id from themes where status = 'active'"
                                  " and parent_id is not null order by id"):
        if tid in row_of:
            children.setdefault(parent, []).append(tid)
    entries = {pid: lab for pid, lab in db.execute("select id, label from themes where status = 'parent'")}
    leaves = {tid: lab for tid, lab in db.execute("select id, label from themes where status = 'active'") if lab}
    taken = [lab for lab in entries.values() if lab]
    stamp, written = now_iso(), 0
    for parent in sorted(children, key=lambda p: (-sum(sizes.get(t, 0) for t in children[p]), p)):
        kids = children[parent]
        if parent not in entries or not section_count(len(kids)):
            continue
        fixed = (contact.detail_sections([docs_of.get(t, []) for t in kids], [sizes.get(t, 0) for t in kids],
                                         label.REPRESENTATIVES)
                 if entries[parent] in parent_words.SUPPORT_CONTACT else [])
        if fixed:  # what reaching the company was like, apart from the contact details left
            groups = [[kids[i] for i in g] for _, g in fixed]
        else:
            sides = [hierarchy.side(docs_of.get(t, []), tones_of.get(t, [])) for t in kids]  # as the top level reads
            groups = [[kids[i] for i in g] for g in sections_of(leaf_vecs[[row_of[t] for t in kids]],
                                                                 [sizes.get(t, 0) for t in kids], sides)]
        if not groups:  # too scattered for two sections of two
            continue
        if fixed:  # named by what they hold: the details' keywords their kinds, the rest's its phrases
            used = {lab.lower() for lab in [*taken, *leaves.values()]}
            names = {}
            for n, ((name, _), group) in enumerate(zip(fixed, groups, strict=True)):
                words = (sayings.details_left([d for t in group for d in docs_of.get(t, [])]) if name == contact.DETAILS
                         else section_labels([group], docs_of, tones_of, taken, keywords, model, leaves)[0].keywords)
                names[n] = label.Labelling(label=contact.section_name(name, used), keywords=words)
        else:
            names = section_labels(groups, docs_of, tones_of, taken, keywords, model, leaves)
            if 2 * sum(restates(entries[parent], named.label) for named in names.values()) > len(groups):
                continue  # "Customer contact" and "Contact with support" under "Support contact": parts of nothing
        for position, group in enumerate(groups, start=1):
            named = names.get(position - 1)
            lab = named.label if named else f"Part {position}"
            section = db.table("theme_sections").insert(
                {"parent_id": parent, "label": lab, "keywords": json.dumps(named.keywords if named else []),
                 "position": position, "created_at": stamp}).last_pk
            db.execute(f"update themes set section_id = ? where id in ({', '.join('?' * len(group))})",
                       [section, *group])
            taken.append(lab)
            written += 1
        log.info("entry %s (%s): %d sub-themes in %d sections", parent, entries[parent], len(kids), len(groups))
    return written


CATCH_ALL = {label.OTHER_COMMENTS, label.NOTHING_SPECIFIC, label.UNCLEAR, label.GENERAL, "Mixed remarks",
             "Assorted comments", "Brief answers", "Short replies", "Unclear remarks", "General comments",
             "Assorted remarks"}


_KINDS = [parent_words.SUPPORT_CONTACT, people.STAFF_PRAISE, people.STAFF_PROBLEMS, verdicts.OVERALL]


def restates(entry: str, name: str) -> bool:
    """Whether section ``name`` is another way of writing ``entry``'s kind ("Staff compliments" under "Staff
    praise"): an entry most of whose sections would be so named is not sectioned (:func:`write_sections`)."""
    return any(entry in kind and name in kind for kind in _KINDS)


def catch_all(name: str) -> bool:
    """Whether ``name`` is a labeller's name for what shares no topic ("Mixed problems", "Short answers")."""
    return name in CATCH_ALL or name.split(" ", 1)[0] in ("Mixed", "Assorted", "Varied")


def section_labels(groups: list[list[int]], docs_of: Mapping[int, list[str]],
                   tones_of: Mapping[int, list[float | None]], taken: list[str], keywords: int = 8,
                   model: str | None = phrases.DEFAULT_MODEL,
                   leaf_labels: Mapping[int, str] | None = None) -> dict[int, label.Labelling]:
    """Labels of one entry's sections (``groups`` of sub-theme ids, biggest first), keyed by their
    index: as the top level is named (:func:`.label.label_parents`). A section whose sub-themes
    share no phrase the top level would name it by ("Mixed problems", "Short answers": a section is
    one topic's neighbours, where a top-level entry may be a catch-all), or named by one word (a
    section is a part of its entry's topic: "Refund problems", not "Refund"), is named as a theme is,
    from its sub-themes' segments together (:func:`.label.label_themes`), when that finds a topic.

    ``leaf_labels``: every sub-theme's label. A section may share its name with one of its own
    sub-themes ("Refund problems" over "Refund process", "Refund problems", ...), never with a
    sub-theme elsewhere, in the singular or the plural ("No reply" over "No answer" while "No reply" is another
    section's; "Late deliveries" while "Late delivery" is): such
    a section is named again with those labels taken."""
    docs = {n: [docs_of.get(t, []) for t in g] for n, g in enumerate(groups)}
    tones = {n: [tones_of.get(t, []) for t in g] for n, g in enumerate(groups)}
    names = label.label_parents(docs, range(len(groups)), taken=taken, keywords=keywords, model=model,
                                tones=tones)
    vague = [n for n, named in names.items() if catch_all(named.label) or len(named.label.split()) == 1]
    if vague:
        flat = {n: _interleaved(docs[n]) for n in docs}  # each sub-theme's best first: the labeller reads the head
        flat_tones = {n: _interleaved(tones[n]) for n in tones}
        kept = [names[n].label for n in names if n not in vague]
        plain = label.label_themes(flat, [*vague, *(n for n in names if n not in vague)],
                                   taken=[*taken, *kept], keywords=keywords, model=model, tones=flat_tones)
        names.update({n: plain[n] for n in vague if n in plain and not catch_all(plain[n].label)
                      and not _one_childs(plain[n].label, groups[n], docs[n], leaf_labels or {})})
    for n, group in enumerate(groups):
        elsewhere = [form for t, lab in (leaf_labels or {}).items() if t not in group for form in number_forms(lab)]
        if n in names and names[n].label.lower() in elsewhere:  # "Late deliveries" over lateness, "Late delivery" apart
            siblings = [named.label for m, named in names.items() if m != n]
            avoid = [*taken, *siblings, *elsewhere]
            again = label.label_parents(docs, [n], taken=avoid, keywords=keywords, model=model, tones=tones)
            if n not in again or catch_all(again[n].label):
                again = label.label_themes({m: _interleaved(docs[m]) for m in docs}, [n], taken=avoid,
                                           keywords=keywords, model=model,
                                           tones={m: _interleaved(tones[m]) for m in tones})
            if n in again and not catch_all(again[n].label):
                names[n] = again[n]
    return _held(names, groups, docs_of, tones_of, [*taken, *(leaf_labels or {}).values()])


def number_forms(name: str) -> list[str]:
    """``name`` lowercased with its last word singular and plural ("late delivery", "late deliveries"): one name
    to a reader, whichever way it is written (the plural as :func:`.parent_words.many` writes it)."""
    *head, last = name.lower().split() or [""]
    if last.endswith("ies") and len(last) > 4:
        one = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses", "xes")):
        one = last[:-2]
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        one = last[:-1]
    else:
        one = last
    return [" ".join([*head, form]) for form in dict.fromkeys([last, one, parent_words.many(one)])]


def _held(names: dict[int, label.Labelling], groups: list[list[int]], docs_of: Mapping[int, list[str]],
          tones_of: Mapping[int, list[float | None]], taken: list[str]) -> dict[int, label.Labelling]:
    """``names`` with each claim ("Food praise", "Checkout requests") its section does not bear for its
    members (:func:`.parent_words.bears`: at least half of its segments on that side, and less than
    ``parent_words.AGAINST`` on the other, each sub-theme by :func:`.hierarchy.side`, as the top level
    reads it) replaced by its topic ("Food comments": :func:`.parent_words.without_claim`)."""
    out = dict(names)
    for n, group in enumerate(groups):
        sign, _ = parent_words.claim(out[n].label) if n in out else (0, [])
        if not sign:
            continue
        sizes = [max(len(docs_of.get(t, [])), 1) for t in group]  # segments, as the archive counts them
        sides = [hierarchy.side(docs_of.get(t, []), tones_of.get(t, [])) for t in group]
        on, against = (sum(size for size, s in zip(sizes, sides, strict=True) if s == way) / sum(sizes)
                       for way in (sign, -sign))
        if not parent_words.bears(on, against, parent_words.AGAINST):
            used = {lab.lower() for lab in [*taken, *(named.label for m, named in out.items() if m != n)]}
            out[n] = label.Labelling(label=parent_words.without_claim(out[n].label, used), keywords=out[n].keywords)
    return out


def _one_childs(name: str, group: list[int], kids: list[list[str]], leaf_labels: Mapping[int, str]) -> bool:
    """Whether ``name`` is one sub-theme's own label that no other sub-theme of the section writes: the sample
    archive's section of "Very wasteful", "Bag requests", "Recycling bin", ... was named "Regular driver" after one
    of them (10 of its 63 segments), where "Mixed requests" says what it is."""
    if name.lower() not in {leaf_labels.get(t, "").lower() for t in group}:
        return False
    words = [w for w in re.findall(r"[a-z']+", name.lower()) if len(w) > 2 and w not in _SAYS]
    return sum(any(re.search(rf"\b{re.escape(w)}", doc.lower()) for w in words for doc in docs[:label.REPRESENTATIVES])
               for docs in kids) < 2


_SAYS = {"problems", "issues", "complaints", "comments", "requests", "questions", "praise", "feedback", "remarks"}


def _interleaved(lists: Sequence[Sequence[Any]]) -> list[Any]:
    """The first of each list, then the second of each, and so on."""
    return [x for row in zip_longest(*lists, fillvalue=_GAP) for x in row if x is not _GAP]


_GAP = object()


def unsection(db: sqlite_utils.Database, theme_ids: Iterable[int]) -> None:
    """Take these themes out of their sections (an analyst's edit changed them) until the next fit."""
    ids = list(theme_ids)
    if ids:
        db.execute(f"update themes set section_id = null where id in ({', '.join('?' * len(ids))})", ids)


def archive_rows(db: sqlite_utils.Database, recount: bool = False) -> list[dict[str, Any]]:
    """The published ``theme_sections``: per section its entry (``parent_id``), ``label``, ``keywords``
    (JSON), ``position`` among its entry's sections (1: the biggest at the fit), and, counted as an
    entry's are (:mod:`.sums`) over its active sub-themes still in it: ``themes``, ``size``
    (segments), ``comments`` (distinct), ``sentiment`` (the mean of their segments'). A section no
    sub-theme is left in is not published. ``comments`` is the kept count (``theme_section_sums``,
    as of the last refresh of the theme statistics); ``recount``: counted again over every segment
    of the sectioned themes (the same figure; for a rebuild and the tests)."""
    found = db.execute(
        """select x.id, x.parent_id, x.label, x.keywords, x.position, count(t.id), coalesce(sum(s.segments), 0),
                  coalesce(sum(s.sentiment_total), 0), coalesce(sum(s.sentiment_n), 0)
           from theme_sections x join themes t on t.section_id = x.id and t.parent_id = x.parent_id
                and t.status = 'active'
           left join theme_sums s on s.theme_id = t.id
           group by x.id order by x.parent_id, x.position""").fetchall()
    comments = sums.section_comments(db) if recount else sums.read_sections(db)
    return [{"id": sid, "parent_id": parent, "label": lab, "keywords": words, "position": position,
             "themes": themes, "size": size, "comments": comments.get(sid, 0),
             "sentiment": round(total / sums.SENTIMENT_UNIT / n, 4) if n else None}
            for sid, parent, lab, words, position, themes, size, total, n in found]
