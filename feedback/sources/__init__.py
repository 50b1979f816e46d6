"""Sources turn what a channel offers into batches of items.

A reader is a function ``read(source_config, context) -> Iterator[Batch]``. Each
batch it yields is one commit point (a file, a mailbox folder, a page): the
pipeline writes it atomically, watermark included, before asking for the next.
A reader raises :class:`~feedback.errors.SourceUnavailable` when the source
cannot be reached (the flow retries), and reports unusable records as
``Quarantined`` entries in its batches instead of raising.
"""

from __future__ import annotations

from feedback.sources.context import Reader, SourceContext

__all__ = ["Reader", "SourceContext", "reader_for"]


def reader_for(channel: str) -> Reader:
    """The reader function of a channel, imported on demand."""
    if channel == "survey":
        from feedback.sources.surveys.reader import read_surveys

        return read_surveys
    if channel == "review":
        from feedback.sources.reviews.crawl import read_reviews

        return read_reviews
    if channel == "email":
        from feedback.sources.email.reader import read_email

        return read_email
    if channel == "form":
        from feedback.sources.form.reader import read_form

        return read_form
    raise ValueError(f"no reader for channel {channel!r}")
