"""The survey channel: each non-empty free-text answer in an export becomes one item.

Files are read whole and committed one at a time, each in one transaction into which its
rows stream as they are read (:attr:`~feedback.warehouse.Batch.rows`). A file's watermark is its
content hash, size and row count: an unchanged file costs one hash, and a file
that only grew (its old bytes are a prefix of the new ones) is read from the
first new row.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from hashlib import sha256
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from feedback.config import SurveySource
from feedback.dates import DateReader
from feedback.errors import BadInput
from feedback.identity import customer_key
from feedback.items import Quarantined, content_hash
from feedback.ratings import AnswerReader, Scale
from feedback.sources import files
from feedback.sources.context import SourceContext
from feedback.sources.tabular import Column, Row, Table, read_table
from feedback.warehouse import Batch, RawDocument
from feedback.warehouse.batches import ItemRow

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
}
NON_ANSWERS = {"n/a", "na", "none", "nothing", "no comment", "no comments", "nil", "-", "--", ".", "no", "nope"}
# Case folding never makes a text shorter, so a longer text is no non-answer (no casefold needed).
_LONGEST_NON_ANSWER = max(map(len, NON_ANSWERS))
_MEANINGFUL = re.compile(r"\w", re.UNICODE)


def file_format(path: Path, configured: str) -> str:
    if configured != "auto":
        return configured
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(f"cannot tell the export format from the extension {path.suffix!r}; set 'format'")
    return fmt


# --- values ----------------------------------------------------------------------------------


def is_answer(text: str) -> bool:
    return bool(_MEANINGFUL.search(text)) and text.strip().casefold() not in NON_ANSWERS


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- mapping a table to items ------------------------------------------------------------------


def row_content(cells: list[Any]) -> str:
    return "\x1f".join([c.strip() if isinstance(c, str) else _as_text(c) for c in cells])


def row_key(content: str, occurrence: int) -> str:
    """The identity of a row that has no response id: its content (see :func:`row_content`),
    hashed, and from the second identical row in a file on, which occurrence it is (``#2``...).

    So 95 people who all answered "Python" are 95 comments, and a re-exported file (the same
    rows, perhaps more after them, perhaps in another order) yields the same keys again. The
    first occurrence keeps the bare hash, the key such rows always had.
    """
    digest = sha256(content.encode()).hexdigest()[:16]  # content_hash(content)[:16], without its type check
    return f"row:{digest}" if occurrence == 1 else f"row:{digest}#{occurrence}"


class Mapping:
    """A source's column mapping resolved against one export's header."""

    def __init__(self, table: Table, source: SurveySource) -> None:
        cols = source.columns
        self.id = table.find(cols.id) if cols.id else None
        self.received_at = table.find(cols.received_at) if cols.received_at else None
        self.customer = table.find(cols.customer) if cols.customer else None
        self.rating = table.find(cols.rating.column) if cols.rating else None
        self.title = table.find(cols.title) if cols.title else None
        self.texts: list[tuple[str, Column]] = [(ref, table.find(ref)) for ref in cols.text]


class RowMapper:
    """Turns one export's rows into items.

    A hot path (100k+ rows a file): the mapping is resolved to cell indexes once, values that
    repeat across rows (customer identifiers, rating answers) are worked out once per distinct
    text, and a row's work is one method with no helper calls but the ones that hash or read.
    """

    def __init__(self, source: SurveySource, mapping: Mapping, context: SourceContext, file_label: str, raw_hash: str) -> None:
        self.source = source
        self.mapping = mapping
        self.secret = context.customer_secret
        self.dates = DateReader(source.timezone or context.timezone, source.dayfirst, source.date_format)
        self.file_label = file_label
        self.raw_hash = raw_hash
        self.texts = [(ref, col.index, col.question) for ref, col in mapping.texts]
        # What a comment's local id and id are made of besides its response: stable_id(name, local_id)
        # hashes f"{name}\x1f{local_id}", and local_id is f"{response}|{ref}".
        self.id_head = f"{source.name}\x1f"
        self.answer_refs = {ref: f"|{ref}" for ref, _index, _question in self.texts}
        # Notes on rows whose comments are kept (a rating not read), in row order; the caller
        # takes them (see Export).
        self.notes: list[Quarantined] = []
        # Cell indexes of the mapped columns, -1 for one not mapped.
        self.id_at = mapping.id.index if mapping.id else -1
        self.received_at = mapping.received_at.index if mapping.received_at else -1
        self.customer_at = mapping.customer.index if mapping.customer else -1
        self.title_at = mapping.title.index if mapping.title else -1
        spec = source.columns.rating
        self.rating_reader = (
            AnswerReader(Scale.named(spec.scale, spec.min, spec.max), spec.labels)
            if spec is not None and mapping.rating is not None else None
        )
        self.rating_at = mapping.rating.index if mapping.rating and self.rating_reader else -1
        self.rating_scale = spec.scale if spec else None
        self.extra_head = f'{{"file": {encode_basestring(file_label)}, "row": '
        self.customers: dict[str, str | None] = {}
        self.occurrences: dict[str, int] = {}  # row content -> rows with that content so far
        # rating cell text -> (rating, rating_raw, why it was not read)
        self.ratings: dict[str, tuple[float | None, str | None, str | None]] = {}

    @staticmethod
    def _rating(value: Any, reader: AnswerReader) -> tuple[float | None, str | None, str | None]:
        rating_raw = _as_text(value) or None
        try:
            return reader(value), rating_raw, None
        except BadInput as exc:
            return None, rating_raw, exc.reason

    def occurrence(self, row: Row) -> tuple[str, int] | None:
        """For a row without a response id: its content and which occurrence of that content in
        the file it is; None for a row with one.

        Called once for every row of a file in order, the rows already read in an earlier run
        included, so that the occurrence numbers are the ones that run gave.
        """
        cells = row.cells
        if self.id_at >= 0 and _as_text(cells[self.id_at]):
            return None
        try:
            content = "\x1f".join(map(str.strip, cells))  # all text, as a CSV's cells are
        except TypeError:
            content = row_content(cells)
        seen = self.occurrences[content] = self.occurrences.get(content, 0) + 1
        return content, seen

    def __call__(self, row: Row) -> list[ItemRow]:
        """The items of one row, as the warehouse stores them; notes on it (a rating that could
        not be read: the comments are kept without it) go to :attr:`notes`."""
        cells = row.cells
        counted = self.occurrence(row)  # first: every row counts towards the occurrences, answered or not
        answers = []
        for ref, index, question in self.texts:
            value = cells[index]
            text = value.strip() if type(value) is str else _as_text(value)
            # is_answer(text), inline: text is stripped already
            if text and (len(text) > _LONGEST_NON_ANSWER or text.casefold() not in NON_ANSWERS) and _MEANINGFUL.search(text):
                answers.append((ref, question, text))
        if not answers:
            return []
        response = row_key(*counted) if counted is not None else _as_text(cells[self.id_at])
        where = f"{self.file_label}:row {row.number} (line {row.line})" if row.line else f"{self.file_label}:row {row.number}"
        received = None
        if self.received_at >= 0:
            try:
                received = self.dates(cells[self.received_at])
            except BadInput as exc:
                column = self.mapping.received_at.question if self.mapping.received_at else "?"
                raise BadInput(f"{exc.reason} in column {column!r}", location=where, snippet=row.raw) from None
        rating = rating_raw = None
        if self.rating_at >= 0:
            raw_value = cells[self.rating_at]
            read = self.ratings.get(raw_value) if type(raw_value) is str else None
            if read is None:
                read = self._rating(raw_value, self.rating_reader)  # type: ignore[arg-type]  # set with rating_at
                if type(raw_value) is str:
                    self.ratings[raw_value] = read
            rating, rating_raw, problem = read
            if problem is not None:
                self.notes.append(Quarantined(self.source.name, where, f"{problem}; comment kept without a rating", row.raw, self.raw_hash))
        customer = None
        if self.customer_at >= 0:
            value = cells[self.customer_at]
            identifier = value.strip() if type(value) is str else _as_text(value)
            customer = self.customers.get(identifier, "")
            if customer == "":
                customer = self.customers[identifier] = customer_key(identifier, self.secret)
        title = None
        if self.title_at >= 0:
            value = cells[self.title_at]
            title = (value.strip() if type(value) is str else _as_text(value)) or None
        # extra = {"file": ..., "row": ..., "response_id": ...} as json.dumps(extra, ensure_ascii=False) writes it
        extra = f'{self.extra_head}{row.number}, "response_id": {encode_basestring(response)}}}'
        name, scale, raw_hash, id_head, refs = self.source.name, self.rating_scale, self.raw_hash, self.id_head, self.answer_refs
        rows: list[ItemRow] = []
        for ref, question, text in answers:
            local_id = response + refs[ref]
            rows.append((
                sha256((id_head + local_id).encode()).hexdigest()[:20],  # stable_id(name, local_id), inline
                name, "survey", local_id, raw_hash, where, received, customer,
                rating, rating_raw, scale, title, question, text, None, extra,
            ))
        return rows


class Export:
    """One export being read: its rows as items (iterate once), what it set aside, how many rows it has.

    Opening it reads the header and resolves the mapping, so a file that cannot be used at all
    (unreadable, a mapped column missing) raises :class:`BadInput` before any row is read.
    """

    def __init__(
        self, source: SurveySource, context: SourceContext, path: Path, content: bytes, skip_rows: int = 0,
        digest: str | None = None,
    ) -> None:
        self.source = source
        self.label = files.label(path, context)
        self.digest = digest or content_hash(content)  # the caller's, when it has hashed the content
        table = read_table(
            content, file_format(path, source.format), encoding=source.encoding, header_rows=source.header_rows,
            delimiter=source.delimiter, sheet=source.sheet, records_path=source.records_path,
        )
        self.table = table
        self.mapper = RowMapper(source, Mapping(table, source), context, self.label, self.digest)
        self.skip_rows = skip_rows
        self.quarantined: list[Quarantined] = []
        self.rows = 0  # data rows read so far
        self.items = 0

    def __iter__(self) -> Iterator[ItemRow]:
        mapper, bad, name, digest, skip = self.mapper, self.quarantined, self.source.name, self.digest, self.skip_rows
        rows = 0
        for row in self.table.rows:
            rows += 1
            if rows <= skip:
                if isinstance(row, Row):
                    mapper.occurrence(row)
                continue
            if isinstance(row, BadInput):
                bad.append(Quarantined(name, f"{self.label}:{row.location}", row.reason, row.snippet, digest))
                continue
            try:
                found = mapper(row)
            except BadInput as exc:
                bad.append(Quarantined(name, exc.location, exc.reason, exc.snippet, digest))
                continue
            if mapper.notes:
                bad.extend(mapper.notes)
                mapper.notes.clear()
            if found:
                self.items += len(found)
                yield from found
        self.rows = rows

    @property
    def complete_rows(self) -> int:
        """Data rows read, less a record the file ends inside (read again once the file is complete)."""
        return self.rows - 1 if self.table.cut_short else self.rows


def _stream(batch: Batch, export: Export, content: bytes) -> Iterator[ItemRow]:
    """The export's items; once they are all read, the batch's watermark."""
    yield from export
    rows = export.complete_rows
    log.info("source %s: %s: %d comments from %d rows (%d skipped as known), %d quarantined",
             export.source.name, export.label, export.items, rows, export.skip_rows, len(export.quarantined))
    # A last line without its newline may be cut short: leave it to be read again.
    known_rows = rows if content.endswith((b"\n", b"\r")) else max(rows - 1, 0)
    batch.watermark = (export.label, {"hash": export.digest, "size": len(content), "rows": known_rows})


def read_surveys(source: SurveySource, context: SourceContext) -> Iterator[Batch]:
    """One batch per export that is new or changed since the last run; its items stream into the
    warehouse as the file is read (:attr:`Batch.rows`)."""
    paths, unmatched = files.matching(source.paths, context)
    for pattern in unmatched:
        log.warning("source %s: no file matches %s", source.name, pattern)
    for path in paths:
        label = files.label(path, context)
        content = files.read_bytes(path, label)
        if content is None:
            continue
        digest = content_hash(content)
        mark = context.watermarks.get(label)
        if mark and mark.get("hash") == digest:
            continue
        skip = 0
        if mark and len(content) > mark.get("size", 0) and mark.get("rows"):
            prefix = sha256(content[: mark["size"]]).hexdigest()
            if prefix == mark["hash"]:
                skip = int(mark["rows"])
        raw = RawDocument(digest, source.name, label, content, MEDIA_TYPES.get(FORMATS.get(path.suffix.lower(), ""), "application/octet-stream"))
        batch = Batch(source=source.name, items=[], quarantined=[], raw=raw)
        try:
            export = Export(source, context, path, content, skip, digest)
        except BadInput as exc:
            log.info("source %s: %s: unreadable, quarantined whole: %s", source.name, label, exc.reason)
            batch.quarantined.append(Quarantined(source.name, label, exc.reason, exc.snippet or "", digest))
            batch.watermark = (label, {"hash": digest, "size": len(content), "rows": 0})
        else:
            batch.quarantined = export.quarantined
            batch.rows = _stream(batch, export, content)
        yield batch
