"""The e-mail channel: IMAP mailboxes, mbox files, maildir trees and folders of .eml files."""

from feedback.sources.email.reader import read_email

__all__ = ["read_email"]
