"""The reference tables a paste's readers consult: the GPU table (``rules/gpus.yaml``: names ->
compute capability or gfx target, drivers -> CUDA) and the ROCm table (``rules/rocm.yaml``: gfx
targets, HSA statuses). One value, loaded once by the run that reads (``dlrec diagnose``, a
report's import) and passed down; no module keeps it (STYLE: no hidden state)."""

from __future__ import annotations

from dataclasses import dataclass

from recommender.facts.reports.gpus import GpuTable, load_gpu_table
from recommender.facts.rocm_table import RocmTable, load_rocm_table


@dataclass(frozen=True, slots=True, kw_only=True)
class HardwareTables:
    """The bundled GPU and ROCm tables, read and checked."""

    gpus: GpuTable
    rocm: RocmTable


def load_hardware_tables() -> HardwareTables:
    """Read and check both bundled tables (each call reads the files)."""
    return HardwareTables(gpus=load_gpu_table(), rocm=load_rocm_table())


__all__ = ["HardwareTables", "load_hardware_tables"]
