"""The theme engine: segments -> embeddings -> HDBSCAN themes with stable ids, labels and parents.

Integration API (used by flows/nightly.py, flows/recluster.py, publish and the CLI):
``update_themes`` (nightly), ``recluster`` (on demand), ``archive_tables`` (publish),
and the analyst edits ``rename``, ``pin``, ``merge``, ``split``.
"""

from .archive import archive_tables
from .edits import ThemeError, merge, pin, rename, split
from .engine import make_embedder, recluster, update_themes
from .settings import ThemeSettings

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
