"""Reading survey exports into a header and rows: CSV, XLSX, JSON and JSONL.

Survey tools write exports in their own shapes: Google Forms puts the question
text in one header row; SurveyMonkey uses two (question, then answer option);
Qualtrics three (column id, question text, an ``{"ImportId": ...}`` row). This
module turns bytes into a :class:`Table` whose columns carry all their header
labels, so a configuration can name a column by any of them.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from feedback.errors import BadInput
from feedback.sources.decoding import decode

_SPACES = re.compile(r"\s+")
_SUBLABELS = {"response", "open-ended response", "other (please specify)"}


def normalise_label(value: str) -> str:
    return _SPACES.sub(" ", value).strip().casefold()


@dataclass(frozen=True)
class Column:
    index: int
    labels: tuple[str, ...]  # every non-empty header label of this column, top row first

    @cached_property
    def question(self) -> str:
        """The most descriptive label: the longest one that is not a generic sub-label."""
        useful = [label for label in self.labels if normalise_label(label) not in _SUBLABELS]
        return max(useful or self.labels or ("",), key=len)

    def matches(self, ref: str) -> bool:
        want = normalise_label(ref)
        if any(normalise_label(label) == want for label in self.labels):
            return True
        return len(self.labels) > 1 and normalise_label(" / ".join(self.labels)) == want


class Row(NamedTuple):
    """One data row. A named tuple, not a dataclass: 100k+ are made per export, and a frozen
    dataclass sets each field through ``object.__setattr__`` and carries a ``__dict__``."""

    number: int  # 1-based data row number
    line: int  # where it starts in the file (CSV line, sheet row, JSONL line), 0 if unknown
    cells: list[Any]
    text: str | None = None  # the record as the file wrote it, when that is not just its cells

    @property
    def raw(self) -> str:
        """A short text form for quarantine snippets (made only when needed)."""
        return self.text if self.text is not None else _snippet(self.cells)


# Row(number, line, cells, text) without the named tuple's __new__, a Python function: for readers' hot loops.
new_row = tuple.__new__


@dataclass
class Table:
    columns: list[Column]
    rows: Iterator[Row | BadInput]
    encoding: str | None = None
    cut_short: bool = False  # set once the rows are read: the file ends inside its last record

    def find(self, ref: str) -> Column:
        found = [column for column in self.columns if column.matches(ref)]
        if len(found) == 1:
            return found[0]
        if not found:
            known = "; ".join(c.question or f"#{c.index + 1}" for c in self.columns[:40])
            raise BadInput(f"column {ref!r} is not in this export (its columns: {known})")
        options = "; ".join(" / ".join(c.labels) for c in found)
        raise BadInput(f"column {ref!r} is ambiguous, it matches {len(found)} columns: {options}")


# --- header handling -------------------------------------------------------------------------


def _import_id(cell: str) -> str:
    """Qualtrics' third header row holds JSON such as {"ImportId":"QID1_TEXT"}."""
    try:
        value = json.loads(cell)
    except ValueError:
        return cell
    if isinstance(value, dict) and "ImportId" in value:
        return str(value["ImportId"])
    return cell


# Short column codes as Kaggle, Qualtrics' legacy and SPSS-style exports write them in their first
# row: Q1, Q2_Part_1, Q7_OTHER_TEXT, V10, Time from Start to Finish aside.
_CODE = re.compile(r"^[A-Za-z]{1,4}\d+(?:[_.-][A-Za-z0-9]+)*$")
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?%?$")


def _question_like(cell: str) -> bool:
    """A question's text rather than an answer: it asks (a '?'), or names its part ('... - Selected
    Choice'), or is a sentence of five or more words."""
    return "?" in cell or " - " in cell or len(cell.split()) >= 5


def question_text_row(first: list[str], second: list[str]) -> bool:
    """Whether the second row holds the question texts of a first row of short codes (a Kaggle-style
    export): at least half of the first row's labels are codes, and the second row's cells under
    them are all distinct, none is a number, and at least half read as questions."""
    pairs = [(a.strip(), b.strip()) for a, b in zip(first, second, strict=False) if a.strip()]
    if len(pairs) < 2 or sum(bool(_CODE.match(a)) for a, _ in pairs) < len(pairs) / 2:
        return False
    texts = [b for _, b in pairs if b]
    if len(texts) < len(pairs) / 2 or len(set(texts)) != len(texts) or any(_NUMBER.match(t) for t in texts):
        return False
    return sum(_question_like(t) for t in texts) >= len(texts) / 2


def detect_header_rows(first_rows: list[list[str]]) -> int:
    """How many header rows an export has, from its first rows.

    Three when the third row holds Qualtrics' ``{"ImportId": ...}`` cells; two when the second
    row holds SurveyMonkey's answer-option labels ("Response", "Open-Ended Response") or the
    question texts under a first row of short codes (:func:`question_text_row`); else one.
    """
    if len(first_rows) >= 3:
        third = [c for c in first_rows[2] if c.strip()]
        if third and sum(c.lstrip().startswith('{"ImportId"') for c in third) >= len(third) / 2:
            return 3
    if len(first_rows) >= 2:
        second = [normalise_label(c) for c in first_rows[1]]
        if any(c in _SUBLABELS for c in second) and not any(
            c and c not in _SUBLABELS for c in second[:1]
        ):
            return 2
        if question_text_row(first_rows[0], first_rows[1]):
            return 2
    return 1


