"""You said, we did: recording actions against themes, whether they worked, and telling the customers.

A warehouse built by hand (tests/actions_fixtures.py) with a known before and after; the
CLI through CliRunner; the contacts CSV and its log row."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from feedback.actions import (
    ActionError,
    add_action,
    current_theme,
    get_action,
    list_actions,
    remove_action,
)
from feedback.actions.contacts import consented, contacts, export_contacts, usable_address
from feedback.insights.actions import (
    action_effect,
    action_tables,
    comparable_weeks,
    effect_words,
    percents,
)
from feedback.insights.comments import comment_themes, comments, theme_info
from feedback.insights.stats import binomial_two_sided
from feedback.sources.email.threads import archive_tables as email_tables

from .actions_fixtures import ACTION_DAY, build

TODAY = date(2026, 4, 28)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return build(tmp_path / "warehouse.db")


# --- recording -------------------------------------------------------------------------------

def test_add_list_remove(db: sqlite_utils.Database) -> None:
    first = add_action(db, 1, "  Two more vans on the Leeds round \n", ACTION_DAY, today=TODAY, created_by="ana")
    second = add_action(db, 2, "Refunds within 3 days", today=TODAY)
    assert (first.id, first.theme_id, first.theme_label, first.text, first.date, first.created_by) == (
        1, 1, "Late delivery", "Two more vans on the Leeds round", "2026-03-02", "ana")
    assert second.date == "2026-04-28"  # today by default
    assert [a.id for a in list_actions(db)] == [2, 1]  # newest first
    assert remove_action(db, 2).text == "Refunds within 3 days"
    assert [a.id for a in list_actions(db)] == [1]
    with pytest.raises(ActionError, match="^no action 2 "):
        remove_action(db, 2)


def test_an_action_on_a_merged_theme_goes_to_the_theme_that_holds_its_comments(db: sqlite_utils.Database) -> None:
    action = add_action(db, 5, "Van routes replanned", ACTION_DAY, today=TODAY)  # 5 -> 3 -> 1
    assert (action.theme_id, action.recorded_theme_id, action.theme_label) == (1, 1, "Late delivery")
    assert current_theme(db, 5) == {"id": 1, "label": "Late delivery", "status": "active"}
    assert current_theme(db, 99) is None


def test_an_action_follows_a_later_merge(db: sqlite_utils.Database) -> None:
    from feedback.themes import merge

    action = add_action(db, 2, "Refunds within 3 days", ACTION_DAY, today=TODAY)
    merge(db, 1, [2])  # the analyst's merge, as `feedback themes merge 1 2`
    found = get_action(db, action.id)
    assert (found.theme_id, found.recorded_theme_id, found.theme_label) == (1, 2, "Late delivery")


@pytest.mark.parametrize(
    ("theme", "text", "day", "message"),
    [
        (99, "x", None, "no theme 99 (`feedback themes list` shows them)"),
        (4, "x", None, "theme 4 was retired by a re-cluster: record the action against a current theme"
                       " (`feedback themes list`)"),
        (1, "   \n", None, "say what was done: the action's text is empty"),
        (1, "a\x00b", None, "the action's text must not contain a NUL character"),
        (1, "x" * 2001, None, "the action's text is limited to 2000 characters (it has 2001)"),
        (1, "x", "2026-04-29", "the date 2026-04-29 is in the future (today is 2026-04-28):"
                               " record an action once it is in place"),
        (1, "x", "29/04/2026", "the date must be a day written YYYY-MM-DD (e.g. 2026-04-28), not '29/04/2026'"),
        (1, "x", "2026-02-30", "the date must be a day written YYYY-MM-DD (e.g. 2026-04-28), not '2026-02-30'"),
        (1, "x", "2026-W10-1", "the date must be a day written YYYY-MM-DD (e.g. 2026-04-28), not '2026-W10-1'"),
        (1, "x", "", "the date must be a day written YYYY-MM-DD (e.g. 2026-04-28), not ''"),
    ],
    ids=["unknown theme", "retired theme", "empty text", "NUL", "too long", "future", "day first",
         "no such day", "ISO week", "empty date"],
)
def test_bad_actions_are_refused_with_one_line(db: sqlite_utils.Database, theme: int, text: str, day: str | None,
                                              message: str) -> None:
    with pytest.raises(ActionError) as caught:
        add_action(db, theme, text, day, today=TODAY)
    assert str(caught.value) == message
    assert list_actions(db) == []


# --- did it work -----------------------------------------------------------------------------

def effect_of(day: date, dated: list[tuple[str, bool, bool]]) -> Any:
    """action_effect from each comment's (day, carries the theme, is a complaint)."""
    return action_effect(day, sorted(d[:10] for d, _, _ in dated if d),
                         [(d[:10], negative) for d, theme, negative in dated if d and theme])


