"""The facts a line reader has found so far, where the first fact per path wins (as in every
reader): shared by the readers of start-up banners and of applications' logs, which both state
torch's release and build."""

from __future__ import annotations

from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Fact


class FirstFacts:
    """The facts found so far: the first per path wins."""

    def __init__(self) -> None:
        self.found: dict[str, Fact] = {}

    def add(self, path: str, value: object, line: int) -> None:
        if value not in (None, "") and path not in self.found:
            self.found[path] = Fact(path=path, value=value, line=line)

    def torch(self, version: str, line: int) -> None:
        """torch's release as stated, with the build its local label names (``+cu121``)."""
        self.add("frameworks.pytorch.installed", True, line)
        self.add("frameworks.pytorch.version", version, line)
        for key, value in local_build(version).items():
            self.add(f"frameworks.pytorch.build.{key}", value, line)
