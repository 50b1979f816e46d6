"""Run a theme benchmark with the top level of another revision, for before/after in one process.

    with baseline_hierarchy("main"):
        ...  # update_themes() groups the themes with main's feedback/themes/hierarchy.py

The module ``feedback/themes/hierarchy.py`` of ``rev`` (read with ``git show``) is loaded under
another name and its ``parent_groups`` stands in for today's while the block runs; arguments the
old function does not take are not passed to it. Only the top level changes: the fine themes,
labels and everything else are this checkout's.
"""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODULE = "feedback/themes/hierarchy.py"


def load_revision(rev: str) -> Callable[..., Any]:
    """``parent_groups`` of ``rev``'s hierarchy module."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{MODULE}"], check=True,
                            capture_output=True, text=True).stdout
    name = f"_hierarchy_at_{abs(hash(rev))}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, f"{rev}:{MODULE}", "exec"), module.__dict__)  # noqa: S102 - our own file at a revision
    return module.__dict__["parent_groups"]  # type: ignore[no-any-return]


@contextmanager
def baseline_hierarchy(rev: str | None) -> Iterator[None]:
    """Within the block the engine groups themes as ``rev`` did (None: as this checkout does)."""
    if rev is None:
        yield
        return
    from feedback.themes import hierarchy

    old = load_revision(rev)
    accepted = set(inspect.signature(old).parameters)

    def parent_groups(*args: Any, **kwargs: Any) -> Any:
        return old(*args, **{k: v for k, v in kwargs.items() if k in accepted})

    today = hierarchy.parent_groups
    hierarchy.parent_groups = parent_groups  # type: ignore[assignment]
    try:
        yield
    finally:
        hierarchy.parent_groups = today  # type: ignore[assignment]
