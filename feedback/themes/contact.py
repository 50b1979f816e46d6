"""Themes about reaching the company: one top-level entry, which holds nothing else.

Every customer-feedback taxonomy has an entry for contacting the company (hold times, chat queues, e-mails
unanswered, call-backs), and its themes' centroids sit near whatever else their comments wait for: on the samples
"I was on hold for 90 minutes", "The chat queue was huge" and "No one replies to emails." shared an entry with
"The van turned up 120 minutes late" and "Late again." (named "Mixed problems": MiniLM reads them all as waiting),
while "More staff on the phones" sat with "More tills" and "I've contacted support three times" with the refunds.

A theme at least :data:`THEME_SHARE` of whose segments are about contacting the company (:func:`reaching`: a
channel of the company's, a reply awaited, or contact details left), that is not praise and not about how the
staff were (:mod:`.people`: "[NAME] on the phone sorted everything out" is staff praise), is a contact theme.
:func:`gathered` puts every contact theme under the group holding most of their segments. When they hold at least
:data:`SHARE` of it (a substantial part, as for the sides of :mod:`.hierarchy`), each of the group's other themes
leaves it for the group whose centre is nearest it among those not leaning against its side (complaints are not
filed under praise), when that is about as near as the nearest of all (:data:`.hierarchy.MOVE_MARGIN`, as a theme
on its group's smaller side moves); the others make an entry of their own.

They left together before, for the group nearest all of them, so that a short comment with no topic of its own
("Late again.") would not go where other short comments sit. But the group the contact themes gather in holds
whatever else their comments wait for, often several topics: on the sample surveys after segmenter 12 it held the
late vans and the app crashes, which together joined the refunds, cancellations and checkout in one entry of 48
themes. One by one, the vans and "Late again." went to the deliveries and the crashes to the app's problems (bench
figures: bench/RESULTS.md, "Contact themes' neighbours one by one").

Such an entry, when it is large enough to be read in sections (:mod:`.sections`), is read in two: the themes that
leave contact details ("email me on [EMAIL] please", "My number is [PHONE].": no complaint, read 0) apart from the
rest, what reaching the company was like (:func:`detail_sections`); Ward's sections of it were named as the entry
("Customer contact", "Contact with support") and mixed the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from feedback.themes.cluster import weighted_centre
from feedback.themes.people import gather
from feedback.themes.sayings import contact_share

THEME_SHARE = 0.5  # share of a theme's segments about contacting the company for it to be a contact theme
SHARE = 0.25  # share of a group's segments in contact themes that makes them an entry of their own (a substantial
# part, as a side's is: hierarchy.SIDE_SHARE); below it they stay with the rest
# The company's channels, not a phone or a call of any kind ("call my mom", "locate my phone", "what do I call you",
# "Tried on my iPhone and my partner's phone": clinc150's assistant commands, an app fault).
_REACHING = re.compile(
    r"\b(?:on hold|hold (?:times?|music)|helpline|hotline|call-?backs?|call centre|customer (?:services?|support|care)|"
    r"(?:contacted|contact|called|rang|ring) (?:you|them|us|support|customer)|support team|live chat|"
    r"chat (?:queue|line)|chatbot|e-?mails?|e-?mailed|phone lines?|(?:on|answer(?:s|ed|ing)?|pick(?:s|ed)? up) the phones?|"
    r"no(?: one|body) (?:replies|answers|replied|answered|got back|gets back)|(?:no|any) (?:reply|response))\b"
    r"|\[(?:PHONE|EMAIL)\]", re.IGNORECASE)


def reaching(docs: Sequence[str]) -> float:
    """The share of ``docs`` about contacting the company: its channels ("on hold", "live chat", "e-mails", "customer
    services"), a reply awaited ("no one replies"), contact details left ("[PHONE]")."""
    return sum(bool(_REACHING.search(d)) for d in docs) / max(len(docs), 1)


def contact_kinds(docs: Sequence[Sequence[str]], sides: Sequence[int] | np.ndarray, staff: Sequence[int],
                  read: int) -> list[int]:
    """Per theme 1 when it is about contacting the company (of its best ``read`` segments, ``THEME_SHARE``; its
    ``sides`` entry not praise; its ``staff`` entry 0: not about how a person was), else 0."""
    return [int(sides[i] <= 0 and not staff[i] and reaching(list(texts)[:read]) >= THEME_SHARE)
            for i, texts in enumerate(docs)]


def gathered(groups: list[list[int]], kinds: Sequence[int], unit: np.ndarray, weights: np.ndarray,
             allowed: Callable[[list[int], list[int]], bool], margin: float) -> list[list[int]]:
    """``groups`` (theme indices; ``unit``: unit centroids, rows; ``weights``: segments) with the contact themes
    (``kinds``) under the group holding most of their segments, when there are two or more; when they then hold
    ``SHARE`` of that group, each of its other themes goes to the group whose size-weighted centre is nearest it
    among those ``allowed([theme], group)``, when that is no more than ``margin`` (cosine) less near than the nearest
    of all (:data:`.hierarchy.MOVE_MARGIN`); the others are an entry of their own."""
    if sum(1 for k in kinds if k) < 2:
        return [list(g) for g in groups]
    out = gather(groups, kinds, weights)
    home = max(range(len(out)), key=lambda n: (sum(weights[i] for i in out[n] if kinds[i]), -n))
    rest = [i for i in out[home] if not kinds[i]]
    if not rest or weights[[i for i in out[home] if kinds[i]]].sum() < SHARE * weights[out[home]].sum():
        return out
    out[home] = [i for i in out[home] if kinds[i]]
    others = [n for n, g in enumerate(out) if n != home and g]
    centres = {n: weighted_centre(unit, weights, out[n]) for n in others}  # the groups as they were: none pulls another
    left = []
    for i in rest:  # the nearest group not leaning the other way (not "Delivery slots are clear" for "Late again.")
        near = {n: float(unit[i] @ centres[n]) for n in others}
        target = max((n for n in others if allowed([i], out[n])), key=lambda n: (near[n], -n), default=None)
        if target is None or max(near.values()) - near[target] > margin:  # ... and about as near as the nearest
            left.append(i)
        else:
            out[target] = sorted(out[target] + [i])
    if left:  # none: an entry of their own
        out.append(left)
    return out


DETAILS = "Contact details left"  # a section of the themes that leave contact details ...
REACHING = "Reaching support"  # ... and one of the rest of a contact entry
_OTHER_NAMES = {DETAILS: ["Details left", "Contact details given"], REACHING: ["Getting through", "Contacting support"]}


def detail_sections(docs: Sequence[Sequence[str]], sizes: Sequence[int], read: int) -> list[tuple[str, list[int]]]:
    """A contact entry's sections (its sub-themes' segments, best first, ``docs``; their ``sizes`` in segments): the
    sub-themes at least half of whose best ``read`` segments leave contact details (:func:`.sayings.contact_share`)
    and the rest, each with its name, the bigger first; [] unless each holds two sub-themes or more."""
    details = [i for i, texts in enumerate(docs) if contact_share(list(texts)[:read]) >= 0.5]
    rest = [i for i in range(len(docs)) if i not in details]
    if len(details) < 2 or len(rest) < 2:
        return []
    found = [(REACHING, rest), (DETAILS, details)]
    return sorted(found, key=lambda named: (-sum(sizes[i] for i in named[1]), named[1][0]))


def section_name(name: str, taken: set[str]) -> str:
    """``name`` (:data:`DETAILS`, :data:`REACHING`), or the first of its other names not in ``taken`` (lower case)."""
    return next((n for n in [name, *_OTHER_NAMES[name]] if n.lower() not in taken), name)
