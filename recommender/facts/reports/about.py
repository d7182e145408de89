"""Which frameworks a pasted report is about: a collect_env report (torch's or vLLM's) shows
torch; a paste shows the frameworks it names as installed."""

from __future__ import annotations

from recommender.core.catalog import Framework
from recommender.facts.document import Facts
from recommender.facts.reports.collect_env import TORCH_FORMAT, VLLM_FORMAT


def pasted_frameworks(facts: Facts) -> tuple[str, ...]:
    """The frameworks a pasted report shows, torch first (the most pasted)."""
    order = (Framework.PYTORCH, Framework.TENSORFLOW, Framework.JAX)
    return tuple(f.value for f in order if facts.get(f"frameworks.{f.value}.installed"))


def reported_framework(facts: Facts) -> str | None:
    """The framework a pasted report is about, so its checklist checks that one, not the
    framework the ranking would recommend; None for a probe's facts."""
    if facts.get("source.format") in (TORCH_FORMAT, VLLM_FORMAT):
        return Framework.PYTORCH.value
    if facts.get("source.format") == "paste":  # a paste: the framework it shows
        return next(iter(pasted_frameworks(facts)), None)
    return None
