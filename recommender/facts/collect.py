"""Collect the facts of this machine: run the probes (and, with ``deep``, framework children)."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from recommender import __version__, probes
from recommender.core.catalog import FRAMEWORK_IDS
from recommender.facts.document import SCHEMA_VERSION, Facts, now_utc
from recommender.probes.process import run_bounded

_DEEP_CHILD = str(Path(probes.__file__).with_name("deep_child.py"))
DEEP_TIMEOUT_S = 90.0


def deep_probe(framework: str, env, timeout: float = DEEP_TIMEOUT_S) -> dict:
    """Import ``framework`` in a bounded child and return what devices it really sees."""
    res = run_bounded([sys.executable, _DEEP_CHILD, framework], timeout=timeout, env=env)
    if res.timed_out:
        return {"ok": False, "error": f"import did not finish within {timeout:g}s"}
    if res.returncode is not None and res.returncode < 0:
        sig = -res.returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = (
            " (illegal instruction: the CPU lacks an instruction the wheel needs, e.g. AVX)"
            if sig == signal.SIGILL
            else ""
        )
        return {"ok": False, "error": f"import crashed with {name}{hint}"}
    lines = res.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = (res.stderr.strip().splitlines() or ["no output"])[-1]
        return {"ok": False, "error": tail[:300]}


def _add_deep(doc: dict, env, timeout: float) -> None:
    frameworks = doc.get("frameworks") or {}
    wanted = [fw for fw in FRAMEWORK_IDS if (frameworks.get(fw) or {}).get("installed")]
    from concurrent.futures import ThreadPoolExecutor  # --deep only (it imports logging)

    with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
        results = dict(zip(wanted, pool.map(lambda fw: deep_probe(fw, env, timeout), wanted)))
    for fw, result in results.items():
        frameworks[fw]["deep"] = result


def collect_facts(
    *,
    host: probes.Host | None = None,
    deep: bool = False,
    scale: float = 1.0,
    on_done: Callable[[probes.ProbeRun], None] | None = None,
    deep_timeout: float = DEEP_TIMEOUT_S,
) -> Facts:
    """Probe this machine and return its facts document as a frozen value."""
    host = host or probes.Host.current()
    runs = probes.run_probes(probes.default_registry(), host, scale=scale, on_done=on_done)
    body = probes.assemble(runs)
    if deep:
        _add_deep(body, host.env, deep_timeout)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "dlrec_version": __version__,
        "collected_at": now_utc(),
    }
    order = (
        "python",
        "os",
        "cpu",
        "memory",
        "disk",
        "accelerators",
        "frameworks",
        "probes",
        "warnings",
    )
    doc.update({key: body[key] for key in order if key in body})
    _add_jetson(doc)
    return Facts.from_dict(doc)


def _add_jetson(doc: dict) -> None:
    """A Jetson's JetPack and GPU compute capability, from its L4T release and SoC."""
    os_section = doc.get("os")
    if isinstance(os_section, dict) and (os_section.get("l4t") or os_section.get("tegra")):
        from recommender.facts.jetson import jetson_fields, load_jetson_table

        os_section.update(jetson_fields(os_section, load_jetson_table()))
