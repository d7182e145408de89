"""Fleet recommendations: many machines' facts documents ranked as one fleet.

``dlrec recommend --facts a.json --facts b.json`` (or ``--facts DIR/``: every ``*.json`` inside,
sorted by name) evaluates the rules on each node, then combines:

* A framework is feasible only if it is feasible on every node. A rule that keeps a framework
  off the answered accelerator on some node (``block_device``) blocks it for the fleet too: a
  data-parallel job runs at the pace of its slowest node. Each blocker names the nodes it blocks on.
* The fleet's score for a framework is its lowest node score (reasons from that node).
* The spread: GPU kinds (and how many nodes have each), the lowest driver, the lowest max CUDA,
  the smallest host and GPU memory, each with the node it comes from.

A node's name is the document's ``hostname`` (top level or ``os.hostname``) if present, else the
file's name without ``.json``. Pure apart from ``load_fleet`` (reads files) and
the file reading of ``load_fleet``; ``cli/recommend.py`` prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from recommender.errors import BadInputError


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    name: str
    path: str
    facts: Any
    ranking: Any = None
    evaluation: Any = None


def expand(paths: Sequence[str]) -> list[str]:
    """Files as given; a directory becomes its ``*.json`` files, sorted by name."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".json"))
            if not found:
                raise BadInputError("no *.json facts documents in this directory", where=path)
            out.extend(found)
        else:
            out.append(path)
    return out


