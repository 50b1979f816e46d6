"""The process stage: redaction (redact, names), language, sentiment, and the
segments, lemmas and phrases the theme engine reads (segments)."""
