"""Run every probe under its own time budget, concurrently, and assemble the facts document.

Each probe runs in a daemon thread. A probe that raises becomes ``unknown`` with the error as
the reason; one that overruns its budget becomes ``unknown`` ("timed out after N s") and is
abandoned: the process groups its commands started are killed at once
(:func:`probes.process.kill_live`), and a daemon thread never keeps dlrec from exiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from recommender.core.frozen import frozen
from recommender.probes.base import Host, Probe, ProbeResult, Status
from recommender.probes.process import kill_live

_LIST_SECTIONS = ("accelerators",)


@frozen
class ProbeRun:
    name: str
    section: str
    result: ProbeResult
    seconds: float


def _run_one(p: Probe, host: Host, slot: dict) -> None:
    start = time.monotonic()
    try:
        result = p.collect(host)
    except Exception as exc:  # noqa: BLE001 - a broken probe is reported, never fatal
        result = ProbeResult.unknown(f"probe failed: {type(exc).__name__}: {exc}")
    slot["result"] = result
    slot["seconds"] = time.monotonic() - start


def run_probes(
    probes: Iterable[Probe],
    host: Host,
    *,
    scale: float = 1.0,
    on_done: Callable[[ProbeRun], None] | None = None,
) -> tuple[ProbeRun, ...]:
    """Run ``probes`` concurrently; each gets ``budget_s * scale`` seconds."""
    started = []
    for p in probes:
        slot: dict = {}
        thread = threading.Thread(
            target=_run_one, args=(p, host, slot), name=f"probe-{p.name}", daemon=True
        )
        thread.start()
        started.append((p, thread, slot, time.monotonic() + p.budget_s * scale))
    runs = []
    for p, thread, slot, deadline in started:
        thread.join(max(0.0, deadline - time.monotonic()))
        if "result" in slot:
            run = ProbeRun(
                name=p.name, section=p.section, result=slot["result"], seconds=slot["seconds"]
            )
        else:
            kill_live(thread)  # the abandoned probe's commands must not outlive it
            budget = p.budget_s * scale
            run = ProbeRun(
                name=p.name,
                section=p.section,
                seconds=budget,
                result=ProbeResult.unknown(f"timed out after {budget:g}s"),
            )
        if on_done is not None:
            on_done(run)
        runs.append(run)
    return tuple(runs)


def assemble(runs: Iterable[ProbeRun]) -> dict:
    """Merge probe results into a facts-document body (sections, ``probes``, ``warnings``)."""
    doc: dict = {"accelerators": [], "probes": {}, "warnings": []}
    for run in runs:
        res = run.result
        data = dict(res.data)
        entry: dict = {
            "status": res.status.value,
            "seconds": round(run.seconds, 4),
            "reason": res.reason,
        }
        if run.section in _LIST_SECTIONS:
            doc[run.section].extend(data.pop(run.section, []))
            if data:
                entry["details"] = data
        elif res.status is not Status.UNKNOWN or data:
            doc[run.section] = data
        doc["probes"][run.name] = entry
        doc["warnings"].extend(res.warnings)
    return doc