@pytest.mark.parametrize(
    ("day", "first", "last", "weeks"),
    [
        ("2026-03-02", "2025-01-01", "2026-04-26", 8),  # 8 full weeks after (the last day included)
        ("2026-03-02", "2025-01-01", "2026-04-25", 7),
        ("2026-03-02", "2026-02-01", "2026-12-31", 4),  # 29 days before: 4 whole weeks
        ("2026-03-02", "2025-01-01", "2026-03-07", 0),  # 6 days after: too early
        ("2026-03-02", "2025-01-01", "2030-01-01", 8),
    ],
)
def test_comparable_weeks(day: str, first: str, last: str, weeks: int) -> None:
    assert comparable_weeks(date.fromisoformat(day), date.fromisoformat(first), date.fromisoformat(last)) == weeks


def test_the_effect_on_a_known_before_and_after(db: sqlite_utils.Database) -> None:
    items, carried = comments(db), comment_themes(db)
    effect = effect_of(date(2026, 3, 2), [(c.received_at or "", 1 in carried.get(c.id, frozenset()), c.negative)
                                          for c in items])
    assert (effect.weeks, effect.before_since, effect.after_until) == (8, "2026-01-05", "2026-04-27")
    assert (effect.comments_before, effect.theme_before, effect.negative_before) == (100, 20, 12)
    assert (effect.comments_after, effect.theme_after, effect.negative_after) == (100, 5, 1)
    assert effect.share is not None and effect.complaints is not None
    # share: 5 of the 25 theme comments fell after, where the volumes make it even odds
    assert effect.share.p_value == pytest.approx(2 * (1 + 25 + 300 + 2300 + 12650 + 53130) / 2**25, rel=1e-12)
    assert effect.complaints.p_value == pytest.approx(binomial_two_sided(1, 13, 5 / 25), rel=1e-12)
    assert effect_words(effect) == (
        "fell from 20 % to 5 % of comments \u2014 unlikely to be chance (p = 0.004)",
        "complaints fell from 60 % to 20 % of the theme's comments \u2014 could be chance (p = 0.486)")


def test_the_published_row(db: sqlite_utils.Database) -> None:
    add_action(db, 5, "Van routes replanned", ACTION_DAY, today=TODAY)
    tables = action_tables(db, comments(db), comment_themes(db), theme_info(db), email_tables(db)["email_feedback"])
    rows = tables["actions"]
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("id", "theme_id", "recorded_theme_id", "theme_label", "date", "weeks",
                                "customers_before", "theme_before", "theme_after", "share_before", "share_after",
                                "share_change", "negative_before", "negative_after", "complaint_before",
                                "complaint_after", "complaint_change")} == {
        "id": 1, "theme_id": 1, "recorded_theme_id": 1, "theme_label": "Late delivery", "date": "2026-03-02",
        "weeks": 8, "customers_before": 6, "theme_before": 20, "theme_after": 5, "share_before": 0.2,
        "share_after": 0.05, "share_change": "fell", "negative_before": 12, "negative_after": 1,
        "complaint_before": 0.6, "complaint_after": 0.2, "complaint_change": "fell"}
    assert row["share_p"] == pytest.approx(0.004077, abs=1e-6)
    # who raised it before the action, latest first, and whether their e-mails were answered
    assert [(c["customer"], c["comments"], c["last_at"][:10], c["emails"], c["answered"], (c["answered_at"] or "")[:10])
            for c in tables["action_customers"]] == [
        ("c_e", 1, "2026-01-07", 0, 0, ""), ("c_d", 1, "2026-01-06", 1, 0, ""),
        ("c_c", 1, "2026-01-06", 1, 1, "2026-01-25"), ("c_b", 1, "2026-01-05", 0, 0, ""),
        ("c_a", 1, "2026-01-05", 0, 0, ""), ("c_f", 1, "2025-11-03", 0, 0, "")]
    assert {c["action_id"] for c in tables["action_customers"]} == {1}


def test_no_actions_no_rows(db: sqlite_utils.Database) -> None:
    assert action_tables(db, comments(db), comment_themes(db), theme_info(db)) == {
        "actions": [], "action_customers": []}


