"""Domain exceptions, in one place. The CLI and the flows translate them at the edge."""

from __future__ import annotations


class FeedbackError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(FeedbackError):
    """The configuration file is missing, unreadable or invalid."""


class FolderUnavailable(ConfigError):
    """A configured mailbox folder cannot be opened (missing, no permission); the others are read."""


class SourceUnavailable(FeedbackError, OSError):
    """A source could not be reached or read right now; retrying may help."""


class BadInput(FeedbackError):
    """A file or record cannot be parsed; it is quarantined, never retried."""

    def __init__(self, reason: str, *, location: str = "", snippet: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location
        self.snippet = snippet


class WarehouseError(FeedbackError):
    """The warehouse is missing, locked or was written by a newer version."""


class NotifyError(FeedbackError):
    """The morning summary could not be sent (the night's data work is done and recorded)."""