def build_columns(header_rows: list[list[str]], width: int) -> list[Column]:
    rows = [list(r) + [""] * (width - len(r)) for r in header_rows]
    if len(rows) == 2:
        # SurveyMonkey leaves the question cell empty over its answer options: carry it right.
        top = rows[0]
        for i in range(1, width):
            if not top[i].strip() and rows[1][i].strip():
                top[i] = top[i - 1]
    columns = []
    for index in range(width):
        labels: list[str] = []
        for row in rows:
            cell = row[index].strip() if isinstance(row[index], str) else str(row[index] or "")
            cell = _import_id(cell) if cell.startswith("{") else cell
            if cell and cell not in labels:
                labels.append(cell)
        columns.append(Column(index, tuple(labels)))
    return columns


def _snippet(cells: list[Any]) -> str:
    return ",".join("" if c is None else str(c) for c in cells)[:300]


# --- CSV ---------------------------------------------------------------------------------------


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        # The sniffer gives up on answers spanning lines; the header line rarely does.
        header = sample.split("\n", 1)[0]
        counts = {d: header.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


@dataclass(frozen=True)
class _Unreadable:
    """A CSV record the reader could not parse; ``last`` when the file ends inside it."""

    reason: str
    snippet: str
    last: bool


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | _Unreadable]]:
    """(first line, cells) of every non-blank record, or (first line, why it cannot be read).

    A record the reader gives up on (a cell over the field limit, text after a closing quote)
    is stepped over whole: ``csv.reader`` starts afresh on the next line after an error, which
    is right unless the bad record has a quoted cell still open; then its remaining lines, up to
    the one that closes the quote, are read past here. A quote never closed means the file ends
    inside the record (cut short).
    """
    source = io.StringIO(text, newline="")
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    quote = reader.dialect.quotechar or '"'
    stepped = 0  # lines read past by hand, which reader.line_num does not count
    lines: list[str] | None = None  # the file's lines, split only once a record is unreadable
    end = 0  # the last line of the previous record
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num + stepped
            lines = lines if lines is not None else list(io.StringIO(text, newline=""))
            record = lines[start - 1 : end]
            quotes = sum(line.count(quote) for line in record)
            while quotes % 2:
                line = source.readline()
                if not line:
                    reason = f"unreadable CSV from line {start}: {exc} (file truncated?)"
                    yield start, _Unreadable(reason, "".join(record)[:300], last=True)
                    return
                stepped += 1
                end += 1
                record.append(line)
                quotes += line.count(quote)
            reason = f"unreadable CSV record from line {start}: {exc}; the row is set aside and the rest of the file read"
            yield start, _Unreadable(reason, "".join(record)[:300], last=False)
            continue
        end = reader.line_num + stepped
        if "".join(cells).strip():  # some cell is not blank (one C call, not a generator per record)
            yield start, cells


def read_csv(text: str, header_rows: int | str, delimiter: str | None) -> Table:
    delim = delimiter or _sniff_delimiter(text[:16384])
    records = _csv_records(text, delim)
    head: list[tuple[int, list[str] | _Unreadable]] = []
    for line, record in records:
        if isinstance(record, _Unreadable) and not head:
            raise BadInput(f"cannot read the CSV header: {record.reason}", snippet=record.snippet)
        head.append((line, record))
        if len(head) == 3:
            break
    if not head:
        raise BadInput("the file is empty: no header row")
    readable: list[list[str]] = []
    for _line, record in head:
        if isinstance(record, _Unreadable):
            break
        readable.append(record)
    count = detect_header_rows(readable) if header_rows == "auto" else int(header_rows)
    count = min(count, len(readable))
    width = len(readable[0])
    columns = build_columns(readable[:count], width)

    def rows() -> Iterator[Row | BadInput]:
        for number, (line, record) in enumerate(itertools.chain(head[count:], records), start=1):
            if type(record) is list and len(record) == width:
                yield new_row(Row, (number, line, record, None))  # the usual record: no Python-level call
            elif isinstance(record, _Unreadable):
                table.cut_short = record.last
                yield BadInput(record.reason, location=f"row {number} (line {line})", snippet=record.snippet)
            else:
                yield _csv_row(number, line, record, width)

    table = Table(columns, rows())
    return table


def _csv_row(number: int, line: int, cells: list[str], width: int) -> Row | BadInput:
    if len(cells) != width:
        kind = "truncated?" if len(cells) < width else "stray delimiter or unquoted text?"
        return BadInput(
            f"row has {len(cells)} fields but the header has {width} ({kind})",
            location=f"row {number} (line {line})",
            snippet=_snippet(cells),
        )
    return Row(number, line, cells)


