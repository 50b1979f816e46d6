"""Review exports (app-store style CSV / JSON / JSONL) into extracted reviews.

Columns are named in the configuration or guessed from the names the common
exports use (Google Play's "Review Text" / "Star Rating", App Store scrapers'
``review`` / ``rating`` / ``userName``). A row without text is skipped; a row
that cannot be read is quarantined.
"""

from __future__ import annotations

from feedback.config import ReviewExport
from feedback.errors import BadInput
from feedback.sources.reviews.records import ExtractedReview
from feedback.sources.reviews.values import html_to_text, parse_number, text_of
from feedback.sources.tabular import Column, Table, normalise_label, read_table

GUESSES: dict[str, tuple[str, ...]] = {
    "text": ("review text", "review", "content", "body", "text", "comment", "review body"),
    "title": ("review title", "title", "headline", "summary"),
    "rating": ("star rating", "rating", "score", "stars", "review rating"),
    "author": ("author", "author name", "username", "user name", "reviewer", "reviewer name", "user", "nickname"),
    "date": ("review submit date and time", "date", "review date", "submitted", "submitted at", "created", "created at", "at", "updated"),
    "id": ("review id", "reviewid", "id", "review link"),
    "url": ("review link", "url", "link"),
}
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def export_format(name: str, configured: str) -> str:
    if configured != "auto":
        return configured
    for suffix, fmt in FORMATS.items():
        if name.lower().split("?")[0].endswith(suffix):
            return fmt
    raise BadInput(f"cannot tell the export format of {name!r}; set 'format'")


def _column(table: Table, configured: str | None, role: str) -> Column | None:
    if configured:
        return table.find(configured)
    wanted = GUESSES[role]
    for guess in wanted:  # in order of preference
        for column in table.columns:
            if any(normalise_label(label) == guess for label in column.labels):
                return column
    return None


def read_export(
    content: bytes, name: str, spec: ReviewExport
) -> tuple[list[ExtractedReview], list[tuple[str, str, str]]]:
    """(reviews, problems as (location, reason, snippet)) of one export file."""
    table = read_table(content, export_format(name, spec.format), records_path=spec.records_path)
    columns = {role: _column(table, getattr(spec, role), role) for role in GUESSES}
    text_col = columns["text"]
    if text_col is None:
        known = "; ".join(c.question for c in table.columns[:30])
        raise BadInput(f"no review-text column found (set 'text'; the export's columns: {known})")
    reviews: list[ExtractedReview] = []
    problems: list[tuple[str, str, str]] = []

    def cell(row_cells: list[object], role: str) -> str | None:
        column = columns[role]
        return text_of(row_cells[column.index]) if column is not None and column.index < len(row_cells) else None

    for row in table.rows:
        if isinstance(row, BadInput):
            problems.append((f"{name}:{row.location}", row.reason, row.snippet))
            continue
        raw_text = row.cells[text_col.index] if text_col.index < len(row.cells) else None
        body = html_to_text(str(raw_text)) if raw_text not in (None, "") else ""
        if not body:
            continue
        rating_raw = cell(row.cells, "rating")
        reviews.append(
            ExtractedReview(
                body=body,
                syntax="export",
                title=cell(row.cells, "title"),
                rating_value=parse_number(rating_raw),
                rating_raw=rating_raw,
                best=spec.best,
                worst=spec.worst,
                author=cell(row.cells, "author"),
                published=cell(row.cells, "date"),
                review_id=cell(row.cells, "id") or cell(row.cells, "url"),
                position=row.number,
            )
        )
    return reviews, problems
