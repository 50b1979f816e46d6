"""Secret references: ``env:NAME`` (an environment variable) or ``block:NAME`` (a Prefect Secret
block). The configuration holds only references; they are resolved at the edges (CLI, flows)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from feedback.errors import ConfigError

SECRET_REF = re.compile(r"^(env|block):([A-Za-z_][A-Za-z0-9_-]*)$")


def resolve_secret(reference: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of a secret reference, or None when it is unset.

    ``env:NAME`` reads an environment variable; ``block:NAME`` loads a Prefect
    ``Secret`` block (Prefect is imported only then). Call this at the edges
    (CLI, flows), never from library code.
    """
    match = SECRET_REF.match(reference)
    if not match:
        raise ConfigError(f"not a secret reference: {reference!r} (expected 'env:NAME' or 'block:NAME')")
    kind, name = match.groups()
    if kind == "block":
        from prefect.blocks.system import Secret

        try:
            value = Secret.load(name).get()  # type: ignore[union-attr]
        except ValueError as exc:
            raise ConfigError(f"cannot load the Prefect Secret block {name!r}: {exc}") from None
        return str(value) if value else None
    env = os.environ if environ is None else environ
    return env.get(name) or None