# --- XLSX --------------------------------------------------------------------------------------


def read_xlsx(content: bytes, header_rows: int | str, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadInput(f"not a readable XLSX workbook: {exc}") from None
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
    except KeyError:
        raise BadInput(f"the workbook has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})") from None
    values = ws.iter_rows(values_only=True)
    head: list[list[Any]] = []
    for row in values:
        if not any(v not in (None, "") for v in row):
            continue
        head.append(["" if v is None else v for v in row])
        if len(head) == 3:
            break
    if not head:
        raise BadInput("the sheet is empty: no header row")
    as_text = [[v if isinstance(v, str) else str(v) for v in r] for r in head]
    count = detect_header_rows(as_text) if header_rows == "auto" else int(header_rows)
    width = max(len(r) for r in head[:count])
    columns = build_columns(as_text[:count], width)
    pending = head[count:]

    def rows() -> Iterator[Row | BadInput]:
        number = 0
        for cells in [*pending, *values]:
            cells = ["" if v is None else v for v in cells]
            if not any(v != "" for v in cells):
                continue
            number += 1
            padded = list(cells[:width]) + [""] * (width - len(cells))
            yield Row(number, number + count, padded)
        book.close()

    return Table(columns, rows())


# --- JSON / JSONL ------------------------------------------------------------------------------


def flatten(record: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted keys; lists of scalars become '; '-joined text."""
    out: dict[str, Any] = {}
    if isinstance(record, dict):
        for key, value in record.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(flatten(value, name))
            elif isinstance(value, list):
                if all(not isinstance(v, dict | list) for v in value):
                    out[name] = "; ".join("" if v is None else str(v) for v in value)
                else:
                    for i, v in enumerate(value):
                        out.update(flatten(v, f"{name}.{i}"))
            else:
                out[name] = value
    else:
        out[prefix or "value"] = record
    return out


def _records_at(document: Any, path: str | None) -> list[Any]:
    node = document
    if path:
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise BadInput(f"the JSON has no {path!r} (stopped at {part!r})")
    elif isinstance(node, dict):
        lists = [v for v in node.values() if isinstance(v, list)]
        if len(lists) == 1:
            node = lists[0]
    if not isinstance(node, list):
        raise BadInput("expected a list of responses in the JSON (set records_path)")
    return node


def _table_from_records(records: list[tuple[int, Any]]) -> Table:
    flat: list[tuple[int, dict[str, Any] | BadInput]] = []
    keys: dict[str, None] = {}
    for line, record in records:
        if isinstance(record, BadInput):
            flat.append((line, record))
            continue
        if not isinstance(record, dict):
            flat.append((line, BadInput(f"expected an object, found {type(record).__name__}", snippet=str(record)[:200])))
            continue
        row = flatten(record)
        flat.append((line, row))
        keys.update(dict.fromkeys(row))
    names = list(keys)
    columns = [Column(i, (name,)) for i, name in enumerate(names)]

    def rows() -> Iterator[Row | BadInput]:
        for number, (line, row) in enumerate(flat, start=1):
            if isinstance(row, BadInput):
                row.location = row.location or f"record {number}" + (f" (line {line})" if line else "")
                yield row
                continue
            cells = [row.get(name, "") for name in names]
            cells = ["" if v is None else v for v in cells]
            yield Row(number, line, cells, json.dumps(row, ensure_ascii=False, default=str)[:300])

    return Table(columns, rows())


def read_json(text: str, records_path: str | None) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON: {exc}", snippet=text[max(0, exc.pos - 60) : exc.pos + 60]) from None
    return _table_from_records([(0, r) for r in _records_at(document, records_path)])


def read_jsonl(text: str) -> Table:
    records: list[tuple[int, Any]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((line_no, json.loads(line)))
        except json.JSONDecodeError as exc:
            records.append((line_no, BadInput(f"not valid JSON: {exc.msg}", snippet=line[:200])))
    return _table_from_records(records)


def read_table(
    content: bytes,
    fmt: str,
    *,
    encoding: str = "auto",
    header_rows: int | str = "auto",
    delimiter: str | None = None,
    sheet: str | None = None,
    records_path: str | None = None,
) -> Table:
    """Parse an export of a given format (csv, xlsx, json, jsonl) into a Table."""
    if fmt == "xlsx":
        if not content.startswith(b"PK"):
            raise BadInput("not an XLSX workbook (an .xlsx file is a zip archive)", snippet=repr(content[:60]))
        return read_xlsx(content, header_rows, sheet)
    text, used = decode(content, encoding)
    if fmt == "csv":
        table = read_csv(text, header_rows, delimiter)
    elif fmt == "json":
        table = read_json(text, records_path)
    elif fmt == "jsonl":
        table = read_jsonl(text)
    else:
        raise BadInput(f"unknown export format {fmt!r}")
    table.encoding = used
    return table
