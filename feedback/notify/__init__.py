"""Alerts and the morning summary after each nightly run (the ``notify:`` section).

``settings`` (the section's model, imported by :mod:`feedback.config`), ``summary`` (what the
night did and what changed, from the run and the archive), ``render`` (markdown, escaped),
``send`` (Apprise) and ``morning`` (the flow's one call). Nothing is imported here, so reading
the configuration does not load the rest.
"""
