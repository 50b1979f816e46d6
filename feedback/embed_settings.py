"""The ``embed:`` section of the configuration: how the sentence model runs.

``backend: onnx`` (the default for a new warehouse; one with themes keeps its vectors' backend
unless the setting names one, see :func:`feedback.embed.resolved`) runs the model's weights exported to ONNX on onnxruntime (float32:
the vectors of sentence-transformers on torch to ~1e-6, recall@10 1.000, 2.2x their speed on 2
loaded cores: bench/embed_speed.py); ``torch`` runs sentence-transformers on torch, and
``onnx-int8`` the export with its weights dynamically quantised to int8 (faster, vectors close but
not equal). The export is made from the local model folder on first use and kept under ``cache``
(see :mod:`feedback.embed_onnx`); nothing is downloaded. The backend is part of the vectors'
model version, so a warehouse never mixes vectors of two backends: switching re-embeds every
segment and re-fits the themes, as a new model would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[str, ...] = ("torch", "onnx", "onnx-int8")


class EmbedSettings(BaseModel):
    """How the embedding model runs (the model itself is ``themes.model_path``)."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend | None = Field(None, description="torch | onnx | onnx-int8 (onnxruntime on a local export);"
                                    " none: the warehouse's current themes' backend, onnx for a new warehouse")
    cache: Path | None = Field(None, description="folder of the ONNX exports, relative to the configuration's;"
                               " none: the user's cache folder (feedback.embed.default_cache)")
    threads: int | None = Field(
        None, ge=1, le=256, description="onnxruntime threads; none: torch's count on this machine (as the Dask "
        "workers get: a vector's last bits depend on it)")
