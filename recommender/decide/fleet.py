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

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from recommender.catalog import FRAMEWORK_IDS
from recommender.decide.rows import Ranking
from recommender.engine.answers import Answers
from recommender.engine.evaluate import Evaluation
from recommender.engine.rulebase import RuleBase
from recommender.errors import BadInputError
from recommender.facts.document import Facts


class FleetRequest(Protocol):
    """What a fleet recommendation reads from the pipeline's Request."""

    @property
    def facts_files(self) -> tuple[str, ...]: ...
    @property
    def answers_file(self) -> str | None: ...
    @property
    def flags(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    name: str
    path: str
    facts: Facts
    ranking: Ranking | None = None
    evaluation: Evaluation | None = None

    @property
    def ranked(self) -> Ranking:
        """The node's ranking (set by ``recommend_fleet`` before the nodes are combined)."""
        assert self.ranking is not None, f"node {self.name} is not ranked yet"
        return self.ranking


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
    found = doc.get("os")
    os_section: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    for value in (doc.get("hostname"), os_section.get("hostname")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return os.path.basename(path).removesuffix(".json")


#: Fields that never make two machines different: who and when, not what.
_NOT_THE_MACHINE = frozenset(
    {"hostname", "collected_at", "dlrec_version", "seconds", "source", "executable", "path"}
)
_HOME = re.compile(r"(/home/|/Users/|[A-Za-z]:\\\\Users\\\\)[^/\\\\\s\"]+")


def _strip(doc: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in _NOT_THE_MACHINE}
    probes = doc.get("probes")
    if isinstance(probes, Mapping):  # a probe's status counts, its time does not
        out["probes"] = {
            name: {k: v for k, v in p.items() if k not in _NOT_THE_MACHINE}
            if isinstance(p, Mapping)
            else p
            for name, p in probes.items()
        }
    for name in ("os", "python", "disk"):  # host name, the interpreter's and the disk's paths
        section = doc.get(name)
        if isinstance(section, Mapping):
            out[name] = {
                k: v for k, v in section.items() if k not in _NOT_THE_MACHINE and k != "cache_path"
            }
    return out


_VOLATILE = re.compile(
    r'"(?:hostname|collected_at|dlrec_version|executable|path|cache_path)"\s*:\s*'
    r'(?:"(?:[^"\\]|\\.)*"|null)|"seconds"\s*:\s*[-+0-9.eE]+'
)


def _text_key(text: str) -> str:
    """A cheap first key on the file's text: the same text once the fields that never make two
    machines different are cut out (a different layout of one machine just misses it)."""
    return _VOLATILE.sub("", text)


def machine_key(doc: Mapping[str, Any]) -> str:
    """Equal for the facts of identical machines: host and user names, home paths, collection
    time and probe timings (what ``--redact`` masks, and when) are left out."""
    text = json.dumps(_strip(doc), sort_keys=True, default=str)
    return _HOME.sub(r"\1~", text) if "Users" in text or "/home/" in text else text


def load_fleet(paths: Sequence[str]) -> tuple[Node, ...]:
    """Every node's facts; identical machines share one validated, frozen Facts value."""
    from recommender.facts.load import facts_from_document, read_document

    nodes: list[Node] = []
    seen: set[str] = set()
    machines: dict[str, Facts] = {}
    by_text: dict[str, Facts] = {}  # the same file text but for host, paths, times: one machine
    for path in expand(paths):
        doc, text = read_document(path)
        facts = by_text.get(_text_key(text))
        if facts is None:
            key = machine_key(doc)
            facts = machines.get(key)
            if facts is None:
                facts = machines[key] = facts_from_document(doc, path, text)
            by_text[_text_key(text)] = facts
        name = node_name(path, doc)
        if name in seen:  # two documents from one host: tell them apart by file
            name = f"{name} ({os.path.basename(path)})"
        seen.add(name)
        nodes.append(Node(name=name, path=path, facts=facts))
    return tuple(nodes)


# --- the spread ---------------------------------------------------------------------------------


def _lowest(pairs: list[tuple[Any, str]], key: Callable[[Any], Any]) -> dict[str, Any] | None:
    pairs = [(v, n) for v, n in pairs if v is not None and key(v) is not None]
    if not pairs:
        return None
    value, node = min(pairs, key=lambda p: key(p[0]))
    return {"value": value, "node": node}


def spread(nodes: Sequence[Node]) -> dict[str, Any]:
    from recommender.engine.conditions import parse_version

    kinds: dict[str, list[str]] = {}
    drivers: list[tuple[Any, str]] = []
    cudas: list[tuple[Any, str]] = []
    gpu_mem: list[tuple[Any, str]] = []
    host_mem: list[tuple[Any, str]] = []
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

    def version(v: object) -> object:
        return parse_version(v) if isinstance(v, str) else None

    def counts(pairs: list[tuple[Any, str]]) -> dict[str, list[str]]:
        # value -> the nodes that have it, lowest version first
        by: dict[str, list[str]] = {}
        for value, node in pairs:
            if value is not None and node not in by.setdefault(str(value), []):
                by[str(value)].append(node)
        return dict(sorted(by.items(), key=lambda kv: (version(kv[0]) or (), kv[0])))

    return {
        "gpu_kinds": {name: names for name, names in sorted(kinds.items())},
        "drivers": counts(drivers),
        "max_cuda": counts(cudas),
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


#: (id of an evaluation, framework) -> its device blocks. Identical machines share one
#: Evaluation, so a fleet of copies asks once per distinct machine, not once per node.
_BLOCKS: dict[tuple[int, str], tuple[Evaluation, list[tuple[str, str, str | None]]]] = {}


def _device_blocks(
    evaluation: Evaluation, rulebase: RuleBase, framework: str
) -> list[tuple[str, str, str | None]]:
    """(rule, why, fix) of the fired rules that keep ``framework`` off the answered accelerator."""
    key = (id(evaluation), framework)
    hit = _BLOCKS.get(key)
    if hit is not None and hit[0] is evaluation:  # the evaluation itself is kept: ids stay valid
        return hit[1]
    fired = set(evaluation.fired)
    blocks = [
        (r.id, f"cannot use {r.block_device} here: {r.why}", r.fix)
        for r in rulebase.rules
        if r.id in fired and r.block and r.block_device and framework in r.block
    ]
    if len(_BLOCKS) > 4096:
        _BLOCKS.clear()
    _BLOCKS[key] = (evaluation, blocks)
    return blocks


def node_blockers(
    node: Node, framework: str, rulebase: RuleBase
) -> list[tuple[str, str, str | None]]:
    entry = node.ranked.entry(framework)
    out = [(b.rule, b.why, b.fix) for b in entry.blockers]
    assert node.evaluation is not None, f"node {node.name} is not evaluated yet"
    return out + _device_blocks(node.evaluation, rulebase, framework)


def combine(
    nodes: Sequence[Node], rulebase: RuleBase
) -> tuple[Ranking, dict[str, list[dict[str, Any]]]]:
    """The fleet's Ranking, and per framework its blockers with the nodes each blocks on."""
    from recommender.decide.ranking import Block, Notice, sort_key, verdict_of

    entries = []
    blockers: dict[str, list[dict[str, Any]]] = {}
    for fw in FRAMEWORK_IDS:
        per_node = [(node, node.ranked.entry(fw)) for node in nodes]
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
    ranked = sorted(entries, key=sort_key)
    ranked = [replace(e, rank=i, verdict=verdict_of(e, i)) for i, e in enumerate(ranked, 1)]
    notices: dict[tuple[str, str], tuple[Any, list[str]]] = {}
    for node in nodes:
        for n in node.ranked.warnings:
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
        device=nodes[0].ranked.device,
        smoke_note=note,
        evaluation=nodes[0].evaluation,
    )
    return ranking, blockers


def recommend_fleet(
    request: FleetRequest, rulebase: RuleBase
) -> tuple[Ranking, Answers, tuple[Node, ...], dict[str, Any]]:
    """(the fleet's Ranking, the answers, its nodes, the fleet document): each node ranked, then
    combined."""
    from recommender.decide.ranking import rank
    from recommender.engine.answers import resolve_answers
    from recommender.engine.evaluate import evaluate

    nodes = load_fleet(request.facts_files)
    answers = resolve_answers(
        rulebase.questions, file=request.answers_file, flags=request.flags, facts=nodes[0].facts
    )
    done: list[Node] = []
    seen: dict[str, tuple[Evaluation, Ranking]] = {}
    for node in nodes:  # identical machines are evaluated once (the cost follows distinct ones)
        key = machine_key(node.facts.doc)
        if key not in seen:
            evaluation = evaluate(node.facts, answers, rulebase)
            seen[key] = (
                evaluation,
                rank(evaluation, (), node.facts, rulebase, smoke_note="(fleet)"),
            )
        evaluation, ranking = seen[key]
        done.append(replace(node, evaluation=evaluation, ranking=ranking))
    ranking, blockers = combine(done, rulebase)
    doc = {
        "nodes": [
            {
                "name": n.name,
                "file": n.path,
                "feasible": {e.framework: e.feasible for e in n.ranked.entries},
            }
            for n in done
        ],
        "spread": spread(done),
        "blockers": blockers,
    }
    return ranking, answers, tuple(done), doc
