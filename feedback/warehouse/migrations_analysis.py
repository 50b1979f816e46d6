"""The warehouse schema, continued: the analysis stage's later tables (0160 on).

Registered after :mod:`.migrations` (imported first, below; the package's ``__init__`` imports this
module), in the same ``_migrations`` record. Numbering: 0160-0169 the sentiment calibration's checks; 0170-0179
the sections of large top-level entries; 0180-0189 the sections' kept sums; 0190-0199 analysts'
sentiment corrections; 0200-0209 the calibration's fit, continued; 0210-0219 the sections' drivers and weeks.
"""

from __future__ import annotations

import sqlite_utils

from feedback.warehouse.migrations import migration

# --- the sentiment calibration's checks: 0160-0169 ---


@migration("0160_calibration_anchors")
def _m0160(db: sqlite_utils.Database) -> None:
    # How a calibration reads the anchor sentences (feedback/text/sentiment_anchors.py), before and
    # after: one that unlearns plain English is not applied. Rows from before have none (null) and
    # are fitted and checked again.
    for column in ("anchors_before", "anchors_after"):
        db.execute(f"alter table sentiment_calibration add column {column} float")


# --- the sections of large top-level entries (feedback/themes/sections.py): 0170-0179 ---


@migration("0170_theme_sections")
def _m0170(db: sqlite_utils.Database) -> None:
    # A reading level inside a top-level entry of many sub-themes, written by each fit: its sections
    # (AUTOINCREMENT: a section's id is never reused by a later fit) and each sub-theme's section
    # (null: none, or an analyst's edit moved, merged or split it since the fit).
    db.execute("create table theme_sections (id integer primary key autoincrement, parent_id integer not null,"
               " label text not null, keywords text not null, position integer not null, created_at text)")
    db.execute("create index idx_theme_sections_parent on theme_sections (parent_id)")
    db.execute("alter table themes add column section_id integer")


@migration("0180_theme_section_sums")  # the sections' kept sums (feedback/themes/sums.py): 0180-0189
def _m0180(db: sqlite_utils.Database) -> None:
    # Each section's distinct comments kept between runs as the themes' are (a publish reads them, not every
    # segment of the sectioned themes), backfilled here (the next refresh, whose state has no sections yet,
    # counts them once more, so a segment change still waiting in the log is not added twice).
    db.execute("create table if not exists theme_section_sums (section_id integer primary key, comments integer not null)")
    db.execute("""insert or replace into theme_section_sums select t.section_id, count(distinct s.item_id) from themes t
                  join theme_sections x on x.id = t.section_id and x.parent_id = t.parent_id and t.status = 'active'
                  left join theme_segments s on s.theme_id = t.id group by t.section_id""")


# --- analysts' sentiment corrections (feedback/themes/sentiment_corrections.py): 0190-0199 ---


@migration("0190_sentiment_corrections")
def _m0190(db: sqlite_utils.Database) -> None:
    # The side an analyst says a segment's text is on, keyed by the text as embedded (its hash): every
    # segment with that text reads so, now and on every later night, whatever the head reads. ``text`` is
    # the segment's display text when it was corrected; the calibration also learns from these rows and
    # records how many it was fitted with.
    db.execute("create table sentiment_corrections (text_hash text primary key, text text not null,"
               " side text not null check (side in ('negative', 'neutral', 'positive')), segment_id text,"
               " at text not null, note text)")
    db.execute("alter table sentiment_calibration add column corrections integer")


# --- the sentiment calibration's fit, continued: 0200-0209 ---


@migration("0200_calibration_contrasts")
def _m0200(db: sqlite_utils.Database) -> None:
    # How many segments of the fitted rated comments were left out of a calibration's fit as their comment's
    # contrast (feedback/themes/segment_sentiment.py: praise beside the complaint of a low rating). Rows from
    # before have none (null); their fitter is older, so they are fitted again.
    db.execute("alter table sentiment_calibration add column contrasts integer")


# --- the score drivers and weeks of sections (feedback/insights/sums.py): 0210-0219 ---


@migration("0210_response_sections")
def _m0210(db: sqlite_utils.Database) -> None:
    # The sections (JSON ids) that each scored response's themes were in when it was last added to the sums, so its
    # contribution to a section's drivers comes off exactly (section_drivers). Rows from before have none: a
    # migration makes the next publish a full one, which rebuilds them.
    db.execute("alter table insight_responses add column sections text not null default '[]'")


@migration("0211_ledger_sections")
def _m0211(db: sqlite_utils.Database) -> None:
    # The sections (JSON ids) that each published comment's themes were in when it was last added to the sums, so its
    # contribution to a section's weeks comes off exactly (section_weeks, section_trends). Rows from before have
    # none: a migration makes the next publish a full one, which rebuilds them.
    db.execute("alter table insight_ledger add column sections text not null default '[]'")
