"""The warehouse connection: nested blocks join the open transaction instead of opening savepoints."""

from __future__ import annotations

import pytest
import sqlite_utils

from feedback.warehouse import open_warehouse, write_transaction
from feedback.warehouse.sql import Warehouse


@pytest.fixture()
def traced(tmp_path):
    db = open_warehouse(tmp_path / "w.db")
    db.execute("create table t (id integer primary key, v text)")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    return db, statements


def test_the_warehouse_is_opened_with_the_joining_connection(tmp_path):
    assert isinstance(open_warehouse(tmp_path / "w.db"), Warehouse)


def test_nested_blocks_and_sqlite_utils_writes_open_no_savepoint(traced):
    db, statements = traced
    with write_transaction(db), db.atomic():
        db.table("t").insert_all([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
        db.table("t").upsert_all([{"id": 2, "v": "c"}], pk="id")
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    assert [s for s in statements if s.upper().startswith(("BEGIN", "COMMIT"))] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert [tuple(r) for r in db.execute("select id, v from t order by id")] == [(1, "a"), (2, "c")]


def test_a_plain_sqlite_utils_database_still_nests_savepoints(tmp_path):
    # the control: the trace above would see savepoints if the joining class were not in use
    db = sqlite_utils.Database(tmp_path / "plain.db")
    db.execute("create table t (id integer primary key)")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    with db.atomic():
        db.table("t").insert_all([{"id": 1}])
    assert [s for s in statements if s.upper().startswith("SAVEPOINT")]


def test_an_error_in_a_joined_block_rolls_back_the_whole_transaction(traced):
    db, _ = traced
    with pytest.raises(RuntimeError, match="broken"), db.atomic():
        db.execute("insert into t (id, v) values (1, 'outer')")
        with db.atomic():
            db.execute("insert into t (id, v) values (2, 'inner')")
            raise RuntimeError("broken")
    assert not db.conn.in_transaction
    assert db.execute("select count(*) from t").fetchone()[0] == 0


def test_an_error_caught_by_the_outer_block_cannot_commit_half_of_it(traced):
    db, _ = traced
    commit_refused = pytest.raises(sqlite_utils.db.sqlite3.OperationalError,  # type: ignore[attr-defined]
                                   match="no transaction is active")
    with commit_refused, db.atomic():
        db.execute("insert into t (id, v) values (1, 'before')")
        try:
            with db.atomic():
                db.execute("insert into t (id, v) values (2, 'inner')")
                raise ValueError("bad row")
        except ValueError:
            pass
    assert db.execute("select count(*) from t").fetchone()[0] == 0  # all of it rolled back, not a part


def test_write_transaction_rolls_back_on_error_and_commits_otherwise(traced):
    db, _ = traced
    with pytest.raises(KeyError), write_transaction(db):
        db.execute("insert into t (id, v) values (1, 'x')")
        raise KeyError("x")
    with write_transaction(db):
        db.execute("insert into t (id, v) values (3, 'y')")
    assert [r[0] for r in db.execute("select id from t")] == [3]
