"""A machine's ``MachineSummary`` (decide/fleet/combine.py) as plain JSON and back: what a node writes
as its own recommendation (``dlrec fleet node-recommend``) and the head folds without
evaluating that node again.

Every field of every row is kept (not only those ``--json`` prints: the text report, the
fleet's sort and its verdicts read the others), so a fleet folded from these documents prints
the bytes a fleet evaluated on the head prints. Reading validates the shape like any input: a
key of the wrong type or missing is refused with the file, line and key (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from recommender.core.catalog import FRAMEWORK_IDS
from recommender.core.problems import BadRequest
from recommender.decide.fleet.combine import MachineSummary
from recommender.decide.ranking.rows import BackendRow, Block, Entry, Notice, NotInherited
from recommender.decide.ranking.tiers import Placement
from recommender.engine.evaluate import Reason

_T = TypeVar("_T")


# --- writing ------------------------------------------------------------------------------


def _block(b: Block) -> dict[str, Any]:
    return {"rule": b.rule, "why": b.why, "fix": b.fix}


def _entry(e: Entry) -> dict[str, Any]:
    if e.smoke is not None or e.tried is not None:
        raise ValueError("a node's summary has no smoke run or try (--no-smoke)")
    place = e.placement
    return {
        "framework": e.framework,
        "backend": e.backend,
        "rank": e.rank,
        "score": e.score,
        "rule_score": e.rule_score,
        "feasible": e.feasible,
        "installed": e.installed,
        "verified": e.verified,
        "ready": e.ready,
        "needs_reinstall": e.needs_reinstall,
        "confidence": e.confidence,
        "verdict": e.verdict,
        "reasons": [
            {
                "rule": r.rule,
                "delta": r.delta,
                "why": r.why,
                "sources": list(r.sources),
                "note": r.note,
            }
            for r in e.reasons
        ],  # fmt: skip
        "blockers": [_block(b) for b in e.blockers],
        "warnings": list(e.warnings),
        "install": e.install,
        "backend_choice": [list(c) for c in e.backend_choice],
        "install_plan": e.install_plan,
        "backends": [
            {**b.to_dict(), "blockers": [_block(x) for x in b.blockers]} for b in e.backends
        ],
        "placement": None
        if place is None
        else {
            "tier": place.tier,
            "key": list(place.key),
            "places": [[d, t, w, list(s)] for d, t, w, s in place.places],
            "crossing": place.crossing,
            "note": place.note,
        },
        "tied": e.tied,
        "unreached": list(e.unreached),
        "not_inherited": [n.to_dict() for n in e.not_inherited],
    }


def summary_to_dict(summary: MachineSummary) -> dict[str, Any]:
    names, cuda, gpu_memory, memory = summary.figures
    return {
        "entries": [_entry(e) for e in summary.entries],
        "warnings": [n.to_dict() for n in summary.warnings],
        "device_blocks": {
            fw: [list(b) for b in found] for fw, found in summary.device_blocks.items()
        },
        "figures": {
            "gpu_kinds": list(names),
            "nvidia": [list(pair) for pair in cuda],
            "gpu_memory_bytes": list(gpu_memory),
            "memory_bytes": memory,
        },
    }


# --- reading ------------------------------------------------------------------------------


class BadSummary(BadRequest):
    """A summary of another shape; ``key`` is the dotted path of the value refused (the
    pipeline, which has the text, finds its line)."""

    def __init__(self, key: str, message: str, *, where: str) -> None:
        super().__init__(f"key {key}: {message}", where=where)
        self.key = key


class _Reader:
    """Typed look-ups in one document, each refusal naming the file, line and key."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, node: Any, key: str, path: str, wanted: str, got: Any) -> BadSummary:
        got_name = "nothing" if got is None else type(got).__name__
        return BadSummary(path, f"expected {wanted}, got {got_name}", where=self.name)

    def bad(self, path: str, wanted: str) -> BadSummary:
        return BadSummary(path, f"expected {wanted}", where=self.name)

    def get(self, node: Any, key: str, path: str, check: Callable[[Any], bool], wanted: str) -> Any:
        if not isinstance(node, Mapping):
            raise self.fail(node, key, path.rpartition(".")[0] or path, "a mapping", node)
        if key not in node:
            raise self.fail(node, key, f"{path}", wanted, None)
        value = node[key]
        if not check(value):
            raise self.fail(node, key, path, wanted, value)
        return value

    def text(self, node: Any, key: str, path: str) -> str:
        return str(self.get(node, key, path, lambda v: isinstance(v, str), "a string"))

    def opt_text(self, node: Any, key: str, path: str) -> str | None:
        value = self.get(node, key, path, lambda v: v is None or isinstance(v, str), "a string")
        return None if value is None else str(value)

    def flag(self, node: Any, key: str, path: str) -> bool:
        return bool(self.get(node, key, path, lambda v: isinstance(v, bool), "true or false"))

    def number(self, node: Any, key: str, path: str) -> Any:
        return self.get(node, key, path, _is_number, "a number")

    def items(
        self, node: Any, key: str, path: str, each: Callable[[Any, str], _T]
    ) -> tuple[_T, ...]:
        values = self.get(node, key, path, lambda v: isinstance(v, list), "a list")
        return tuple(each(v, f"{path}[{i}]") for i, v in enumerate(values))

    def texts(self, node: Any, key: str, path: str) -> tuple[str, ...]:
        values = self.get(
            node,
            key,
            path,
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of strings",
        )
        return tuple(values)

    def mapping(self, node: Any, key: str, path: str) -> Mapping[str, Any]:
        return dict(self.get(node, key, path, lambda v: isinstance(v, Mapping), "a mapping"))

    # --- the values ---

    def block(self, node: Any, path: str) -> Block:
        return Block(
            rule=self.text(node, "rule", f"{path}.rule"),
            why=self.text(node, "why", f"{path}.why"),
            fix=self.opt_text(node, "fix", f"{path}.fix"),
        )

    def reason(self, node: Any, path: str) -> Reason:
        return Reason(
            rule=self.text(node, "rule", f"{path}.rule"),
            delta=self.number(node, "delta", f"{path}.delta"),
            why=self.text(node, "why", f"{path}.why"),
            sources=self.texts(node, "sources", f"{path}.sources"),
            note=self.opt_text(node, "note", f"{path}.note"),
        )

    def notice(self, node: Any, path: str) -> Notice:
        return Notice(
            rule=self.text(node, "rule", f"{path}.rule"),
            why=self.text(node, "why", f"{path}.why"),
            frameworks=self.texts(node, "frameworks", f"{path}.frameworks"),
            fix=self.opt_text(node, "fix", f"{path}.fix"),
        )

    def plan(self, node: Any, key: str, path: str) -> Mapping[str, Any] | None:
        value = self.get(
            node, key, path, lambda v: v is None or isinstance(v, Mapping), "a mapping"
        )
        return None if value is None else dict(value)

    def backend_row(self, node: Any, path: str) -> BackendRow:
        return BackendRow(
            backend=self.text(node, "backend", f"{path}.backend"),
            feasible=self.flag(node, "feasible", f"{path}.feasible"),
            score=self.number(node, "score", f"{path}.score"),
            install=self.opt_text(node, "install", f"{path}.install"),
            install_plan=self.plan(node, "install_plan", f"{path}.install_plan"),
            blockers=self.items(node, "blockers", f"{path}.blockers", self.block),
        )

    def not_inherited(self, node: Any, path: str) -> NotInherited:
        return NotInherited(
            rule=self.text(node, "rule", f"{path}.rule"),
            delta=self.number(node, "delta", f"{path}.delta"),
            framework=self.text(node, "framework", f"{path}.framework"),
            why=self.text(node, "why", f"{path}.why"),
        )

    def place(self, node: Any, path: str) -> tuple[str, str, str, tuple[str, ...]]:
        ok = (
            isinstance(node, list)
            and len(node) == 4
            and all(isinstance(x, str) for x in node[:3])
            and isinstance(node[3], list)
            and all(isinstance(x, str) for x in node[3])
        )
        if not ok:
            raise self.bad(path, "[device, tier, why, [sources]]")
        return node[0], node[1], node[2], tuple(node[3])

    def placement(self, node: Any, key: str, path: str) -> Placement | None:
        value = self.get(
            node, key, path, lambda v: v is None or isinstance(v, Mapping), "a mapping"
        )
        if value is None:
            return None
        order = self.get(
            value,
            "key",
            f"{path}.key",
            lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v),
            "two integers",
        )
        return Placement(
            tier=self.text(value, "tier", f"{path}.tier"),
            key=(order[0], order[1]),
            places=self.items(value, "places", f"{path}.places", self.place),
            crossing=self.opt_text(value, "crossing", f"{path}.crossing"),
            note=self.opt_text(value, "note", f"{path}.note"),
        )

    def choice(self, node: Any, path: str) -> tuple[str, float, str]:
        ok = (
            isinstance(node, list)
            and len(node) == 3
            and isinstance(node[0], str)
            and _is_number(node[1])
            and isinstance(node[2], str)
        )
        if not ok:
            raise self.bad(path, "[backend, score, tier]")
        return node[0], node[1], node[2]

    def entry(self, node: Any, path: str) -> Entry:
        framework = self.text(node, "framework", f"{path}.framework")
        if framework not in FRAMEWORK_IDS:
            raise self.fail(node, "framework", f"{path}.framework", "a framework", framework)
        return Entry(
            framework=framework,
            backend=self.opt_text(node, "backend", f"{path}.backend"),
            rank=self.get(node, "rank", f"{path}.rank", _is_int, "an integer"),
            score=self.number(node, "score", f"{path}.score"),
            rule_score=self.number(node, "rule_score", f"{path}.rule_score"),
            feasible=self.flag(node, "feasible", f"{path}.feasible"),
            installed=self.flag(node, "installed", f"{path}.installed"),
            verified=self.flag(node, "verified", f"{path}.verified"),
            ready=self.flag(node, "ready", f"{path}.ready"),
            needs_reinstall=self.flag(node, "needs_reinstall", f"{path}.needs_reinstall"),
            confidence=self.text(node, "confidence", f"{path}.confidence"),
            verdict=self.text(node, "verdict", f"{path}.verdict"),
            reasons=self.items(node, "reasons", f"{path}.reasons", self.reason),
            blockers=self.items(node, "blockers", f"{path}.blockers", self.block),
            warnings=self.texts(node, "warnings", f"{path}.warnings"),
            smoke=None,
            install=self.opt_text(node, "install", f"{path}.install"),
            backend_choice=self.items(
                node, "backend_choice", f"{path}.backend_choice", self.choice
            ),
            install_plan=self.plan(node, "install_plan", f"{path}.install_plan"),
            backends=self.items(node, "backends", f"{path}.backends", self.backend_row),
            placement=self.placement(node, "placement", f"{path}.placement"),
            tied=self.flag(node, "tied", f"{path}.tied"),
            unreached=self.texts(node, "unreached", f"{path}.unreached"),
            not_inherited=self.items(
                node, "not_inherited", f"{path}.not_inherited", self.not_inherited
            ),
        )

    def device_block(self, node: Any, path: str) -> tuple[str, str, str | None]:
        ok = (
            isinstance(node, list)
            and len(node) == 3
            and isinstance(node[0], str)
            and isinstance(node[1], str)
            and (node[2] is None or isinstance(node[2], str))
        )
        if not ok:
            raise self.bad(path, "[rule, why, fix]")
        return node[0], node[1], node[2]

    def nvidia(self, node: Any, path: str) -> tuple[Any, Any]:
        ok = (
            isinstance(node, list)
            and len(node) == 2
            and all(x is None or isinstance(x, str) for x in node)
        )
        if not ok:
            raise self.bad(path, "[driver, max CUDA]")
        return node[0], node[1]

    def size(self, node: Any, path: str) -> Any:
        if node is not None and not _is_int(node):
            raise self.bad(path, "an integer or null")
        return node


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def summary_from_dict(doc: Any, name: str, key: str = "summary") -> MachineSummary:
    """A node's summary as ``summary_to_dict`` wrote it (the value of ``key`` in ``doc``);
    BadRequest (exit 2) naming file, line and key for anything of another shape."""
    r = _Reader(name)
    node = r.mapping(doc, key, key)
    entries = r.items(node, "entries", f"{key}.entries", r.entry)
    if sorted(e.framework for e in entries) != sorted(FRAMEWORK_IDS):
        raise r.bad(f"{key}.entries", f"one row per framework ({', '.join(FRAMEWORK_IDS)})")
    blocks_doc = r.mapping(node, "device_blocks", f"{key}.device_blocks")
    blocks = {
        fw: r.items(blocks_doc, fw, f"{key}.device_blocks.{fw}", r.device_block)
        for fw in FRAMEWORK_IDS
    }
    figures = r.mapping(node, "figures", f"{key}.figures")
    path = f"{key}.figures"
    memory = r.get(figures, "memory_bytes", f"{path}.memory_bytes", lambda v: True, "")
    return MachineSummary(
        entries=entries,
        warnings=r.items(node, "warnings", f"{key}.warnings", r.notice),
        device_blocks=MappingProxyType(blocks),
        figures=(
            r.texts(figures, "gpu_kinds", f"{path}.gpu_kinds"),
            r.items(figures, "nvidia", f"{path}.nvidia", r.nvidia),
            r.items(figures, "gpu_memory_bytes", f"{path}.gpu_memory_bytes", r.size),
            r.size(memory, f"{path}.memory_bytes"),
        ),
    )


__all__ = ["BadSummary", "summary_from_dict", "summary_to_dict"]
