"""Checking on a Ray cluster (extra `ray`: `pip install 'agentguard[ray]'`).

- `RayPool` runs a job on Ray actors, as `OrderedPool` does on local processes (`agentguard
  eval --engine ray`).
- `read_inputs` reads check inputs from JSONL or Parquet files into a Ray Dataset, and
  `check_dataset` checks the inputs of any Ray Dataset.
- `check_files` checks JSONL or Parquet files into a folder of reports that a later run
  resumes; `read_reports` reads it back, in input order.

Every input gets what `agentguard check --json --jsonl` prints for it: the same `where`
(`FILE:LINE`, or `FILE:ROW` for Parquet), the same report, the same error line. Ray is
imported only when one of these is used: `import agentguard` never imports it.
"""

from __future__ import annotations

from agentguard.scale.ray_data import check_dataset, read_inputs
from agentguard.scale.ray_files import CheckFilesResult, check_files, read_reports
from agentguard.scale.ray_pool import RayPool
from agentguard.scale.ray_session import cluster_cpus, import_ray
from agentguard.scale.shards import SHARD_ROWS, Shard, input_files, plan_shards

__all__ = [
    "SHARD_ROWS",
    "CheckFilesResult",
    "RayPool",
    "Shard",
    "check_dataset",
    "check_files",
    "cluster_cpus",
    "import_ray",
    "input_files",
    "plan_shards",
    "read_inputs",
    "read_reports",
]
