"""Scale-out: the night's heavy per-item work over batches on a Dask cluster (see :mod:`.batches`).

The flow (:mod:`flows.scale`) plans batches of ids here, submits them as Prefect tasks to the
configured task runner, and writes what comes back: the warehouse keeps one writer. Workers read
their batch's inputs from a read-only snapshot of the warehouse file (:mod:`.worker`).
"""
