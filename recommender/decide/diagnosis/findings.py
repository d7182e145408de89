"""The values a diagnosis is made of: a finding (one cause, its proving lines, one fix) and the
diagnosis of one paste."""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from recommender.facts.reports import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    line: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    id: str
    category: str
    status: str  # fail, warn or ok
    title: str
    detail: str
    fix: str | None
    quotes: tuple[Quote, ...]
    source: str
    #: Other categories the same cause belongs to (a gfx target without kernels is both a ROCm
    #: problem and a missing architecture).
    also: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "also": list(self.also),
            "status": self.status,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "lines": [{"line": q.line, "text": q.text} for q in self.quotes],
            "source": self.source,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnosis:
    origin: str
    formats: tuple[str, ...]
    frameworks: tuple[str, ...]
    findings: tuple[Finding, ...]
    facts: tuple[Fact, ...]

    @property
    def failed(self) -> bool:
        return any(f.status == "fail" for f in self.findings)

    @property
    def categories(self) -> tuple[str, ...]:
        found = (c for f in self.findings if f.status != "ok" for c in (f.category, *f.also))
        return tuple(dict.fromkeys(found))

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "formats": list(self.formats),
            "frameworks": list(self.frameworks),
            "healthy": not self.failed,
            "categories": list(self.categories),
            "findings": [f.to_dict() for f in self.findings],
            "facts": [
                {"fact": f.path, "value": plain(f.value), "line": f.line} for f in self.facts
            ],
        }


def plain(value: Any) -> Any:
    """A fact's value as JSON holds it: a record a reader keeps (a resolver's ``Need``) as its
    fields, a sequence as a list, anything else JSON cannot hold as its text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)
