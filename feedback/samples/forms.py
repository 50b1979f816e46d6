"""Sample submissions of Brightmoor's feedback form, written into an intake spool.

Customers who used the public form (``feedback intake``) or whose submissions came through the
signed JSON endpoint from the help-desk tool: the comments come from
:func:`feedback.samples.company.compose_comment` (the surveys' themes), the customers are the
surveys' (so their pseudonymous keys link across channels), some give an address and some agree
to be contacted, one types markup (pages show it as text). Every choice comes from the seed.

Submissions are added by their id, never replaced: writing the samples again adds nothing, and
what someone sent to a local ``feedback intake`` on the same spool stays.
"""

from __future__ import annotations

import random
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

from feedback.dates import utc_text
from feedback.intake import spool
from feedback.samples.company import compose_comment, make_customers, pick_themes
from feedback.samples.surveys import draw_moments, week_volumes

SUBMISSIONS = 150
SPOOL_FILE = "form/intake.db"  # under the samples folder; data/config.yml's web-form source reads it
LONDON = ZoneInfo("Europe/London")
WEIGHTS = {
    "late_delivery": 2.5, "damaged_items": 1.5, "missing_items": 1.5, "billing_error": 1.5, "slow_refund": 2,
    "app_crashes": 2, "checkout_problems": 1.5, "support_wait": 2, "subscription_cancel": 1.5,
    "substitutions": 1.5, "friendly_staff": 1.5, "fresh_quality": 1.5, "prices_value": 1.5, "easy_ordering": 2,
}
STARS = {"complaint": (1, 1, 2, 2, 3), "praise": (4, 5, 5, 5), "mixed": (2, 3, 3, 4)}
MARKUP = '<script>alert("hi")</script> Your app logged me out again <b>twice</b> today.'


def draw_submissions(seed: int, count: int = SUBMISSIONS) -> list[spool.Submission]:
    """``count`` submissions in time order: 85% through the form, the rest through the endpoint."""
    rng = random.Random(f"{seed}:forms")
    customers = make_customers(random.Random(f"{seed}:customers"), 900)  # the surveys' customers
    moments = draw_moments(rng, count, week_volumes(random.Random(f"{seed}:weeks")), lambda day: 1.0)
    out = []
    for n, moment in enumerate(moments, start=1):
        day = moment.date()
        mood = rng.choices(("complaint", "praise", "mixed"), weights=(0.6, 0.25, 0.15))[0]
        bad = pick_themes(rng, WEIGHTS, "complaint", 1, day) if mood != "praise" else []
        good = pick_themes(rng, WEIGHTS, "praise", 1, day) if mood != "complaint" else []
        text = compose_comment(rng, bad + good, when=day, personal=0.05).text
        if n == 37:
            text = MARKUP
        rating = rng.choice(STARS[mood]) if rng.random() < 0.8 else None
        email = rng.choice(customers).email if rng.random() < 0.6 else None
        consent = email is not None and rng.random() < 0.7
        api = rng.random() < 0.15
        submission_id = f"api:helpdesk-{n:05d}" if api else f"form:sample-{n:05d}"
        received = utc_text(moment.replace(tzinfo=LONDON))
        out.append(spool.Submission(submission_id, "api" if api else "form", received, text, rating, email, consent))
    return out


def generate_forms(out_dir: Path, seed: int) -> dict[str, int]:
    """Add the sample submissions to the spool ``out_dir / SPOOL_FILE``; {that path: submissions}."""
    path = Path(out_dir) / SPOOL_FILE
    submissions = draw_submissions(seed)
    with closing(spool.open_spool(path, timeout=30)) as conn:
        conn.execute("begin immediate")  # one commit (one fsync) for all of them
        for submission in submissions:
            try:
                spool.add(conn, submission)
            except spool.DuplicateSubmission:
                continue  # written by an earlier `feedback samples`
        conn.execute("commit")
    return {SPOOL_FILE: len(submissions)}
