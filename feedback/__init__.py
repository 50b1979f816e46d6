"""Voice-of-the-customer pipeline: ingest feedback, find themes, publish a searchable archive."""

__version__ = "0.1.0"
