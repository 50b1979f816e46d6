"""The theme engine: segments -> embeddings -> HDBSCAN themes with stable ids, labels and parents.

Integration API (used by flows/nightly.py, flows/recluster.py, publish and the CLI):
``update_themes`` (nightly), ``recluster`` (on demand), ``archive_tables`` (publish),
and the analyst edits ``rename``, ``pin``, ``merge``, ``split``.
"""

from feedback.themes.archive import archive_tables
from feedback.themes.edits import ThemeError, merge, pin, rename, split
from feedback.themes.engine import make_embedder, recluster, update_themes
from feedback.themes.settings import ThemeSettings

__all__ = [
    "ThemeError",
    "ThemeSettings",
    "archive_tables",
    "make_embedder",
    "merge",
    "pin",
    "recluster",
    "rename",
    "split",
    "update_themes",
]
