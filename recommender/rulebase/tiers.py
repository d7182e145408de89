"""Support tiers (rules/tiers.yaml) as values: how well a framework runs on a device, per OS.

``TierTable`` is the value the rule base carries and ``decide/ranking/tiers.py`` reads;
``rulebase/tiers_parse.py`` reads and validates the file.
"""

from __future__ import annotations

from recommender.core.frozen import frozen

#: The tiers, best first, with their rank (higher is better).
TIERS: dict[str, int] = {"first-class": 3, "supported": 2, "experimental": 1, "none": 0}
#: Training devices: the ``accelerator`` answer values.
TRAINING_WHERE = ("cpu", "nvidia", "amd", "apple", "tpu", "intel")
#: Deployment targets that are a device of their own (the ``deploy`` answer values).
TARGET_WHERE = ("android", "ios", "browser", "microcontroller", "edge", "edge-gpu")
WHERE = TRAINING_WHERE + TARGET_WHERE
#: The OS names an entry may narrow to (``os.system`` Linux / Windows / Darwin).
OSES = ("linux", "windows", "macos")
#: The frameworks with tiers of their own (Keras inherits its backend's).
TIER_FRAMEWORKS = ("tensorflow", "pytorch", "jax")


@frozen
class TierEntry:
    framework: str
    where: str
    os: str | None
    tier: str
    why: str
    sources: tuple[str, ...]
    verified: str
    line: int = 0

    @property
    def rank(self) -> int:
        return TIERS[self.tier]


@frozen
class TierTable:
    entries: tuple[TierEntry, ...] = ()

    def lookup(self, framework: str, where: str, os: str | None) -> TierEntry | None:
        """The entry for this framework on ``where`` under ``os`` (an OS-specific entry first)."""
        general = None
        for entry in self.entries:
            if entry.framework != framework or entry.where != where:
                continue
            if entry.os is not None and entry.os == os:
                return entry
            if entry.os is None:
                general = entry
        return general
