"""How an archive table is brought up to date: the rows to put in, and which rows they replace.

A full publish inserts every table an extension returns. An incremental publish asks each
:class:`IncrementalExtension` for a :class:`TableUpdate` per table it owns:

- ``TableUpdate.keep()``: nothing this table shows changed;
- ``TableUpdate.replace(rows)``: the table is rebuilt from ``rows`` (cheap tables, and
  statistics that need everything);
- ``TableUpdate.keyed({column: keys}, rows)``: the rows whose ``column`` value is in
  ``keys`` (any of the columns given) are deleted and ``rows`` (exactly the current rows
  for those keys) inserted: a bounded update;
- ``TableUpdate.by_keys(columns, keys, rows)``: the same for a key of several columns (the
  rows whose ``columns`` values are one of the tuples ``keys``).

``rows`` may be a callable taking the archive being updated: it is called when the update
is applied (after the updates before it), for tables derived from other archive tables.
Tables are created exactly as a full build creates them (:func:`insert_rows`), so the two
ways give the same archive.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from sqlite_utils.utils import suggest_column_types

from feedback.warehouse.sql import chunks, marks

Rows = list[dict[str, Any]]
ArchiveExtension = Callable[[sqlite_utils.Database], dict[str, Rows]]
RowSource = Rows | Callable[[sqlite_utils.Database], Rows]
CONTRACT_TABLES = ("feedback", "themes", "feedback_themes", "runs", "actions", "action_customers")  # fixed schemas


@dataclass
class TableUpdate:
    rows: RowSource = field(default_factory=list)
    where: dict[str, Collection[Any]] | None = None  # None: replace the whole table
    keep_table: bool = False
    composite: tuple[tuple[str, ...], Collection[tuple[Any, ...]]] | None = None  # (columns, key tuples)

    @classmethod
    def keep(cls) -> TableUpdate:
        return cls(keep_table=True)

    @classmethod
    def replace(cls, rows: RowSource) -> TableUpdate:
        return cls(rows=rows)

    @classmethod
    def keyed(cls, where: dict[str, Collection[Any]], rows: RowSource) -> TableUpdate:
        return cls(rows=rows, where=where)

    @classmethod
    def by_keys(cls, columns: tuple[str, ...], keys: Collection[tuple[Any, ...]], rows: RowSource) -> TableUpdate:
        return cls(rows=rows, where={}, composite=(columns, keys))


# (warehouse, archive before any update of this publish, changes) -> {table: update}
DeltaFunction = Callable[[sqlite_utils.Database, sqlite_utils.Database, Any], dict[str, TableUpdate]]


@dataclass
class IncrementalExtension:
    """An archive extension that can also say what changed: ``full`` builds its tables from
    scratch, ``delta`` returns one :class:`TableUpdate` for each of ``tables``. ``built``
    (optional) is told the build id of an archive a full publish wrote with ``full`` (before it
    is swapped in), for an extension that keeps state in the warehouse between publishes.
    ``current`` (optional) answers, for a night with no change logged since the archive was built
    (``changes`` empty), whether the archive still holds exactly this extension's tables, without
    writing anything; when every extension says so, the publish keeps the archive in place as it
    is (:func:`feedback.publish.publish`). Without it such a night is published like any other."""

    full: ArchiveExtension
    delta: DeltaFunction
    tables: tuple[str, ...]
    built: Callable[[sqlite_utils.Database, str], None] | None = None
    current: Callable[[sqlite_utils.Database, sqlite_utils.Database, Any], bool] | None = None

    def __call__(self, warehouse: sqlite_utils.Database) -> dict[str, Rows]:
        return self.full(warehouse)


def column_types(rows: Rows, batch_size: int) -> dict[str, type]:
    """Column types for a new table: as sqlite-utils infers them from the first batch, except a
    column that batch leaves empty takes the type of its first value anywhere (so a table's
    schema does not depend on which rows happened to come first)."""
    if not rows:
        return {}
    types = suggest_column_types(rows[:batch_size])
    empty = [c for c in types if all(r.get(c) is None for r in rows[:batch_size])]
    for column in empty:
        value = next((r[column] for r in rows[batch_size:] if r.get(column) is not None), None)
        if value is not None:
            types[column] = suggest_column_types([{column: value}])[column]
    return types


def insert_rows(archive: sqlite_utils.Database, table: str, rows: Rows, batch_size: int = 10_000) -> None:
    """Insert into ``table``, creating it (pk ``id`` when the rows have one) if it does not exist."""
    target = archive.table(table)
    if target.exists():
        _fix_empty_text_columns(target, rows)
        target.insert_all(rows, batch_size=batch_size, alter=True)
    elif rows:
        target.insert_all(rows, batch_size=batch_size, pk="id" if "id" in rows[0] else None,
                          columns=column_types(rows, batch_size))


def _fix_empty_text_columns(table: Any, rows: Rows) -> None:
    """A column created TEXT because every value was empty then gets its values' own type."""
    if not rows:
        return
    current = table.columns_dict
    wrong = {}
    for column, kind in column_types(rows, len(rows)).items():
        if current.get(column) is str and kind is not str and any(r.get(column) is not None for r in rows):
            wrong[column] = kind
    if wrong:
        table.transform(types=wrong)


def apply_update(archive: sqlite_utils.Database, table: str, update: TableUpdate) -> int:
    """Apply one update; returns the number of rows inserted."""
    if update.keep_table:
        return 0
    rows = update.rows(archive) if callable(update.rows) else update.rows
    target = archive.table(table)
    if update.where is None:
        if table in CONTRACT_TABLES:
            archive.execute(f"delete from [{table}]")
        elif target.exists():
            target.drop()
    elif target.exists():
        for column, keys in update.where.items():
            delete_where(archive, table, column, keys)
        if update.composite is not None:
            delete_keys(archive, table, *update.composite)
    insert_rows(archive, table, rows)
    return len(rows)


def delete_where(archive: sqlite_utils.Database, table: str, column: str, keys: Iterable[Any]) -> None:
    for part in chunks(sorted(set(keys), key=str)):
        archive.execute(f"delete from [{table}] where [{column}] in ({marks(len(part))})", part)


def delete_keys(archive: sqlite_utils.Database, table: str, columns: tuple[str, ...],
                keys: Collection[tuple[Any, ...]]) -> None:
    """Delete the rows whose ``columns`` hold one of ``keys`` (one pass over the table)."""
    if not keys:
        return
    names = ", ".join(f"k{n}" for n in range(len(columns)))
    archive.execute("drop table if exists temp.delete_keys")
    archive.execute(f"create temp table delete_keys ({names})")
    archive.conn.executemany(f"insert into temp.delete_keys values ({marks(len(columns))})", list(keys))
    wanted = ", ".join(f"[{c}]" for c in columns)
    archive.execute(f"delete from [{table}] where ({wanted}) in (select {names} from temp.delete_keys)")
    archive.execute("drop table temp.delete_keys")


def holds(archive: sqlite_utils.Database, table: str, rows: Rows, key: str = "id") -> bool:
    """Does ``table`` of the archive hold exactly ``rows`` (matched by ``key``; an absent table
    holds none)? For small tables recomputed on every publish."""
    if not archive.table(table).exists():
        return not rows
    held = {r[key]: r for r in archive.query(f"select * from [{table}]")}
    return len(held) == len(rows) and all(
        (old := held.get(row[key])) is not None and all(old.get(c) == v for c, v in row.items()) for row in rows)