@pytest.mark.parametrize(
    ("dated", "words"),
    [
        ([], ("too early to tell: not a full week of comments on each side of the action yet",) * 2),
        ([("2026-02-20", False, False), ("2026-03-05", True, True)],  # 3 days after: too early
         ("too early to tell: not a full week of comments on each side of the action yet",) * 2),
        ([("2026-02-20", False, False), ("2026-03-10", False, False)],
         ("no comments on the theme in the week before or after",) * 2),
        ([("2026-02-16", False, False), ("2026-02-24", True, True), ("2026-02-25", False, False),
          ("2026-03-03", False, False), ("2026-03-10", False, False)],
         ("fell from 50 % to 0 % of comments \u2014 could be chance (p = 1.000)",
          "no comments on the theme in the week after: no complaint rate to compare")),
        ([("2026-02-16", False, False), ("2026-02-24", True, False), ("2026-02-25", False, False),
          ("2026-03-03", True, False), ("2026-03-04", False, False), ("2026-03-10", False, False)],
         ("unchanged at 50 % of comments", "complaints unchanged at 0 % of the theme's comments")),
    ],
    ids=["no comments", "too early", "theme not raised", "nothing after", "unchanged"],
)
def test_effect_words_when_there_is_little_to_compare(dated: list[tuple[str, bool, bool]],
                                                      words: tuple[str, str]) -> None:
    assert effect_words(effect_of(date(2026, 3, 2), dated)) == words


@pytest.mark.parametrize(("before", "after", "expected"), [
    (0.12, 0.05, ("12 %", "5 %")), (0.121, 0.124, ("12.1 %", "12.4 %")), (0.12341, 0.12344, ("12.34 %", "12.34 %")),
    (0.0, 0.5, ("0 %", "50 %"))])
def test_percents_keep_two_shares_apart(before: float, after: float, expected: tuple[str, str]) -> None:
    assert percents(before, after) == expected


# --- telling them ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (" Ann@Example.COM ", "ann@example.com"), ("no-at-sign", None), ("a@b", None), ("two@@x.com", None),
    ("a b@x.com", None), ("x@y.com, z@w.com", None), ("=1+1@x.com", "=1+1@x.com"), (None, None), ("", None)])
def test_usable_address(value: Any, expected: str | None) -> None:
    assert usable_address(value) == expected


@pytest.mark.parametrize(("value", "yes"), [(1, True), (True, True), ("true", True), ("on", True), ("Yes", True),
                                            (0, False), ("false", False), (None, False), ("", False)])
def test_consent(value: Any, yes: bool) -> None:
    assert consented(value) is yes


def test_contacts_are_the_consenting_customers_who_raised_the_theme_before(db: sqlite_utils.Database) -> None:
    action = add_action(db, 1, "Two more vans", ACTION_DAY, today=TODAY)
    assert [c.email for c in contacts(db, action)] == ["ann@example.com"]  # the form's consent only
    found = contacts(db, action, ["support"])  # the e-mail source's senders count too
    assert [(c.email, c.customer, c.channel, c.comments) for c in found] == [
        ("dave@mail.example", "c_d", "email", 1), ("carol@mail.example", "c_c", "email", 1),
        ("ann@example.com", "c_a", "form", 1)]
    assert found[-1].comment == "my parcel was late again"
    assert contacts(db, add_action(db, 2, "Faster refunds", ACTION_DAY, today=TODAY), ["support"]) == []


def test_the_contacts_csv_and_its_log_row(db: sqlite_utils.Database, tmp_path: Path) -> None:
    action = add_action(db, 1, "=HYPERLINK(\"http://evil\") two more vans, <b>now</b>", ACTION_DAY, today=TODAY)
    out = tmp_path / "out" / "contacts.csv"
    done = export_contacts(db, action.id, out, asked_by="ana", email_sources=["support"])
    assert done.rows == 3
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read it as UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["email"] for r in rows] == ["dave@mail.example", "carol@mail.example", "ann@example.com"]
    assert rows[2] == {"email": "ann@example.com", "customer": "c_a", "theme": "1 Late delivery",
                       "comment_received_at": "2026-01-05T09:00:00Z", "channel": "form", "source": "intake",
                       "comment": "my parcel was late again", "comments_on_theme": "1", "action_date": "2026-03-02",
                       "action": "'=HYPERLINK(\"http://evil\") two more vans, <b>now</b>"}
    log = list(db.query("select * from action_contact_exports"))
    assert len(log) == 1
    assert {k: log[0][k] for k in ("id", "action_id", "asked_by", "rows", "path")} == {
        "id": done.log_id, "action_id": action.id, "asked_by": "ana", "rows": 3, "path": str(out)}
    assert datetime.fromisoformat(log[0]["asked_at"]) > datetime(2026, 1, 1, tzinfo=UTC)


def test_an_unknown_action_writes_and_logs_nothing(db: sqlite_utils.Database, tmp_path: Path) -> None:
    with pytest.raises(ActionError, match="^no action 7 "):
        export_contacts(db, 7, tmp_path / "c.csv", asked_by="ana")
    assert not (tmp_path / "c.csv").exists()
    assert db.table("action_contact_exports").count == 0


