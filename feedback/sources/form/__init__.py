"""The form channel: submissions of the public feedback intake, read from its spool."""

from feedback.sources.form.reader import read_form

__all__ = ["read_form"]
