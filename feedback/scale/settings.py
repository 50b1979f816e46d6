"""The ``scale:`` section of the configuration: where the night's heavy work runs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ScaleSettings(BaseModel):
    """``runner: local`` (the default) is today's single-machine night: the process stage on this
    machine's cores, segmenting and embedding in the flow. ``runner: dask`` submits them as Prefect
    tasks over batches to a Dask cluster: the scheduler at ``address``, or, without one, a local
    cluster of ``workers`` processes that the run starts and stops."""

    model_config = ConfigDict(extra="forbid")

    runner: Literal["local", "dask"] = "local"
    address: str | None = Field(
        None, description="the Dask scheduler, e.g. tcp://10.0.0.5:8786; none: start a local cluster")
    workers: int = Field(2, ge=1, le=256, description="worker processes of the local cluster (no address)")
    connect_timeout: float = Field(30.0, gt=0, description="seconds to wait for the scheduler to answer")
    batch_items: int = Field(2000, ge=1, le=100_000, description="comments per process or segment batch")
    embed_threads: int | None = Field(
        None, ge=1, le=256, description="torch threads a worker embeds with; none: the flow machine's "
        "(a vector's last bits depend on it: the same count on the same CPU type gives the local run's vectors)")
    warehouse: Path | None = Field(
        None, description="the warehouse file as the workers see it (a shared mount elsewhere); "
        "none: the same path as the flow's")

    @model_validator(mode="after")
    def _dask_only(self) -> ScaleSettings:
        if self.runner == "local" and self.address:
            raise ValueError("address is for runner: dask (runner is local)")
        return self
