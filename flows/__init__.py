"""Prefect flows: thin wiring of library functions into tasks.

Each flow is registered under the ``feedback.flows`` entry points in ``pyproject.toml`` (the CLI
finds them there) and deployed by ``prefect.yaml``.
"""