# --- the command line ------------------------------------------------------------------------

@pytest.fixture
def config(tmp_path: Path, db: sqlite_utils.Database, write_config: Any) -> Path:
    db.close()
    return write_config([{"name": "support", "channel": "email", "eml": "mail", "contact_consent": True},
                         {"name": "nps", "channel": "survey", "paths": "x.csv", "columns": {"text": "t"}}])


def invoke(config: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    from feedback.cli import cli

    return CliRunner().invoke(cli, ["--config", str(config), "actions", *args], env=env)


def test_cli_add_list_remove(config: Path) -> None:
    done = invoke(config, "--no-publish", "add", "3", "Two more vans", "--date", ACTION_DAY, env={"USER": "ana"})
    assert done.exit_code == 0, done.output
    assert done.output == "action 1: theme 1 'Late delivery' (theme 3 was merged into it), 2026-03-02: Two more vans\n"
    listed = invoke(config, "list")
    assert listed.output == "   1  2026-03-02  theme 1 Late delivery\n      Two more vans\n"
    as_json = json.loads(invoke(config, "list", "--json").output)
    assert as_json == [{"id": 1, "theme_id": 1, "recorded_theme_id": 1, "theme_label": "Late delivery",
                        "theme_status": "active", "text": "Two more vans", "date": "2026-03-02",
                        "created_at": as_json[0]["created_at"], "created_by": "ana"}]
    removed = invoke(config, "--no-publish", "remove", "1")
    assert removed.output == "removed action 1 (2026-03-02: Two more vans)\n"
    assert invoke(config, "list").output == 'no actions yet (`feedback actions add THEME_ID "what we changed"`)\n'
    assert json.loads(invoke(config, "list", "--json").output) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "99", "x"), "Error: no theme 99 (`feedback themes list` shows them)\n"),
        (("add", "1", "x", "--date", "2999-01-01"), "Error: the date 2999-01-01 is in the future"),
        (("add", "1", "x", "--date", "tomorrow"), "Error: the date must be a day written YYYY-MM-DD"),
        (("add", "1", " "), "Error: say what was done: the action's text is empty\n"),
        (("add", "one", "x"), "Error: Invalid value for 'THEME_ID': 'one' is not a valid integer."),
        (("remove", "5"), "Error: no action 5 (`feedback actions list` shows them)\n"),
        (("contacts", "5", "--out", "c.csv"), "Error: no action 5 (`feedback actions list` shows them)\n"),
        (("contacts", "1"), "Error: Missing option '--out'."),
    ],
)
def test_cli_refuses_bad_input_with_one_line(config: Path, args: tuple[str, ...], message: str) -> None:
    done = invoke(config, "--no-publish", *args)
    assert done.exit_code != 0
    assert message in done.output
    assert "Traceback" not in done.output and done.output.strip().splitlines()[-1].startswith("Error: ")


def test_cli_contacts_writes_the_csv_and_logs_who_asked(config: Path, tmp_path: Path) -> None:
    from feedback.warehouse import open_warehouse

    assert invoke(config, "--no-publish", "add", "1", "Two more vans", "--date", ACTION_DAY).exit_code == 0
    out = tmp_path / "contacts.csv"
    done = invoke(config, "contacts", "1", "--out", str(out), env={"USER": "ben"})
    assert done.exit_code == 0, done.output
    assert done.output == f"wrote 3 contacts for action 1 to {out} (logged as export 1)\n"
    emails = [r["email"] for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())]
    assert emails == ["dave@mail.example", "carol@mail.example", "ann@example.com"]
    db = open_warehouse(tmp_path / "warehouse.db")
    assert [(r["asked_by"], r["rows"], r["action_id"]) for r in db.query("select * from action_contact_exports")] == [
        ("ben", 3, 1)]


def test_cli_add_republishes_the_archive(config: Path, tmp_path: Path) -> None:
    done = invoke(config, "add", "1", "Two more vans", "--date", ACTION_DAY)
    assert done.exit_code == 0, done.output
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    row = next(archive.query("select * from actions"))
    assert (row["theme_id"], row["share_words"]) == (
        1, "fell from 20 % to 5 % of comments \u2014 unlikely to be chance (p = 0.004)")
    assert invoke(config, "remove", "1").exit_code == 0
    assert sqlite_utils.Database(tmp_path / "archive.db").table("actions").count == 0


def test_every_actions_command_has_help() -> None:
    from feedback.cli.actions import actions

    assert actions.help
    for name, command in actions.commands.items():
        assert command.help, name