def node_name(path: str, doc: Mapping[str, Any]) -> str:
    os_section = doc.get("os") if isinstance(doc.get("os"), Mapping) else {}
    for value in (doc.get("hostname"), os_section.get("hostname")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return os.path.basename(path).removesuffix(".json")


def load_fleet(paths: Sequence[str]) -> tuple[Node, ...]:
    from recommender.facts.load import load_facts_file as load_facts

    nodes, seen = [], set()
    for path in expand(paths):
        facts = load_facts(path)
        name = node_name(path, facts.doc)
        if name in seen:  # two documents from one host: tell them apart by file
            name = f"{name} ({os.path.basename(path)})"
        seen.add(name)
        nodes.append(Node(name=name, path=path, facts=facts))
    return tuple(nodes)


# --- the spread ---------------------------------------------------------------------------------


def _lowest(pairs: list[tuple[Any, str]], key) -> dict[str, Any] | None:
    pairs = [(v, n) for v, n in pairs if v is not None and key(v) is not None]
    if not pairs:
        return None
    value, node = min(pairs, key=lambda p: key(p[0]))
    return {"value": value, "node": node}


def spread(nodes: Sequence[Node]) -> dict[str, Any]:
    from recommender.engine.conditions import parse_version

    kinds: dict[str, list[str]] = {}
    drivers, cudas, gpu_mem, host_mem = [], [], [], []
    for node in nodes:
        accels = [a for a in node.facts.accelerators if a.get("visible") is not False] or []
        names = sorted({str(a.get("name") or a.get("kind")) for a in accels}) or ["none"]
        for name in names:
            kinds.setdefault(name, []).append(node.name)
        for a in accels:
            if a.get("kind") == "cuda":
                drivers.append((a.get("driver_version"), node.name))
                cudas.append((a.get("max_cuda"), node.name))
            gpu_mem.append((a.get("memory_bytes"), node.name))
        mem = node.facts.get("memory.usable_bytes") or node.facts.get("memory.total_bytes")
        host_mem.append((mem, node.name))

    def version(v):
        return parse_version(v) if isinstance(v, str) else None

    return {
        "gpu_kinds": {name: names for name, names in sorted(kinds.items())},
        "lowest_driver": _lowest(drivers, version),
        "lowest_max_cuda": _lowest(cudas, version),
        "smallest_gpu_memory_bytes": _lowest(gpu_mem, lambda v: v if isinstance(v, int) else None),
        "smallest_memory_bytes": _lowest(host_mem, lambda v: v if isinstance(v, int) else None),
    }


def _gib(value: int) -> str:
    return f"{value / (1 << 30):.0f} GiB"


def spread_lines(nodes: Sequence[Node], summary: Mapping[str, Any]) -> list[str]:
    kinds = ", ".join(
        f"{name} ({len(on)} node{'s' if len(on) != 1 else ''})"
        for name, on in summary["gpu_kinds"].items()
    )
    lines = [f"Fleet of {len(nodes)} nodes: {', '.join(n.name for n in nodes)}", f"  GPUs: {kinds}"]
    for key, label, fmt in (
        ("lowest_driver", "lowest NVIDIA driver", str),
        ("lowest_max_cuda", "lowest max CUDA", str),
        ("smallest_gpu_memory_bytes", "smallest GPU memory", _gib),
        ("smallest_memory_bytes", "smallest memory", _gib),
    ):
        item = summary.get(key)
        if item:
            lines.append(f"  {label}: {fmt(item['value'])} ({item['node']})")
    return lines


# --- combining the nodes' rankings ---------------------------------------------------------------


def _device_blocks(evaluation, rulebase, framework: str) -> list[tuple[str, str, str | None]]:
    """(rule, why, fix) of the fired rules that keep ``framework`` off the answered accelerator."""
    fired = set(evaluation.fired)
    return [
        (r.id, f"cannot use {r.block_device} here: {r.why}", r.fix)
        for r in rulebase.rules
        if r.id in fired and r.block and r.block_device and framework in r.block
    ]


def node_blockers(node: Node, framework: str, rulebase) -> list[tuple[str, str, str | None]]:
    entry = node.ranking.entry(framework)
    out = [(b.rule, b.why, b.fix) for b in entry.blockers]
    return out + _device_blocks(node.evaluation, rulebase, framework)


def combine(nodes: Sequence[Node], rulebase) -> tuple[Any, dict[str, list[dict]]]:
    """The fleet's Ranking, and per framework its blockers with the nodes each blocks on."""
    from recommender.decide.ranking import Block, Notice, Ranking, _sort_key, _verdict

    entries, blockers = [], {}
    for fw in ("tensorflow", "pytorch", "keras"):
        per_node = [(node, node.ranking.entry(fw)) for node in nodes]
        on: dict[tuple[str, str], tuple[str | None, list[str]]] = {}
        for node, _ in per_node:
            for rule, why, fix in node_blockers(node, fw, rulebase):
                on.setdefault((rule, why), (fix, []))[1].append(node.name)
        blockers[fw] = [
            {"rule": rule, "why": why, "fix": fix, "nodes": names}
            for (rule, why), (fix, names) in on.items()
        ]
        worst_node, worst = min(per_node, key=lambda p: p[1].score)
        blocks = tuple(
            Block(rule=b["rule"], why=f"{b['why']} (on {', '.join(b['nodes'])})", fix=b["fix"])
            for b in blockers[fw]
        )
        installed = all(e.installed for _, e in per_node)
        install = next((e.install for _, e in per_node if e.install), None)
        entries.append(
            replace(
                worst,
                feasible=not blocks,
                blockers=blocks,
                installed=installed,
                install=None if installed else install,
                verified=False,
                smoke=None,
            )
        )
    ranked = sorted(entries, key=_sort_key)
    ranked = [replace(e, rank=i, verdict=_verdict(e, i)) for i, e in enumerate(ranked, 1)]
    notices: dict[tuple[str, str], tuple[Any, list[str]]] = {}
    for node in nodes:
        for n in node.ranking.warnings:
            notices.setdefault((n.rule, n.why), (n, []))[1].append(node.name)
    warnings = tuple(
        n
        if len(names) == len(nodes)
        else Notice(
            rule=n.rule, why=f"{n.why} (on {', '.join(names)})", frameworks=n.frameworks, fix=n.fix
        )
        for n, names in notices.values()
    )
    note = (
        f"The facts come from {len(nodes)} other machines: no smoke run here; these results are "
        "unverified on them."
    )
    ranking = Ranking(
        entries=tuple(ranked),
        warnings=warnings,
        smoke=(),
        device=nodes[0].ranking.device,
        smoke_note=note,
        evaluation=nodes[0].evaluation,
    )
    return ranking, blockers


def recommend_fleet(request, rulebase):
    """(the fleet's Ranking, the answers, its nodes, the fleet document): each node ranked, then
    combined."""
    from recommender.decide.ranking import rank
    from recommender.engine.answers import resolve_answers
    from recommender.engine.evaluate import evaluate

    nodes = load_fleet(request.facts_files)
    answers = resolve_answers(
        rulebase.questions, file=request.answers_file, flags=request.flags, facts=nodes[0].facts
    )
    done = []
    for node in nodes:
        evaluation = evaluate(node.facts, answers, rulebase)
        ranking = rank(
            evaluation,
            (),
            node.facts,
            rulebase,
            smoke_note="(fleet)",
        )
        done.append(replace(node, evaluation=evaluation, ranking=ranking))
    ranking, blockers = combine(done, rulebase)
    doc = {
        "nodes": [
            {
                "name": n.name,
                "file": n.path,
                "feasible": {e.framework: e.feasible for e in n.ranking.entries},
            }
            for n in done
        ],
        "spread": spread(done),
        "blockers": blockers,
    }
    return ranking, answers, tuple(done), doc
