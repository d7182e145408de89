"""What differs between two machines, in plain words: "works on my laptop, fails on the cluster".

``diff_documents(a, b)`` is pure: two documents in, a tuple of Differences out. A document is

* a facts document (``dlrec probe --json``), optionally with a ``smoke`` list of smoke results
  and a ``distributed`` list of distributed smoke results, or
* a ``dlrec recommend --json`` document: its ``facts`` and ``smoke`` keys are read (and
  ``distributed``, when present).

Each compared aspect is described the same way for both sides ("A100 (cc 8.0)", "cuda 12.6",
"passed", "failed (illegal instruction)"); only the aspects whose descriptions differ are kept,
in a fixed order: hardware, system, Python, frameworks, smoke runs, distributed smoke runs.
The lines for a person (``diff_lines``) carry no control character of the documents'
(``recommender.core.printable``): a GPU or host name cannot drive the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Accelerator, Framework
from recommender.core.printable import printable

NONE = "none"
UNKNOWN = "unknown"
NOT_RUN = "not run"
#: (framework id, the name its rows use): the import name for torch, as users say "torch build".
_FRAMEWORKS = tuple(
    (fw.value, fw.info.module if fw is Framework.PYTORCH else fw.info.name) for fw in Framework
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    what: str
    a: str
    b: str

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "a": self.a, "b": self.b}

    def line(self) -> str:
        return printable(f"{self.what}: {self.a} vs {self.b}")


def split(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Any], list[Any]]:
    """(facts, smoke results, distributed results) of either kind of document."""
    facts_raw, smoke_raw, dist_raw = doc.get("facts"), doc.get("smoke"), doc.get("distributed")
    facts: Mapping[str, Any] = facts_raw if isinstance(facts_raw, Mapping) else doc
    smoke: list[Any] = smoke_raw if isinstance(smoke_raw, list) else []
    dist: list[Any] = dist_raw if isinstance(dist_raw, list) else []
    return (
        facts,
        [r for r in smoke if isinstance(r, Mapping)],
        [r for r in dist if isinstance(r, Mapping)],
    )


def _get(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(part)
    return doc


def _text(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _gib(value: Any) -> str:
    return f"{value / (1 << 30):.0f} GiB" if isinstance(value, int) else UNKNOWN


def gpus(facts: Mapping[str, Any]) -> str:
    accels = facts.get("accelerators")
    if not isinstance(accels, list):
        return UNKNOWN
    names = []
    for a in accels:
        if not isinstance(a, Mapping) or a.get("visible") is False:
            continue
        name = (
            str(a.get("name") or a.get("kind") or "?")
            .removeprefix("NVIDIA ")
            .removeprefix("Tesla ")
        )
        name = name.split("-")[0] if a.get("kind") == Accelerator.CUDA else name
        cc = f" (cc {a['compute_capability']})" if a.get("compute_capability") else ""
        names.append(name + cc)
    if not names:
        return NONE
    counted = {n: names.count(n) for n in names}
    return ", ".join(f"{n} x{c}" if c > 1 else n for n, c in counted.items())


def _nvidia(facts: Mapping[str, Any], key: str) -> str:
    if not isinstance(facts.get("accelerators"), list):
        return UNKNOWN  # no accelerators section: unknown, not "none"
    values = sorted(
        {
            str(a.get(key))
            for a in facts.get("accelerators") or []
            if isinstance(a, Mapping) and a.get("kind") == Accelerator.CUDA and a.get(key)
        }
    )
    return ", ".join(values) if values else NONE


def _avx(facts: Mapping[str, Any]) -> str:
    flags = _get(facts, "cpu.flags")
    if not isinstance(flags, list):
        return UNKNOWN
    have = [f for f in ("avx", "avx2", "avx512f") if f in flags]
    return ", ".join(have) if have else "no AVX"


def _system(facts: Mapping[str, Any]) -> str:
    parts = [_get(facts, "os.distro") or _get(facts, "os.system"), _get(facts, "os.machine")]
    if _get(facts, "os.wsl"):
        parts.append("WSL")
    return " ".join(str(p) for p in parts if p) or UNKNOWN


def build(fw: Mapping[str, Any]) -> str:
    """A framework build in plain words: "not installed", "cuda 12.6", "rocm", "cpu"; "unknown"
    where the document does not say whether it is installed (a missing section is unknown)."""
    if not isinstance(fw, Mapping) or fw.get("installed") is None:
        return UNKNOWN
    if not fw.get("installed"):
        return "not installed"
    b_raw = fw.get("build")
    b: Mapping[str, Any] = b_raw if isinstance(b_raw, Mapping) else {}
    if b.get("cuda"):
        return f"cuda {b['cuda']}"
    if b.get("rocm"):
        return f"rocm {b['rocm']}" if isinstance(b.get("rocm"), str) else "rocm"
    if b.get("xpu"):
        return "xpu"
    if b.get("flavour"):
        return str(b["flavour"])
    return "cpu" if b else UNKNOWN


def _version(fw: Any) -> str:
    if not isinstance(fw, Mapping) or fw.get("installed") is None:
        return UNKNOWN
    if not fw.get("installed"):
        return "not installed"
    return _text(fw.get("version"))


def fact_aspects(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = [
        ("GPU", gpus(facts)),
        ("NVIDIA driver", _nvidia(facts, "driver_version")),
        ("max CUDA (driver)", _nvidia(facts, "max_cuda")),
        ("CPU", _text(_get(facts, "cpu.model"))),
        ("CPU vector instructions", _avx(facts)),
        ("usable CPU cores", _text(_get(facts, "cpu.usable_cores"))),
        ("memory", _gib(_get(facts, "memory.usable_bytes") or _get(facts, "memory.total_bytes"))),
        ("OS", _system(facts)),
        ("Python", _text(_get(facts, "python.version"))),
    ]
    for key, name in _FRAMEWORKS:
        fw = _get(facts, f"frameworks.{key}")
        out.append((f"{name} version", _version(fw)))
        if key != Framework.KERAS:
            out.append((f"{name} build", build(fw)))
        if key == Framework.KERAS:
            state = _version(fw)
            out.append(
                (
                    "Keras backend",
                    _text(fw.get("backend")) if state not in (UNKNOWN, "not installed") else state,
                )
            )
    return out


def smoke_state(run: Mapping[str, Any]) -> str:
    if run.get("ok"):
        return "passed"
    error_raw = run.get("error")
    error: Mapping[str, Any] = error_raw if isinstance(error_raw, Mapping) else {}
    kind = str(error.get("kind") or "").replace("_", " ")
    return f"failed ({kind})" if kind else "failed"


def smoke_aspects(runs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in runs:
        name = (
            f"{r.get('framework')}[{r['backend']}]" if r.get("backend") else str(r.get("framework"))
        )
        label = f"smoke {name}/{r.get('device')} {r.get('model') or ''}".rstrip()
        out[label] = smoke_state(r)
    return out


def distributed_aspects(runs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in runs:
        label = f"distributed smoke {r.get('framework')} {r.get('engine')} x{r.get('processes')}/{r.get('device')}"
        if r.get("skipped"):
            state = "skipped"
        elif r.get("ok"):
            eff = r.get("scaling_efficiency")
            state = "passed" + (
                f" ({eff:.0%} scaling efficiency)" if isinstance(eff, (int, float)) else ""
            )
        else:
            state = "failed" + (" (replicas not in sync)" if r.get("synchronized") is False else "")
        out[label] = state
    return out


def _merge(a: Mapping[str, str], b: Mapping[str, str]) -> list[Difference]:
    keys = list(dict.fromkeys([*a, *b]))
    return [
        Difference(what=k, a=a.get(k, NOT_RUN), b=b.get(k, NOT_RUN))
        for k in keys
        if a.get(k, NOT_RUN) != b.get(k, NOT_RUN)
    ]


def diff_documents(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[Difference, ...]:
    fa, sa, da = split(a)
    fb, sb, db = split(b)
    out = [
        Difference(what=what, a=x, b=y)
        for (what, x), (_, y) in zip(fact_aspects(fa), fact_aspects(fb))
        if x != y
    ]
    out += _merge(smoke_aspects(sa), smoke_aspects(sb))
    out += _merge(distributed_aspects(da), distributed_aspects(db))
    return tuple(out)


def diff_lines(name_a: str, name_b: str, diffs: Sequence[Difference]) -> list[str]:
    head = [f"A: {printable(name_a)}", f"B: {printable(name_b)}"]
    if not diffs:
        return [*head, "No differences in what dlrec compares."]
    return [
        *head,
        f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''} (A vs B):",
        *(f"  {d.line()}" for d in diffs),
    ]


def diff_to_json(name_a: str, name_b: str, diffs: Sequence[Difference]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "a": name_a,
        "b": name_b,
        "differences": [d.to_dict() for d in diffs],
    }
