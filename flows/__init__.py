"""Prefect flows: thin wiring of library functions into tasks."""

from __future__ import annotations

import importlib
from typing import Any

# deployment name -> "module:flow" ; prefect.yaml deploys the same set (a test keeps them in step)
FLOWS = {
    "nightly": "flows.nightly:nightly",
    "recluster": "flows.recluster:recluster",
}


def deployable_flows() -> dict[str, Any]:
    out = {}
    for name, ref in FLOWS.items():
        module, attr = ref.split(":")
        out[name] = getattr(importlib.import_module(module), attr)
    return out
