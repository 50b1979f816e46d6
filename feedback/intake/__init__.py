"""The public feedback intake (``feedback intake``): a form for customers and a signed JSON
endpoint for other tools, writing to a spool that the nightly run reads as the ``form`` channel.

- :mod:`feedback.intake.settings`: the ``channel: form`` source's settings (imported by the config)
- :mod:`feedback.intake.spool`: the SQLite (WAL) spool, appended by the app, read by the reader
- :mod:`feedback.intake.fields`: what a submission may contain
- :mod:`feedback.intake.guards`: size, type, UTF-8, rate limit, CSRF and signature checks
- :mod:`feedback.intake.app`: the Starlette app

This package stays light to import (the configuration imports its settings): the app's modules
are imported by ``feedback intake`` only.
"""
