"""The theme engine: segments -> embeddings -> HDBSCAN themes with stable ids, labels and parents.

Integration API (used by flows/nightly.py, flows/recluster.py, publish and the CLI):
``update_themes`` (nightly), ``run_recluster`` (a recorded on-demand re-cluster: the flow
and ``feedback themes recluster``), ``recluster`` (the re-cluster itself),
``archive_tables`` (publish), and the analyst edits ``rename``, ``pin``, ``merge``, ``split``.

The names are imported on first use: ``feedback.config`` needs only
:mod:`feedback.themes.settings`, and importing this package must not pull the engine's
numerical stack (numpy, scipy, scikit-learn) into every ``feedback --help``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedback.themes.archive import archive_tables
    from feedback.themes.edits import ThemeError, merge, pin, rename, split
    from feedback.themes.engine import make_embedder, recluster, update_themes
    from feedback.themes.run import run_recluster
    from feedback.themes.settings import ThemeSettings

_HOME = {
    "ThemeError": "edits",
    "ThemeSettings": "settings",
    "archive_tables": "archive",
    "make_embedder": "engine",
    "merge": "edits",
    "pin": "edits",
    "recluster": "engine",
    "rename": "edits",
    "run_recluster": "run",
    "split": "edits",
    "update_themes": "engine",
}

__all__ = [
    "ThemeError",
    "ThemeSettings",
    "archive_tables",
    "make_embedder",
    "merge",
    "pin",
    "recluster",
    "rename",
    "run_recluster",
    "split",
    "update_themes",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
